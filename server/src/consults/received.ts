/**
 * "Received by the server" (issue 7): when a stored update leaves a consult in
 * status `sent`, the server appends the `received` transition, attributed to
 * the server and timestamped with the server's clock, as a Yjs update of its
 * own that goes through the update log like any other (tablets pull it).
 *
 * Idempotent by construction: it is appended only while the derived status is
 * `sent`, and appending it moves the status on, so a repeated or re-keyed push
 * of the same content never adds a second one. A consult sent again (after
 * "more information needed" or a follow-up) is received again.
 */
import * as Y from 'yjs';
import { changeConsultStatus, readConsult } from '@outpost/shared/model';
import type { IdSource } from '@outpost/shared/deps';
import { SERVER_ACTOR, SERVER_CLIENT_ID } from './server-author';

/**
 * Appends `received` to `doc` (mutated) when its status is `sent`; returns the
 * Yjs update that did it, or undefined when nothing was due.
 */
export function appendReceivedIfSent(
  doc: Y.Doc,
  nowMs: number,
  ids: IdSource,
): Uint8Array | undefined {
  const view = readConsult(doc);
  if (!view.ok || view.value.status !== 'sent') return undefined;
  const before = Y.encodeStateVector(doc);
  const authorId = doc.clientID;
  doc.clientID = SERVER_CLIENT_ID;
  try {
    const changed = changeConsultStatus(
      doc,
      { actor: SERVER_ACTOR, clock: { now: () => nowMs }, ids, origin: 'outpost/server' },
      { to: 'received' },
    );
    if (!changed.ok) return undefined;
  } finally {
    doc.clientID = authorId;
  }
  return Y.encodeStateAsUpdate(doc, before);
}
