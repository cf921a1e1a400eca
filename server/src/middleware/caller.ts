/**
 * Resolves the caller of every sync request (see auth/caller.ts, the identity
 * seam). Missing or invalid credentials are a 401 naming the header.
 */
import { createMiddleware } from 'hono/factory';
import { resolveCaller, type Caller, type CallerDeps } from '../auth/caller';
import { HttpError } from '../http/errors';

export type CallerVariables = { caller: Caller };

export function requireCaller(deps: CallerDeps) {
  return createMiddleware<{ Variables: CallerVariables }>(async (c, next) => {
    const caller = await resolveCaller((name) => {
      const header = {
        device: 'x-outpost-device',
        clinic: 'x-outpost-clinic',
        user: 'x-outpost-user',
      }[name];
      return c.req.header(header);
    }, deps);
    if (!caller.ok)
      throw new HttpError(401, 'unauthenticated', caller.error.message, caller.error.header);
    c.set('caller', caller.value);
    await next();
  });
}
