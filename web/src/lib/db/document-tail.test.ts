import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import {
  MAX_TAIL_UPDATES,
  MIN_TAIL_BYTES_LIMIT,
  appendToRow,
  documentState,
  tailUpdates,
} from './document-tail';
import type { DocumentRecord } from './records';

const row = (state: Uint8Array): DocumentRecord => ({
  docId: 'patient/x',
  kind: 'patient',
  state,
  updatedAt: 1,
});

describe('a document row and its tail', () => {
  test('updates appended come back in order, byte for byte', () => {
    let record = row(new Uint8Array([0, 0]));
    const updates = [new Uint8Array([1]), new Uint8Array(300).fill(2), new Uint8Array(0)];
    for (const update of updates) record = appendToRow(record, update, 2)!;
    expect(tailUpdates(record)).toEqual(updates);
    expect(record.state).toEqual(new Uint8Array([0, 0]));
    expect(record.updatedAt).toBe(2);
  });

  test(`the tail is full at ${MAX_TAIL_UPDATES} updates, or past its byte limit`, () => {
    let record = row(new Uint8Array(10));
    for (let i = 0; i < MAX_TAIL_UPDATES; i++) record = appendToRow(record, new Uint8Array(1), 2)!;
    expect(appendToRow(record, new Uint8Array(1), 2)).toBeUndefined();
    const small = row(new Uint8Array(10));
    expect(appendToRow(small, new Uint8Array(MIN_TAIL_BYTES_LIMIT + 1), 2)).toBeUndefined();
    // A large state allows a tail as large as itself.
    const large = row(new Uint8Array(4 * MIN_TAIL_BYTES_LIMIT));
    expect(appendToRow(large, new Uint8Array(2 * MIN_TAIL_BYTES_LIMIT), 2)).toBeDefined();
    expect(appendToRow(large, new Uint8Array(4 * MIN_TAIL_BYTES_LIMIT + 1), 2)).toBeUndefined();
  });

  test('the whole document of a row is its state with every change of the tail', () => {
    const doc = new Y.Doc();
    doc.getMap('profile').set('givenName', 'Asha');
    let record = row(Y.encodeStateAsUpdate(doc));
    expect(documentState(record)).toBe(record.state);
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    doc.getMap('profile').set('village', 'Majengo');
    doc.getArray('facts').push([{ id: 'f1' }]);
    for (const update of updates) record = appendToRow(record, update, 2)!;
    const read = new Y.Doc();
    Y.applyUpdate(read, documentState(record));
    expect(read.getMap('profile').toJSON()).toEqual({ givenName: 'Asha', village: 'Majengo' });
    expect(read.getArray('facts').toJSON()).toEqual([{ id: 'f1' }]);
  });
});
