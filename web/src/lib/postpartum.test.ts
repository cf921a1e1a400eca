/**
 * "Gave birth recently": a woman stays on the maternal chart for 42 days after
 * the birth (MEOWS population: pregnant women and women up to 6 weeks after
 * birth), then NEWS2 applies. Her open visit follows the record.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  assertFact,
  createPatient,
  readPatient,
  startEncounter,
  type PatientView,
} from '@outpost/shared/model';
import { TEST_CLINIC_ID, TEST_START_MS, createTestContext } from '@outpost/shared/model/fixtures';
import { getOrThrow } from '@outpost/shared/result';
import { pregnancyForRisk } from './clinical';
import { applyEditOps, editBaseOf, editOps, validateEdit } from './patient-edit';
import { pregnancyToday } from './pregnancy';
import { emptyDraft, readPregnancy, validateDraft, type RegistrationDraft } from './registration';
import { rescoreOpenVisits, saveReadings, thenRescore } from './visit';

const DAY_MS = 86_400_000;
/** TEST_START_MS is 2025-03-01 08:00 UTC: she gave birth that morning. */
const DELIVERED_ON = '2025-03-01';
const todayIso = DELIVERED_ON;

function woman() {
  const ctx = createTestContext();
  const doc = new Y.Doc();
  doc.clientID = 21;
  getOrThrow(
    createPatient(doc, ctx, {
      homeClinicId: TEST_CLINIC_ID,
      profile: { givenName: 'Neema', familyName: 'Testcase' },
      sex: 'female',
      dateOfBirth: { ageYears: 27 },
    }),
  );
  return { ctx, doc };
}

const viewOf = (doc: Y.Doc): PatientView => getOrThrow(readPatient(doc));

function gaveBirth(deliveredOn = DELIVERED_ON) {
  const { ctx, doc } = woman();
  getOrThrow(
    assertFact(doc, ctx, { field: 'pregnancy', value: { status: 'postpartum', deliveredOn } }),
  );
  return { ctx, doc, view: viewOf(doc) };
}

describe('the chart after a birth', () => {
  it('is the maternal chart up to day 42 after the birth, NEWS2 from day 43', () => {
    const { view } = gaveBirth();
    const onDay = (day: number, hour = 0) => TEST_START_MS - 8 * 3_600_000 + day * DAY_MS + hour;
    expect(pregnancyForRisk(view, 27, onDay(0, 8 * 3_600_000))).toBe(true);
    expect(pregnancyForRisk(view, 27, onDay(42))).toBe(true);
    expect(pregnancyForRisk(view, 27, onDay(42, DAY_MS - 1))).toBe(true);
    expect(pregnancyForRisk(view, 27, onDay(43))).toBe(false);
    expect(pregnancyForRisk(view, 27, onDay(60))).toBe(false);
  });

  it('reads with the days since the birth and the last day on the maternal chart', () => {
    const { view } = gaveBirth();
    if (view.pregnancy.status !== 'known') throw new Error('not recorded');
    expect(pregnancyToday(view.pregnancy.current, TEST_START_MS + 10 * DAY_MS)).toEqual({
      status: 'postpartum',
      birth: {
        deliveredOn: DELIVERED_ON,
        daysAgo: 10,
        maternalChartUntil: '2025-04-12',
        onMaternalChart: true,
      },
      overdue: false,
    });
    expect(
      pregnancyToday(view.pregnancy.current, TEST_START_MS + 43 * DAY_MS).birth?.onMaternalChart,
    ).toBe(false);
  });

  it('her open visit is scored again: MEOWS after the birth, NEWS2 once the 6 weeks are over', () => {
    const { ctx, doc } = woman();
    getOrThrow(
      assertFact(doc, ctx, {
        field: 'pregnancy',
        value: { status: 'pregnant', gestationalWeeks: 39 },
      }),
    );
    const visit = getOrThrow(startEncounter(doc, ctx, {}));
    getOrThrow(
      saveReadings(doc, ctx, {
        encounterId: visit,
        readings: [
          { key: 'heartRate', value: 118 },
          { key: 'respiratoryRate', value: 24 },
          { key: 'systolicBP', value: 88 },
        ],
        source: { kind: 'typed' },
      }),
    );
    const scores = () =>
      viewOf(doc)
        .encounters.find((e) => e.id === visit)!
        .riskAssessments.map((a) => a.score.split(' ')[0]);
    expect(scores()).toEqual(['MEOWS']);

    ctx.clock.advance(60_000);
    getOrThrow(
      assertFact(doc, ctx, {
        field: 'pregnancy',
        value: { status: 'postpartum', deliveredOn: DELIVERED_ON },
      }),
    );
    expect(getOrThrow(rescoreOpenVisits(doc, ctx))).toBe(1);
    expect(scores()).toEqual(['MEOWS', 'MEOWS']);

    // Recorded 50 days after the birth: she is no longer in the chart's population.
    ctx.clock.advance(50 * DAY_MS);
    getOrThrow(
      assertFact(doc, ctx, {
        field: 'pregnancy',
        value: { status: 'postpartum', deliveredOn: '2025-03-02' },
      }),
    );
    getOrThrow(rescoreOpenVisits(doc, ctx));
    expect(scores()).toEqual(['MEOWS', 'MEOWS', 'NEWS2']);
  });
});

