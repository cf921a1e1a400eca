import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import type { ConsultId, PatientId } from '../ids';
import { getOrThrow } from '../result';
import { consultDocId, parseDocId, patientDocId } from './docId';
import { CURRENT_SCHEMA_VERSION, upgradeDocument, type UpgradeStep } from './document';
import { PatientBuilder, TEST_CLINIC_ID, createTestContext } from './fixtures';
import { assertFact, recordVitals, startEncounter, updateProfile } from './patient';
import { readPatient } from './patientView';
import { expectRefused, view } from './testSupport';
import { validateDocument } from './validate';

const ID = '0190a000-0000-7000-8000-000000000123';

describe('document ids', () => {
  test('patient and consult ids round-trip', () => {
    expect(patientDocId(ID as PatientId)).toBe(`patient/${ID}`);
    expect(getOrThrow(parseDocId(`patient/${ID}`))).toEqual({ kind: 'patient', id: ID });
    expect(getOrThrow(parseDocId(consultDocId(ID as ConsultId)))).toEqual({
      kind: 'consult',
      id: ID,
    });
  });

  test.each([
    '',
    ID,
    `patients/${ID}`,
    `patient/${ID.toUpperCase()}`,
    'patient/',
    `consult/${ID}/x`,
  ])('%j is refused', (value) => {
    expect(parseDocId(value)).toEqual({ ok: false, error: { type: 'InvalidDocumentId', value } });
  });
});

/** A version-0 document: before versions, sex was a plain profile key (fictional history for the test). */
function versionZeroDoc(): Y.Doc {
  const doc = PatientBuilder.from({ profile: { givenName: 'Ines' } }).build(createTestContext());
  doc.transact(() => {
    doc.getMap('meta').delete('schemaVersion');
    doc.getMap('profile').set('sex', 'female');
  });
  return doc;
}

/** Moves the legacy profile key into an attributed assertion, with an id derived from the document id. */
const fakeStep: UpgradeStep = {
  from: 0,
  description: 'v0→v1: profile.sex becomes a sex assertion',
  up(doc, meta) {
    const legacy = doc.getMap('profile').get('sex');
    if (typeof legacy !== 'string') return;
    const id = `${meta.id.slice(0, 24)}000000000000`;
    doc.getArray('facts').push([
      {
        id,
        op: 'set',
        f: 'sex',
        v: legacy,
        sup: [],
        at: meta.createdAt,
        by: { u: meta.createdBy.userId, d: meta.createdBy.deviceId },
      },
    ]);
    doc.getMap('profile').delete('sex');
  },
};

describe('schema versions', () => {
  test('a document older than the code is refused by operations until upgraded', () => {
    const doc = versionZeroDoc();
    expectRefused(doc, () => updateProfile(doc, createTestContext(), { village: 'X' }), {
      type: 'DocumentNeedsUpgrade',
      documentVersion: 0,
      currentVersion: CURRENT_SCHEMA_VERSION,
    });
  });

  test('upgradeDocument runs the chain of steps in one transaction and records the new version', () => {
    const doc = versionZeroDoc();
    const transactions: unknown[] = [];
    doc.on('afterTransaction', (tr) => transactions.push(tr.origin));
    expect(getOrThrow(upgradeDocument(doc, { steps: [fakeStep] }))).toEqual({
      from: 0,
      to: 1,
      applied: [fakeStep.description],
    });
    expect(transactions).toHaveLength(1);
    const patient = view(doc);
    expect(patient.schemaVersion).toBe(1);
    expect(patient.sex).toMatchObject({ status: 'known', current: { value: 'female' } });
    expect(patient.problems).toEqual([]);
    expect(updateProfile(doc, createTestContext(), { village: 'X' }).ok).toBe(true);
  });

  test('two replicas upgrading concurrently converge without duplicating migrated data', () => {
    const a = versionZeroDoc();
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    getOrThrow(upgradeDocument(a, { steps: [fakeStep] }));
    getOrThrow(upgradeDocument(b, { steps: [fakeStep] }));
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const patient = view(a);
    expect(view(b)).toEqual(patient);
    expect(patient.sex.status).toBe('known');
  });

  test('an up-to-date document is left alone', () => {
    const doc = PatientBuilder.persona('childWithFever').build();
    const before = Y.encodeStateAsUpdate(doc);
    expect(getOrThrow(upgradeDocument(doc))).toEqual({ from: 1, to: 1, applied: [] });
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
  });

  test('a document from a newer version is refused and never touched, but still readable', () => {
    const doc = PatientBuilder.persona('childWithFever').build();
    doc.getMap('meta').set('schemaVersion', CURRENT_SCHEMA_VERSION + 1);
    const newer = {
      type: 'DocumentFromNewerVersion',
      documentVersion: CURRENT_SCHEMA_VERSION + 1,
      supportedVersion: CURRENT_SCHEMA_VERSION,
    } as const;
    expectRefused(doc, () => upgradeDocument(doc, { steps: [fakeStep] }), newer);
    expectRefused(
      doc,
      () => assertFact(doc, createTestContext(), { field: 'sex', value: 'male' }),
      newer,
    );
    const patient = view(doc);
    expect(patient.profile.givenName).toBe('Baraka');
    expect(patient.problems).toEqual([expect.objectContaining({ path: 'meta.schemaVersion' })]);
  });

  test('a missing upgrade step is a programmer error', () => {
    expect(() => upgradeDocument(versionZeroDoc(), { steps: [] })).toThrow(
      /no upgrade step from schema version 0/,
    );
  });
});

