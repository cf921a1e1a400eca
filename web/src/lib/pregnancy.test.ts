/**
 * Where Outpost asks about pregnancy (it chooses the early-warning chart), and
 * how a pregnancy recorded earlier reads today.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { assertFact, createPatient, readPatient, type Sex } from '@outpost/shared/model';
import { TEST_CLINIC_ID, TEST_START_MS, createTestContext } from '@outpost/shared/model/fixtures';
import { getOrThrow } from '@outpost/shared/result';
import { pregnancyPrompt } from './clinical';
import { mayBePregnant, pregnancyToday } from './pregnancy';

const WEEK_MS = 7 * 86_400_000;

function patient(sex: Sex | undefined, ageYears: number | undefined) {
  const ctx = createTestContext();
  const doc = new Y.Doc();
  getOrThrow(
    createPatient(doc, ctx, {
      homeClinicId: TEST_CLINIC_ID,
      profile: { givenName: 'Test' },
      ...(sex && { sex }),
      ...(ageYears !== undefined && { dateOfBirth: { ageYears } }),
    }),
  );
  return { ctx, doc, view: () => getOrThrow(readPatient(doc)) };
}

describe('who is asked about pregnancy', () => {
  it('women and people of unknown sex aged 10–55, or of unknown age', () => {
    expect(mayBePregnant('female', 30)).toBe(true);
    expect(mayBePregnant('unknown', 30)).toBe(true);
    expect(mayBePregnant('female', undefined)).toBe(true);
    expect(mayBePregnant('female', 10)).toBe(true);
    expect(mayBePregnant('female', 55)).toBe(true);
    expect(mayBePregnant('female', 9)).toBe(false);
    expect(mayBePregnant('female', 56)).toBe(false);
    expect(mayBePregnant('male', 30)).toBe(false);
    expect(mayBePregnant('', 30)).toBe(false);
  });

  it('the patient page and the visit offer it there, where a status is recorded, and where no chart can be chosen without it', () => {
    const at = TEST_START_MS;
    expect(pregnancyPrompt(patient('female', 30).view(), at)).toEqual({
      offered: true,
      needed: true,
    });
    expect(pregnancyPrompt(patient('male', 30).view(), at)).toEqual({
      offered: false,
      needed: false,
    });
    // A woman of 70 counts as not pregnant: no need to ask.
    expect(pregnancyPrompt(patient('female', 70).view(), at)).toEqual({
      offered: false,
      needed: false,
    });
    // "Other", 40: the rules still need a status before NEWS2 applies.
    expect(pregnancyPrompt(patient('other', 40).view(), at)).toEqual({
      offered: true,
      needed: true,
    });
    // Recorded (even where it would not be asked): shown, so it can be corrected.
    const older = patient('female', 70);
    getOrThrow(
      assertFact(older.doc, older.ctx, { field: 'pregnancy', value: { status: 'not-pregnant' } }),
    );
    expect(pregnancyPrompt(older.view(), at)).toEqual({ offered: true, needed: false });
  });
});

describe('a pregnancy recorded earlier', () => {
  const recorded = (weeks: number | undefined) => ({
    id: 'x',
    value: { status: 'pregnant' as const, ...(weeks && { gestationalWeeks: weeks }) },
    by: createTestContext().actor,
    at: TEST_START_MS,
  });

  it('reads with her weeks today, and when it was recorded', () => {
    expect(pregnancyToday(recorded(30), TEST_START_MS + 6 * 86_400_000)).toEqual({
      status: 'pregnant',
      weeksNow: 30,
      overdue: false,
    });
    expect(pregnancyToday(recorded(30), TEST_START_MS + 3 * WEEK_MS)).toEqual({
      status: 'pregnant',
      weeksNow: 33,
      recorded: { weeks: 30, at: TEST_START_MS },
      overdue: false,
    });
  });

  it('past 42 weeks by now, asks to check whether she has given birth', () => {
    expect(pregnancyToday(recorded(30), TEST_START_MS + 13 * WEEK_MS).overdue).toBe(true);
    expect(pregnancyToday(recorded(undefined), TEST_START_MS + 60 * WEEK_MS)).toEqual({
      status: 'pregnant',
      overdue: false,
    });
  });
});
