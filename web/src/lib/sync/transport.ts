/**
 * The real transport: `POST /api/sync` with a gzip body (CompressionStream)
 * through an authorised fetch, and the response body as bytes (the browser
 * undoes the response's `Content-Encoding: gzip`). Failures become
 * `TransportError`s the engine turns into plain words.
 *
 * Credentials are not this module's business: the app passes `vault.api`
 * (`Authorization: Bearer`, refreshed once and retried on `401 token_expired`;
 * `device_revoked` and ended sessions are handled there). A revoked device's last
 * push uses `pushOutboxForQuarantine` with the device headers instead.
 */
import { MAX_PUSH_BYTES, PROTOCOL_VERSION, encodeSyncRequest } from '@outpost/shared/sync';
import type { PushedUpdate } from '@outpost/shared/sync';
import type { LocalStore } from '../db';
import { TransportError, type Transport } from './engine';

export const SYNC_CONTENT_TYPE = 'application/x-outpost-sync';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  /** Default `/api/sync` (same origin). */
  readonly url?: string;
  /**
   * The fetch requests go through: the app's authorised fetch (`vault.api`).
   * The body it is given can be sent twice (it is bytes), so it may retry.
   */
  readonly fetch: FetchLike;
  /** Headers added to every request (the device credentials for a revoked tablet's last push). */
  readonly headers?: () => Record<string, string>;
  /** Compress request bodies (default: when CompressionStream exists). */
  readonly gzip?: boolean;
}

export function createHttpTransport(options: HttpTransportOptions): Transport {
  const url = options.url ?? '/api/sync';
  const gzip = options.gzip ?? typeof CompressionStream !== 'undefined';
  return {
    async send(body, signal) {
      const headers: Record<string, string> = {
        ...options.headers?.(),
        'content-type': SYNC_CONTENT_TYPE,
      };
      let payload: Uint8Array<ArrayBuffer> = new Uint8Array(body);
      if (gzip) {
        payload = await gzipBytes(payload);
        headers['content-encoding'] = 'gzip';
      }
      let response: Response;
      try {
        response = await options.fetch(url, { method: 'POST', headers, body: payload, signal });
      } catch (error) {
        if (signal.aborted)
          throw new TransportError('timeout', 'request aborted', { cause: error });
        const message = error instanceof Error ? error.message : String(error);
        throw new TransportError('network', message, { cause: error });
      }
      if (!response.ok) {
        const code = await errorCode(response);
        const message = `HTTP ${response.status}${code === undefined ? '' : ` ${code}`}`;
        throw new TransportError('http', message, {
          status: response.status,
          ...(code !== undefined && { code }),
        });
      }
      try {
        return new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        throw new TransportError('network', 'the connection dropped while receiving', {
          cause: error,
        });
      }
    },
  };
}

/**
 * A revoked tablet's last push (docs/security.md, "How the tablet uses it" 5):
 * every outbox entry not yet acknowledged — pending, sent and refused ones — in
 * requests of at most MAX_PUSH_BYTES, sent once with `transport` (built with the
 * device headers). The server keeps each body in quarantine for an administrator
 * and answers `401 device_revoked`; that answer is expected and ignored. Nothing
 * in the store changes. Resolves with the number of entries sent; a request that
 * does not reach the server ends the attempt (the tablet is erased anyway).
 */
export async function pushOutboxForQuarantine(
  store: Pick<LocalStore, 'outboxEntries' | 'clientId'>,
  transport: Transport,
  now: () => number = () => Date.now(),
): Promise<number> {
  const entries = await store.outboxEntries();
  const batches: PushedUpdate[][] = [];
  let batch: PushedUpdate[] = [];
  let bytes = 0;
  for (const entry of [...entries].sort((a, b) => a.localSeq - b.localSeq)) {
    if (batch.length > 0 && bytes + entry.update.length > MAX_PUSH_BYTES) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push({
      localSeq: entry.localSeq,
      docId: entry.docId,
      update: entry.update,
      deviceTime: entry.deviceTime,
    });
    bytes += entry.update.length;
  }
  if (batch.length > 0) batches.push(batch);
  let sent = 0;
  for (const pushes of batches) {
    const body = encodeSyncRequest({
      protocol: PROTOCOL_VERSION,
      clientId: store.clientId,
      deviceTime: now(),
      cursor: new Uint8Array(),
      pushes,
      wantDocuments: [],
      maxResponseBytes: 1024,
    });
    try {
      await transport.send(body, new AbortController().signal);
    } catch (error) {
      if (!(error instanceof TransportError) || error.kind !== 'http') break;
    }
    sent += pushes.length;
  }
  return sent;
}

async function gzipBytes(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The `{error: {code}}` of a JSON error body, when there is one. */
async function errorCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code : undefined;
  } catch {
    return undefined;
  }
}
