/**
 * The real transport: `POST /api/sync` with a gzip body (CompressionStream),
 * the stand-in identity headers, and the response body as bytes (the browser
 * undoes the response's `Content-Encoding: gzip`). Failures become
 * `TransportError`s the engine turns into plain words.
 */
import { TransportError, type Transport } from './engine';

export const SYNC_CONTENT_TYPE = 'application/x-outpost-sync';

export interface CallerIdentity {
  readonly deviceId: string;
  readonly clinicId: string;
  readonly userId: string;
}

export interface HttpTransportOptions {
  /** Default `/api/sync` (same origin). */
  readonly url?: string;
  /** Read on every request: the user may change. */
  readonly identity: () => CallerIdentity;
  readonly fetch?: typeof fetch;
  /** Compress request bodies (default: when CompressionStream exists). */
  readonly gzip?: boolean;
}

export function createHttpTransport(options: HttpTransportOptions): Transport {
  const url = options.url ?? '/api/sync';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const gzip = options.gzip ?? typeof CompressionStream !== 'undefined';
  return {
    async send(body, signal) {
      const identity = options.identity();
      const headers: Record<string, string> = {
        'content-type': SYNC_CONTENT_TYPE,
        'x-outpost-device': identity.deviceId,
        'x-outpost-clinic': identity.clinicId,
        'x-outpost-user': identity.userId,
      };
      let payload: Uint8Array<ArrayBuffer> = new Uint8Array(body);
      if (gzip) {
        payload = await gzipBytes(payload);
        headers['content-encoding'] = 'gzip';
      }
      let response: Response;
      try {
        response = await doFetch(url, { method: 'POST', headers, body: payload, signal });
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
