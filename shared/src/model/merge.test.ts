import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { getOrThrow } from '../result';
import { TEST_CLINIC_ID, createTestContext, replicaOf, type TestContext } from './fixtures';
import {
  isDistinctFrom,
  markDistinct,
  mergeInto,
  patientIdOf,
  readLinks,
  recordMergedFrom,
  undoDistinct,
  undoMerge,
} from './merge';
import { createPatient, recordVitals, startEncounter } from './patient';
import { expectRefused, view } from './testSupport';
import { validateDocument } from './validate';

function twoRecords() {
  const ctx = createTestContext();
  const make = (givenName: string) => {
    const doc = new Y.Doc();
    getOrThrow(
      createPatient(doc, ctx, {
        homeClinicId: TEST_CLINIC_ID,
        profile: { givenName, familyName: 'Testcase' },
        sex: 'female',
      }),
    );
    return doc;
  };
  const kept = make('Mohamed');
  const duplicate = make('Muhammad');
  const encounterId = getOrThrow(startEncounter(duplicate, ctx, {}));
  getOrThrow(
    recordVitals(duplicate, ctx, {
      encounterId,
      source: { kind: 'typed' },
      readings: [{ key: 'heartRate', value: 88 }],
    }),
  );
  return { ctx, kept, duplicate, keptId: patientIdOf(kept)!, duplicateId: patientIdOf(duplicate)! };
}

function merge(r: ReturnType<typeof twoRecords>): string {
  const mergeId = getOrThrow(mergeInto(r.duplicate, r.ctx, { other: r.keptId }));
  getOrThrow(recordMergedFrom(r.kept, r.ctx, { other: r.duplicateId, mergeId }));
  return mergeId;
}

describe('merging duplicate records', () => {
  test('links both records with one merge id, keeps every visit, and stays valid', () => {
    const r = twoRecords();
    const before = view(r.duplicate).encounters;
    const mergeId = merge(r);
    const dup = readLinks(r.duplicate);
    expect(dup.mergedInto).toMatchObject({ mergeId, patientId: r.keptId });
    expect(readLinks(r.kept).mergedFrom).toEqual([
      expect.objectContaining({ mergeId, patientId: r.duplicateId }),
    ]);
    // Nothing is deleted or moved: the duplicate keeps its visits and readings.
    expect(view(r.duplicate).encounters).toEqual(before);
    expect(readLinks(r.duplicate).mergedInto?.by).toEqual({
      u: r.ctx.actor.userId,
      d: r.ctx.actor.deviceId,
    });
    expect(validateDocument(r.duplicate).ok).toBe(true);
    expect(validateDocument(r.kept).ok).toBe(true);
  });

  test('undo appends an unmerge to both records and keeps the merge in history', () => {
    const r = twoRecords();
    const mergeId = merge(r);
    getOrThrow(undoMerge(r.duplicate, r.ctx, { mergeId }));
    getOrThrow(undoMerge(r.kept, r.ctx, { mergeId }));
    expect(readLinks(r.duplicate).mergedInto).toBeUndefined();
    expect(readLinks(r.kept).mergedFrom).toEqual([]);
    expect(readLinks(r.duplicate).undone).toEqual([
      expect.objectContaining({ mergeId, role: 'merged' }),
    ]);
    expect(Y.encodeStateAsUpdate(r.duplicate).length).toBeGreaterThan(0);
    expect(r.duplicate.getArray('links').length).toBe(2);
    // After an undo the record can be merged again.
    merge(r);
    expect(readLinks(r.duplicate).mergedInto?.patientId).toBe(r.keptId);
  });

  test('refuses merging a record with itself, twice, or a chain, writing nothing', () => {
    const r = twoRecords();
    expectRefused(r.kept, () => mergeInto(r.kept, r.ctx, { other: r.keptId }), {
      type: 'ValidationFailed',
    });
    merge(r);
    expectRefused(r.duplicate, () => mergeInto(r.duplicate, r.ctx, { other: r.keptId }), {
      type: 'ValidationFailed',
    });
    // The survivor has records merged into it: it cannot itself go away first.
    expectRefused(r.kept, () => mergeInto(r.kept, r.ctx, { other: r.duplicateId }), {
      type: 'ValidationFailed',
    });
    expectRefused(
      r.kept,
      () => undoMerge(r.kept, r.ctx, { mergeId: '01930000-0000-7000-8000-000000000000' }),
      { type: 'ValidationFailed' },
    );
  });

  test('two tablets merging one record into two others converge on the latest', () => {
    const r = twoRecords();
    const third = '01930000-0000-7000-8000-0000000000aa';
    const tabletB = new Y.Doc();
    Y.applyUpdate(tabletB, Y.encodeStateAsUpdate(r.duplicate));
    getOrThrow(mergeInto(r.duplicate, r.ctx, { other: r.keptId }));
    r.ctx.clock.advance(1000);
    getOrThrow(mergeInto(tabletB, r.ctx, { other: third }));
    Y.applyUpdate(r.duplicate, Y.encodeStateAsUpdate(tabletB));
    Y.applyUpdate(tabletB, Y.encodeStateAsUpdate(r.duplicate));
    expect(readLinks(r.duplicate).mergedInto?.patientId).toBe(third);
    expect(readLinks(tabletB)).toEqual(readLinks(r.duplicate));
  });

  test('ignores malformed link entries from a hostile peer', () => {
    const r = twoRecords();
    r.duplicate.getArray('links').push([{ op: 'merge', other: 'nope' }]);
    r.duplicate.getArray('links').push([{ op: 'distinct', other: r.keptId }]);
    r.duplicate.getArray('links').push([{ op: 'undistinct', ref: 'x', id: 'y' }]);
    expect(readLinks(r.duplicate)).toEqual({
      mergedFrom: [],
      undone: [],
      distinctFrom: [],
      distinct: [],
    });
  });

  test('ignores link ops it does not know (written by a newer version)', () => {
    const r = twoRecords();
    const distinctId = markPair(r);
    r.kept
      .getArray('links')
      .push([{ op: 'sameFamily', other: r.duplicateId, id: r.ctx.ids.newId(), at: 1, by: {} }]);
    expect(readLinks(r.kept).distinctFrom).toEqual([
      expect.objectContaining({ distinctId, patientId: r.duplicateId }),
    ]);
    expect(validateDocument(r.kept).ok).toBe(true);
  });
});

