import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { getOrThrow } from '../result';
import { TEST_CLINIC_ID, createTestContext, replicaOf, syncAll } from './fixtures';
import {
  addAllergy,
  assertFact,
  createPatient,
  markEnteredInError,
  recordVitals,
  resolveAllergy,
  setEncounterNote,
  startEncounter,
  updateProfile,
} from './patient';
import { view } from './testSupport';

const NURSE_A = {
  userId: '0190a000-0000-7000-8000-00000000000a',
  deviceId: '0190a000-0000-7000-8000-0000000000da',
};
const NURSE_B = {
  userId: '0190a000-0000-7000-8000-00000000000b',
  deviceId: '0190a000-0000-7000-8000-0000000000db',
};

/** Two tablets holding the same patient, with different Yjs client ids, offline from each other. */
function twoTablets() {
  const ctxA = createTestContext({ seed: 1, ...NURSE_A });
  const ctxB = createTestContext({ seed: 2, ...NURSE_B });
  const a = new Y.Doc();
  a.clientID = 1001;
  getOrThrow(
    createPatient(a, ctxA, {
      homeClinicId: TEST_CLINIC_ID,
      profile: { givenName: 'Gifty', village: 'Old Town' },
      sex: 'female',
      dateOfBirth: { date: '1980-01-01' },
    }),
  );
  const encounterId = getOrThrow(startEncounter(a, ctxA, {}));
  const b = replicaOf(a, 2002);
  ctxA.clock.advance(60_000);
  ctxB.clock.advance(120_000);
  return { a, b, ctxA, ctxB, encounterId };
}

describe('concurrent clinical assertions', () => {
  test.each([
    ['sex', { field: 'sex', value: 'male' }, { field: 'sex', value: 'other' }],
    [
      'dateOfBirth',
      { field: 'dateOfBirth', value: { date: '1981-01-01' } },
      { field: 'dateOfBirth', value: { ageYears: 40 } },
    ],
    [
      'pregnancy',
      { field: 'pregnancy', value: { status: 'pregnant', gestationalWeeks: 20 } },
      { field: 'pregnancy', value: { status: 'not-pregnant' } },
    ],
    [
      'pregnancy',
      { field: 'pregnancy', value: { status: 'pregnant', gestationalWeeks: 40 } },
      { field: 'pregnancy', value: { status: 'postpartum', deliveredOn: '2025-02-28' } },
    ],
  ] as const)(
    'concurrent %s assertions both survive as a conflict needing review, until a resolution supersedes both',
    (field, onA, onB) => {
      const { a, b, ctxA, ctxB } = twoTablets();
      const idA = getOrThrow(assertFact(a, ctxA, onA));
      const idB = getOrThrow(assertFact(b, ctxB, onB));
      syncAll(a, b);
      const patient = view(a);
      expect(view(b)).toEqual(patient);
      const state = patient[field];
      expect(state.status).toBe('conflict');
      if (state.status !== 'conflict') return;
      expect(state.candidates.map((c) => [c.id, c.by, c.at])).toEqual([
        [idA, ctxA.actor, ctxA.clock.now()],
        [idB, ctxB.actor, ctxB.clock.now()],
      ]);
      expect(patient.needsReview).toBe(true);
      expect(patient.reviewReasons).toEqual([
        { field, message: '2 concurrent assertions disagree' },
      ]);

      // A reviewer on tablet B settles it; the resolution supersedes both candidates.
      ctxB.clock.advance(60_000);
      const resolution = getOrThrow(assertFact(b, ctxB, onA));
      syncAll(a, b);
      const resolved = view(a);
      expect(resolved[field]).toMatchObject({
        status: 'known',
        current: { id: resolution, by: ctxB.actor },
      });
      expect(resolved.needsReview).toBe(false);
      expect(view(b)).toEqual(resolved);
    },
  );

  test('concurrent assertions of the same value agree: no conflict', () => {
    const { a, b, ctxA, ctxB } = twoTablets();
    getOrThrow(assertFact(a, ctxA, { field: 'sex', value: 'male' }));
    getOrThrow(assertFact(b, ctxB, { field: 'sex', value: 'male' }));
    syncAll(a, b);
    expect(view(a).sex).toMatchObject({ status: 'known', current: { value: 'male' } });
    expect(view(a).needsReview).toBe(false);
  });

  test('an assertion made after seeing another simply supersedes it', () => {
    const { a, b, ctxA, ctxB } = twoTablets();
    getOrThrow(assertFact(a, ctxA, { field: 'sex', value: 'male' }));
    syncAll(a, b);
    getOrThrow(assertFact(b, ctxB, { field: 'sex', value: 'female' }));
    syncAll(a, b);
    expect(view(a).sex).toMatchObject({ status: 'known', current: { value: 'female' } });
  });
});

