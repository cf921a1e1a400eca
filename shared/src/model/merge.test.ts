import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { getOrThrow } from '../result';
import { TEST_CLINIC_ID, createTestContext } from './fixtures';
import { mergeInto, patientIdOf, readLinks, recordMergedFrom, undoMerge } from './merge';
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
    expect(readLinks(r.duplicate)).toEqual({ mergedFrom: [], undone: [] });
  });
});
