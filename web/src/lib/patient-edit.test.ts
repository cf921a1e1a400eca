/**
 * Correcting a registered patient: the form opens on the record as it is, and
 * only what the health worker changed is written — so what a colleague
 * changed meanwhile on another tablet (another field) is never overwritten.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  assertFact,
  createPatient,
  readPatient,
  startEncounter,
  closeEncounter,
  updateProfile,
  type EncounterView,
  type PatientView,
} from '@outpost/shared/model';
import {
  TEST_CLINIC_ID,
  TEST_START_MS,
  createTestContext,
  replicaOf,
  syncAll,
} from '@outpost/shared/model/fixtures';
import { getOrThrow } from '@outpost/shared/result';
import { createHarness } from '$lib/db/testing';
import {
  applyEditOps,
  changesChart,
  editBaseOf,
  editOps,
  validateEdit,
  type EditBase,
} from './patient-edit';
import type { RegistrationDraft } from './registration';
import { rescoreOpenVisits, saveReadings } from './visit';

const DAY_MS = 86_400_000;
const todayIso = new Date(TEST_START_MS).toISOString().slice(0, 10);

/** A fictional woman registered with an estimated age of 29, on this tablet. */
function registered(extra: { guardianPhone?: boolean } = {}) {
  const ctx = createTestContext();
  const doc = new Y.Doc();
  doc.clientID = 11;
  getOrThrow(
    createPatient(doc, ctx, {
      homeClinicId: TEST_CLINIC_ID,
      profile: {
        givenName: 'Zawadi',
        familyName: 'Testerson',
        phone: '0700 000 001',
        village: 'Kijiji Cha Mfano',
        ...(extra.guardianPhone && {
          guardian: { name: 'Baba Zawadi', relationship: 'father', phone: '0700 000 009' },
        }),
      },
      sex: 'female',
      dateOfBirth: { ageYears: 29 },
    }),
  );
  return { ctx, doc };
}

const viewOf = (doc: Y.Doc): PatientView => getOrThrow(readPatient(doc));

