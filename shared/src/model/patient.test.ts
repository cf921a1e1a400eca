import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import type { EncounterId } from '../ids';
import { getOrThrow } from '../result';
import { TEST_CLINIC_ID, createTestContext, type TestContext } from './fixtures';
import {
  addAllergy,
  addCondition,
  assertFact,
  closeEncounter,
  createPatient,
  markEnteredInError,
  recordDangerSigns,
  recordVitals,
  resolveAllergy,
  resolveCondition,
  setEncounterNote,
  startEncounter,
  storeRiskAssessment,
  updateProfile,
} from './patient';
import { expectRefused, view } from './testSupport';
import { validateDocument } from './validate';
import { toStoredActor } from './context';

const NO_SIGNS = {
  unableToDrinkOrBreastfeed: false,
  vomitsEverything: false,
  convulsions: false,
  lethargicOrUnconscious: false,
};

function setup(): { doc: Y.Doc; ctx: TestContext; encounterId: EncounterId } {
  const ctx = createTestContext();
  const doc = new Y.Doc();
  getOrThrow(
    createPatient(doc, ctx, {
      homeClinicId: TEST_CLINIC_ID,
      profile: { givenName: 'Esi', familyName: 'Testcase' },
      sex: 'female',
    }),
  );
  const encounterId = getOrThrow(startEncounter(doc, ctx, { reason: 'Cough' }));
  return { doc, ctx, encounterId };
}

describe('createPatient', () => {
  test('a new patient has meta, profile and initial assertions', () => {
    const ctx = createTestContext();
    const doc = new Y.Doc();
    const id = getOrThrow(
      createPatient(doc, ctx, {
        homeClinicId: TEST_CLINIC_ID,
        profile: { givenName: 'Esi', phone: '+233 20 000 0000' },
        sex: 'female',
        dateOfBirth: { date: '1990-05-01' },
      }),
    );
    const patient = view(doc);
    expect(patient.id).toBe(id);
    expect(patient.docId).toBe(`patient/${id}`);
    expect(patient.homeClinicId).toBe(TEST_CLINIC_ID);
    expect(patient.schemaVersion).toBe(1);
    expect(patient.createdBy).toEqual(ctx.actor);
    expect(patient.profile).toEqual({ givenName: 'Esi', phone: '+233 20 000 0000' });
    expect(patient.sex).toMatchObject({
      status: 'known',
      current: { value: 'female', by: ctx.actor, at: ctx.clock.now() },
    });
    expect(patient.dateOfBirth).toMatchObject({
      status: 'known',
      current: { value: { date: '1990-05-01', estimated: false } },
    });
    expect(patient.problems).toEqual([]);
  });

  test('an age becomes an estimated date of birth, the stated age kept', () => {
    const ctx = createTestContext({ startMs: Date.UTC(2025, 2, 31) });
    const doc = new Y.Doc();
    getOrThrow(
      createPatient(doc, ctx, {
        homeClinicId: TEST_CLINIC_ID,
        profile: { givenName: 'Kojo' },
        dateOfBirth: { ageYears: 2, ageMonths: 1 },
      }),
    );
    // 31 March 2025 minus 2 years 1 month: February has no 31st, so the 28th.
    expect(view(doc).dateOfBirth).toMatchObject({
      status: 'known',
      current: {
        value: { date: '2023-02-28', estimated: true, statedAge: { years: 2, months: 1 } },
      },
    });
  });

  test.each([
    [{ homeClinicId: 'nope', profile: { givenName: 'A' } }, 'homeClinicId'],
    [{ homeClinicId: TEST_CLINIC_ID, profile: { givenName: '' } }, 'profile.givenName'],
    [
      { homeClinicId: TEST_CLINIC_ID, profile: { givenName: 'A', phone: 'call me' } },
      'profile.phone',
    ],
    [
      { homeClinicId: TEST_CLINIC_ID, profile: { givenName: 'A', shoeSize: 42 } },
      'profile.shoeSize',
    ],
    [{ homeClinicId: TEST_CLINIC_ID, profile: { givenName: 'A' }, sex: 'F' }, 'sex'],
    [
      {
        homeClinicId: TEST_CLINIC_ID,
        profile: { givenName: 'A' },
        dateOfBirth: { date: '1990-02-30' },
      },
      'dateOfBirth.date',
    ],
    [
      {
        homeClinicId: TEST_CLINIC_ID,
        profile: { givenName: 'A' },
        dateOfBirth: { date: '2099-01-01' },
      },
      'dateOfBirth.date',
    ],
    [
      { homeClinicId: TEST_CLINIC_ID, profile: { givenName: 'A' }, dateOfBirth: { ageYears: 200 } },
      'dateOfBirth.ageYears',
    ],
  ])('invalid input %j is refused naming %s', (input, field) => {
    const doc = new Y.Doc();
    expectRefused(doc, () => createPatient(doc, createTestContext(), input as never), {
      type: 'ValidationFailed',
      field,
    });
  });

  test('an already initialised document is refused', () => {
    const { doc, ctx } = setup();
    expectRefused(
      doc,
      () => createPatient(doc, ctx, { homeClinicId: TEST_CLINIC_ID, profile: { givenName: 'A' } }),
      { type: 'DocumentAlreadyInitialised' },
    );
  });

  test('a bad actor in the context is refused naming the field', () => {
    const doc = new Y.Doc();
    const ctx = { ...createTestContext(), actor: { userId: 'x', deviceId: 'y' } } as never;
    expectRefused(
      doc,
      () => createPatient(doc, ctx, { homeClinicId: TEST_CLINIC_ID, profile: { givenName: 'A' } }),
      { type: 'ValidationFailed', field: 'actor.userId' },
    );
  });

  test('each operation is one transaction with a model origin', () => {
    const ctx = createTestContext();
    const doc = new Y.Doc();
    const origins: unknown[] = [];
    doc.on('afterTransaction', (tr) => origins.push(tr.origin));
    getOrThrow(
      createPatient(doc, ctx, {
        homeClinicId: TEST_CLINIC_ID,
        profile: { givenName: 'A' },
        sex: 'male',
      }),
    );
    expect(origins).toEqual([{ source: 'outpost/model', op: 'createPatient', actor: ctx.actor }]);
  });
});

