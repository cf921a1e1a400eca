/**
 * What plain http may still do on a server that also speaks https on its port
 * (http/same-port-tls.ts): load the app shell and its assets (so the app can say
 * "open https://…"), download the clinic certificate (/ca.crt), ask the version
 * (which says https is on offer) and the health check. Every other API request
 * from the network is refused with 403 `https_required`, so a password, a token
 * or a record never crosses the clinic network unencrypted by mistake.
 *
 * Loopback is exempt: nobody on the network can read it, and http://localhost is
 * a secure context where the app works (the server's own browser, a local proxy).
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { HttpBindings } from '@hono/node-server';
import { HttpError } from '../http/errors';

const PLAIN_API_PATHS = new Set(['/api/version', '/healthz']);

export function plainHttpLimits() {
  return createMiddleware(async (c, next) => {
    if (!arrivedEncrypted(c) && !fromLoopback(c)) {
      const path = c.req.path;
      const readOnly = c.req.method === 'GET' || c.req.method === 'HEAD';
      const allowed = readOnly && (PLAIN_API_PATHS.has(path) || !isApiPath(path));
      if (!allowed)
        throw new HttpError(
          403,
          'https_required',
          'Open Outpost with its https:// address: on this network patient data and passwords travel only encrypted.',
        );
    }
    await next();
  });
}

function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path.startsWith('/ws/');
}

/** True when the request came over TLS on this server's own socket (never from a header). */
export function arrivedEncrypted(c: Context): boolean {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  return (incoming?.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
}

function fromLoopback(c: Context): boolean {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  return isLoopbackAddress(incoming?.socket.remoteAddress);
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}
