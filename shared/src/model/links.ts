/**
 * Reading a patient record's links (root `links`): merges of duplicate records
 * and "not the same person" decisions, as they stand and as history. The
 * operations that write them are in merge.ts; this half is what list rows and
 * screens need (the tablet's first screen loads it, not the operations).
 */
import type * as Y from 'yjs';
import { z } from 'zod';
import type { PatientId } from '../ids';
import { storedActorSchema, uuidSchema, type StoredActor } from './context';
import { rootArray, timeSchema } from './stored';

const entryBase = { id: uuidSchema, at: timeSchema, by: storedActorSchema };

export const linkEntrySchema = z.discriminatedUnion('op', [
  z.looseObject({
    op: z.literal('merge'),
    role: z.enum(['merged', 'survivor']),
    /** The other record's patient id. */
    other: uuidSchema,
    ...entryBase,
  }),
  z.looseObject({
    op: z.literal('unmerge'),
    /** The `id` (mergeId) of the merge it undoes. */
    ref: uuidSchema,
    ...entryBase,
  }),
  z.looseObject({
    op: z.literal('distinct'),
    /** The other record's patient id: "not the same person as this record". */
    other: uuidSchema,
    /**
     * Carried over from the old tablet-only dismissal list: `by` is who was
     * signed in when it was carried over, not necessarily who decided.
     */
    carriedOver: z.literal(true).optional(),
    ...entryBase,
  }),
  z.looseObject({
    op: z.literal('undistinct'),
    /** The `id` of the distinct decision it undoes. */
    ref: uuidSchema,
    ...entryBase,
  }),
]);
export type LinkEntry = z.infer<typeof linkEntrySchema>;

export interface MergeLink {
  readonly mergeId: string;
  /** The other record. */
  readonly patientId: PatientId;
  readonly at: number;
  readonly by: StoredActor;
}

export interface DistinctLink {
  readonly distinctId: string;
  /** The other record: not the same person as this one. */
  readonly patientId: PatientId;
  readonly at: number;
  readonly by: StoredActor;
  /** Carried over from a tablet-only dismissal (`by` carried it over). */
  readonly carriedOver?: true;
}

export interface DistinctDecision extends DistinctLink {
  /** The first undo of this decision, when it was undone. */
  readonly undone?: { readonly at: number; readonly by: StoredActor };
}

export interface PatientLinks {
  /** Set when this record was merged into another (the current merge). */
  readonly mergedInto?: MergeLink;
  /** Records merged into this one and not undone. */
  readonly mergedFrom: readonly MergeLink[];
  /** Merges undone, newest last (history, for the record page). */
  readonly undone: readonly (MergeLink & { readonly role: 'merged' | 'survivor' })[];
  /**
   * Records marked "not the same person" as this one and not undone: one per
   * other record, the first decision not undone (two tablets may decide it at once).
   */
  readonly distinctFrom: readonly DistinctLink[];
  /** Every distinct decision in this record, undone ones included, oldest first (history). */
  readonly distinct: readonly DistinctDecision[];
}

type Entry<Op extends LinkEntry['op']> = Extract<LinkEntry, { op: Op }>;

/** Oldest first; the id breaks ties, so every replica orders the same set the same way. */
const byTimeThenId = (a: { at: number; id: string }, b: { at: number; id: string }) =>
  a.at - b.at || a.id.localeCompare(b.id);

/**
 * The record's links as they stand: a pure function of the set of entries
 * (never of their order in the array), so replicas that hold the same entries
 * give the same answer. Malformed and unknown entries are ignored.
 */
export function readLinks(doc: Y.Doc): PatientLinks {
  const entries: LinkEntry[] = [];
  for (const raw of rootArray(doc, 'links').toArray()) {
    const parsed = linkEntrySchema.safeParse(raw);
    if (parsed.success) entries.push(parsed.data);
  }
  const ofOp = <Op extends LinkEntry['op']>(op: Op): Entry<Op>[] =>
    entries.filter((e): e is Entry<Op> => e.op === op).sort(byTimeThenId);
  const undoneIds = new Set(ofOp('unmerge').map((e) => e.ref));
  const merges = ofOp('merge');
  const toLink = (e: Entry<'merge'>): MergeLink => ({
    mergeId: e.id,
    patientId: e.other as PatientId,
    at: e.at,
    by: e.by,
  });
  const active = merges.filter((e) => !undoneIds.has(e.id));
  const into = active.filter((e) => e.role === 'merged').at(-1);
  const seen = new Set<string>();
  const mergedFrom: MergeLink[] = [];
  for (const e of active) {
    if (e.role !== 'survivor' || seen.has(e.other)) continue;
    seen.add(e.other);
    mergedFrom.push(toLink(e));
  }
  const decisions = readDistinct(ofOp('distinct'), ofOp('undistinct'));
  const distinctOthers = new Set<string>();
  const distinctFrom: DistinctLink[] = [];
  for (const { link, undone } of decisions) {
    if (undone !== undefined || distinctOthers.has(link.patientId)) continue;
    distinctOthers.add(link.patientId);
    distinctFrom.push(link);
  }
  return {
    ...(into ? { mergedInto: toLink(into) } : {}),
    mergedFrom,
    undone: merges.filter((e) => undoneIds.has(e.id)).map((e) => ({ ...toLink(e), role: e.role })),
    distinctFrom,
    distinct: decisions.map(({ link, undone }) => ({ ...link, ...(undone && { undone }) })),
  };
}

/** Distinct decisions (sorted), each with its first undo; one per id (a repeated id counts once). */
function readDistinct(
  decisions: readonly Entry<'distinct'>[],
  undos: readonly Entry<'undistinct'>[],
): { link: DistinctLink; undone?: DistinctDecision['undone'] }[] {
  const firstUndo = new Map<string, Entry<'undistinct'>>();
  for (const undo of undos) if (!firstUndo.has(undo.ref)) firstUndo.set(undo.ref, undo);
  const ids = new Set<string>();
  const result: { link: DistinctLink; undone?: DistinctDecision['undone'] }[] = [];
  for (const e of decisions) {
    if (ids.has(e.id)) continue;
    ids.add(e.id);
    const undo = firstUndo.get(e.id);
    const link: DistinctLink = {
      distinctId: e.id,
      patientId: e.other as PatientId,
      at: e.at,
      by: e.by,
      ...(e.carriedOver === true && { carriedOver: true as const }),
    };
    result.push(undo === undefined ? { link } : { link, undone: { at: undo.at, by: undo.by } });
  }
  return result;
}

/** True when `links` hold a distinct decision about `other` that is not undone. */
export function isDistinctFrom(links: PatientLinks, other: string): boolean {
  return links.distinctFrom.some((link) => link.patientId === other);
}
