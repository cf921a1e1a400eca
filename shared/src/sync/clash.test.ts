import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { compareOverlap } from './clash';

/** A doc under a forced client id (as a cloned tablet profile would have). */
function docWithClient(clientId: number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  return doc;
}

function updatesOf(doc: Y.Doc): Uint8Array[] {
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return updates;
}

/** The server's compacted state after applying updates (gc on, as the server stores it). */
function serverStateOf(...updates: Uint8Array[]): Uint8Array {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return Y.encodeStateAsUpdate(doc);
}

type Op =
  | { kind: 'push'; value: number | string }
  | { kind: 'text'; at: number; text: string }
  | { kind: 'deleteText'; at: number; length: number }
  | { kind: 'set'; key: string; value: string }
  | { kind: 'deleteArray'; at: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), value: fc.oneof(fc.integer(), fc.string()) }),
  fc.record({
    kind: fc.constant('text' as const),
    at: fc.nat(50),
    text: fc.string({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('deleteText' as const),
    at: fc.nat(50),
    length: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({
    kind: fc.constant('set' as const),
    key: fc.constantFrom('a', 'b', 'c'),
    value: fc.string(),
  }),
  fc.record({ kind: fc.constant('deleteArray' as const), at: fc.nat(20) }),
);

function run(doc: Y.Doc, op: Op): void {
  const text = doc.getText('t');
  const array = doc.getArray<unknown>('a');
  switch (op.kind) {
    case 'push':
      array.push([op.value]);
      return;
    case 'text':
      text.insert(Math.min(op.at, text.length), op.text);
      return;
    case 'deleteText': {
      const at = Math.min(op.at, text.length);
      const length = Math.min(op.length, text.length - at);
      if (length > 0) text.delete(at, length);
      return;
    }
    case 'set':
      doc.getMap('m').set(op.key, op.value);
      return;
    case 'deleteArray':
      if (array.length > 0) array.delete(Math.min(op.at, array.length - 1), 1);
      return;
  }
}

describe('compareOverlap (S12 client-id clash detection)', () => {
  it('S12 two tablets under one client id writing different entries clash', () => {
    const a = docWithClient(42);
    const b = docWithClient(42);
    a.getArray('observations').push([{ id: 'a', v: 120 }]);
    b.getArray('observations').push([{ id: 'b', v: 80 }]);
    const result = compareOverlap(Y.encodeStateAsUpdate(a), Y.encodeStateAsUpdate(b));
    expect(result).toEqual({ ok: false, error: { type: 'ClientIdClash', clientId: 42, clock: 0 } });
  });

  it('S12 the same map key written differently under one client id clashes', () => {
    const a = docWithClient(7);
    const b = docWithClient(7);
    a.getMap('profile').set('village', 'Fictionville');
    b.getMap('profile').set('village', 'Makeupton');
    expect(compareOverlap(Y.encodeStateAsUpdate(a), Y.encodeStateAsUpdate(b)).ok).toBe(false);
  });

  it('S12 the same content in another place (different parent) clashes', () => {
    const a = docWithClient(7);
    const b = docWithClient(7);
    a.getArray('facts').push(['x']);
    b.getArray('errata').push(['x']);
    expect(compareOverlap(Y.encodeStateAsUpdate(a), Y.encodeStateAsUpdate(b)).ok).toBe(false);
  });

  test.prop([
    fc.integer({ min: 1, max: 2 ** 31 }),
    fc.array(fc.jsonValue(), { minLength: 1, maxLength: 5 }),
    fc.array(fc.jsonValue(), { minLength: 1, maxLength: 5 }),
    fc.string({ minLength: 1, maxLength: 10 }),
    fc.string({ minLength: 1, maxLength: 10 }),
  ])(
    'S12 forced same client id: different content clashes, identical content is a duplicate',
    (clientId, entriesA, entriesB, textA, textB) => {
      const a = docWithClient(clientId);
      const b = docWithClient(clientId);
      a.getArray('entries').push(entriesA);
      a.getText('note').insert(0, textA);
      b.getArray('entries').push(entriesB);
      b.getText('note').insert(0, textB);
      const result = compareOverlap(Y.encodeStateAsUpdate(a), Y.encodeStateAsUpdate(b));
      const same =
        JSON.stringify(a.getArray('entries').toJSON()) ===
          JSON.stringify(b.getArray('entries').toJSON()) && textA === textB;
      if (same) expect(result).toEqual({ ok: true, value: 'duplicate' });
      else expect(result).toMatchObject({ ok: false, error: { type: 'ClientIdClash', clientId } });
    },
  );

  test.prop([fc.array(opArbitrary, { minLength: 1, maxLength: 30 }), fc.nat(), fc.nat()])(
    'S12 one tablet never clashes with itself: repeated, merged and later updates',
    (ops, heldSeed, pushSeed) => {
      const doc = docWithClient(99);
      const updates = updatesOf(doc);
      for (const op of ops) run(doc, op);
      if (updates.length === 0) return;
      // The server holds a prefix (it may have GC'd what later updates deleted).
      const heldCount = (heldSeed % updates.length) + 1;
      const state = serverStateOf(...updates.slice(0, heldCount));
      // Push: the same update again, or a merge of a range of updates.
      const first = pushSeed % updates.length;
      const pushed = Y.mergeUpdates(updates.slice(first, first + 1 + (pushSeed % 3)));
      const result = compareOverlap(state, pushed);
      expect(result.ok).toBe(true);
      // And the whole state of the tablet against the server's compacted state.
      expect(compareOverlap(state, Y.encodeStateAsUpdate(doc)).ok).toBe(true);
      expect(compareOverlap(Y.encodeStateAsUpdate(doc), state)).toEqual({
        ok: true,
        value: 'duplicate',
      });
    },
  );

  it('S12 an update pushed twice is a duplicate; one with more is a partial duplicate', () => {
    const doc = docWithClient(5);
    const updates = updatesOf(doc);
    doc.getArray('a').push([1, 2, 3]);
    doc.getText('t').insert(0, 'hello');
    const state = serverStateOf(updates[0]!);
    expect(compareOverlap(state, updates[0]!)).toEqual({ ok: true, value: 'duplicate' });
    expect(compareOverlap(state, updates[1]!)).toEqual({ ok: true, value: 'new' });
    expect(compareOverlap(state, Y.mergeUpdates(updates))).toEqual({
      ok: true,
      value: 'partial-duplicate',
    });
  });

  it('S12 content deleted and collected on the server still matches the original push', () => {
    const doc = docWithClient(5);
    const updates = updatesOf(doc);
    doc.getText('t').insert(0, 'hello world');
    doc.getText('t').delete(0, 6);
    const state = serverStateOf(...updates);
    expect(compareOverlap(state, updates[0]!)).toEqual({ ok: true, value: 'duplicate' });
    // Under the same client id: different deleted text cannot be compared (equal),
    // different live text can (clash at its first clock).
    const deletedDiffers = docWithClient(5);
    deletedDiffers.getText('t').insert(0, 'HELLO world');
    expect(compareOverlap(state, Y.encodeStateAsUpdate(deletedDiffers))).toEqual({
      ok: true,
      value: 'duplicate',
    });
    const liveDiffers = docWithClient(5);
    liveDiffers.getText('t').insert(0, 'hello WORLD');
    expect(compareOverlap(state, Y.encodeStateAsUpdate(liveDiffers))).toEqual({
      ok: false,
      error: { type: 'ClientIdClash', clientId: 5, clock: 6 },
    });
  });

  it('a new deletion of held content is not a duplicate', () => {
    const doc = docWithClient(5);
    const updates = updatesOf(doc);
    doc.getArray('a').push([1, 2, 3]);
    doc.getArray('a').delete(0, 1);
    expect(compareOverlap(serverStateOf(updates[0]!), updates[1]!)).toEqual({
      ok: true,
      value: 'new',
    });
  });

  it('refuses bytes that are not an update, without throwing', () => {
    expect(compareOverlap(new Uint8Array(), new Uint8Array([255, 255, 255]))).toMatchObject({
      ok: false,
      error: { type: 'MalformedUpdate' },
    });
  });
});