function edit(base: EditBase, patch: Partial<RegistrationDraft>) {
  const result = validateEdit(base, { ...base.draft, ...patch }, todayIso);
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.errors)}`);
  return editOps(result.value);
}

describe('the edit form opens on the record', () => {
  it('with its fields, the age it gives today and the weeks of pregnancy today', () => {
    const { ctx, doc } = registered();
    getOrThrow(
      assertFact(doc, ctx, {
        field: 'pregnancy',
        value: { status: 'pregnant', gestationalWeeks: 20 },
      }),
    );
    // Two weeks and a year later: she is 30 now, and 22 weeks pregnant as recorded then.
    const base = editBaseOf(viewOf(doc), TEST_START_MS + 365 * DAY_MS + 1);
    expect(base.draft).toMatchObject({
      givenName: 'Zawadi',
      familyName: 'Testerson',
      phone: '0700 000 001',
      village: 'Kijiji Cha Mfano',
      sex: 'female',
      birthMode: 'age',
      ageYears: '30',
      ageMonths: '',
      pregnancy: 'pregnant',
      gestationalWeeks: String(20 + 52),
    });
    expect(editBaseOf(viewOf(doc), TEST_START_MS + 14 * DAY_MS).draft.gestationalWeeks).toBe('22');
  });

  it('and saving it unchanged writes nothing', () => {
    const { doc } = registered();
    const base = editBaseOf(viewOf(doc), TEST_START_MS);
    expect(edit(base, {})).toEqual([]);
    // Spaces typed around a value are not a change.
    expect(edit(base, { village: ' Kijiji Cha Mfano ' })).toEqual([]);
  });
});

describe('what changed becomes which operations', () => {
  it('a corrected name and phone are one profile update of those two fields', () => {
    const { doc } = registered();
    const base = editBaseOf(viewOf(doc), TEST_START_MS);
    expect(edit(base, { givenName: 'Zawadia', phone: '+255 700 000 002' })).toEqual([
      { op: 'updateProfile', input: { givenName: 'Zawadia', phone: '+255 700 000 002' } },
    ]);
  });

  it('an emptied optional field is cleared', () => {
    const { ctx, doc } = registered();
    const base = editBaseOf(viewOf(doc), TEST_START_MS);
    const ops = edit(base, { village: '', familyName: '  ' });
    expect(ops).toEqual([{ op: 'updateProfile', input: { familyName: null, village: null } }]);
    getOrThrow(applyEditOps(doc, ctx, ops));
    expect(viewOf(doc).profile).toEqual({ givenName: 'Zawadi', phone: '0700 000 001' });
  });

  it('sex, age and pregnancy are assertions, sex first; the profile is not touched', () => {
    const { doc } = registered();
    const base = editBaseOf(viewOf(doc), TEST_START_MS);
    const ops = edit(base, {
      sex: 'unknown',
      ageYears: '31',
      pregnancy: 'pregnant',
      gestationalWeeks: '30',
    });
    expect(ops).toEqual([
      { op: 'assertFact', input: { field: 'sex', value: 'unknown' } },
      { op: 'assertFact', input: { field: 'dateOfBirth', value: { ageYears: 31 } } },
      {
        op: 'assertFact',
        input: { field: 'pregnancy', value: { status: 'pregnant', gestationalWeeks: 30 } },
      },
    ]);
    expect(changesChart(ops)).toBe(true);
    expect(changesChart(edit(base, { phone: '0700 000 003' }))).toBe(false);
  });

  it('an exact birth date replaces an estimated age', () => {
    const { doc } = registered();
    const base = editBaseOf(viewOf(doc), TEST_START_MS);
    expect(edit(base, { birthMode: 'date', birthDate: '1996-02-10' })).toEqual([
      { op: 'assertFact', input: { field: 'dateOfBirth', value: { date: '1996-02-10' } } },
    ]);
    // Switching to "exact date" and back without typing one is no change.
    expect(edit(base, { birthMode: 'age', birthDate: '1996-02-10' })).toEqual([]);
  });

  it('a changed guardian keeps the guardian phone the form does not show; emptied, it is cleared', () => {
    const { doc } = registered({ guardianPhone: true });
    const base = editBaseOf(viewOf(doc), TEST_START_MS);
    expect(edit(base, { guardianName: 'Mama Zawadi', guardianRelationship: 'mother' })).toEqual([
      {
        op: 'updateProfile',
        input: { guardian: { name: 'Mama Zawadi', relationship: 'mother', phone: '0700 000 009' } },
      },
    ]);
    expect(edit(base, { guardianName: '', guardianRelationship: '' })).toEqual([
      { op: 'updateProfile', input: { guardian: null } },
    ]);
  });
});

describe('a refused edit names the field', () => {
  it('refuses an emptied name, a bad phone, an emptied birth date and impossible weeks', () => {
    const { ctx, doc } = registered();
    getOrThrow(assertFact(doc, ctx, { field: 'dateOfBirth', value: { date: '1996-02-10' } }));
    const base = editBaseOf(viewOf(doc), TEST_START_MS);
    const result = validateEdit(
      base,
      {
        ...base.draft,
        givenName: ' ',
        phone: 'call her',
        birthDate: '',
        pregnancy: 'pregnant',
        gestationalWeeks: '50',
      },
      todayIso,
    );
    expect(result).toEqual({
      ok: false,
      errors: {
        givenName: 'register.error.required',
        phone: 'register.error.phone',
        birthDate: 'register.error.date',
        gestationalWeeks: 'register.error.weeks',
      },
    });
  });

  it('refuses "pregnant" for someone being recorded as male', () => {
    const { ctx, doc } = registered();
    getOrThrow(assertFact(doc, ctx, { field: 'pregnancy', value: { status: 'not-pregnant' } }));
    const base = editBaseOf(viewOf(doc), TEST_START_MS);
    const result = validateEdit(
      base,
      { ...base.draft, sex: 'male', pregnancy: 'pregnant' },
      todayIso,
    );
    expect(result).toEqual({ ok: false, errors: { pregnancy: 'patient.edit.error.pregnantMale' } });
  });

  it('leaves a fact in conflict empty without refusing the rest', () => {
    const { ctx, doc } = registered();
    const other = replicaOf(doc, 22);
    getOrThrow(assertFact(doc, ctx, { field: 'sex', value: 'male' }));
    getOrThrow(assertFact(other, createTestContext({ seed: 2 }), { field: 'sex', value: 'other' }));
    syncAll(doc, other);
    expect(viewOf(doc).sex.status).toBe('conflict');
    const base = editBaseOf(viewOf(doc), TEST_START_MS);
    expect(base.draft.sex).toBe('');
    expect(edit(base, { village: 'Mtaa Mpya' })).toEqual([
      { op: 'updateProfile', input: { village: 'Mtaa Mpya' } },
    ]);
  });

  it('saves nothing on the tablet when one operation is refused; a saved edit is found by the new name', async () => {
    const store = await createHarness('memory').open();
    const { docId } = getOrThrow(
      await store.createPatient({
        profile: { givenName: 'Zawadi', familyName: 'Testerson' },
        sex: 'female',
        dateOfBirth: { ageYears: 29 },
      }),
    );
    const base = editBaseOf(getOrThrow((await store.readPatient(docId))!), TEST_START_MS);
    const refused = await store.applyOp(docId, (doc, ctx) =>
      applyEditOps(doc, ctx, [
        { op: 'updateProfile', input: { givenName: 'Zawadia' } },
        { op: 'assertFact', input: { field: 'sex', value: 'male' } },
        { op: 'assertFact', input: { field: 'pregnancy', value: { status: 'pregnant' } } },
      ]),
    );
    expect(refused).toMatchObject({ ok: false, error: { type: 'ValidationFailed' } });
    const after = getOrThrow((await store.readPatient(docId))!);
    expect(after.profile.givenName).toBe('Zawadi');
    expect(after.sex).toMatchObject({ current: { value: 'female' } });

    getOrThrow(
      await store.applyOp(docId, (doc, ctx) =>
        applyEditOps(doc, ctx, edit(base, { givenName: 'Zawadia' })),
      ),
    );
    expect((await store.searchPatients('zawadia')).map((row) => row.name)).toEqual([
      'Zawadia Testerson',
    ]);
  });
});

describe('two tablets correcting the same patient', () => {
  it('keeps a colleague’s change to another field, made meanwhile', () => {
    const { ctx, doc: tabletA } = registered();
    // A lower client id than A's: were A to write the village too, A's write would win.
    const tabletB = replicaOf(tabletA, 5);
    const base = editBaseOf(viewOf(tabletA), TEST_START_MS);
    // B changes the village while A's form is open; A then saves a corrected name.
    getOrThrow(updateProfile(tabletB, createTestContext({ seed: 2 }), { village: 'Kijiji Kipya' }));
    getOrThrow(applyEditOps(tabletA, ctx, edit(base, { givenName: 'Zawadia' })));
    syncAll(tabletA, tabletB);
    for (const tablet of [tabletA, tabletB])
      expect(viewOf(tablet).profile).toMatchObject({
        givenName: 'Zawadia',
        village: 'Kijiji Kipya',
        phone: '0700 000 001',
      });
  });

  it('any two edits of different fields both survive, whatever the order of sync', () => {
    const fields = ['givenName', 'familyName', 'phone', 'village', 'nationalId', 'clinicNumber'];
    const value = (field: string, who: string) =>
      field === 'phone' ? (who === 'A' ? '0711 111 111' : '0722 222 222') : `${field} ${who}`;
    fc.assert(
      fc.property(
        fc.shuffledSubarray(fields, { minLength: 2 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        (shuffled, split, aFirst) => {
          const cut = Math.min(split, shuffled.length - 1);
          const mineA = shuffled.slice(0, cut);
          const mineB = shuffled.slice(cut);
          const { ctx, doc: tabletA } = registered();
          const tabletB = replicaOf(tabletA, 22);
          const ctxB = createTestContext({ seed: 2 });
          for (const [tablet, context, mine, who] of [
            [tabletA, ctx, mineA, 'A'],
            [tabletB, ctxB, mineB, 'B'],
          ] as const) {
            const base = editBaseOf(viewOf(tablet), TEST_START_MS);
            const patch = Object.fromEntries(mine.map((f) => [f, value(f, who)]));
            getOrThrow(applyEditOps(tablet, context, edit(base, patch)));
          }
          if (aFirst) syncAll(tabletA, tabletB);
          else syncAll(tabletB, tabletA);
          const expected = Object.fromEntries([
            ...mineA.map((f) => [f, value(f, 'A')]),
            ...mineB.map((f) => [f, value(f, 'B')]),
          ]);
          expect(viewOf(tabletA).profile).toMatchObject(expected);
          expect(viewOf(tabletB).profile).toEqual(viewOf(tabletA).profile);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('a pregnancy recorded during a visit', () => {
  it('scores the open visit on the maternal chart; earlier scores and closed visits are kept', () => {
    const { ctx, doc } = registered();
    getOrThrow(assertFact(doc, ctx, { field: 'pregnancy', value: { status: 'not-pregnant' } }));
    const vitals = [
      { key: 'heartRate', value: 96 },
      { key: 'respiratoryRate', value: 22 },
      { key: 'spo2', value: 95 },
      { key: 'systolicBP', value: 150 },
      { key: 'temperature', value: 37.9 },
      { key: 'consciousness', value: 'A' },
    ] as const;
    const closed = getOrThrow(startEncounter(doc, ctx, {}));
    getOrThrow(
      saveReadings(doc, ctx, {
        encounterId: closed,
        readings: [...vitals],
        source: { kind: 'typed' },
      }),
    );
    getOrThrow(closeEncounter(doc, ctx, { encounterId: closed }));
    const open = getOrThrow(startEncounter(doc, ctx, {}));
    getOrThrow(
      saveReadings(doc, ctx, {
        encounterId: open,
        readings: [...vitals],
        source: { kind: 'typed' },
      }),
    );
    const unscored = getOrThrow(startEncounter(doc, ctx, {}));

    const base = editBaseOf(viewOf(doc), TEST_START_MS);
    ctx.clock.advance(60_000);
    getOrThrow(
      applyEditOps(doc, ctx, edit(base, { pregnancy: 'pregnant', gestationalWeeks: '30' })),
    );
    expect(getOrThrow(rescoreOpenVisits(doc, ctx))).toBe(1);

    const byId = new Map<string, EncounterView>(viewOf(doc).encounters.map((e) => [e.id, e]));
    const scores = (id: string) => byId.get(id)!.riskAssessments.map((a) => a.score.split(' ')[0]);
    expect(scores(open)).toEqual(['NEWS2', 'MEOWS']);
    expect(scores(closed)).toEqual(['NEWS2']);
    // A visit with no score yet gets none from a change of record.
    expect(scores(unscored)).toEqual([]);
  });
});
