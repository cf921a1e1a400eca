import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp, errorHandler } from '../src/app';
import { readJson } from '../src/http/body';
import { clinics, districts } from '../src/db/schema';
import { databaseKinds, type TestDatabase } from './support/databases';
import { identityFixture } from './support/identity';

const logger = pino({ level: 'silent' });

function makeWebDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-web-'));
  mkdirSync(join(dir, '_app', 'immutable', 'entry'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Outpost</title>');
  writeFileSync(join(dir, 'service-worker.js'), 'self.x = 1;');
  writeFileSync(join(dir, 'manifest.webmanifest'), '{"name":"Outpost"}');
  const asset = 'console.log("hashed asset");';
  writeFileSync(join(dir, '_app', 'immutable', 'entry', 'start.abc123.js'), asset);
  writeFileSync(
    join(dir, '_app', 'immutable', 'entry', 'start.abc123.js.br'),
    brotliCompressSync(asset),
  );
  return dir;
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`the HTTP app on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let webDir: string;
    let app: ReturnType<typeof createApp>;

    beforeAll(async () => {
      testDb = await kind.open();
      webDir = makeWebDir();
      app = createApp({
        database: testDb.database,
        version: '9.9.9-test',
        webDir,
        logger,
        now: () => Date.now(),
      });
    });
    afterAll(async () => {
      await testDb.close();
      rmSync(webDir, { recursive: true, force: true });
    });

    it('reports health with the database kind and version', async () => {
      const response = await app.request('/healthz');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', db: kind.name, version: '9.9.9-test' });
    });

    it('GET /api/clinics needs a signed-in user, who gets the names of their own clinics only', async () => {
      await testDb.database.db
        .insert(districts)
        .values({ id: '01930000-0000-7000-8000-0000000000d1', name: 'D' });
      await testDb.database.db.insert(clinics).values([
        {
          id: '01930000-0000-7000-8000-0000000000c1',
          districtId: '01930000-0000-7000-8000-0000000000d1',
          name: 'Test Clinic',
        },
        {
          id: '01930000-0000-7000-8000-0000000000c2',
          districtId: '01930000-0000-7000-8000-0000000000d1',
          name: 'Other Clinic',
        },
      ]);
      const refused = await app.request('/api/clinics');
      expect(refused.status).toBe(401);
      // The old header identity is not accepted either.
      const headers = await app.request('/api/clinics', {
        headers: {
          'x-outpost-device': '01930000-0000-7000-8000-0000000000e1',
          'x-outpost-clinic': '01930000-0000-7000-8000-0000000000c1',
          'x-outpost-user': '01930000-0000-7000-8000-0000000000a1',
        },
      });
      expect(headers.status).toBe(401);
      const worker = await identityFixture(app, testDb.database.db).signIn(
        '01930000-0000-7000-8000-0000000000c1',
      );
      const response = await app.request('/api/clinics', { headers: worker.headers });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toEqual({
        clinics: [
          {
            id: '01930000-0000-7000-8000-0000000000c1',
            name: 'Test Clinic',
            districtId: '01930000-0000-7000-8000-0000000000d1',
          },
        ],
      });
    });

    it('answers an unknown API route with a 404 JSON error', async () => {
      const response = await app.request('/api/no-such-thing', { method: 'POST' });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('not_found');
      expect(body.error.message).toContain('/api/no-such-thing');
    });

    it('serves the app shell so that it revalidates on every load', async () => {
      const response = await app.request('/');
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      expect(await response.text()).toContain('<title>Outpost</title>');
      const etag = response.headers.get('etag');
      expect(etag).toBeTruthy();
      const again = await app.request('/', { headers: { 'if-none-match': etag ?? '' } });
      expect(again.status).toBe(304);
    });

    it('serves the service worker and manifest uncached, hashed assets immutable', async () => {
      const worker = await app.request('/service-worker.js');
      expect(worker.headers.get('cache-control')).toBe('no-cache');
      const manifest = await app.request('/manifest.webmanifest');
      expect(manifest.headers.get('content-type')).toMatch(/manifest\+json/);
      const asset = await app.request('/_app/immutable/entry/start.abc123.js');
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await asset.text()).toBe('console.log("hashed asset");');
    });

    it('lets the service worker fetch what it precaches (its CSP allows connect-src self)', async () => {
      const worker = await app.request('/service-worker.js');
      const csp = worker.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toContain("default-src 'none'");
    });

    it('sends the precompressed file to clients that accept brotli', async () => {
      const response = await app.request('/_app/immutable/entry/start.abc123.js', {
        headers: { 'accept-encoding': 'gzip, br' },
      });
      expect(response.headers.get('content-encoding')).toBe('br');
    });

    it('answers client-side routes with the shell and missing files with 404', async () => {
      const route = await app.request('/patients/0193-abc');
      expect(route.status).toBe(200);
      expect(await route.text()).toContain('<title>Outpost</title>');
      const missing = await app.request('/nothing-here.js');
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
    });

    it('never serves files outside the web directory', async () => {
      for (const path of [
        '/../package.json',
        '/%2e%2e/%2e%2e/etc/passwd',
        '/..%2f..%2fetc%2fpasswd',
      ]) {
        const response = await app.request(path);
        expect(response.status === 400 || response.status === 404 || response.status === 200).toBe(
          true,
        );
        const text = await response.text();
        expect(text).not.toContain('root:');
        expect(text).not.toContain('"name": "@outpost/server"');
      }
    });
  });
}

describe('JSON request bodies', () => {
  const app = new Hono();
  app.onError(errorHandler(logger));
  app.post('/echo', async (c) => c.json(await readJson(c, z.object({ name: z.string().min(1) }))));

  it('a malformed body is a 400 naming the problem', async () => {
    const response = await app.request('/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_json');
    expect(body.error.message).toMatch(/not valid JSON/);
  });

  it('a body failing validation is a 400 naming the field', async () => {
    const response = await app.request('/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": 42}',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; field: string } };
    expect(body.error).toMatchObject({ code: 'invalid_field', field: 'name' });
  });

  it('a body that is not JSON at all is refused with 415', async () => {
    const response = await app.request('/echo', { method: 'POST', body: 'name=x' });
    expect(response.status).toBe(415);
  });
});
