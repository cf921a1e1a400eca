/**
 * A stored document row (`documents`) is the document's merged Yjs state as of
 * its last full write (`state`, `Y.encodeStateAsUpdate`) plus the local changes
 * saved since (`tail`: their Yjs updates, in order, each framed by its length).
 *
 * Why: encoding the whole state of a long record on every save (3 years of
 * visits: ~120 KB, ~20 ms at 4× CPU) was the largest part of "Saved". A local
 * change of a document whose stored row this tablet holds appends its update
 * instead; the row is still one value, written in the same transaction as the
 * change's outbox entry and list row, so a save is as atomic as before and a
 * failed commit leaves the row as it was. Reading a row applies the state, then
 * each update of the tail (Yjs updates commute and are idempotent).
 *
 * The tail is bounded (`appendToRow` says when it is full): the next save then
 * writes the whole state again, with an empty tail (compaction). Every other
 * write (a pull, a live edit persisted, a new record) writes the whole state.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { DocumentRecord } from './records';

/** At most this many saved changes wait in a row's tail (each one is applied on reading). */
export const MAX_TAIL_UPDATES = 32;
/** At most this many bytes of tail, or as many as the state itself when it is larger. */
export const MIN_TAIL_BYTES_LIMIT = 16 * 1024;

/** The updates of a row's tail, in the order they were saved. */
export function tailUpdates(record: Pick<DocumentRecord, 'tail'>): Uint8Array[] {
  const updates: Uint8Array[] = [];
  if (record.tail === undefined) return updates;
  const decoder = decoding.createDecoder(record.tail);
  while (decoding.hasContent(decoder)) updates.push(decoding.readVarUint8Array(decoder));
  return updates;
}

/**
 * `base` with `update` appended to its tail, or undefined when the tail is full
 * (then the caller writes the whole state again).
 */
export function appendToRow(
  base: DocumentRecord,
  update: Uint8Array,
  updatedAt: number,
): DocumentRecord | undefined {
  const tail = base.tail ?? new Uint8Array(0);
  const bytesLimit = Math.max(MIN_TAIL_BYTES_LIMIT, base.state.length);
  if (tail.length + update.length > bytesLimit) return undefined;
  if (tailUpdates(base).length >= MAX_TAIL_UPDATES) return undefined;
  const encoder = encoding.createEncoder();
  encoding.writeUint8Array(encoder, tail);
  encoding.writeVarUint8Array(encoder, update);
  return {
    docId: base.docId,
    kind: base.kind,
    state: base.state,
    tail: encoding.toUint8Array(encoder),
    updatedAt,
  };
}

/** The row's whole document as one update (replicas compared in tests). */
export function documentState(record: DocumentRecord): Uint8Array {
  const tail = tailUpdates(record);
  if (tail.length === 0) return record.state;
  const doc = new Y.Doc();
  Y.applyUpdate(doc, record.state);
  for (const update of tail) Y.applyUpdate(doc, update);
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}
