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
 */
import type * as Y from 'yjs';
import { z } from 'zod';
import type { PatientId } from '../ids';
import { err, ok, type Result } from '../result';
import {
  checkContext,
  parseWith,
  storedActorSchema,
  toStoredActor,
  uuidSchema,
  type OpContext,
  type StoredActor,
} from './context';
import { openForWrite, readMeta } from './document';
import { validationFailed, type ModelError } from './errors';
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
]);
export type LinkEntry = z.infer<typeof linkEntrySchema>;

export interface MergeLink {
  readonly mergeId: string;
  /** The other record. */
  readonly patientId: PatientId;
  readonly at: number;
  readonly by: StoredActor;
}

export interface PatientLinks {
  /** Set when this record was merged into another (the current merge). */
  readonly mergedInto?: MergeLink;
  /** Records merged into this one and not undone. */
  readonly mergedFrom: readonly MergeLink[];
  /** Merges undone, newest last (history, for the record page). */
  readonly undone: readonly (MergeLink & { readonly role: 'merged' | 'survivor' })[];
}

/** The record's merge links as they stand; malformed entries are ignored. */
export function readLinks(doc: Y.Doc): PatientLinks {
  const entries: LinkEntry[] = [];
  for (const raw of rootArray(doc, 'links').toArray()) {
    const parsed = linkEntrySchema.safeParse(raw);
    if (parsed.success) entries.push(parsed.data);
  }
  const undoneIds = new Set(entries.flatMap((e) => (e.op === 'unmerge' ? [e.ref] : [])));
  const merges = entries
    .filter((e): e is Extract<LinkEntry, { op: 'merge' }> => e.op === 'merge')
    .sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
  const toLink = (e: Extract<LinkEntry, { op: 'merge' }>): MergeLink => ({
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
  return {
    ...(into ? { mergedInto: toLink(into) } : {}),
    mergedFrom,
    undone: merges.filter((e) => undoneIds.has(e.id)).map((e) => ({ ...toLink(e), role: e.role })),
  };
}

function runLinkOp(
  doc: Y.Doc,
  ctx: OpContext,
  op: string,
  plan: (self: string, links: PatientLinks) => Result<LinkEntry, ModelError>,
): Result<string, ModelError> {
  const now = checkContext(ctx);
  if (!now.ok) return now;
  const meta = openForWrite(doc, 'patient');
  if (!meta.ok) return meta;
  const entry = plan(meta.value.id, readLinks(doc));
  if (!entry.ok) return entry;
  doc.transact(
    () => {
      rootArray(doc, 'links').push([{ ...entry.value }]);
    },
    ctx.origin ?? { source: 'outpost/model', op, actor: ctx.actor },
  );
  return ok(entry.value.op === 'merge' ? entry.value.id : entry.value.ref);
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

/** The record's own patient id, when the document is a patient record. */
export function patientIdOf(doc: Y.Doc): PatientId | undefined {
  const meta = readMeta(doc);
  return meta.ok && meta.value.kind === 'patient' ? (meta.value.id as PatientId) : undefined;
}
