/**
 * Document stamps: an open record catches up with storage before every change;
 * while the stored row is still the write it holds, nothing is opened (no
 * decryption, no decoding) — on both backends.
 */
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, test } from 'vitest';
import { WriteBatch, type StorageBackend } from './backend';
import { MemoryBackend } from './memory-store';
import type { DocumentRecord } from './records';
import { openDexieBackend } from './store';
import { createTestCipher } from './testing';

let databases = 0;

const backends: Record<string, () => Promise<StorageBackend>> = {
  memory: () => Promise.resolve(new MemoryBackend()),
  indexeddb: async () =>
    openDexieBackend('0190a000-0000-7000-8000-00000000aaaa', {
      name: `outpost-stamps-${++databases}`,
      indexedDB,
      IDBKeyRange,
      cipher: await createTestCipher(),
    }),
};

const record = (state: number[]): DocumentRecord => ({
  docId: 'patient/0190a000-0000-7000-8000-000000000001',
  kind: 'patient',
  state: new Uint8Array(state),
  updatedAt: state.length,
});

describe.each(Object.keys(backends))('document stamps on %s', (name) => {
  test('an unchanged row is not read again; every write gives a new stamp', async () => {
    const backend = await backends[name]!();
    const docId = record([]).docId;
    expect(await backend.documentIfChanged(docId, undefined)).toBeUndefined();

    const first = await backend.commit(new WriteBatch().put('documents', record([1, 2])));
    const stamp = first.documentStamps.get(docId);
    expect(stamp).toBeDefined();
    expect(await backend.documentIfChanged(docId, stamp)).toEqual({ stamp });

    // Unknown stamp: the record, with the stamp to keep.
    const read = await backend.documentIfChanged(docId, undefined);
    expect(read?.record?.state).toEqual(new Uint8Array([1, 2]));
    expect(read?.stamp).toBe(stamp);

    // The same content written again (another tab) is a new write.
    const second = await backend.commit(new WriteBatch().put('documents', record([1, 2])));
    const next = second.documentStamps.get(docId);
    expect(next).not.toBe(stamp);
    const changed = await backend.documentIfChanged(docId, stamp);
    expect(changed?.stamp).toBe(next);
    expect(changed?.record?.state).toEqual(new Uint8Array([1, 2]));
    backend.close();
  });
});