describe('updateProfile', () => {
  test('sets and clears fields, leaving others', () => {
    const { doc, ctx } = setup();
    getOrThrow(
      updateProfile(doc, ctx, {
        village: 'Fictionville',
        guardian: { name: 'Yaw Testcase', relationship: 'father' },
      }),
    );
    getOrThrow(updateProfile(doc, ctx, { familyName: null }));
    expect(view(doc).profile).toEqual({
      givenName: 'Esi',
      village: 'Fictionville',
      guardian: { name: 'Yaw Testcase', relationship: 'father' },
    });
  });

  test.each([
    [{}, '(input)'],
    [{ givenName: null }, 'givenName'],
    [{ phone: '12' }, 'phone'],
    [{ village: 'x'.repeat(101) }, 'village'],
    [{ guardian: { relationship: 'aunt' } }, 'guardian.name'],
    [{ nickname: 'E' }, 'nickname'],
  ])('invalid patch %j is refused naming %s', (patch, field) => {
    const { doc, ctx } = setup();
    expectRefused(doc, () => updateProfile(doc, ctx, patch as never), {
      type: 'ValidationFailed',
      field,
    });
  });

  test('a consult document is refused as the wrong kind', () => {
    const { ctx } = setup();
    const doc = new Y.Doc();
    doc.getMap('meta').set('kind', 'consult');
    expectRefused(doc, () => updateProfile(doc, ctx, { village: 'X' }), {
      type: 'InvalidDocument',
    });
  });
});