describe('hostile or malformed content', () => {
  function patientWithVisit() {
    const ctx = createTestContext();
    const doc = PatientBuilder.from({ profile: { givenName: 'Jomo' } }).build(ctx);
    const encounterId = getOrThrow(startEncounter(doc, ctx, {}));
    getOrThrow(
      recordVitals(doc, ctx, {
        encounterId,
        source: { kind: 'typed' },
        readings: [{ key: 'heartRate', value: 72 }],
      }),
    );
    return { doc, ctx, encounterId };
  }

  test('junk entries are skipped and reported; the rest of the record reads normally', () => {
    const { doc, encounterId } = patientWithVisit();
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    peer.transact(() => {
      peer.getArray('observations').push([
        'garbage',
        {
          enc: encounterId,
          eff: 1,
          at: 1,
          by: { u: ID, d: ID },
          src: { k: 'typed' },
          obs: [
            { id: ID, k: 'heartRate', v: 9999, u: '/min' },
            { id: ID, k: 'mood', v: 'happy' },
          ],
        },
        {
          enc: encounterId,
          eff: 1,
          at: 1,
          by: { u: ID, d: ID },
          src: { k: 'typed' },
          obs: [{ id: ID.replace('123', '124'), k: 'temperature', v: 37, u: '[degF]' }],
        },
      ]);
      peer.getArray('observations').push([new Y.Map()]);
      peer
        .getArray('facts')
        .push([
          { id: ID, op: 'set', f: 'sex', v: 'robot', sup: [], at: 1, by: { u: ID, d: ID } },
          { op: 'explode' },
        ]);
      peer.getMap('profile').set('phone', 12345);
      peer.getMap('notes').set(encounterId, 'not a Y.Text');
      peer.getArray('errata').push([{ obs: 'nope' }]);
      peer.getArray('transitions').push([{ weird: true }]);
    });
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer));
    const patient = view(doc);
    expect(patient.latest.heartRate?.value).toBe(72);
    expect(patient.sex.status).toBe('unknown');
    expect(patient.profile).toEqual({ givenName: 'Jomo' });
    expect(patient.encounters[0]?.note).toBe('');
    expect(patient.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        'observations[1]',
        'observations[2].obs[0]',
        'observations[2].obs[1]',
        'observations[3].obs[0]',
        'observations[4]',
        'facts[0]',
        'facts[1]',
        'profile.phone',
        'errata[0]',
      ]),
    );
    const validation = validateDocument(doc);
    expect(validation.ok).toBe(false);
    if (!validation.ok)
      expect(validation.error.problems.map((p) => p.path)).toEqual(
        expect.arrayContaining(['transitions', 'observations[1]', `notes.${encounterId}`]),
      );
  });

  test('entries are checked once per document, yet every read reports and skips the same', () => {
    // stored.ts/patientView.ts remember each entry object's outcome: a second
    // read (every save reads the record several times) must equal the first.
    const ctx = createTestContext();
    const doc = PatientBuilder.from({ profile: { givenName: 'Imani' } }).build(ctx);
    const encounterId = getOrThrow(startEncounter(doc, ctx, {}));
    getOrThrow(
      recordVitals(doc, ctx, {
        encounterId,
        source: { kind: 'typed' },
        readings: [{ key: 'heartRate', value: 80 }],
      }),
    );
    doc.getArray('observations').push([{ enc: encounterId, obs: 'garbled' }, new Y.Map()]);
    const first = view(doc);
    const second = view(doc);
    expect(second).toEqual(first);
    expect(second.problems.map((p) => p.path)).toEqual(['observations[1]', 'observations[2]']);
    // A new entry is read; the old ones are not read differently.
    getOrThrow(
      recordVitals(doc, ctx, {
        encounterId,
        source: { kind: 'typed' },
        readings: [{ key: 'heartRate', value: 90 }],
      }),
    );
    const third = view(doc);
    expect(third.latest.heartRate?.value).toBe(90);
    expect(third.problems).toEqual(second.problems);
    // The same content decoded into another document reads the same.
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    expect(view(copy)).toEqual(third);
  });

  test('supersession pointing forward (a cycle forged by a hostile peer) is ignored', () => {
    const { doc } = patientWithVisit();
    const a = '0190a000-0000-7000-8000-0000000000a1';
    const b = '0190a000-0000-7000-8000-0000000000b1';
    const by = { u: ID, d: ID };
    doc.getArray('facts').push([
      { id: a, op: 'set', f: 'sex', v: 'male', sup: [b], at: 1, by },
      { id: b, op: 'set', f: 'sex', v: 'female', sup: [a], at: 2, by },
    ]);
    expect(view(doc).sex).toMatchObject({ status: 'known', current: { id: b, value: 'female' } });
  });

  test('a well-formed document validates; identity and home clinic are checked against what the server stored', () => {
    const doc = PatientBuilder.persona('pregnantWomanAt32Weeks').build();
    const patient = view(doc);
    expect(
      getOrThrow(validateDocument(doc, { docId: patient.docId, homeClinicId: TEST_CLINIC_ID })).id,
    ).toBe(patient.id);
    const moved = validateDocument(doc, {
      docId: patient.docId,
      homeClinicId: '0190a000-0000-7000-8000-0000000000ff',
    });
    expect(moved).toMatchObject({
      ok: false,
      error: { type: 'InvalidDocument', problems: [{ path: 'meta.homeClinicId' }] },
    });
    expect(validateDocument(doc, { docId: `patient/${ID}` })).toMatchObject({
      ok: false,
      error: { problems: [{ path: 'meta.id' }] },
    });
  });

  test('a document whose meta was overwritten with junk is invalid and unreadable, without throwing', () => {
    const doc = PatientBuilder.persona('pregnantWomanAt32Weeks').build();
    doc.getMap('meta').set('homeClinicId', 42);
    expect(validateDocument(doc)).toMatchObject({
      ok: false,
      error: { type: 'InvalidDocument', problems: [{ path: 'meta.homeClinicId' }] },
    });
    expect(readPatient(doc).ok).toBe(false);
    expect(readPatient(new Y.Doc())).toMatchObject({
      ok: false,
      error: { type: 'InvalidDocument' },
    });
  });

  test('a root written as the wrong Yjs kind is reported', () => {
    const doc = PatientBuilder.persona('pregnantWomanAt32Weeks').build();
    const peer = new Y.Doc();
    peer.getMap('facts').set('x', 1);
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer));
    expect(validateDocument(doc)).toMatchObject({
      ok: false,
      error: { problems: [{ path: 'facts', message: 'array root has map content' }] },
    });
  });
});
