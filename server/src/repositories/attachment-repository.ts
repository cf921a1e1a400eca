/**
 * Consult photos in PostgreSQL (bytea), so the embedded and the server database
 * behave the same (docs/consults.md): resumable uploads as chunk rows, the
 * re-encoded blobs content-addressed by the SHA-256 of the uploaded bytes, and
 * per-clinic links that prove a clinic's device held those bytes.
 */
import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import {
  attachmentBlobs,
  attachmentChunks,
  attachmentLinks,
  attachmentUploads,
  consultAttachments,
  consults,
} from '../db/schema';

export type UploadRow = typeof attachmentUploads.$inferSelect;
export type BlobRow = typeof attachmentBlobs.$inferSelect;

export type ChunkOutcome =
  | { readonly kind: 'appended'; readonly receivedBytes: number }
  /** Already held (a re-sent chunk whose ack was lost): nothing changed. */
  | { readonly kind: 'duplicate'; readonly receivedBytes: number }
  | { readonly kind: 'offset_mismatch'; readonly receivedBytes: number }
  | { readonly kind: 'gone' };

/** A consult that references a photo, with what authorisation needs. */
export interface ReferencingConsult {
  readonly docId: string;
  readonly clinicId: string;
  readonly districtId: string | null;
  readonly specialty: string | null;
  readonly assigneeUserId: string | null;
  /** The display name the consult's clinic uploaded it under; null when that clinic never did. */
  readonly fileName: string | null;
}

export interface AttachmentRepository {
  openUpload(consultDocId: string, sha256: string): Promise<UploadRow | undefined>;
  getUpload(id: string): Promise<UploadRow | undefined>;
  createUpload(row: typeof attachmentUploads.$inferInsert): Promise<UploadRow>;
  countOpenUploads(deviceId: string): Promise<number>;
  /** Appends a chunk at exactly the received offset, under a row lock (one writer at a time). */
  appendChunk(id: string, offset: number, data: Uint8Array, now: Date): Promise<ChunkOutcome>;
  /** The upload's bytes, in order. */
  readUpload(id: string): Promise<Uint8Array>;
  /** Stores the blob (once per SHA-256) and the clinic's link; marks the upload done, drops its chunks. */
  complete(
    upload: UploadRow,
    blob: Omit<typeof attachmentBlobs.$inferInsert, 'sha256' | 'createdAt'>,
    now: Date,
  ): Promise<void>;
  /** Forgets an upload and its chunks (a refused file leaves nothing behind). */
  discard(id: string): Promise<void>;
  /** Drops unfinished uploads not touched since `before`. */
  discardAbandoned(before: Date): Promise<number>;
  hasBlobForClinic(clinicId: string, sha256: string): Promise<boolean>;
  referencingConsults(sha256: string): Promise<ReferencingConsult[]>;
  blob(sha256: string): Promise<BlobRow | undefined>;
}

