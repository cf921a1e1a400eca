/**
 * `POST /api/sync` (SPEC S2–S13). Body: `encodeSyncRequest`, Content-Type
 * `application/x-outpost-sync`, optionally `Content-Encoding: gzip`. Response:
 * `encodeSyncResponse`, gzip-compressed when the client accepts gzip, never cached.
 * Errors before the exchange are JSON: 400 malformed, 401 unauthenticated,
 * 413 too large (also a gzip body that inflates beyond the limit), 415 wrong
 * type, 426 unknown protocol version. None of them stores anything.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { Hono } from 'hono';
import { decodeSyncRequest, encodeSyncResponse, PROTOCOL_VERSION } from '@outpost/shared/sync';
import { assertNever } from '@outpost/shared/result';
import { pullScope } from '../auth/policy';
import { HttpError, badRequest } from '../http/errors';
import type { AuthVariables } from '../middleware/authorize';
import type { RecordAudit } from '../repositories/record-audit';
import { peekProtocol, type SyncService } from '../sync/service';

export const SYNC_CONTENT_TYPE = 'application/x-outpost-sync';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

export interface SyncRouteDeps {
  readonly sync: SyncService;
  readonly audit: RecordAudit;
  /** The largest request body after decompression. */
  readonly maxBodyBytes: number;
}

export function syncRoutes(deps: SyncRouteDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();
  // Who may sync is checked by the route policy (middleware/authorize.ts); which records, here and per record.
  app.post('/', async (c) => {
    const caller = c.get('caller');
    if (pullScope(caller) === 'none')
      throw new HttpError(
        403,
        'forbidden',
        'You may not sync records on this device (not your clinic or district).',
      );
    const contentType = (c.req.header('content-type') ?? '').toLowerCase();
    if (!contentType.startsWith(SYNC_CONTENT_TYPE))
      throw new HttpError(
        415,
        'unsupported_media_type',
        `The request body must be ${SYNC_CONTENT_TYPE}.`,
      );
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const body = await inflate(raw, c.req.header('content-encoding'), deps.maxBodyBytes);

    const protocol = peekProtocol(body);
    if (protocol !== undefined && protocol !== PROTOCOL_VERSION) {
      throw new HttpError(
        426,
        'unsupported_protocol',
        `This server speaks sync protocol ${PROTOCOL_VERSION}, not ${protocol}. Update the app.`,
      );
    }
    const request = decodeSyncRequest(body);
    if (!request.ok)
      throw badRequest(
        'malformed_sync_request',
        `The sync request is malformed: ${request.error.message}`,
      );

    const result = await deps.sync.exchange(caller, request.value);
    if (!result.ok) {
      const failure = result.error;
      switch (failure.type) {
        case 'InvalidCursor':
          throw badRequest(
            'invalid_cursor',
            `${failure.message}. Sync again from an empty cursor.`,
            'cursor',
          );
        case 'TooManyWantedDocuments':
          throw badRequest('too_many_wanted_documents', failure.message, 'wantDocuments');
        case 'PushTooLarge':
          throw new HttpError(413, 'payload_too_large', failure.message, 'pushes');
        default:
          return assertNever(failure);
      }
    }
    // Audit: every record written or refused, every record sent (C40).
    const pushedDocs = new Map(request.value.pushes.map((push) => [push.localSeq, push.docId]));
    await deps.audit.records(
      caller,
      'record.write',
      result.value.receipts.flatMap((receipt) => {
        const docId = pushedDocs.get(receipt.localSeq);
        if (
          docId === undefined ||
          (receipt.status === 'rejected' && receipt.code === 'invalid_document_id')
        )
          return [];
        return [
          {
            docId,
            outcome:
              receipt.status === 'stored'
                ? ('success' as const)
                : receipt.code === 'forbidden' || receipt.code === 'wrong_clinic'
                  ? ('denied' as const)
                  : ('failure' as const),
            details: {
              via: 'sync',
              ...(receipt.status === 'rejected' ? { code: receipt.code } : {}),
            },
          },
        ];
      }),
    );
    const readDocs = new Set([
      ...result.value.documents.map((d) => d.docId),
      ...result.value.updates.map((u) => u.docId),
    ]);
    await deps.audit.records(
      caller,
      'record.read',
      [...readDocs].map((docId) => ({
        docId,
        outcome: 'success' as const,
        details: { via: 'sync' },
      })),
    );
    const encoded = encodeSyncResponse(result.value);
    const acceptsGzip = /\bgzip\b/i.test(c.req.header('accept-encoding') ?? '');
    const payload: Uint8Array<ArrayBuffer> = acceptsGzip
      ? new Uint8Array(await gzipAsync(encoded))
      : new Uint8Array(encoded);
    const headers: Record<string, string> = {
      'content-type': SYNC_CONTENT_TYPE,
      'cache-control': 'no-store',
      vary: 'Accept-Encoding',
    };
    if (acceptsGzip) headers['content-encoding'] = 'gzip';
    return c.body(payload, 200, headers);
  });
  return app;
}

/** Decompresses a gzip body with a hard output limit: a gzip bomb is a 413, never memory exhaustion. */
async function inflate(
  raw: Uint8Array,
  encoding: string | undefined,
  limit: number,
): Promise<Uint8Array> {
  const coding = (encoding ?? 'identity').trim().toLowerCase();
  if (coding === 'identity' || coding === '') return raw;
  if (coding !== 'gzip')
    throw new HttpError(
      415,
      'unsupported_encoding',
      `Content-Encoding ${coding} is not supported; use gzip.`,
    );
  try {
    return new Uint8Array(await gunzipAsync(raw, { maxOutputLength: limit }));
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)
      throw new HttpError(413, 'payload_too_large', `The request inflates beyond ${limit} bytes.`);
    throw badRequest('invalid_gzip', 'The request body is not valid gzip.');
  }
}