describe('assertFact', () => {
  test('a new assertion supersedes the current one', () => {
    const { doc, ctx } = setup();
    ctx.clock.advance(1000);
    const id = getOrThrow(assertFact(doc, ctx, { field: 'sex', value: 'male' }));
    expect(view(doc).sex).toEqual({
      status: 'known',
      current: { id, value: 'male', by: ctx.actor, at: ctx.clock.now() },
    });
  });

  test('pregnancy keeps gestational weeks and the time it was asserted', () => {
    const { doc, ctx } = setup();
    getOrThrow(
      assertFact(doc, ctx, {
        field: 'pregnancy',
        value: { status: 'pregnant', gestationalWeeks: 32 },
      }),
    );
    expect(view(doc).pregnancy).toMatchObject({
      status: 'known',
      current: { value: { status: 'pregnant', gestationalWeeks: 32 }, at: ctx.clock.now() },
    });
  });

  test('gave birth: postpartum keeps the delivery date, and the server accepts the record', () => {
    const { doc, ctx } = setup();
    getOrThrow(
      assertFact(doc, ctx, {
        field: 'pregnancy',
        value: { status: 'pregnant', gestationalWeeks: 39 },
      }),
    );
    const today = new Date(ctx.clock.now()).toISOString().slice(0, 10);
    const id = getOrThrow(
      assertFact(doc, ctx, {
        field: 'pregnancy',
        value: { status: 'postpartum', deliveredOn: today },
      }),
    );
    expect(view(doc).pregnancy).toEqual({
      status: 'known',
      current: {
        id,
        value: { status: 'postpartum', deliveredOn: today },
        by: ctx.actor,
        at: ctx.clock.now(),
      },
    });
    expect(view(doc).problems).toEqual([]);
    expect(validateDocument(doc).ok).toBe(true);
  });

  test('a pregnancy status from a newer version is skipped as a problem, never thrown', () => {
    // What a tablet that predates `postpartum` does with it: the entry stays in
    // the record, reads as a problem, and the assertion it superseded shows.
    const { doc, ctx } = setup();
    const pregnant = getOrThrow(
      assertFact(doc, ctx, { field: 'pregnancy', value: { status: 'pregnant' } }),
    );
    doc.getArray('facts').push([
      {
        id: ctx.ids.newId(),
        op: 'set',
        f: 'pregnancy',
        v: { status: 'a-status-from-the-future', since: '2025-03-01' },
        sup: [pregnant],
        at: ctx.clock.now(),
        by: toStoredActor(ctx.actor),
      },
    ]);
    const patient = view(doc);
    expect(patient.pregnancy).toMatchObject({
      status: 'known',
      current: { id: pregnant, value: { status: 'pregnant' } },
    });
    expect(patient.problems).toContainEqual({
      path: 'facts[2]',
      message: 'malformed pregnancy value',
    });
  });

  test.each([
    [{ field: 'sex', value: 'yes' }, 'value'],
    [{ field: 'weight', value: 3 }, 'field'],
    [{ field: 'dateOfBirth', value: { date: '01/02/1990' } }, 'value.date'],
    [{ field: 'dateOfBirth', value: { date: '2999-01-01' } }, 'value.date'],
    [
      { field: 'pregnancy', value: { status: 'pregnant', gestationalWeeks: 50 } },
      'value.gestationalWeeks',
    ],
    [{ field: 'pregnancy', value: { status: 'maybe' } }, 'value.status'],
    [
      { field: 'pregnancy', value: { status: 'not-pregnant', gestationalWeeks: 3 } },
      'value.gestationalWeeks',
    ],
    // The clock is 2025-03-01 08:00 UTC: tomorrow is not yet today anywhere.
    [
      { field: 'pregnancy', value: { status: 'postpartum', deliveredOn: '2025-03-02' } },
      'value.deliveredOn',
    ],
    [
      { field: 'pregnancy', value: { status: 'postpartum', deliveredOn: '2024-02-29' } },
      'value.deliveredOn',
    ],
    [
      { field: 'pregnancy', value: { status: 'postpartum', deliveredOn: '1/3/2025' } },
      'value.deliveredOn',
    ],
    [{ field: 'pregnancy', value: { status: 'postpartum' } }, 'value.deliveredOn'],
    [
      {
        field: 'pregnancy',
        value: { status: 'postpartum', deliveredOn: '2025-02-20', gestationalWeeks: 40 },
      },
      'value.gestationalWeeks',
    ],
  ])('invalid assertion %j is refused naming %s', (input, field) => {
    const { doc, ctx } = setup();
    expectRefused(doc, () => assertFact(doc, ctx, input as never), {
      type: 'ValidationFailed',
      field,
    });
  });

  test('pregnancy is refused for a patient recorded as male', () => {
    const { doc, ctx } = setup();
    getOrThrow(assertFact(doc, ctx, { field: 'sex', value: 'male' }));
    expectRefused(
      doc,
      () => assertFact(doc, ctx, { field: 'pregnancy', value: { status: 'pregnant' } }),
      { type: 'ValidationFailed', field: 'value.status' },
    );
    expectRefused(
      doc,
      () =>
        assertFact(doc, ctx, {
          field: 'pregnancy',
          value: { status: 'postpartum', deliveredOn: '2025-02-20' },
        }),
      { type: 'ValidationFailed', field: 'value.status' },
    );
  });

  test('a delivery date a year ago or typed as today east of Greenwich is accepted', () => {
    const { doc, ctx } = setup();
    for (const deliveredOn of ['2024-03-01', '2025-03-01']) {
      getOrThrow(
        assertFact(doc, ctx, { field: 'pregnancy', value: { status: 'postpartum', deliveredOn } }),
      );
    }
    // 2025-03-01 14:00 UTC is already 2025-03-02 in Kiribati (UTC+14).
    ctx.clock.advance(6 * 3_600_000);
    getOrThrow(
      assertFact(doc, ctx, {
        field: 'pregnancy',
        value: { status: 'postpartum', deliveredOn: '2025-03-02' },
      }),
    );
  });
});