/** "Not the same person", as the web writes it: the first record, then the other with its id. */
function markPair(r: ReturnType<typeof twoRecords>): string {
  const distinctId = getOrThrow(markDistinct(r.kept, r.ctx, { other: r.duplicateId }));
  getOrThrow(markDistinct(r.duplicate, r.ctx, { other: r.keptId, distinctId }));
  return distinctId;
}

describe('marking two records as different people', () => {
  test('appends one attributed decision, same id, to both records, which stay valid', () => {
    const r = twoRecords();
    const distinctId = markPair(r);
    const by = { u: r.ctx.actor.userId, d: r.ctx.actor.deviceId };
    expect(readLinks(r.kept).distinctFrom).toEqual([
      { distinctId, patientId: r.duplicateId, at: r.ctx.clock.now(), by },
    ]);
    expect(readLinks(r.duplicate).distinctFrom).toEqual([
      { distinctId, patientId: r.keptId, at: r.ctx.clock.now(), by },
    ]);
    expect(isDistinctFrom(readLinks(r.kept), r.duplicateId)).toBe(true);
    expect(readLinks(r.kept).mergedFrom).toEqual([]);
    expect(validateDocument(r.kept).ok).toBe(true);
    expect(validateDocument(r.duplicate).ok).toBe(true);
    // A pair marked as different people is not merged by mistake.
    expectRefused(r.duplicate, () => mergeInto(r.duplicate, r.ctx, { other: r.keptId }), {
      type: 'ValidationFailed',
      field: 'other',
    });
  });

  test('marking again is a no-op that returns the same id (an interrupted pair is re-run)', () => {
    const r = twoRecords();
    const distinctId = getOrThrow(markDistinct(r.kept, r.ctx, { other: r.duplicateId }));
    // Interrupted before the second record was written: the re-run finds the first half.
    const again = markDistinct(r.kept, r.ctx, { other: r.duplicateId });
    expect(again).toEqual({ ok: true, value: distinctId });
    getOrThrow(markDistinct(r.duplicate, r.ctx, { other: r.keptId, distinctId }));
    getOrThrow(markDistinct(r.duplicate, r.ctx, { other: r.keptId, distinctId }));
    expect(r.kept.getArray('links').length).toBe(1);
    expect(r.duplicate.getArray('links').length).toBe(1);
  });

  test('undo appends an undistinct to both records and keeps the decision in history', () => {
    const r = twoRecords();
    const distinctId = markPair(r);
    r.ctx.clock.advance(60_000);
    getOrThrow(undoDistinct(r.kept, r.ctx, { distinctId }));
    getOrThrow(undoDistinct(r.duplicate, r.ctx, { distinctId }));
    // Undoing twice writes nothing more.
    getOrThrow(undoDistinct(r.duplicate, r.ctx, { distinctId }));
    for (const [doc, other] of [
      [r.kept, r.duplicateId],
      [r.duplicate, r.keptId],
    ] as const) {
      const links = readLinks(doc);
      expect(links.distinctFrom).toEqual([]);
      expect(links.distinct).toEqual([
        expect.objectContaining({
          distinctId,
          patientId: other,
          undone: { at: r.ctx.clock.now(), by: expect.objectContaining({ u: r.ctx.actor.userId }) },
        }),
      ]);
      expect(doc.getArray('links').length).toBe(2);
    }
    // Decided again later: a new decision, the old one stays undone in history.
    const second = markPair(r);
    expect(second).not.toBe(distinctId);
    expect(readLinks(r.kept).distinctFrom.map((l) => l.distinctId)).toEqual([second]);
    expect(readLinks(r.kept).distinct).toHaveLength(2);
  });

  test('refuses itself, a merged pair, an unknown decision or a reused id, writing nothing', () => {
    const r = twoRecords();
    expectRefused(r.kept, () => markDistinct(r.kept, r.ctx, { other: r.keptId }), {
      type: 'ValidationFailed',
      field: 'other',
    });
    expectRefused(r.kept, () => markDistinct(r.kept, r.ctx, { other: 'not-a-uuid' }), {
      type: 'ValidationFailed',
      field: 'other',
    });
    expectRefused(
      r.kept,
      () => undoDistinct(r.kept, r.ctx, { distinctId: '01930000-0000-7000-8000-000000000000' }),
      { type: 'ValidationFailed', field: 'distinctId' },
    );
    const distinctId = markPair(r);
    const third = '01930000-0000-7000-8000-0000000000aa';
    expectRefused(r.kept, () => markDistinct(r.kept, r.ctx, { other: third, distinctId }), {
      type: 'ValidationFailed',
      field: 'distinctId',
    });
    getOrThrow(undoDistinct(r.kept, r.ctx, { distinctId }));
    getOrThrow(undoDistinct(r.duplicate, r.ctx, { distinctId }));
    merge(r);
    expectRefused(r.kept, () => markDistinct(r.kept, r.ctx, { other: r.duplicateId }), {
      type: 'ValidationFailed',
      field: 'other',
    });
    expectRefused(r.duplicate, () => markDistinct(r.duplicate, r.ctx, { other: r.keptId }), {
      type: 'ValidationFailed',
      field: 'other',
    });
    expectRefused(
      r.kept,
      () =>
        markDistinct(r.kept, { ...r.ctx, actor: {} } as never, {
          other: r.duplicateId,
        }),
      { type: 'ValidationFailed' },
    );
  });

  test('a decision carried over from the tablet-only list says so', () => {
    const r = twoRecords();
    getOrThrow(markDistinct(r.kept, r.ctx, { other: r.duplicateId, carriedOver: true }));
    expect(readLinks(r.kept).distinctFrom[0]?.carriedOver).toBe(true);
  });

  test('two tablets deciding at once: one current decision; undoing both clears it', () => {
    const r = twoRecords();
    const keptB = replicaOf(r.kept);
    const ctxB = createTestContext({ seed: 7, deviceId: '01930000-0000-7000-8000-0000000000bb' });
    const first = getOrThrow(markDistinct(r.kept, r.ctx, { other: r.duplicateId }));
    const second = getOrThrow(markDistinct(keptB, ctxB, { other: r.duplicateId }));
    Y.applyUpdate(r.kept, Y.encodeStateAsUpdate(keptB));
    Y.applyUpdate(keptB, Y.encodeStateAsUpdate(r.kept));
    const links = readLinks(r.kept);
    expect(links).toEqual(readLinks(keptB));
    expect(links.distinctFrom).toHaveLength(1);
    expect(links.distinct.map((d) => d.distinctId).sort()).toEqual([first, second].sort());
    getOrThrow(undoDistinct(r.kept, r.ctx, { distinctId: links.distinctFrom[0]!.distinctId }));
    // The other tablet's decision still stands until it is undone too.
    expect(isDistinctFrom(readLinks(r.kept), r.duplicateId)).toBe(true);
    for (const d of readLinks(r.kept).distinctFrom)
      getOrThrow(undoDistinct(r.kept, r.ctx, { distinctId: d.distinctId }));
    expect(isDistinctFrom(readLinks(r.kept), r.duplicateId)).toBe(false);
  });
});

