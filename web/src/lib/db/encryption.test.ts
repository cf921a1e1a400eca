/**
 * Encryption at rest of the clinic database (issue 4; research rows C04, C05):
 * what IndexedDB really holds, what is indexed, and what happens when a stored
 * row is altered, swapped, left in the clear by an older version, or opened
 * with another clinic's key.
 */
import { Dexie } from 'dexie';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, test, vi, type MockInstance } from 'vitest';
import { createManualClock } from '@outpost/shared/deps';
import { createSeededIds, type ClinicId } from '@outpost/shared/ids';
import * as Y from 'yjs';
import { readPatient, updateProfile } from '@outpost/shared/model';
import {
  TEST_START_MS,
  TEST_USER_ID,
  createTestContext,
  seededRandom,
} from '@outpost/shared/model/fixtures';
import { PROTOCOL_VERSION, type PulledUpdate } from '@outpost/shared/sync';
import { getOrThrow } from '@outpost/shared/result';
import { RecordCipher, newSecret } from '../security/crypto';
import { UnreadableRecordError, type QuarantinedRecord } from './backend';
import { tailUpdates } from './document-tail';
import { LocalStore, type StoreEvent } from './local-store';
import { decodeRecord, encodeRecord } from './record-codec';
import type { TableName } from './records';
import { CLEAR_FIELDS, declaredSchema, openDexieBackend, TOKEN_PREFIX_LENGTH } from './store';
import { createTestCipher, findCanary, rawDatabaseValues } from './testing';

const CLINIC_ID = '0190a000-0000-7000-8000-0000000ec1c1' as ClinicId;
let counter = 0;

/** A real LocalStore over fake-indexeddb, sealed with `cipher`, in a database of its own. */
async function openStore(options: { name?: string; cipher?: RecordCipher } = {}) {
  const name = options.name ?? `outpost-encryption-test-${++counter}`;
  const clock = createManualClock(TEST_START_MS);
  const cipher = options.cipher ?? (await createTestCipher());
  const store = await LocalStore.open(
    await openDexieBackend(CLINIC_ID, { name, indexedDB, IDBKeyRange, cipher }),
    {
      clinicId: CLINIC_ID,
      userId: TEST_USER_ID,
      clock,
      ids: createSeededIds(() => clock.now(), seededRandom(counter)),
      random: { next: seededRandom(counter + 1000) },
      locks: null,
      broadcast: false,
    },
  );
  const events: StoreEvent[] = [];
  store.subscribe((event) => events.push(event));
  return { store, name, clock, events };
}

/** The database without Dexie's schema (dynamic mode): to alter rows as an attacker would. */
async function rawDexie(name: string): Promise<Dexie> {
  const db = new Dexie(name, { indexedDB, IDBKeyRange });
  await db.open();
  return db;
}

// ---------------------------------------------------------------------------
// C04: nothing indexed or kept in the clear is patient data

/**
 * Every field any index (or primary key) of the clinic database may name, and
 * why it is not patient data. Reviewed list: adding to it needs a reason here.
 */
const INDEXABLE: Readonly<Record<string, string>> = {
  'documents.docId': 'opaque id (patient/<uuid>, consult/<uuid>)',
  'outbox.localSeq': 'counter',
  'outbox.docId': 'opaque id',
  'outbox.status': 'enum pending | sent | rejected',
  'meta.key': 'fixed name (identity, sync)',
  'patients.docId': 'opaque id',
  'patients.updatedAt': 'device time of the last write',
  'patients.tokens': 'keyed hashes (HMAC) of 3-letter search prefixes',
  'consults.docId': 'opaque id',
  'consults.updatedAt': 'device time of the last write',
  'consults.patientId': 'opaque id (uuid)',
  'consults.status': 'enum',
  'rejections.localSeq': 'counter',
  'rejections.docId': 'opaque id',
  'streams.key': 'opaque ids (session|<uuid>, chunk|<uuid>|<seq>)',
  'streams.sessionId': 'opaque id',
  'streams.patientDocId': 'opaque id',
  'photos.sha256':
    'content address: SHA-256 of the downscaled, re-encoded photo (identifies it, reveals nothing of it)',
  'photos.status': 'enum pending | uploaded',
};

type Schema = ReadonlyArray<{ table: string; primaryKey: string; indexes: readonly string[] }>;

