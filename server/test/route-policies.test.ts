/**
 * C16 default deny: every route in Hono's route table has a declared policy in
 * auth/policy.ts ROUTE_POLICIES, every declared policy names a real route, and a
 * route added without one is closed (403 no_policy) rather than open.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { ROUTE_POLICIES } from '../src/auth/policy';
import { pgliteKind, type TestDatabase } from './support/databases';

/** The routes of the table that handle requests (middleware is registered as ALL). */
function routeKeys(app: ReturnType<typeof createApp>): string[] {
  return [
    ...new Set(
      app.routes
        .filter((route) => route.method !== 'ALL')
        .map((route) => `${route.method} ${route.path}`),
    ),
  ].sort();
}

describe('C16 route policies', () => {
  let testDb: TestDatabase;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    testDb = await pgliteKind.open();
    app = createApp({
      database: testDb.database,
      version: 't',
      webDir: '/nonexistent',
      logger: pino({ level: 'silent' }),
      now: () => Date.now(),
    });
  });
  afterAll(async () => {
    await testDb.close();
  });

  it('C16 every route in Hono’s route table has a declared policy, and every policy a route', () => {
    const routes = routeKeys(app);
    expect(routes.length).toBeGreaterThan(20);
    const missing = routes.filter((key) => !(key in ROUTE_POLICIES));
    expect(
      missing,
      `routes without a policy in auth/policy.ts ROUTE_POLICIES: ${missing.join(', ')}`,
    ).toEqual([]);
    const stale = Object.keys(ROUTE_POLICIES).filter((key) => !routes.includes(key));
    expect(stale, 'policies naming no route').toEqual([]);
  });

  it('C16 no middleware-only catch-all answers API requests (ALL routes are middleware)', () => {
    const handlers = app.routes
      .filter((route) => route.method === 'ALL')
      .map((route) => route.path);
    expect(handlers.every((path) => path === '*' || path === '/*' || path === '/api/*')).toBe(true);
  });

  it('C16 a route added without a policy is refused, and the table check names it', async () => {
    const extra = createApp({
      database: testDb.database,
      version: 't',
      webDir: '/nonexistent',
      logger: pino({ level: 'silent' }),
      now: () => Date.now(),
    });
    extra.post('/api/forgotten', (c) => c.json({ leaked: 'patient data' }));
    const response = await extra.request('/api/forgotten', { method: 'POST' });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: { code: 'no_policy', message: expect.any(String) },
    });
    expect(routeKeys(extra).filter((key) => !(key in ROUTE_POLICIES))).toEqual([
      'POST /api/forgotten',
    ]);
  });
});
