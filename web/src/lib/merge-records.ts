/**
 * Merging two records of one person, and undoing it, as two saved changes:
 * the duplicate's link first (it is the one that hides the record), then the
 * survivor's. Both are link entries (shared/model/merge.ts): nothing is
 * deleted, every visit stays in the record it was written in.
 *
 * "Not the same person" is written the same way, into both records, so it
 * syncs to every tablet of the clinic with who decided it and when.
 */
import { patientDocId } from '@outpost/shared/model';
import {
  markDistinct,
  mergeInto,
  readLinks,
  recordMergedFrom,
  undoDistinct,
  undoMerge,
} from '@outpost/shared/model/merge';
import type { PatientId } from '@outpost/shared/ids';
import { err, ok, type Result } from '@outpost/shared/result';
import type { LocalStore, PatientRow } from '$lib/db';
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

/**
 * "Not the same person": the decision in both records, one id. Both records
 * must be on this tablet (checked before anything is written). Running it
 * again after an interruption completes the second record and writes nothing
 * twice (`markDistinct` is idempotent). `carriedOver`: from the old
 * tablet-only dismissal list.
 */
export async function markDistinctRecords(
  store: LocalStore,
  firstId: string,
  secondId: string,
  options: { carriedOver?: true } = {},
): Promise<Result<string, string>> {
  for (const id of [firstId, secondId])
    if ((await store.getPatientRow(docOf(id))) === undefined)
      return err(describeSaveError({ type: 'DocumentNotFound', docId: docOf(id) }));
  const first = await store.applyOp(docOf(firstId), (doc, ctx) =>
    markDistinct(doc, ctx, { other: secondId, ...options }),
  );
  if (!first.ok) return err(describeSaveError(first.error));
  const distinctId = first.value;
  const second = await store.applyOp(docOf(secondId), (doc, ctx) =>
    markDistinct(doc, ctx, { other: firstId, distinctId, ...options }),
  );
  return second.ok ? ok(distinctId) : err(describeSaveError(second.error));
}

/**
 * Undoes every current "not the same person" decision between the two records,
 * in both (two tablets may have decided it at once, each under its own id).
 */
export async function undoDistinctRecords(
  store: LocalStore,
  firstId: string,
  secondId: string,
): Promise<Result<void, string>> {
  for (const [self, other] of [
    [firstId, secondId],
    [secondId, firstId],
  ] as const) {
    const undone = await store.applyOp(docOf(self), (doc, ctx) => {
      for (const decision of readLinks(doc).distinct) {
        if (decision.patientId !== other || decision.undone !== undefined) continue;
        const result = undoDistinct(doc, ctx, { distinctId: decision.distinctId });
        if (!result.ok) return result;
      }
      return ok(undefined);
    });
    if (!undone.ok) return err(describeSaveError(undone.error));
  }
  return ok(undefined);
}

/** The two doc ids of a duplicate pair's key (`patient/<a>|patient/<b>`, DuplicatePair.key). */
export function docIdsOfPairKey(key: string): [string, string] | undefined {
  const [a, b, ...rest] = key.split('|');
  const isPatient = (docId: string | undefined): docId is string =>
    docId !== undefined && /^patient\/[0-9a-f-]{36}$/.test(docId);
  return rest.length === 0 && isPatient(a) && isPatient(b) && a !== b ? [a, b] : undefined;
}

const idOf = (docId: string) => docId.slice('patient/'.length);

/** "Not the same person" for a duplicate pair (its key); resolves with the two doc ids. */
export async function markDistinctPair(
  store: LocalStore,
  key: string,
): Promise<Result<[string, string], string>> {
  const docIds = docIdsOfPairKey(key);
  if (docIds === undefined) return err(`unknown pair: ${key}`);
  const saved = await markDistinctRecords(store, idOf(docIds[0]), idOf(docIds[1]));
  return saved.ok ? ok(docIds) : saved;
}

/** Where earlier versions kept "Not the same person" (pair keys, this tablet only). */
export const DISMISSED_KEY = 'outpost.duplicates.dismissed';

/**
 * Writes this tablet's old localStorage dismissals into both records (marked
 * as carried over), then keeps in localStorage only those that could not be
 * saved, to try again at the next start. Until written, each pair is in
 * `leftOut` (the duplicate review skips it). A pair whose record is not on this
 * tablet (`rowOf`), or that has been merged since, is dropped: it cannot be
 * proposed here anyway. Interrupted (`abandoned`: sign-out), it leaves
 * localStorage as it was and simply runs again next time: nothing is written
 * twice (`markDistinct` is idempotent).
 */
export async function carryOverDismissals(
  store: LocalStore,
  hooks: {
    readonly leftOut: Set<string>;
    readonly rowOf: (docId: string) => PatientRow | undefined;
    readonly abandoned: () => boolean;
    readonly saved: (docIds: readonly string[]) => Promise<void>;
  },
): Promise<void> {
  const keys = readDismissed();
  if (keys.length === 0) return;
  for (const key of keys) hooks.leftOut.add(key);
  const keep: string[] = [];
  for (const key of keys) {
    if (hooks.abandoned()) return;
    const [a, b] = docIdsOfPairKey(key)?.map(hooks.rowOf) ?? [];
    const merged =
      a !== undefined &&
      b !== undefined &&
      (a.mergedInto === b.id ||
        b.mergedInto === a.id ||
        a.mergedFrom?.includes(b.id) === true ||
        b.mergedFrom?.includes(a.id) === true);
    if (a !== undefined && b !== undefined && !merged) {
      const saved = await markDistinctRecords(store, a.id, b.id, { carriedOver: true });
      if (!saved.ok) {
        console.error('duplicates: a dismissal was not written into its records', saved.error);
        keep.push(key);
        continue;
      }
      await hooks.saved([a.docId, b.docId]);
    }
    hooks.leftOut.delete(key);
  }
  if (!hooks.abandoned()) writeDismissed(keep);
}

function readDismissed(): string[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(DISMISSED_KEY) ?? '[]');
    return Array.isArray(stored) ? stored.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    // No localStorage (tests) or not JSON: nothing to carry over.
    return [];
  }
}

/** Keeps `keys` (none: the key is removed). */
function writeDismissed(keys: readonly string[]): void {
  try {
    if (keys.length === 0) localStorage.removeItem(DISMISSED_KEY);
    else localStorage.setItem(DISMISSED_KEY, JSON.stringify(keys));
  } catch {
    // Not writable: the carried-over pairs are in the records now, and idempotent.
  }
}
