/**
 * Consult photos (docs/consults.md "Photos"): resumable chunked upload and
 * serving to whoever may see a consult that references the photo.
 *
 * - `POST /api/attachments` starts (or resumes) an upload for one consult the
 *   caller may write; `PUT /api/attachments/:uploadId?offset=N` appends one raw
 *   chunk (≤ 256 KiB) at exactly the offset the server holds; the last chunk
 *   completes it: checks (consults/photos.ts), re-encoding, storage.
 * - `GET /api/attachments/:sha256?variant=thumb|full`: 404, identical for "no
 *   such photo" and "not yours", unless a consult the caller may see references
 *   it and that consult's clinic uploaded it (knowing a hash is not enough).
 * Every upload (done or refused) and every read is audited with the consult.
 */
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import { uuidv7 } from 'uuidv7';
import { isUuid } from '@outpost/shared/ids';
import { documentAccess } from '../auth/policy';
import type { Caller } from '../auth/caller';
import {
  ATTACHMENT_LIMITS,
  PHOTO_TYPES,
  checkPhotoHeader,
  contentDisposition,
  reencodePhoto,
  sanitizeFileName,
  type PhotoRefusal,
} from '../consults/photos';
import type { Db } from '../db/database';
import { HttpError, badRequest } from '../http/errors';
import { readJson } from '../http/body';
import type { AuthVariables } from '../middleware/authorize';
import type { AttachmentRepository, UploadRow } from '../repositories/attachment-repository';
import { documentFacts } from '../repositories/document-facts';
import type { RecordAudit } from '../repositories/record-audit';

export interface AttachmentRouteDeps {
  readonly db: Db;
  readonly attachments: AttachmentRepository;
  readonly audit: RecordAudit;
  readonly now: () => number;
}

const SHA256 = /^[0-9a-f]{64}$/;

const startSchema = z.strictObject({
  consultDocId: z.string().regex(/^consult\/[0-9a-f-]{36}$/, 'must be consult/<uuid>'),
  sha256: z.string().regex(SHA256, 'must be a lowercase hex SHA-256'),
  size: z.number().int().min(1),
  contentType: z.string().min(1).max(100),
  /** A display name, never a path: a name with a directory in it is refused, the rest sanitised. */
  fileName: z
    .string()
    .max(255)
    .refine(
      (name) => !/[/\\]/.test(name) && !name.includes('\0') && name !== '.' && name !== '..',
      {
        message: 'must be a file name without a path (no / or \\)',
      },
    )
    .default(''),
});

const notFound = () => new HttpError(404, 'not_found', 'No such photo.');

function refusal(problem: PhotoRefusal): HttpError {
  return new HttpError(problem.status, problem.code, problem.message);
}

