/**
 * Resumable photo upload (docs/consults.md): the server remembers how many
 * bytes of each photo it holds, so a link cut mid-photo costs at most the chunk
 * in flight. `POST /api/attachments` starts or resumes (answering the offset it
 * already holds, or that the photo is complete); each `PUT …?offset=N` sends the
 * next chunk; a 409 carries the server's offset and we continue from there.
 */
export type ApiCall = (path: string, init?: RequestInit) => Promise<Response>;

export const UPLOAD_CHUNK_BYTES = 64 * 1024;

export interface PhotoUpload {
  readonly consultDocId: string;
  readonly sha256: string;
  readonly bytes: Uint8Array;
  readonly contentType: string;
  readonly fileName?: string;
}

export interface UploadOutcome {
  /** Bytes put on the wire in this call (re-sent bytes included). */
  readonly sentBytes: number;
  readonly requests: number;
}

export type UploadError =
  | { readonly kind: 'network'; readonly message: string; readonly sentBytes: number }
  /** The server refused the photo (type, size, pixels, hash): retrying will not help. */
  | {
      readonly kind: 'refused';
      readonly status: number;
      readonly code: string;
      readonly message: string;
    }
  | {
      readonly kind: 'http';
      readonly status: number;
      readonly code: string;
      readonly message: string;
    };

interface ErrorBody {
  readonly error?: {
    readonly code?: string;
    readonly message?: string;
    readonly receivedBytes?: number;
  };
  readonly receivedBytes?: number;
}

async function body(response: Response): Promise<ErrorBody & Record<string, unknown>> {
  try {
    return (await response.json()) as ErrorBody & Record<string, unknown>;
  } catch {
    return {};
  }
}

function failure(status: number, parsed: ErrorBody): UploadError {
  const code = parsed.error?.code ?? `http_${status}`;
  const message = parsed.error?.message ?? `The server answered ${status}.`;
  return status === 413 || status === 415 || status === 422 || status === 400
    ? { kind: 'refused', status, code, message }
    : { kind: 'http', status, code, message };
}

/**
 * Sends one photo, resuming where the server left off. Resolves `ok` once the
 * server has verified the whole photo's SHA-256; `network` errors are for the
 * caller to retry later (the next call resumes).
 */
export async function uploadPhoto(
  api: ApiCall,
  photo: PhotoUpload,
  options: { readonly chunkBytes?: number; readonly signal?: AbortSignal } = {},
): Promise<{ ok: true; value: UploadOutcome } | { ok: false; error: UploadError }> {
  const chunkBytes = options.chunkBytes ?? UPLOAD_CHUNK_BYTES;
  let sentBytes = 0;
  let requests = 0;
  const call = async (path: string, init: RequestInit) => {
    requests += 1;
    return api(path, { ...init, ...(options.signal && { signal: options.signal }) });
  };
  try {
    const started = await call('/api/attachments', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        consultDocId: photo.consultDocId,
        sha256: photo.sha256,
        size: photo.bytes.length,
        contentType: photo.contentType,
        ...(photo.fileName !== undefined && { fileName: photo.fileName }),
      }),
    });
    const startBody = await body(started);
    if (!started.ok) return { ok: false, error: failure(started.status, startBody) };
    if (startBody.done === true) return { ok: true, value: { sentBytes, requests } };
    const uploadId = String(startBody.uploadId);
    let offset = Number(startBody.receivedBytes ?? 0);
    while (offset < photo.bytes.length) {
      const chunk = photo.bytes.subarray(offset, Math.min(offset + chunkBytes, photo.bytes.length));
      sentBytes += chunk.length;
      const response = await call(
        `/api/attachments/${encodeURIComponent(uploadId)}?offset=${offset}`,
        {
          method: 'PUT',
          headers: { 'content-type': 'application/octet-stream' },
          body: new Uint8Array(chunk),
        },
      );
      const parsed = await body(response);
      if (response.status === 409) {
        const serverOffset = parsed.error?.receivedBytes ?? parsed.receivedBytes;
        if (typeof serverOffset !== 'number') return { ok: false, error: failure(409, parsed) };
        offset = serverOffset;
        continue;
      }
      if (!response.ok) return { ok: false, error: failure(response.status, parsed) };
      if (parsed.done === true) return { ok: true, value: { sentBytes, requests } };
      offset = Number(parsed.receivedBytes ?? offset + chunk.length);
    }
    return { ok: true, value: { sentBytes, requests } };
  } catch (error) {
    return {
      ok: false,
      error: {
        kind: 'network',
        message: error instanceof Error ? error.message : String(error),
        sentBytes,
      },
    };
  }
}
