/**
 * Merging duplicate patient records, on the CRDT, without deleting anything.
 *
 * The same person is sometimes registered twice (two tablets offline, two
 * clinics). Merging does not move or rewrite either record: it appends an
 * attributed link entry to the `links` root of BOTH documents, sharing one
 * `mergeId`:
 * - the record that goes away gets `{op: 'merge', role: 'merged', other: survivorId}`;
 * - the record that stays gets `{op: 'merge', role: 'survivor', other: mergedId}`.
 * Screens then hide the merged record from lists and send its page to the
 * survivor, whose page shows the merged record's visits too. Every visit,
 * reading and score stays in the document it was written in.
 *
 * Undo appends `{op: 'unmerge', ref: mergeId}` to both documents; the merge
 * entry stays (history is never rewritten). The link in the merged record is
 * the authoritative one: a survivor-side half without it is shown but hides
 * nothing. Concurrent merges of one record into two others (two tablets):
 * the latest by time (then id) is current, so every replica picks the same.
 *
 * "Not the same person" is a decision about the pair, recorded the same way:
 * `{op: 'distinct', other}` appended to both documents under one id, undone by
 * `{op: 'undistinct', ref: id}` in both. It travels with the records, so every
 * tablet of the clinic (and this one after it is re-enrolled) stops proposing
 * the pair, and the record page can say who decided it, when, and undo it.
 * A pair is "distinct" while any decision about it in either record is not
 * undone; decisions are a set, so the answer is the same whatever order the
 * entries arrive in. A distinct decision has no FHIR `Patient.link` equivalent
 * (FHIR links only say that records are the same person): an export leaves it out.
 *
 * Forward compatibility: entries an older client does not know (e.g. `distinct`
 * before this version) fail `safeParse` and are ignored there, never rejected;
 * in the same way this version ignores ops added later.
 *
 * The entry schema and `readLinks` live in links.ts (re-exported here), so the
 * read models need not load these operations.
 */
import type * as Y from 'yjs';
import { z } from 'zod';
import type { PatientId } from '../ids';
import { err, ok, type Result } from '../result';
import { checkContext, parseWith, toStoredActor, uuidSchema, type OpContext } from './context';
import { openForWrite, readMeta } from './document';
import { validationFailed, type ModelError } from './errors';
import { isDistinctFrom, readLinks, type LinkEntry, type PatientLinks } from './links';
import { rootArray } from './stored';

// The read side, for callers that write too.
export {
  isDistinctFrom,
  linkEntrySchema,
  readLinks,
  type DistinctDecision,
  type DistinctLink,
  type LinkEntry,
  type MergeLink,
  type PatientLinks,
} from './links';

/** A link op that finds its change already in the record: nothing is written. */
interface AlreadyThere {
  readonly alreadyThere: string;
}
const isAlreadyThere = (planned: LinkEntry | AlreadyThere): planned is AlreadyThere =>
  !('op' in planned);

function runLinkOp(
  doc: Y.Doc,
  ctx: OpContext,
  op: string,
  plan: (self: string, links: PatientLinks) => Result<LinkEntry | AlreadyThere, ModelError>,
): Result<string, ModelError> {
  const now = checkContext(ctx);
  if (!now.ok) return now;
  const meta = openForWrite(doc, 'patient');
  if (!meta.ok) return meta;
  const planned = plan(meta.value.id, readLinks(doc));
  if (!planned.ok) return planned;
  const entry = planned.value;
  if (isAlreadyThere(entry)) return ok(entry.alreadyThere);
  doc.transact(
    () => {
      rootArray(doc, 'links').push([{ ...entry }]);
    },
    ctx.origin ?? { source: 'outpost/model', op, actor: ctx.actor },
  );
  return ok(entry.op === 'merge' || entry.op === 'distinct' ? entry.id : entry.ref);
}

const mergeInputSchema = z.strictObject({
  /** The other record's patient id. */
  other: uuidSchema,
  /** Shared by both halves of one merge; a new id when omitted (the first half). */
  mergeId: uuidSchema.optional(),
});
export type MergeInput = z.input<typeof mergeInputSchema>;

function mergeOp(role: 'merged' | 'survivor') {
  return (doc: Y.Doc, ctx: OpContext, input: MergeInput): Result<string, ModelError> => {
    const parsed = parseWith(mergeInputSchema, input);
    if (!parsed.ok) return parsed;
    return runLinkOp(
      doc,
      ctx,
      role === 'merged' ? 'mergeInto' : 'recordMergedFrom',
      (self, links) => {
        if (parsed.value.other === self)
          return err(validationFailed('other', 'a record cannot be merged with itself'));
        if (role === 'merged' && links.mergedInto !== undefined)
          return err(validationFailed('other', 'this record is already merged into another'));
        if (role === 'merged' && links.mergedFrom.length > 0)
          return err(
            validationFailed('other', 'other records are merged into this one: undo those first'),
          );
        if (role === 'survivor' && links.mergedInto !== undefined)
          return err(validationFailed('other', 'this record is itself merged into another'));
        // The first half only: refusing the survivor's half would leave a merge half done.
        if (role === 'merged' && isDistinctFrom(links, parsed.value.other))
          return err(
            validationFailed('other', 'marked as a different person: undo that decision first'),
          );
        return ok({
          id: parsed.value.mergeId ?? ctx.ids.newId(),
          op: 'merge',
          role,
          other: parsed.value.other,
          at: ctx.clock.now(),
          by: toStoredActor(ctx.actor),
        });
      },
    );
  };
}