export function createAttachmentRepository(db: Db): AttachmentRepository {
  return {
    async openUpload(consultDocId, sha256) {
      const [row] = await db
        .select()
        .from(attachmentUploads)
        .where(
          and(
            eq(attachmentUploads.consultDocId, consultDocId),
            eq(attachmentUploads.sha256, sha256),
            isNull(attachmentUploads.completedAt),
          ),
        )
        .limit(1);
      return row;
    },

    async getUpload(id) {
      const [row] = await db
        .select()
        .from(attachmentUploads)
        .where(eq(attachmentUploads.id, id))
        .limit(1);
      return row;
    },

    async createUpload(row) {
      const [created] = await db.insert(attachmentUploads).values(row).returning();
      if (created === undefined) throw new Error('the upload insert returned no row');
      return created;
    },

    async countOpenUploads(deviceId) {
      const [row] = await db
        .select({ count: sql<number>`count(*)::int` })
        .from(attachmentUploads)
        .where(
          and(eq(attachmentUploads.deviceId, deviceId), isNull(attachmentUploads.completedAt)),
        );
      return Number(row?.count ?? 0);
    },

    appendChunk(id, offset, data, now) {
      return db.transaction(async (tx): Promise<ChunkOutcome> => {
        const [upload] = await tx
          .select({
            receivedBytes: attachmentUploads.receivedBytes,
            completedAt: attachmentUploads.completedAt,
          })
          .from(attachmentUploads)
          .where(eq(attachmentUploads.id, id))
          .for('update');
        if (upload === undefined) return { kind: 'gone' };
        if (upload.completedAt !== null || offset + data.length <= upload.receivedBytes)
          return { kind: 'duplicate', receivedBytes: upload.receivedBytes };
        if (offset !== upload.receivedBytes)
          return { kind: 'offset_mismatch', receivedBytes: upload.receivedBytes };
        await tx.insert(attachmentChunks).values({ uploadId: id, offset, data });
        const receivedBytes = offset + data.length;
        await tx
          .update(attachmentUploads)
          .set({ receivedBytes, updatedAt: now })
          .where(eq(attachmentUploads.id, id));
        return { kind: 'appended', receivedBytes };
      });
    },

    async readUpload(id) {
      const chunks = await db
        .select({ offset: attachmentChunks.offset, data: attachmentChunks.data })
        .from(attachmentChunks)
        .where(eq(attachmentChunks.uploadId, id))
        .orderBy(asc(attachmentChunks.offset));
      const total = chunks.reduce((sum, chunk) => sum + chunk.data.length, 0);
      const bytes = new Uint8Array(total);
      let at = 0;
      for (const chunk of chunks) {
        if (chunk.offset !== at) throw new Error('upload chunks are not contiguous');
        bytes.set(chunk.data, at);
        at += chunk.data.length;
      }
      return bytes;
    },

    async complete(upload, blob, now) {
      await db.transaction(async (tx) => {
        await tx
          .insert(attachmentBlobs)
          .values({ sha256: upload.sha256, createdAt: now, ...blob })
          .onConflictDoNothing();
        await tx
          .insert(attachmentLinks)
          .values({
            clinicId: upload.clinicId,
            sha256: upload.sha256,
            fileName: upload.fileName,
            createdAt: now,
          })
          .onConflictDoNothing();
        await tx
          .update(attachmentUploads)
          .set({ completedAt: now, updatedAt: now, receivedBytes: upload.size })
          .where(eq(attachmentUploads.id, upload.id));
        await tx.delete(attachmentChunks).where(eq(attachmentChunks.uploadId, upload.id));
      });
    },

    async discard(id) {
      await db.transaction(async (tx) => {
        await tx.delete(attachmentChunks).where(eq(attachmentChunks.uploadId, id));
        await tx.delete(attachmentUploads).where(eq(attachmentUploads.id, id));
      });
    },

    async discardAbandoned(before) {
      const stale = await db
        .select({ id: attachmentUploads.id })
        .from(attachmentUploads)
        .where(and(isNull(attachmentUploads.completedAt), lt(attachmentUploads.updatedAt, before)))
        .limit(100);
      for (const { id } of stale) await this.discard(id);
      return stale.length;
    },

    async hasBlobForClinic(clinicId, sha256) {
      const [row] = await db
        .select({ sha256: attachmentBlobs.sha256 })
        .from(attachmentLinks)
        .innerJoin(attachmentBlobs, eq(attachmentBlobs.sha256, attachmentLinks.sha256))
        .where(and(eq(attachmentLinks.clinicId, clinicId), eq(attachmentLinks.sha256, sha256)))
        .limit(1);
      return row !== undefined;
    },

    async referencingConsults(sha256) {
      return db
        .select({
          docId: consults.docId,
          clinicId: consults.clinicId,
          districtId: consults.districtId,
          specialty: consults.specialty,
          assigneeUserId: consults.assigneeUserId,
          fileName: attachmentLinks.fileName,
        })
        .from(consultAttachments)
        .innerJoin(consults, eq(consults.docId, consultAttachments.docId))
        .leftJoin(
          attachmentLinks,
          and(
            eq(attachmentLinks.clinicId, consults.clinicId),
            eq(attachmentLinks.sha256, consultAttachments.sha256),
          ),
        )
        .where(eq(consultAttachments.sha256, sha256))
        .orderBy(asc(consults.docId))
        .limit(200);
    },

    async blob(sha256) {
      const [row] = await db
        .select()
        .from(attachmentBlobs)
        .where(eq(attachmentBlobs.sha256, sha256))
        .limit(1);
      return row;
    },
  };
}
