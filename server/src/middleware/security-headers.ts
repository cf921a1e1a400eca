/**
 * Security headers on every response (C15), and the same-origin rule for the API.
 *
 * - HSTS for a year, only on responses that travelled over https (RFC 6797 §7.2:
 *   never over plain http, where it means nothing and a clinic LAN server without
 *   TLS still works); behind a trusted proxy, when it says X-Forwarded-Proto: https;
 * - nosniff, Referrer-Policy no-referrer, frame-ancestors 'none', COOP same-origin;
 * - CSP: HTML gets the app's policy (scripts only from 'self' plus the hashes of
 *   the shell's inline bootstrap script, computed by routes/static.ts); every other
 *   response gets `default-src 'none'`;
 * - every /api response is `Cache-Control: no-store` unless the route said otherwise.
 */
import { createMiddleware } from 'hono/factory';
import { HttpError } from '../http/errors';
import { arrivedEncrypted } from './plain-http';

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

export function appCsp(scriptHashes: readonly string[]): string {
  const scripts = ["'self'", ...scriptHashes.map((hash) => `'sha256-${hash}'`)].join(' ');
  return [
    "default-src 'self'",
    `script-src ${scripts}`,
    // Svelte transitions set inline style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(options: { readonly trustProxy: boolean }) {
  return createMiddleware(async (c, next) => {
    await next();
    const headers = c.res.headers;
    const overHttps =
      arrivedEncrypted(c) ||
      (options.trustProxy && c.req.header('x-forwarded-proto')?.trim().toLowerCase() === 'https');
    if (overHttps) headers.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    headers.set('X-Content-Type-Options', 'nosniff');
    headers.set('Referrer-Policy', 'no-referrer');
    headers.set('X-Frame-Options', 'DENY');
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    headers.set('Cross-Origin-Resource-Policy', 'same-origin');
    if (!headers.has('Content-Security-Policy')) headers.set('Content-Security-Policy', API_CSP);
    if (c.req.path.startsWith('/api/') && !headers.has('Cache-Control'))
      headers.set('Cache-Control', 'no-store');
  });
}

/**
 * The API answers only the app's own origin (C15 CORS): a request carrying an
 * Origin whose host is not this server's Host (or one of `allowedOrigins`) is
 * refused before anything runs, and no CORS headers are ever sent, so browsers
 * block cross-origin reads too. Requests without Origin (tablet fetches from the
 * same origin often omit it on GET; native clients) pass: they carry no ambient
 * credentials (tokens are explicit headers, no cookies).
 */
export function sameOriginOnly(allowedOrigins: readonly string[]) {
  return createMiddleware(async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && !isAllowedOrigin(origin, c.req.header('host'), allowedOrigins))
      throw new HttpError(403, 'forbidden_origin', 'Requests from other sites are not accepted.');
    await next();
  });
}

export function isAllowedOrigin(
  origin: string,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