/**
 * Marks this record (the duplicate) as merged into `other` (the record kept).
 * Resolves with the merge id, to pass to `recordMergedFrom` on the survivor.
 */
export const mergeInto = mergeOp('merged');

/** The survivor's half of a merge: `other` was merged into this record. */
export const recordMergedFrom = mergeOp('survivor');

const undoInputSchema = z.strictObject({ mergeId: uuidSchema });

/** Undoes a merge in this record (call on both records): appends an `unmerge`, deletes nothing. */
export function undoMerge(
  doc: Y.Doc,
  ctx: OpContext,
  input: z.input<typeof undoInputSchema>,
): Result<string, ModelError> {
  const parsed = parseWith(undoInputSchema, input);
  if (!parsed.ok) return parsed;
  return runLinkOp(doc, ctx, 'undoMerge', (_self, links) => {
    const { mergeId } = parsed.value;
    const active =
      links.mergedInto?.mergeId === mergeId ||
      links.mergedFrom.some((link) => link.mergeId === mergeId);
    if (!active) return err(validationFailed('mergeId', 'no such merge in this record'));
    return ok({
      id: ctx.ids.newId(),
      op: 'unmerge',
      ref: mergeId,
      at: ctx.clock.now(),
      by: toStoredActor(ctx.actor),
    });
  });
}

const distinctInputSchema = z.strictObject({
  /** The other record's patient id. */
  other: uuidSchema,
  /** Shared by both records' entries of one decision; a new id when omitted (the first). */
  distinctId: uuidSchema.optional(),
  /** Carried over from the old tablet-only dismissal list. */
  carriedOver: z.literal(true).optional(),
});
export type DistinctInput = z.input<typeof distinctInputSchema>;

/**
 * "Not the same person": records in this record that `other` is a different
 * person. Call on both records, the second time with the id the first
 * returned. Idempotent: when this record already holds the decision (that id,
 * or without an id any current decision about `other`) nothing is written and
 * its id is returned, so an interrupted pair of writes can simply be run again.
 */
export function markDistinct(
  doc: Y.Doc,
  ctx: OpContext,
  input: DistinctInput,
): Result<string, ModelError> {
  const parsed = parseWith(distinctInputSchema, input);
  if (!parsed.ok) return parsed;
  const { other, distinctId, carriedOver } = parsed.value;
  return runLinkOp(doc, ctx, 'markDistinct', (self, links) => {
    if (other === self)
      return err(validationFailed('other', 'a record cannot be a different person from itself'));
    if (
      links.mergedInto?.patientId === other ||
      links.mergedFrom.some((l) => l.patientId === other)
    )
      return err(validationFailed('other', 'these records are merged: undo the merge first'));
    if (distinctId !== undefined) {
      const same = links.distinct.find((d) => d.distinctId === distinctId);
      if (same !== undefined && same.patientId !== other)
        return err(validationFailed('distinctId', 'this id is a decision about another record'));
      if (same !== undefined) return ok({ alreadyThere: distinctId });
    } else {
      const current = links.distinctFrom.find((link) => link.patientId === other);
      if (current !== undefined) return ok({ alreadyThere: current.distinctId });
    }
    return ok({
      id: distinctId ?? ctx.ids.newId(),
      op: 'distinct',
      other,
      ...(carriedOver && { carriedOver }),
      at: ctx.clock.now(),
      by: toStoredActor(ctx.actor),
    });
  });
}

const undoDistinctInputSchema = z.strictObject({ distinctId: uuidSchema });

/**
 * Undoes a distinct decision in this record (call on both records): appends
 * an `undistinct`, deletes nothing. Already undone: nothing is written.
 */
export function undoDistinct(
  doc: Y.Doc,
  ctx: OpContext,
  input: z.input<typeof undoDistinctInputSchema>,
): Result<string, ModelError> {
  const parsed = parseWith(undoDistinctInputSchema, input);
  if (!parsed.ok) return parsed;
  const { distinctId } = parsed.value;
  return runLinkOp(doc, ctx, 'undoDistinct', (_self, links) => {
    const decision = links.distinct.find((d) => d.distinctId === distinctId);
    if (decision === undefined)
      return err(validationFailed('distinctId', 'no such decision in this record'));
    if (decision.undone !== undefined) return ok({ alreadyThere: distinctId });
    return ok({
      id: ctx.ids.newId(),
      op: 'undistinct',
      ref: distinctId,
      at: ctx.clock.now(),
      by: toStoredActor(ctx.actor),
    });
  });
}

/** The record's own patient id, when the document is a patient record. */
export function patientIdOf(doc: Y.Doc): PatientId | undefined {
  const meta = readMeta(doc);
  return meta.ok && meta.value.kind === 'patient' ? (meta.value.id as PatientId) : undefined;
}