export function attachmentRoutes(deps: AttachmentRouteDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();

  /** Writable consult or a uniform 404 (a consult you may not write does not exist for you). */
  async function writableConsult(caller: Caller, consultDocId: string): Promise<void> {
    const facts = await documentFacts(deps.db, consultDocId, caller.clinicId);
    if (facts === undefined || !facts.exists || documentAccess(caller, facts) !== 'write')
      throw new HttpError(404, 'not_found', 'No such consult.', 'consultDocId');
  }

  async function auditUpload(
    caller: Caller,
    upload: Pick<UploadRow, 'consultDocId' | 'sha256' | 'size'>,
    outcome: 'success' | 'failure' | 'denied',
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await deps.audit.records(caller, 'attachment.upload', [
      {
        docId: upload.consultDocId,
        outcome,
        details: { sha256: upload.sha256, bytes: upload.size, ...details },
      },
    ]);
  }

  /** Refuses the whole upload: nothing of it stays stored. */
  async function refuse(caller: Caller, upload: UploadRow, problem: PhotoRefusal): Promise<never> {
    await deps.attachments.discard(upload.id);
    await auditUpload(caller, upload, 'failure', { code: problem.code });
    throw refusal(problem);
  }

  app.post('/', async (c) => {
    const caller = c.get('caller');
    const body = await readJson(c, startSchema);
    await writableConsult(caller, body.consultDocId);
    if (!(PHOTO_TYPES as readonly string[]).includes(body.contentType))
      throw new HttpError(
        415,
        'unsupported_media_type',
        `Photos are ${PHOTO_TYPES.join(', ')}.`,
        'contentType',
      );
    if (body.size > ATTACHMENT_LIMITS.maxBytes)
      throw new HttpError(
        413,
        'attachment_too_large',
        `Photos are limited to ${ATTACHMENT_LIMITS.maxBytes} bytes.`,
        'size',
      );
    const consultClinic = (await documentFacts(deps.db, body.consultDocId, caller.clinicId))!
      .clinicId;
    const now = new Date(deps.now());
    await deps.attachments.discardAbandoned(
      new Date(now.getTime() - ATTACHMENT_LIMITS.abandonedAfterMs),
    );
    if (await deps.attachments.hasBlobForClinic(consultClinic, body.sha256)) {
      await auditUpload(caller, { ...body }, 'success', { already: true });
      return c.json({ uploadId: null, receivedBytes: body.size, done: true, sha256: body.sha256 });
    }
    const open = await deps.attachments.openUpload(body.consultDocId, body.sha256);
    if (open !== undefined) {
      if (open.size !== body.size || open.declaredType !== body.contentType)
        throw new HttpError(
          409,
          'upload_conflict',
          'An upload of this photo with another size or type is in progress.',
          'size',
        );
      return c.json({
        uploadId: open.id,
        receivedBytes: open.receivedBytes,
        done: false,
        chunkBytes: ATTACHMENT_LIMITS.maxChunkBytes,
      });
    }
    if (
      (await deps.attachments.countOpenUploads(caller.deviceId)) >=
      ATTACHMENT_LIMITS.maxOpenUploadsPerDevice
    )
      throw new HttpError(
        429,
        'too_many_uploads',
        `At most ${ATTACHMENT_LIMITS.maxOpenUploadsPerDevice} unfinished uploads per device; finish one first.`,
      );
    const created = await deps.attachments.createUpload({
      id: uuidv7(),
      consultDocId: body.consultDocId,
      clinicId: consultClinic,
      sha256: body.sha256,
      size: body.size,
      declaredType: body.contentType,
      fileName: sanitizeFileName(body.fileName),
      receivedBytes: 0,
      userId: caller.userId,
      deviceId: caller.deviceId,
      createdAt: now,
      updatedAt: now,
    });
    return c.json(
      {
        uploadId: created.id,
        receivedBytes: 0,
        done: false,
        chunkBytes: ATTACHMENT_LIMITS.maxChunkBytes,
      },
      201,
    );
  });

  app.put('/:uploadId', async (c) => {
    const caller = c.get('caller');
    const uploadId = c.req.param('uploadId');
    const missing = new HttpError(404, 'not_found', 'No such upload.');
    if (!isUuid(uploadId)) throw missing;
    const upload = await deps.attachments.getUpload(uploadId);
    // Only the device that started an upload continues it.
    if (upload === undefined || upload.deviceId !== caller.deviceId) throw missing;
    const offsetText = c.req.query('offset') ?? '';
    if (!/^\d{1,9}$/.test(offsetText))
      throw badRequest('invalid_field', 'offset must be a whole number of bytes.', 'offset');
    const offset = Number(offsetText);
    const chunk = new Uint8Array(await c.req.arrayBuffer());
    if (upload.completedAt !== null)
      return c.json({ uploadId, receivedBytes: upload.size, done: true, sha256: upload.sha256 });
    if (chunk.length === 0) throw badRequest('empty_chunk', 'The chunk is empty.');
    if (chunk.length > ATTACHMENT_LIMITS.maxChunkBytes)
      throw new HttpError(
        413,
        'payload_too_large',
        `Chunks are limited to ${ATTACHMENT_LIMITS.maxChunkBytes} bytes.`,
      );
    if (offset + chunk.length > upload.size)
      throw new HttpError(
        413,
        'exceeds_declared_size',
        `The upload was declared as ${upload.size} bytes; this chunk goes beyond it.`,
      );
    if (offset === 0) {
      // The first bytes already tell a text file or an image bomb: refuse before taking the rest.
      const early = checkPhotoHeader(chunk, upload.declaredType, { partial: true });
      if (!early.ok) await refuse(caller, upload, early.error);
    }
    await deps.attachments.discardAbandoned(
      new Date(deps.now() - ATTACHMENT_LIMITS.abandonedAfterMs),
    );
    const outcome = await deps.attachments.appendChunk(
      uploadId,
      offset,
      chunk,
      new Date(deps.now()),
    );
    switch (outcome.kind) {
      case 'gone':
        throw missing;
      case 'offset_mismatch':
        c.header('Upload-Offset', String(outcome.receivedBytes));
        return c.json(
          {
            error: {
              code: 'offset_mismatch',
              message: `The server holds ${outcome.receivedBytes} bytes of this upload; send from there.`,
              field: 'offset',
            },
            receivedBytes: outcome.receivedBytes,
          },
          409,
        );
      case 'duplicate':
      case 'appended':
        break;
    }
    if (outcome.receivedBytes < upload.size)
      return c.json({ uploadId, receivedBytes: outcome.receivedBytes, done: false });
    if (outcome.kind === 'duplicate') {
      const current = await deps.attachments.getUpload(uploadId);
      if (current?.completedAt != null)
        return c.json({ uploadId, receivedBytes: upload.size, done: true, sha256: upload.sha256 });
    }

    // Complete: verify, check before decoding, re-encode, store.
    const bytes = await deps.attachments.readUpload(uploadId);
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== upload.sha256)
      await refuse(caller, upload, {
        status: 422,
        code: 'hash_mismatch',
        message: 'The bytes received do not have the declared SHA-256; upload the photo again.',
      });
    const header = checkPhotoHeader(bytes, upload.declaredType);
    if (!header.ok) await refuse(caller, upload, header.error);
    const encoded = await reencodePhoto(bytes);
    if (!encoded.ok) return refuse(caller, upload, encoded.error);
    const original = header.ok ? header.value! : undefined;
    await deps.attachments.complete(
      upload,
      {
        originalType: original?.type ?? upload.declaredType,
        originalBytes: bytes.length,
        originalWidth: original?.width ?? 0,
        originalHeight: original?.height ?? 0,
        full: encoded.value.full,
        fullWidth: encoded.value.fullWidth,
        fullHeight: encoded.value.fullHeight,
        thumb: encoded.value.thumb,
      },
      new Date(deps.now()),
    );
    await auditUpload(caller, upload, 'success');
    return c.json(
      {
        uploadId,
        receivedBytes: upload.size,
        done: true,
        sha256: upload.sha256,
        width: encoded.value.fullWidth,
        height: encoded.value.fullHeight,
      },
      201,
    );
  });

  app.get('/:sha256', async (c) => {
    const caller = c.get('caller');
    const sha256 = c.req.param('sha256');
    const variantText = c.req.query('variant') ?? 'full';
    if (variantText !== 'full' && variantText !== 'thumb')
      throw badRequest('invalid_field', 'variant must be thumb or full.', 'variant');
    if (!SHA256.test(sha256)) throw notFound();
    const candidates = await deps.attachments.referencingConsults(sha256);
    const allowed = candidates.filter(
      (consult) =>
        documentAccess(caller, {
          kind: 'consult',
          exists: true,
          clinicId: consult.clinicId,
          districtId: consult.districtId,
          routing: { specialty: consult.specialty, assigneeUserId: consult.assigneeUserId },
        }) !== 'none',
    );
    const visible = allowed.find((consult) => consult.fileName !== null) ?? allowed[0];
    if (visible === undefined) {
      if (candidates[0] !== undefined)
        await deps.audit.records(caller, 'attachment.read', [
          { docId: candidates[0].docId, outcome: 'denied', details: { sha256 } },
        ]);
      throw notFound();
    }
    // Served only when the consult's own clinic uploaded these bytes (proof of possession).
    const blob = visible.fileName === null ? undefined : await deps.attachments.blob(sha256);
    if (blob === undefined)
      throw new HttpError(404, 'not_uploaded', 'This photo has not been uploaded yet.');
    await deps.audit.records(caller, 'attachment.read', [
      { docId: visible.docId, outcome: 'success', details: { sha256, variant: variantText } },
    ]);
    const bytes = variantText === 'thumb' ? blob.thumb : blob.full;
    const name = (visible.fileName ?? 'photo.jpg').replace(
      /\.jpg$/,
      variantText === 'thumb' ? '-thumb.jpg' : '.jpg',
    );
    return c.body(new Uint8Array(bytes), 200, {
      'Content-Type': 'image/jpeg',
      'Content-Length': String(bytes.length),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "sandbox; default-src 'none'",
      'Content-Disposition': contentDisposition(name),
      'Cache-Control': 'private, no-store',
    });
  });

  return app;
}