describe('allergies and conditions', () => {
  test('added entries are active; resolved ones move to history with reason, who and when', () => {
    const { doc, ctx } = setup();
    const penicillin = getOrThrow(addAllergy(doc, ctx, { name: 'Penicillin', severity: 'severe' }));
    getOrThrow(addAllergy(doc, ctx, { name: 'Peanuts' }));
    const diabetes = getOrThrow(
      addCondition(doc, ctx, { name: 'Type 2 diabetes', icd10: 'E11.9', since: '2019-01-01' }),
    );
    getOrThrow(resolveAllergy(doc, ctx, { id: penicillin, reason: 'Tolerated amoxicillin' }));
    getOrThrow(resolveCondition(doc, ctx, { id: diabetes }));
    const patient = view(doc);
    expect(patient.allergies.active.map((a) => a.value.name)).toEqual(['Peanuts']);
    expect(patient.allergies.resolved).toMatchObject([
      {
        id: penicillin,
        value: { name: 'Penicillin', severity: 'severe' },
        resolution: { reason: 'Tolerated amoxicillin', by: ctx.actor },
      },
    ]);
    expect(patient.conditions.active).toEqual([]);
    expect(patient.conditions.resolved[0]?.value).toEqual({
      name: 'Type 2 diabetes',
      icd10: 'E11.9',
      since: '2019-01-01',
    });
  });

  test.each([
    [{ name: '' }, 'name'],
    [{ name: 'Sulfa', severity: 'deadly' }, 'severity'],
    [{ name: 'Sulfa', reaction: 'x'.repeat(201) }, 'reaction'],
    [{ name: 'Sulfa', colour: 'red' }, 'colour'],
  ])('invalid allergy %j is refused naming %s', (input, field) => {
    const { doc, ctx } = setup();
    expectRefused(doc, () => addAllergy(doc, ctx, input as never), {
      type: 'ValidationFailed',
      field,
    });
  });

  test.each([
    [{ name: 'Asthma', icd10: 'asthma' }, 'icd10'],
    [{ name: 'Asthma', since: 'last year' }, 'since'],
    [{}, 'name'],
  ])('invalid condition %j is refused naming %s', (input, field) => {
    const { doc, ctx } = setup();
    expectRefused(doc, () => addCondition(doc, ctx, input as never), {
      type: 'ValidationFailed',
      field,
    });
  });

  test('resolving an unknown, already resolved or other-list entry is refused naming id', () => {
    const { doc, ctx } = setup();
    const allergy = getOrThrow(addAllergy(doc, ctx, { name: 'Latex' }));
    expectRefused(doc, () => resolveCondition(doc, ctx, { id: allergy }), {
      type: 'ValidationFailed',
      field: 'id',
    });
    expectRefused(doc, () => resolveAllergy(doc, ctx, { id: 'not-an-id' }), {
      type: 'ValidationFailed',
      field: 'id',
    });
    getOrThrow(resolveAllergy(doc, ctx, { id: allergy }));
    expectRefused(doc, () => resolveAllergy(doc, ctx, { id: allergy }), {
      type: 'ValidationFailed',
      field: 'id',
    });
    expectRefused(doc, () => resolveAllergy(doc, ctx, { id: allergy, reason: '' }), {
      type: 'ValidationFailed',
      field: 'reason',
    });
  });
});

