import { Hono } from 'hono';
import type { AppDeps } from '../app';

/** `/healthz`: liveness and database reachability, for operators and load balancers. */
export function healthRoutes(deps: AppDeps) {
  return new Hono().get('/', async (c) => {
    try {
      await deps.database.ping();
      return c.json({ status: 'ok', db: deps.database.kind, version: deps.version });
    } catch {
      return c.json(
        {
          status: 'error',
          db: deps.database.kind,
          version: deps.version,
          error: 'database unreachable',
        },
        503,
      );
    }
  });
}
