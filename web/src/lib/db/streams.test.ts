/**
 * Monitoring streams on the tablet (Dexie version 2): sessions and chunks are
 * kept on both backends alike, pass seal/open like every record, never enter
 * the outbox, and a tablet still on version 1 upgrades keeping its records.
 */
import { Dexie } from 'dexie';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, test } from 'vitest';
import { encodeChunk, decodeChunk } from '@outpost/shared/devices';
import { getOrThrow } from '@outpost/shared/result';
import { BACKENDS, createHarness, createTestCipher } from './testing';
import { openDexieBackend } from './store';

const SESSION = '0190a000-0000-7000-8000-00000000beef';

describe.each(BACKENDS)('monitoring streams on %s', (backend) => {
  test('sessions and chunks are kept per patient and session, in order, outside the outbox', async () => {
    const harness = createHarness(backend);
    const store = await harness.open();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Juma' } }));
    const outboxBefore = (await store.outboxEntries()).length;
    await store.saveStreamSession({
      sessionId: SESSION,
      patientDocId: docId,
      encounterId: '0190a000-0000-7000-8000-00000000e001',
      deviceId: 'sim-cms50',
      startSec: 1_772_000_000,
      startedAt: 1_772_000_000_000,
    });
    const samples = (offset: number) =>
      Array.from({ length: 300 }, (_, i) => ({
        atSec: 1_772_000_000 + offset + i,
        spo2: 97,
        pulse: 80 + (i % 4),
      }));
    await store.saveStreamChunk({
      sessionId: SESSION,
      seq: 1,
      count: 300,
      bytes: encodeChunk(samples(300)),
    });
    await store.saveStreamChunk({
      sessionId: SESSION,
      seq: 0,
      count: 300,
      bytes: encodeChunk(samples(0)),
    });
    // The open chunk is rewritten as it fills: the same key, the newest content.
    await store.saveStreamChunk({
      sessionId: SESSION,
      seq: 1,
      count: 300,
      bytes: encodeChunk(samples(300).map((s) => ({ ...s, spo2: 95 }))),
    });
    const reopened = await harness.reopen();
    const sessions = await reopened.streamSessions(docId);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ sessionId: SESSION, deviceId: 'sim-cms50' });
    expect(await reopened.streamSessions('patient/someone-else')).toEqual([]);
    const chunks = await reopened.streamChunks(SESSION);
    expect(chunks.map((c) => c.seq)).toEqual([0, 1]);
    const decoded = getOrThrow(decodeChunk(chunks[1]!.bytes));
    expect(decoded[0]).toEqual({ atSec: 1_772_000_300, spo2: 95, pulse: 80 });
    await reopened.saveStreamSession({ ...sessions[0]!, stoppedAt: 1_772_000_600_000 });
    expect((await reopened.streamSessions(docId))[0]!.stoppedAt).toBe(1_772_000_600_000);
    expect((await reopened.outboxEntries()).length).toBe(outboxBefore);
  });
});

describe('Dexie version history', () => {
  test('a tablet on version 1 upgrades to version 3 with its records intact', async () => {
    const name = 'outpost-upgrade-test';
    const v1 = new Dexie(name, { indexedDB, IDBKeyRange });
    // Version 1 exactly as store.ts declares it.
    v1.version(1).stores({
      documents: 'docId',
      outbox: '++localSeq, docId, status',
      meta: 'key',
      patients: 'docId, updatedAt, *tokens',
      consults: 'docId, updatedAt, patientId, status',
      rejections: 'localSeq, docId',
    });
    await v1.open();
    await v1.table('meta').put({ key: 'sync', cursor: new Uint8Array([1, 2]), rekeyPending: [] });
    v1.close();
    const upgraded = await openDexieBackend('ignored', {
      name,
      indexedDB,
      IDBKeyRange,
      cipher: await createTestCipher(),
    });
    expect(await upgraded.get('meta', 'sync')).toMatchObject({ cursor: new Uint8Array([1, 2]) });
    expect(await upgraded.streamRows({ sessionId: SESSION })).toEqual([]);
    upgraded.close();
  });
});
