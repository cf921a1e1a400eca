/**
 * One error shape for the whole HTTP boundary: `{error: {code, message, field?}}`.
 * Routes throw `HttpError`; `app.onError` (see app.ts) turns anything thrown into
 * that shape with the right status. Never bare strings.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field === undefined ? {} : { field: this.field }),
      },
    };
  }
}

export const badRequest = (code: string, message: string, field?: string) =>
  new HttpError(400, code, message, field);
export const notFound = (message = 'Not found') => new HttpError(404, 'not_found', message);