describe('encounters', () => {
  test('start and close are attributed; a closed encounter refuses new entries', () => {
    const { doc, ctx, encounterId } = setup();
    ctx.clock.advance(60_000);
    getOrThrow(closeEncounter(doc, ctx, { encounterId }));
    expect(view(doc).encounters).toMatchObject([
      {
        id: encounterId,
        status: 'closed',
        reason: 'Cough',
        closedAt: ctx.clock.now(),
        closedBy: ctx.actor,
      },
    ]);
    const closed = { type: 'EncounterClosed', encounterId } as const;
    expectRefused(doc, () => closeEncounter(doc, ctx, { encounterId }), closed);
    expectRefused(
      doc,
      () =>
        recordVitals(doc, ctx, {
          encounterId,
          source: { kind: 'typed' },
          readings: [{ key: 'heartRate', value: 70 }],
        }),
      closed,
    );
    expectRefused(doc, () => setEncounterNote(doc, ctx, { encounterId, text: 'late' }), closed);
    expectRefused(doc, () => recordDangerSigns(doc, ctx, { encounterId, signs: NO_SIGNS }), closed);
    expectRefused(
      doc,
      () =>
        storeRiskAssessment(doc, ctx, {
          encounterId,
          score: 'NEWS2',
          rulesetVersion: '1',
          result: {},
          reasons: [],
        }),
      closed,
    );
  });

  test('an unknown encounter is refused', () => {
    const { doc, ctx } = setup();
    const encounterId = '0190a000-0000-7000-8000-000000000bad';
    expectRefused(doc, () => closeEncounter(doc, ctx, { encounterId }), {
      type: 'UnknownEncounter',
      encounterId,
    });
    expectRefused(
      doc,
      () =>
        recordVitals(doc, ctx, {
          encounterId,
          source: { kind: 'typed' },
          readings: [{ key: 'heartRate', value: 70 }],
        }),
      { type: 'UnknownEncounter' },
    );
  });

  test.each([
    [{ reason: '' }, 'reason'],
    [{ reason: 'x', kind: 'home' }, 'kind'],
  ])('invalid start %j is refused naming %s', (input, field) => {
    const { doc, ctx } = setup();
    expectRefused(doc, () => startEncounter(doc, ctx, input), {
      type: 'ValidationFailed',
      field,
    });
  });

  test('invalid close is refused naming encounterId', () => {
    const { doc, ctx } = setup();
    expectRefused(doc, () => closeEncounter(doc, ctx, { encounterId: 'x' }), {
      type: 'ValidationFailed',
      field: 'encounterId',
    });
  });
});

describe('setEncounterNote', () => {
  test('replaces the note text with a minimal edit', () => {
    const { doc, ctx, encounterId } = setup();
    getOrThrow(setEncounterNote(doc, ctx, { encounterId, text: 'Cough for 3 days.' }));
    getOrThrow(setEncounterNote(doc, ctx, { encounterId, text: 'Dry cough for 3 days. 🤒' }));
    expect(view(doc).encounters[0]?.note).toBe('Dry cough for 3 days. 🤒');
    getOrThrow(setEncounterNote(doc, ctx, { encounterId, text: 'Dry cough for 3 days. 🤧' }));
    expect(view(doc).encounters[0]?.note).toBe('Dry cough for 3 days. 🤧');
    getOrThrow(setEncounterNote(doc, ctx, { encounterId, text: '' }));
    expect(view(doc).encounters[0]?.note).toBe('');
  });

  test('setting the same text writes nothing', () => {
    const { doc, ctx, encounterId } = setup();
    getOrThrow(setEncounterNote(doc, ctx, { encounterId, text: 'Same' }));
    const before = Y.encodeStateAsUpdate(doc);
    getOrThrow(setEncounterNote(doc, ctx, { encounterId, text: 'Same' }));
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
  });

  test.each([
    [{ encounterId: 'x', text: '' }, 'encounterId'],
    [{ text: 'hi' }, 'encounterId'],
  ])('invalid note %j is refused naming %s', (input, field) => {
    const { doc, ctx } = setup();
    expectRefused(doc, () => setEncounterNote(doc, ctx, input as never), {
      type: 'ValidationFailed',
      field,
    });
  });

  test('an over-long note is refused naming text', () => {
    const { doc, ctx, encounterId } = setup();
    expectRefused(
      doc,
      () => setEncounterNote(doc, ctx, { encounterId, text: 'x'.repeat(20_001) }),
      { type: 'ValidationFailed', field: 'text' },
    );
  });
});