/** Indexed or primary-key fields not in the allow-list (compound and multi-entry paths included). */
function indexViolations(schema: Schema, allowed: Readonly<Record<string, string>>): string[] {
  const violations: string[] = [];
  for (const { table, primaryKey, indexes } of schema)
    for (const path of [primaryKey, ...indexes])
      for (const field of path.replace(/^\[|\]$/g, '').split('+'))
        if (!(`${table}.${field}` in allowed)) violations.push(`${table}.${field}`);
  return violations;
}

describe('C04 what the clinic database indexes', () => {
  test('every declared index and primary key is an opaque id, time, counter, enum or keyed hash', () => {
    const schema = declaredSchema();
    expect(schema.map((s) => s.table).sort()).toEqual(
      [
        'consults',
        'documents',
        'meta',
        'outbox',
        'patients',
        'photos',
        'rejections',
        'streams',
      ].sort(),
    );
    expect(schema.find((s) => s.table === 'patients')?.indexes).toContain('tokens');
    expect(indexViolations(schema, INDEXABLE)).toEqual([]);
  });

  test('the check catches a patient-data index (name, phone, date of birth, in a compound too)', () => {
    const schema: Schema = [
      { table: 'patients', primaryKey: 'docId', indexes: ['updatedAt', 'name'] },
      { table: 'consults', primaryKey: 'docId', indexes: ['[patientId+birthDate]'] },
      { table: 'people', primaryKey: 'phone', indexes: [] },
    ];
    expect(indexViolations(schema, INDEXABLE)).toEqual([
      'patients.name',
      'consults.birthDate',
      'people.phone',
    ]);
  });

  test('the fields kept in the clear beside the sealed record are all in the allow-list', () => {
    for (const [table, fields] of Object.entries(CLEAR_FIELDS))
      for (const field of fields) expect(INDEXABLE).toHaveProperty([`${table}.${field}`]);
  });

  test('a stored row holds only its clear fields, hashed tokens and {iv, ct}', async () => {
    const { store, name } = await openStore();
    const { docId } = getOrThrow(
      await store.createPatient({
        profile: { givenName: 'Amina', familyName: 'Testcase', phone: '+255 700 000 001' },
      }),
    );
    getOrThrow(
      await store.createConsult({
        patientId: getOrThrow((await store.readPatient(docId))!).id,
        priority: 'urgent',
        routing: { kind: 'specialty', specialty: 'paediatrics' },
        question: 'Fever for three days?',
        snapshot: { name: 'Amina Testcase' },
      }),
    );
    const rows = await rawDatabaseValues(name);
    expect(new Set(rows.map((row) => row.store))).toEqual(
      new Set(['documents', 'outbox', 'meta', 'patients', 'consults']),
    );
    for (const { store: table, value } of rows) {
      const allowed = new Set([
        ...CLEAR_FIELDS[table as TableName],
        'iv',
        'ct',
        ...(table === 'patients' ? ['tokens'] : []),
      ]);
      for (const key of Object.keys(value as object)) expect(allowed).toContain(key);
      expect((value as { iv: unknown }).iv).toBeInstanceOf(Uint8Array);
    }
    const patient = rows.find((row) => row.store === 'patients')!.value as { tokens: string[] };
    expect(patient.tokens.length).toBeGreaterThan(0);
    for (const token of patient.tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    store.close();
  });
});

describe('C04 a canary patient never reaches IndexedDB in the clear', () => {
  test('ZZCANARY-<uuid> written through a real LocalStore: zero hits in every raw value', async () => {
    const canary = `ZZCANARY-${crypto.randomUUID()}`;
    const phone = '+255 799 123 457';
    const { store, name } = await openStore();
    const { docId } = getOrThrow(
      await store.createPatient({
        profile: {
          givenName: canary,
          familyName: canary,
          village: canary,
          nationalId: canary,
          phone,
        },
      }),
    );
    await store.saveStreamSession({
      sessionId: '0190a000-0000-7000-8000-00000000beef',
      patientDocId: docId,
      encounterId: 'e1',
      deviceId: 'pulse-oximeter',
      deviceName: canary,
      startSec: 1_772_000_000,
      startedAt: 1_772_000_000_000,
    });
    // Every path a record takes: a search, a push (outbox rewritten), a rebuild.
    expect((await store.searchPatients(canary.slice(0, 12))).map((r) => r.docId)).toEqual([docId]);
    expect((await store.searchPatients('zzc')).map((r) => r.docId)).toEqual([docId]);
    await store.prepareRequest({ maxPushBytes: 1 << 20, now: 1 });
    await store.rebuildReadModels();

    const rows = await rawDatabaseValues(name);
    expect(rows.length).toBeGreaterThan(5);
    expect(findCanary(rows, canary)).toEqual([]);
    expect(findCanary(rows, '799123457')).toEqual([]);
    expect(findCanary(rows, 'zzcanary')).toEqual([]);
    // …while the store reads it all back.
    expect((await store.getPatientRow(docId))?.givenName).toBe(canary);
    store.close();
  });

  test('a change appended to a stored row (its tail) is sealed with the row', async () => {
    const canary = `ZZCANARY-${crypto.randomUUID()}`;
    const { store, name } = await openStore();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Sealed' } }));
    const handle = (await store.openDocument(docId))!;
    getOrThrow(
      await store.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { village: canary })),
    );
    const rows = await rawDatabaseValues(name);
    const document = rows.find((row) => row.store === 'documents')!.value as Record<
      string,
      unknown
    >;
    expect(Object.keys(document).sort()).toEqual(['ct', 'docId', 'iv']);
    expect(findCanary(rows, canary)).toEqual([]);
    expect(findCanary(rows, 'zzcanary')).toEqual([]);
    handle.release();
    store.close();
    const backend = await openDexieBackend(CLINIC_ID, {
      name,
      indexedDB,
      IDBKeyRange,
      cipher: await createTestCipher(),
    });
    expect(tailUpdates((await backend.get('documents', docId))!)).toHaveLength(1);
    backend.close();
    const reopened = await openStore({ name });
    expect(getOrThrow((await reopened.store.readPatient(docId))!).profile.village).toBe(canary);
    reopened.store.close();
  });

  test('the scanner finds a canary in plaintext, UTF-16 and base64 (it is not blind)', () => {
    const canary = `ZZCANARY-${crypto.randomUUID()}`;
    const utf16 = new Uint8Array([0x20, ...new Uint8Array(Buffer.from(`x${canary}`, 'utf16le'))]);
    expect(findCanary({ name: canary }, canary)).toHaveLength(1);
    expect(findCanary({ tokens: [canary.toLowerCase()] }, canary)).toHaveLength(1);
    expect(findCanary({ state: new TextEncoder().encode(`..${canary}..`) }, canary)).not.toEqual(
      [],
    );
    expect(findCanary({ bytes: utf16 }, canary)).not.toEqual([]);
    for (const prefix of ['', 'a', 'ab'])
      expect(
        findCanary({ b64: Buffer.from(`${prefix}${canary}!`).toString('base64') }, canary),
      ).not.toEqual([]);
    expect(findCanary({ other: 'Amina Testcase' }, canary)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// C05: altered, swapped and unsealed rows are loud

describe('C05 a stored row that does not open is quarantined, never skipped silently', () => {
  // Quarantining logs an error (loud by design); keep it out of the test output.
  let logged: MockInstance<typeof console.error>;
  beforeEach(() => {
    logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    expect(logged).toHaveBeenCalled();
    logged.mockRestore();
  });

  async function twoPatients() {
    const opened = await openStore();
    const a = getOrThrow(await opened.store.createPatient({ profile: { givenName: 'Amina' } }));
    const b = getOrThrow(await opened.store.createPatient({ profile: { givenName: 'Baraka' } }));
    return { ...opened, a: a.docId, b: b.docId };
  }

  test('one flipped bit: the list leaves the row out and reports it; reading it alone throws', async () => {
    const { store, name, a, b, events } = await twoPatients();
    const raw = await rawDexie(name);
    const row = (await raw.table('patients').get(a)) as { ct: Uint8Array };
    row.ct[5]! ^= 0x01;
    await raw.table('patients').put(row);
    raw.close();

    const listed = await store.listPatients();
    expect(listed.map((r) => r.docId)).toEqual([b]);
    const expected: QuarantinedRecord = { table: 'patients', key: a, docId: a, reason: 'tampered' };
    expect(store.quarantinedRecords()).toEqual([expected]);
    expect(events).toContainEqual({ type: 'quarantine', record: expected });
    await expect(store.getPatientRow(a)).rejects.toBeInstanceOf(UnreadableRecordError);
    await expect(store.getPatientRow(a)).rejects.toMatchObject({ record: expected });
    // Reported once, kept on disk untouched, and the document itself still reads.
    expect(store.quarantinedRecords()).toHaveLength(1);
    expect(getOrThrow((await store.readPatient(a))!).profile.givenName).toBe('Amina');
    store.close();
  });

  test('ciphertexts swapped between two patients: both are quarantined, neither shows the other', async () => {
    const { store, name, a, b } = await twoPatients();
    const raw = await rawDexie(name);
    for (const table of ['patients', 'documents']) {
      const rowA = (await raw.table(table).get(a)) as { iv: Uint8Array; ct: Uint8Array };
      const rowB = (await raw.table(table).get(b)) as { iv: Uint8Array; ct: Uint8Array };
      await raw.table(table).put({ ...rowA, iv: rowB.iv, ct: rowB.ct });
      await raw.table(table).put({ ...rowB, iv: rowA.iv, ct: rowA.ct });
    }
    raw.close();
    expect(await store.listPatients()).toEqual([]);
    expect(
      store
        .quarantinedRecords()
        .map((r) => [r.table, r.key])
        .sort(),
    ).toEqual(
      [
        ['patients', a],
        ['patients', b],
      ].sort(),
    );
    await expect(store.readPatient(a)).rejects.toBeInstanceOf(UnreadableRecordError);
    await expect(store.openDocument(b)).rejects.toBeInstanceOf(UnreadableRecordError);
    expect(store.quarantinedRecords()).toContainEqual({
      table: 'documents',
      key: a,
      docId: a,
      reason: 'tampered',
    });
    store.close();
  });

  test('a clear index field changed to disagree with the sealed record is caught', async () => {
    const { store, name, a, b } = await twoPatients();
    const raw = await rawDexie(name);
    await raw.table('patients').update(a, { updatedAt: 1 });
    await raw.table('outbox').toCollection().modify({ status: 'rejected' });
    raw.close();
    expect((await store.listPatients()).map((r) => r.docId)).toEqual([b]);
    expect(await store.outboxEntries()).toEqual([]);
    expect(store.quarantinedRecords().map((r) => r.table)).toEqual([
      'patients',
      'outbox',
      'outbox',
    ]);
    store.close();
  });

  test('outbox rows are bound to their document: one moved to another document does not open', async () => {
    const { store, name, a, b } = await twoPatients();
    const raw = await rawDexie(name);
    const [first] = (await raw.table('outbox').toArray()) as Array<{ docId: string }>;
    expect(first!.docId).toBe(a);
    await raw.table('outbox').put({ ...first, docId: b });
    raw.close();
    const entries = await store.outboxEntries();
    expect(entries.map((e) => e.docId)).toEqual([b]);
    expect(store.quarantinedRecords()).toEqual([
      { table: 'outbox', key: 1, docId: b, reason: 'tampered' },
    ]);
    store.close();
  });

  test('a plaintext row slipped into an encrypted database is refused, not read', async () => {
    const { store, name, a } = await twoPatients();
    const forged = { ...(await store.getPatientRow(a))!, docId: 'patient/forged', name: 'Forged' };
    const raw = await rawDexie(name);
    await raw.table('patients').put(forged);
    raw.close();
    expect((await store.listPatients()).map((r) => r.name)).not.toContain('Forged');
    expect(store.quarantinedRecords()).toEqual([
      { table: 'patients', key: 'patient/forged', docId: 'patient/forged', reason: 'unsealed' },
    ]);
    store.close();
  });

  test("another clinic's key opens nothing: the store refuses to open", async () => {
    const { store, name } = await twoPatients();
    store.close();
    const stranger = await RecordCipher.fromSecret(newSecret());
    await expect(openStore({ name, cipher: stranger })).rejects.toBeInstanceOf(
      UnreadableRecordError,
    );
    // The rightful key still opens it.
    const again = await openStore({ name });
    expect(await again.store.listPatients()).toHaveLength(2);
    again.store.close();
  });
});

// ---------------------------------------------------------------------------
// Search over hashed tokens

describe('search over keyed-hash tokens', () => {
  test(`words of ${TOKEN_PREFIX_LENGTH}+ letters use the index; shorter ones scan; results match memory`, async () => {
    const { store } = await openStore();
    for (const givenName of ['Amina', 'Amani', 'Baraka', 'Bahati', 'Zoé'])
      await store.createPatient({ profile: { givenName, village: 'Makeupton' } });
    const names = async (query: string) =>
      (await store.searchPatients(query)).map((row) => row.givenName).sort();
    expect(await names('ami')).toEqual(['Amina']);
    expect(await names('am')).toEqual(['Amani', 'Amina']);
    expect(await names('a')).toEqual(['Amani', 'Amina']);
    expect(await names('b')).toEqual(['Bahati', 'Baraka']);
    expect(await names('bar')).toEqual(['Baraka']);
    expect(await names('barak')).toEqual(['Baraka']);
    expect(await names('barakaa')).toEqual([]);
    expect(await names('zo')).toEqual(['Zoé']);
    expect(await names('makeupton ama')).toEqual(['Amani']);
    expect(await names('mak')).toHaveLength(5);
    store.close();
  });
});

// ---------------------------------------------------------------------------
// A database from before encryption

describe('a database written before encryption (version 2, plaintext)', () => {
  async function legacyDatabase(name: string, canary: string) {
    const v2 = new Dexie(name, { indexedDB, IDBKeyRange });
    // Versions 1 and 2 exactly as store.ts declares them.
    v2.version(1).stores({
      documents: 'docId',
      outbox: '++localSeq, docId, status',
      meta: 'key',
      patients: 'docId, updatedAt, *tokens',
      consults: 'docId, updatedAt, patientId, status',
      rejections: 'localSeq, docId',
    });
    v2.version(2).stores({ streams: 'key, sessionId, patientDocId' });
    await v2.open();
    // Written by a plaintext store of the same code (memory) and copied row by row.
    const { MemoryBackend } = await import('./memory-store');
    const memory = new MemoryBackend();
    const clock = createManualClock(TEST_START_MS);
    const old = await LocalStore.open(memory, {
      clinicId: CLINIC_ID,
      userId: TEST_USER_ID,
      clock,
      ids: createSeededIds(() => clock.now(), seededRandom(7)),
      random: { next: seededRandom(8) },
      locks: null,
      broadcast: false,
    });
    const { docId } = getOrThrow(
      await old.createPatient({ profile: { givenName: canary, village: 'Fictionville' } }),
    );
    for (const table of ['documents', 'outbox', 'meta', 'patients'] as const)
      await v2.table(table).bulkPut(await memory.getAll(table));
    v2.close();
    return { docId, identity: old.deviceId };
  }

  test('opens with its records, is sealed once by the pass, and stays readable', async () => {
    const name = `outpost-legacy-${++counter}`;
    const canary = `ZZCANARY-${crypto.randomUUID()}`;
    const { docId, identity } = await legacyDatabase(name, canary);
    expect(findCanary(await rawDatabaseValues(name), canary)).not.toEqual([]);

    const { store } = await openStore({ name });
    expect(store.deviceId).toBe(identity);
    expect(getOrThrow((await store.readPatient(docId))!).profile.givenName).toBe(canary);
    expect((await store.searchPatients('fiction')).map((r) => r.docId)).toEqual([docId]);
    expect(await store.outboxEntries()).toHaveLength(1);
    expect(store.quarantinedRecords()).toEqual([]);
    store.close();

    const rows = await rawDatabaseValues(name);
    expect(findCanary(rows, canary)).toEqual([]);
    expect(rows.filter((row) => row.store === 'meta').map((row) => row.key)).toEqual([
      'identity',
      'sync',
    ]);

    // Reopening does not rewrite sealed rows.
    const before = rows.map((row) => (row.value as { iv: Uint8Array }).iv);
    (await openStore({ name })).store.close();
    const after = (await rawDatabaseValues(name)).map(
      (row) => (row.value as { iv: Uint8Array }).iv,
    );
    expect(after).toEqual(before);
  });

  test('the pass seals every page of a large database (more rows than one page)', async () => {
    const name = `outpost-legacy-${++counter}`;
    await legacyDatabase(name, 'Rehema');
    const raw = await rawDexie(name);
    await raw.table('patients').bulkPut(
      Array.from({ length: 450 }, (_, i) => ({
        docId: `patient/bulk-${String(i).padStart(4, '0')}`,
        id: `bulk-${i}`,
        givenName: `Bulk${i}`,
        name: `Bulk${i}`,
        latestVitals: {},
        openEncounter: false,
        needsReview: false,
        createdAt: i,
        updatedAt: i,
        tokens: [`bulk${i}`],
      })),
    );
    await raw.table('outbox').bulkAdd(
      Array.from({ length: 450 }, (_, i) => ({
        docId: `patient/bulk-${i}`,
        update: new Uint8Array([i & 0xff]),
        deviceTime: i,
        clientId: 1,
        status: 'pending',
      })),
    );
    raw.close();
    const { store } = await openStore({ name });
    expect(await store.listPatients({ limit: 1000 })).toHaveLength(451);
    expect(await store.outboxEntries()).toHaveLength(451);
    expect((await store.searchPatients('bulk449')).map((r) => r.givenName)).toEqual(['Bulk449']);
    expect(store.quarantinedRecords()).toEqual([]);
    store.close();
    const rows = await rawDatabaseValues(name);
    expect(
      rows.filter((row) => !((row.value as { ct?: unknown }).ct instanceof Uint8Array)),
    ).toEqual([]);
  });

  test('a plaintext row left in the clear by an old version is read and sealed', async () => {
    const name = `outpost-legacy-${++counter}`;
    const { docId } = await legacyDatabase(name, 'Neema');
    const { store } = await openStore({ name });
    const rows = await rawDatabaseValues(name);
    expect(rows.every((row) => (row.value as { ct?: unknown }).ct instanceof Uint8Array)).toBe(
      true,
    );
    const stored = rows.find((row) => row.store === 'documents')!.value as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(['ct', 'docId', 'iv']);
    expect(getOrThrow(readPatient((await store.openDocument(docId))!.doc)).profile.givenName).toBe(
      'Neema',
    );
    store.close();
  });
});

// ---------------------------------------------------------------------------

describe('rows are sealed again only when they change', () => {
  test('a pull that brings nothing new leaves the stored document as it was', async () => {
    const { store, name, events } = await openStore();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Juma' } }));
    const [created] = await store.outboxEntries();
    const sealedDocument = async () =>
      (
        (await rawDatabaseValues(name)).find((row) => row.store === 'documents')!.value as {
          iv: Uint8Array;
        }
      ).iv;
    const before = await sealedDocument();
    const pull = (updates: PulledUpdate[]) =>
      store.applySyncResponse(
        {
          protocol: PROTOCOL_VERSION,
          serverTime: 0,
          receipts: [],
          documents: [],
          updates,
          cursor: new Uint8Array([1]),
          more: false,
        },
        { wanted: [], clockOffsetMs: 0, syncedAt: 1 },
      );
    events.length = 0;
    await pull([{ seq: 1, docId, update: created!.update }]);
    expect(await sealedDocument()).toEqual(before);
    expect(events.filter((event) => event.type === 'document')).toEqual([]);

    // Something new from another tablet: written (and sealed afresh).
    const elsewhere = new Y.Doc();
    Y.applyUpdate(elsewhere, created!.update);
    const vector = Y.encodeStateVector(elsewhere);
    getOrThrow(updateProfile(elsewhere, createTestContext({ seed: 9 }), { village: 'Makeupton' }));
    await pull([{ seq: 2, docId, update: Y.encodeStateAsUpdate(elsewhere, vector) }]);
    expect(await sealedDocument()).not.toEqual(before);
    expect((await store.getPatientRow(docId))?.village).toBe('Makeupton');
    store.close();
  });
});

// ---------------------------------------------------------------------------

describe('the record encoding', () => {
  test('round-trips plain data with byte arrays, compactly', () => {
    const state = crypto.getRandomValues(new Uint8Array(40_000));
    const record = {
      docId: 'patient/x',
      state,
      cursor: new Uint8Array(0),
      nested: { list: [1, 'two', { update: new Uint8Array([3]) }], nan: NaN, inf: -Infinity },
      absent: undefined,
      nothing: null,
    };
    const encoded = encodeRecord(record);
    expect(encoded.length).toBeLessThan(state.length + 300); // base64 would add 13 000
    const decoded = decodeRecord<typeof record>(encoded);
    expect(decoded).toEqual({ ...record, absent: undefined });
    expect('absent' in decoded).toBe(false);
    expect(decoded.state).toBeInstanceOf(Uint8Array);
    expect(decoded.state.buffer.byteLength).toBe(state.length);
    // The usual shape (byte arrays in the record's own fields) decodes without a reviver.
    const flat = { docId: 'patient/x', state, cursor: new Uint8Array([1]), n: -1, at: NaN };
    expect(decodeRecord(encodeRecord(flat))).toEqual(flat);
  });

  test('refuses values JSON would silently change', () => {
    expect(() => encodeRecord({ at: new Date(0) })).toThrow(TypeError);
    expect(() => encodeRecord({ map: new Map() })).toThrow(TypeError);
    expect(() => encodeRecord({ words: new Uint16Array(2) })).toThrow(TypeError);
  });
});
