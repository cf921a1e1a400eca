/**
 * After each successful sync (the consult's text has left), the photos still
 * pending are uploaded, oldest first, each resuming where the server is. A cut
 * link stops the round; the next sync continues. The consult a photo belongs
 * to is the one whose snapshot or messages name its SHA-256. A photo the
 * server refuses is marked so in the store and never sent again; the consult
 * screen shows why.
 */
import { parseConsultSnapshot } from '@outpost/shared/consult';
import type { LocalStore } from '$lib/db';
import { uploadPhoto, type ApiCall } from './upload';

export interface PhotoRound {
  readonly uploaded: number;
  readonly waiting: number;
  /** Photos the server refused (type, size, pixels): marked refused, never retried. */
  readonly refused: readonly { readonly sha256: string; readonly message: string }[];
}

export async function uploadPendingPhotos(store: LocalStore, api: ApiCall): Promise<PhotoRound> {
  const pending = await store.pendingPhotos();
  if (pending.length === 0) return { uploaded: 0, waiting: 0, refused: [] };
  const owner = new Map<string, string>();
  for (const row of await store.listConsults()) {
    const consult = await store.readConsult(row.docId);
    if (consult === undefined || !consult.ok) continue;
    for (const photo of parseConsultSnapshot(consult.value.snapshot)?.photos ?? [])
      owner.set(photo.sha256, row.docId);
    for (const message of consult.value.messages)
      for (const sha of message.attachments) owner.set(sha, row.docId);
  }
  let uploaded = 0;
  const refused: Array<{ sha256: string; message: string }> = [];
  for (const photo of pending) {
    const consultDocId = owner.get(photo.sha256);
    if (consultDocId === undefined) continue; // its consult was never saved
    const result = await uploadPhoto(api, {
      consultDocId,
      sha256: photo.sha256,
      bytes: photo.bytes,
      contentType: photo.contentType,
    });
    if (result.ok) {
      await store.markPhotoUploaded(photo.sha256);
      uploaded += 1;
    } else if (result.error.kind === 'refused') {
      // Retrying the same bytes cannot help: marked, shown on the consult, never re-sent.
      await store.markPhotoRefused(photo.sha256, result.error);
      refused.push({ sha256: photo.sha256, message: result.error.message });
    } else break; // the link is down or the server is busy: next sync
  }
  return { uploaded, waiting: pending.length - uploaded - refused.length, refused };
}