describe('recordDangerSigns', () => {
  test('the latest checklist shows on the encounter, earlier ones in history', () => {
    const { doc, ctx, encounterId } = setup();
    getOrThrow(recordDangerSigns(doc, ctx, { encounterId, signs: NO_SIGNS }));
    ctx.clock.advance(60_000);
    getOrThrow(
      recordDangerSigns(doc, ctx, { encounterId, signs: { ...NO_SIGNS, convulsions: true } }),
    );
    const encounter = view(doc).encounters[0]!;
    expect(encounter.dangerSigns).toMatchObject({
      anyPresent: true,
      signs: { convulsions: true },
      at: ctx.clock.now(),
    });
    expect(encounter.dangerSignsHistory).toMatchObject([{ anyPresent: false }]);
  });

  test.each([
    [{ signs: { ...NO_SIGNS, convulsions: 'no' } }, 'signs.convulsions'],
    [
      { signs: { unableToDrinkOrBreastfeed: false, vomitsEverything: false, convulsions: false } },
      'signs.lethargicOrUnconscious',
    ],
    [{ signs: { ...NO_SIGNS, cough: true } }, 'signs.cough'],
  ])('invalid checklist %j is refused naming %s', (input, field) => {
    const { doc, ctx, encounterId } = setup();
    expectRefused(doc, () => recordDangerSigns(doc, ctx, { encounterId, ...input } as never), {
      type: 'ValidationFailed',
      field,
    });
  });
});

describe('storeRiskAssessment', () => {
  const result = { score: 7, band: 'high', parameters: [{ name: 'respiratoryRate', points: 3 }] };

  test('stores the opaque result with its reasons and ruleset version', () => {
    const { doc, ctx, encounterId } = setup();
    const id = getOrThrow(
      storeRiskAssessment(doc, ctx, {
        encounterId,
        score: 'NEWS2',
        rulesetVersion: 'news2-rcp-2017@1',
        result,
        reasons: ['RR 26: 3 points'],
      }),
    );
    expect(view(doc).encounters[0]?.riskAssessments).toEqual([
      {
        id,
        encounterId,
        score: 'NEWS2',
        rulesetVersion: 'news2-rcp-2017@1',
        result,
        reasons: ['RR 26: 3 points'],
        at: ctx.clock.now(),
        by: ctx.actor,
      },
    ]);
  });

  test.each([
    [{ score: '', rulesetVersion: '1', result, reasons: [] }, 'score'],
    [{ score: 'NEWS2', rulesetVersion: '', result, reasons: [] }, 'rulesetVersion'],
    [{ score: 'NEWS2', rulesetVersion: '1', result: { n: Number.NaN }, reasons: [] }, 'result'],
    [{ score: 'NEWS2', rulesetVersion: '1', result: new Date(0), reasons: [] }, 'result'],
    [
      { score: 'NEWS2', rulesetVersion: '1', result: { big: 'x'.repeat(9000) }, reasons: [] },
      'result',
    ],
    [{ score: 'NEWS2', rulesetVersion: '1', result, reasons: 'RR high' }, 'reasons'],
    [{ score: 'NEWS2', rulesetVersion: '1', result, reasons: [undefined] }, 'reasons.0'],
  ])('invalid assessment %# is refused naming %s', (input, field) => {
    const { doc, ctx, encounterId } = setup();
    expectRefused(doc, () => storeRiskAssessment(doc, ctx, { encounterId, ...input } as never), {
      type: 'ValidationFailed',
      field,
    });
  });

  test('deeply nested JSON is refused without overflowing the stack', () => {
    const { doc, ctx, encounterId } = setup();
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expectRefused(
      doc,
      () =>
        storeRiskAssessment(doc, ctx, {
          encounterId,
          score: 'X',
          rulesetVersion: '1',
          result: deep as never,
          reasons: [],
        }),
      { type: 'ValidationFailed', field: 'result' },
    );
  });
});

describe('markEnteredInError (input validation)', () => {
  test.each([
    [{ observationId: 'x', reason: 'typo' }, 'observationId'],
    [{ observationId: '0190a000-0000-7000-8000-000000000bad', reason: '' }, 'reason'],
  ])('invalid input %j is refused naming %s', (input, field) => {
    const { doc, ctx } = setup();
    expectRefused(doc, () => markEnteredInError(doc, ctx, input), {
      type: 'ValidationFailed',
      field,
    });
  });
});