describe('concurrent allergy changes', () => {
  test('an allergy resolved on one tablet while re-added on another stays active; nothing is lost', () => {
    const { a, b, ctxA, ctxB } = twoTablets();
    const first = getOrThrow(addAllergy(a, ctxA, { name: 'Sulfonamides' }));
    syncAll(a, b);
    getOrThrow(resolveAllergy(a, ctxA, { id: first, reason: 'Entered for the wrong patient' }));
    const again = getOrThrow(addAllergy(b, ctxB, { name: 'Sulfonamides', reaction: 'Hives' }));
    syncAll(a, b);
    const patient = view(a);
    expect(view(b)).toEqual(patient);
    expect(patient.allergies.active.map((x) => x.id)).toEqual([again]);
    expect(patient.allergies.resolved).toMatchObject([
      { id: first, resolution: { reason: 'Entered for the wrong patient', by: ctxA.actor } },
    ]);
  });

  test('concurrent adds on two tablets both appear', () => {
    const { a, b, ctxA, ctxB } = twoTablets();
    getOrThrow(addAllergy(a, ctxA, { name: 'Aspirin' }));
    getOrThrow(addAllergy(b, ctxB, { name: 'Latex' }));
    syncAll(a, b);
    expect(
      view(a)
        .allergies.active.map((x) => x.value.name)
        .sort(),
    ).toEqual(['Aspirin', 'Latex']);
  });

  test('concurrent resolutions of the same allergy converge to one resolution', () => {
    const { a, b, ctxA, ctxB } = twoTablets();
    const id = getOrThrow(addAllergy(a, ctxA, { name: 'Codeine' }));
    syncAll(a, b);
    getOrThrow(resolveAllergy(a, ctxA, { id, reason: 'A' }));
    getOrThrow(resolveAllergy(b, ctxB, { id, reason: 'B' }));
    syncAll(a, b);
    expect(view(a).allergies).toEqual(view(b).allergies);
    expect(view(a).allergies.resolved).toHaveLength(1);
  });
});

describe('concurrent editable fields', () => {
  test('concurrent profile edits converge, last writer wins per field', () => {
    const { a, b, ctxA, ctxB } = twoTablets();
    getOrThrow(updateProfile(a, ctxA, { village: 'New Town', phone: '+233 20 111 1111' }));
    getOrThrow(updateProfile(b, ctxB, { village: 'River Side' }));
    syncAll(a, b);
    const profile = view(a).profile;
    expect(view(b).profile).toEqual(profile);
    expect(['New Town', 'River Side']).toContain(profile.village);
    expect(profile.phone).toBe('+233 20 111 1111');
  });

  test('concurrent edits of different parts of a note merge', () => {
    const { a, b, ctxA, ctxB, encounterId } = twoTablets();
    getOrThrow(setEncounterNote(a, ctxA, { encounterId, text: 'Cough. Fever.' }));
    syncAll(a, b);
    getOrThrow(setEncounterNote(a, ctxA, { encounterId, text: 'Dry cough. Fever.' }));
    getOrThrow(setEncounterNote(b, ctxB, { encounterId, text: 'Cough. Fever since Monday.' }));
    syncAll(a, b);
    expect(view(a).encounters[0]?.note).toBe('Dry cough. Fever since Monday.');
    expect(view(b).encounters[0]?.note).toBe('Dry cough. Fever since Monday.');
  });
});

describe('concurrent observations and corrections', () => {
  test('observations from both tablets survive; an erratum arriving before its observation applies once it arrives', () => {
    const { a, b, ctxA, ctxB, encounterId } = twoTablets();
    const [hr] = getOrThrow(
      recordVitals(a, ctxA, {
        encounterId,
        source: { kind: 'typed' },
        readings: [{ key: 'heartRate', value: 80 }],
      }),
    );
    getOrThrow(
      recordVitals(b, ctxB, {
        encounterId,
        source: { kind: 'typed' },
        readings: [{ key: 'spo2', value: 95 }],
      }),
    );
    // A third tablet sees A's observation and corrects it; B gets the correction first.
    const c = replicaOf(a, 3003);
    const ctxC = createTestContext({ seed: 3 });
    const vector = Y.encodeStateVector(c);
    getOrThrow(markEnteredInError(c, ctxC, { observationId: hr!, reason: 'wrong patient' }));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(c, vector), 'remote');
    expect(view(b).problems).toEqual([]);
    syncAll(a, b, c);
    const patient = view(b);
    expect(patient.encounters[0]?.observations.map((o) => [o.key, o.status])).toEqual(
      expect.arrayContaining([
        ['heartRate', 'entered-in-error'],
        ['spo2', 'final'],
      ]),
    );
    expect(view(a)).toEqual(patient);
    expect(view(c)).toEqual(patient);
  });
});
