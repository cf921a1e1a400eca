/**
 * Merging two records of one person, and undoing it, as two saved changes:
 * the duplicate's link first (it is the one that hides the record), then the
 * survivor's. Both are link entries (shared/model/merge.ts): nothing is
 * deleted, every visit stays in the record it was written in.
 */
import { patientDocId } from '@outpost/shared/model';
import { mergeInto, readLinks, recordMergedFrom, undoMerge } from '@outpost/shared/model/merge';
import type { PatientId } from '@outpost/shared/ids';
import { err, ok, type Result } from '@outpost/shared/result';
import type { LocalStore } from '$lib/db';
import { describeSaveError } from '$lib/errors';

const docOf = (id: string) => patientDocId(id as PatientId);

/** Merges `duplicateId` into `keepId`; an error in words when not saved. */
export async function mergeRecords(
  store: LocalStore,
  keepId: string,
  duplicateId: string,
): Promise<Result<string, string>> {
  const first = await store.applyOp(docOf(duplicateId), (doc, ctx) =>
    mergeInto(doc, ctx, { other: keepId }),
  );
  if (!first.ok) return err(describeSaveError(first.error));
  const mergeId = first.value;
  const second = await store.applyOp(docOf(keepId), (doc, ctx) =>
    recordMergedFrom(doc, ctx, { other: duplicateId, mergeId }),
  );
  return second.ok ? ok(mergeId) : err(describeSaveError(second.error));
}

/** Undoes the merge of `duplicateId` into `keepId` in both records. */
export async function unmergeRecords(
  store: LocalStore,
  keepId: string,
  duplicateId: string,
): Promise<Result<void, string>> {
  const first = await store.applyOp(docOf(duplicateId), (doc, ctx) => {
    const link = readLinks(doc).mergedInto;
    if (!link || link.patientId !== keepId) return ok(undefined);
    return undoMerge(doc, ctx, { mergeId: link.mergeId });
  });
  if (!first.ok) return err(describeSaveError(first.error));
  const second = await store.applyOp(docOf(keepId), (doc, ctx) => {
    const link = readLinks(doc).mergedFrom.find((l) => l.patientId === duplicateId);
    if (!link) return ok(undefined);
    return undoMerge(doc, ctx, { mergeId: link.mergeId });
  });
  return second.ok ? ok(undefined) : err(describeSaveError(second.error));
}