describe('thenRescore: a change to what chooses the chart, wherever it is made', () => {
  it('scores an open visit again after the op; a refused op scores nothing and says why', () => {
    const { ctx, doc } = woman();
    const visit = getOrThrow(startEncounter(doc, ctx, {}));
    getOrThrow(
      saveReadings(doc, ctx, {
        encounterId: visit,
        readings: [{ key: 'heartRate', value: 118 }],
        source: { kind: 'typed' },
      }),
    );
    const count = () => viewOf(doc).encounters.find((e) => e.id === visit)!.riskAssessments.length;
    const before = count();

    const refused = thenRescore((d, c) =>
      assertFact(d, c, { field: 'pregnancy', value: { status: 'postpartum', deliveredOn: '' } }),
    )(doc, ctx);
    expect(refused.ok).toBe(false);
    expect(count()).toBe(before);

    ctx.clock.advance(60_000);
    const accepted = thenRescore((d, c) =>
      assertFact(d, c, { field: 'pregnancy', value: { status: 'pregnant', gestationalWeeks: 30 } }),
    )(doc, ctx);
    expect(getOrThrow(accepted)).toBe(1);
    expect(count()).toBe(before + 1);
  });
});

describe('the form: "Gave birth recently" and the baby’s date of birth', () => {
  const read = (deliveredOn: string) =>
    readPregnancy({ pregnancy: 'postpartum', gestationalWeeks: '', deliveredOn }, todayIso);

  it('reads a date from a year ago to today, naming the field otherwise', () => {
    expect(read(DELIVERED_ON)).toEqual({
      ok: true,
      value: { status: 'postpartum', deliveredOn: DELIVERED_ON },
    });
    expect(read('2024-03-01').ok).toBe(true);
    expect(read('')).toEqual({ ok: false, field: 'deliveredOn', error: 'register.error.date' });
    expect(read('2025-03-02')).toEqual({
      ok: false,
      field: 'deliveredOn',
      error: 'register.error.future',
    });
    expect(read('2024-02-29')).toEqual({
      ok: false,
      field: 'deliveredOn',
      error: 'pregnancy.postpartum.error.tooLongAgo',
    });
  });

  it('registration keeps the birth; an error is on the date field', () => {
    const draft: RegistrationDraft = {
      ...emptyDraft(),
      givenName: 'Neema',
      sex: 'female',
      birthMode: 'age',
      ageYears: '27',
      pregnancy: 'postpartum',
    };
    const registered = (patch: Partial<RegistrationDraft>) => {
      const result = validateDraft({ ...draft, ...patch }, todayIso);
      return result.ok ? result.value.pregnancy : result.errors;
    };
    expect(registered({})).toEqual({ deliveredOn: 'register.error.date' });
    expect(registered({ deliveredOn: DELIVERED_ON })).toEqual({
      status: 'postpartum',
      deliveredOn: DELIVERED_ON,
    });
  });

  it('editing: pregnant → gave birth is one assertion; unchanged it writes nothing; a corrected date is one', () => {
    const { ctx, doc } = woman();
    getOrThrow(
      assertFact(doc, ctx, {
        field: 'pregnancy',
        value: { status: 'pregnant', gestationalWeeks: 40 },
      }),
    );
    const pregnant = editBaseOf(viewOf(doc), TEST_START_MS);
    const change = validateEdit(
      pregnant,
      { ...pregnant.draft, pregnancy: 'postpartum', deliveredOn: DELIVERED_ON },
      todayIso,
    );
    if (!change.ok) throw new Error(JSON.stringify(change.errors));
    const ops = editOps(change.value);
    expect(ops).toEqual([
      {
        op: 'assertFact',
        input: {
          field: 'pregnancy',
          value: { status: 'postpartum', deliveredOn: DELIVERED_ON },
        },
      },
    ]);
    ctx.clock.advance(60_000);
    getOrThrow(applyEditOps(doc, ctx, ops));

    const after = editBaseOf(viewOf(doc), TEST_START_MS + 60_000);
    expect(after.draft).toMatchObject({ pregnancy: 'postpartum', deliveredOn: DELIVERED_ON });
    const same = validateEdit(after, after.draft, todayIso);
    expect(same.ok && editOps(same.value)).toEqual([]);
    const corrected = validateEdit(after, { ...after.draft, deliveredOn: '2025-02-28' }, todayIso);
    expect(corrected.ok && editOps(corrected.value)).toEqual([
      {
        op: 'assertFact',
        input: { field: 'pregnancy', value: { status: 'postpartum', deliveredOn: '2025-02-28' } },
      },
    ]);
  });
});
