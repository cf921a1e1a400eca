/**
 * Enforces ROUTE_POLICIES (auth/policy.ts) on every request, before any
 * handler: the matched route's `METHOD /path` is looked up in the one table;
 * a route that is not there is refused (403 `no_policy`), so forgetting a
 * policy denies rather than exposes. Sets `caller` (users) or `device`.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Caller } from '../auth/caller';
import { ROUTE_POLICIES, type RoutePolicy } from '../auth/policy';
import { HttpError } from '../http/errors';
import type { DeviceRecord } from '../repositories/identity-repository';
import type { AuthFailure, AuthService } from '../services/auth-service';

export type AuthVariables = {
  /** Set on every `user` route. */
  caller: Caller;
  device: DeviceRecord;
  address: string;
};

export interface AuthorizeDeps {
  readonly auth: AuthService;
  /** Trust X-Forwarded-For (behind a reverse proxy that sets it). */
  readonly trustProxy: boolean;
  /** Keeps a revoked device's request body for review (C11); called before the 401. */
  readonly quarantine: (c: Context, failure: AuthFailure) => Promise<void>;
  /** Overrides the policy table (tests of the enforcement itself). */
  readonly policies?: Readonly<Record<string, RoutePolicy>>;
}

/** The route key of the request: the first matched route registered with a method (not middleware). */
export function routeKey(c: Context): string | undefined {
  const route = matchedRoutes(c).find((entry) => entry.method !== 'ALL');
  return route === undefined ? undefined : `${route.method} ${route.path}`;
}

export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests: no socket
  }
}

export function unauthorized(failure: AuthFailure): HttpError {
  return new HttpError(401, failure.code, failure.message);
}

export function authorize(deps: AuthorizeDeps) {
  const policies = deps.policies ?? ROUTE_POLICIES;
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    c.set('address', clientAddress(c, deps.trustProxy));
    const key = routeKey(c);
    if (key === undefined) return next(); // no route: the 404 handler answers
    const policy = policies[key];
    if (policy === undefined)
      throw new HttpError(403, 'no_policy', 'This route has no access policy, so it is closed.');
    switch (policy.kind) {
      case 'public':
        return next();
      case 'device': {
        const device = await deps.auth.authenticateDevice(
          c.req.header('x-outpost-device'),
          c.req.header('x-outpost-device-secret'),
        );
        if (!device.ok) throw unauthorized(device.error);
        c.set('device', device.value);
        return next();
      }
      case 'user': {
        const caller = await authenticateUser(c, policy);
        if (!policy.roles.includes(caller.role))
          throw new HttpError(403, 'forbidden', 'Your role may not do this.');
        if (caller.mustChangePassword === true && policy.beforePasswordChange !== true)
          throw new HttpError(
            403,
            'password_change_required',
            'Choose your own password first: the one you signed in with was set by an administrator.',
          );
        c.set('caller', caller);
        return next();
      }
    }
  });

  async function authenticateUser(
    c: Context,
    policy: Extract<RoutePolicy, { kind: 'user' }>,
  ): Promise<Caller> {
    const header = c.req.header('authorization');
    if (header === undefined) {
      if (policy.quarantineRevoked && c.req.header('x-outpost-device-secret') !== undefined) {
        const device = await deps.auth.authenticateDevice(
          c.req.header('x-outpost-device'),
          c.req.header('x-outpost-device-secret'),
        );
        if (!device.ok && device.error.code === 'device_revoked') {
          await deps.quarantine(c, device.error);
          throw unauthorized(device.error);
        }
      }
      throw new HttpError(
        401,
        'unauthenticated',
        'Sign in first (Authorization: Bearer <access token>).',
      );
    }
    const match = /^Bearer ([A-Za-z0-9._-]+)$/.exec(header.trim());
    if (match === null)
      throw new HttpError(
        401,
        'unauthenticated',
        'The Authorization header must be `Bearer <access token>`.',
      );
    const token = match[1]!;
    const caller = await deps.auth.authenticateToken(token);
    if (caller.ok) return caller.value;
    if (policy.quarantineRevoked) {
      // A revoked device whose token has since expired is still identified by its signature.
      const revoked =
        caller.error.code === 'token_expired'
          ? await deps.auth.authenticateToken(token, { ignoreExpiry: true })
          : caller;
      if (!revoked.ok && revoked.error.code === 'device_revoked') {
        await deps.quarantine(c, revoked.error);
        throw unauthorized(revoked.error);
      }
    }
    throw unauthorized(caller.error);
  }
}