describe('link convergence', () => {
  type Step =
    | { readonly kind: 'op'; readonly tablet: 0 | 1; readonly op: number; readonly wait: number }
    | { readonly kind: 'deliver'; readonly from: 0 | 1 };
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant('op' as const),
      tablet: fc.constantFrom(0 as const, 1 as const),
      op: fc.nat(5),
      // 0: the same millisecond on both tablets (ties broken by id).
      wait: fc.constantFrom(0, 1, 1000),
    }),
    fc.record({
      kind: fc.constant('deliver' as const),
      from: fc.constantFrom(0 as const, 1 as const),
    }),
  );

  /** One tablet's copies of both records, every update they ever saw logged. */
  interface Tablet {
    readonly ctx: TestContext;
    readonly a: Y.Doc;
    readonly b: Y.Doc;
  }

  /** What a health worker does on one tablet, both records written as the web writes them. */
  function act(t: Tablet, op: number, ids: { a: string; b: string }): void {
    const { ctx, a, b } = t;
    const pairIds = () =>
      new Set(
        [
          ...readLinks(a).distinctFrom.filter((l) => l.patientId === ids.b),
          ...readLinks(b).distinctFrom.filter((l) => l.patientId === ids.a),
        ].map((l) => l.distinctId),
      );
    switch (op) {
      case 0:
      case 1: {
        // "Not the same person" (either record first); refused while they are merged.
        const [first, second, other, self] = op === 0 ? [a, b, ids.b, ids.a] : [b, a, ids.a, ids.b];
        const id = markDistinct(first, ctx, { other });
        if (id.ok) markDistinct(second, ctx, { other: self, distinctId: id.value });
        return;
      }
      case 2:
        for (const distinctId of pairIds())
          for (const doc of [a, b]) undoDistinct(doc, ctx, { distinctId });
        return;
      case 3: {
        const mergeId = mergeInto(b, ctx, { other: ids.a });
        if (mergeId.ok) recordMergedFrom(a, ctx, { other: ids.b, mergeId: mergeId.value });
        return;
      }
      case 4: {
        const link = readLinks(b).mergedInto;
        if (link) for (const doc of [a, b]) undoMerge(doc, ctx, { mergeId: link.mergeId });
        return;
      }
      default:
        // Half a decision (the tablet stopped between the two writes).
        markDistinct(a, ctx, { other: ids.b });
    }
  }

  test('distinct, undo and merge entries from two tablets converge in any delivery order', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 24 }),
        fc.array(fc.nat(), { minLength: 2, maxLength: 2 }),
        (steps, seeds) => {
          const r = twoRecords();
          const ids = { a: r.keptId, b: r.duplicateId };
          const log: Uint8Array[][] = [[], []];
          const tablets: Tablet[] = [0, 1].map((n) => {
            const a = replicaOf(r.kept, 100 + n);
            const b = replicaOf(r.duplicate, 200 + n);
            a.on('update', (u: Uint8Array) => log[0]!.push(u));
            b.on('update', (u: Uint8Array) => log[1]!.push(u));
            const ctx = createTestContext({
              seed: 11 + n,
              deviceId: `01930000-0000-7000-8000-00000000000${n}`,
            });
            return { ctx, a, b };
          });
          for (const step of steps) {
            if (step.kind === 'op') {
              const t = tablets[step.tablet]!;
              t.ctx.clock.advance(step.wait);
              act(t, step.op, ids);
            } else {
              const from = tablets[step.from]!;
              const to = tablets[1 - step.from]!;
              Y.applyUpdate(to.a, Y.encodeStateAsUpdate(from.a, Y.encodeStateVector(to.a)));
              Y.applyUpdate(to.b, Y.encodeStateAsUpdate(from.b, Y.encodeStateVector(to.b)));
            }
          }
          // Three deliveries of every update ever made: as made, reversed, shuffled.
          const shuffled = (updates: Uint8Array[], seed: number) =>
            updates
              .map((u, i) => ({ u, key: (i * 2654435761 + seed) % 4294967296 }))
              .sort((x, y) => x.key - y.key)
              .map((x) => x.u);
          const answers = [0, 1, 2].map((order) => {
            const deliver = (base: Y.Doc, updates: Uint8Array[], seed: number) => {
              const doc = replicaOf(base);
              const sequence =
                order === 0
                  ? updates
                  : order === 1
                    ? [...updates].reverse()
                    : shuffled(updates, seed);
              for (const u of sequence) Y.applyUpdate(doc, u);
              // The answer depends on the entries, not on where Yjs placed them.
              const reordered = new Y.Doc();
              reordered.getArray('links').push(doc.getArray('links').toArray().reverse());
              expect(readLinks(reordered)).toEqual(readLinks(doc));
              return readLinks(doc);
            };
            const a = deliver(r.kept, log[0]!, seeds[0]!);
            const b = deliver(r.duplicate, log[1]!, seeds[1]!);
            return {
              a,
              b,
              distinct: isDistinctFrom(a, ids.b) || isDistinctFrom(b, ids.a),
              merged: b.mergedInto?.patientId === ids.a,
            };
          });
          expect(answers[1]).toEqual(answers[0]);
          expect(answers[2]).toEqual(answers[0]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
