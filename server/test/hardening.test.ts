/**
 * Hardening: security headers and CSP (C15), chunked oversize bodies (C30),
 * sign-in rate limits and enumeration (C10), same-origin only (C15 CORS),
 * no patient data in logs.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { count } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, encodeSyncRequest } from '@outpost/shared/sync';
import { PatientBuilder } from '@outpost/shared/model/fixtures';
import { createApp, MAX_JSON_BODY_BYTES } from '../src/app';
import { TEST_SCRYPT } from '../src/auth/passwords';
import { safeError } from '../src/logger';
import { devices, enrollmentCodes } from '../src/db/schema';
import { pgliteKind, type TestDatabase } from './support/databases';
import { identityFixture, type IdentityFixture } from './support/identity';
import { startTestServer, type RunningTestServer } from './support/server';
import { Tablet, createClinic } from './support/sync';

const INLINE = "document.documentElement.dataset.boot = '1';";

describe('hardening', () => {
  let testDb: TestDatabase;
  let webDir: string;
  let server: RunningTestServer;
  const logLines: string[] = [];
  let app: ReturnType<typeof createApp>;
  let ids: IdentityFixture;
  let now = Date.UTC(2025, 5, 1);

  beforeAll(async () => {
    testDb = await pgliteKind.open();
    webDir = mkdtempSync(join(tmpdir(), 'outpost-web-'));
    writeFileSync(
      join(webDir, 'index.html'),
      `<!doctype html><html><head><script type="module" src="/_app/start.js"></script></head><body><script>${INLINE}</script></body></html>`,
    );
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logLines.push(chunk.toString());
          done();
        },
      }),
    );
    server = await startTestServer(testDb, { logger, webDir });
    app = createApp({
      database: testDb.database,
      version: 't',
      webDir,
      logger: pino({ level: 'silent' }),
      now: () => now,
      scrypt: TEST_SCRYPT,
    });
    ids = identityFixture(app, testDb.database.db);
  });
  afterAll(async () => {
    await server.close();
    await testDb.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('C15 every response carries the security headers; HTML a CSP allowing only its own inline script', async () => {
    const html = await fetch(`${server.base}/`);
    const csp = html.headers.get('content-security-policy')!;
    const hash = createHash('sha256').update(INLINE).digest('base64');
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    for (const response of [
      html,
      await fetch(`${server.base}/healthz`),
      await fetch(`${server.base}/api/me`),
    ]) {
      // HSTS only over https (RFC 6797 §7.2); test/tls.test.ts sees it there.
      expect(response.headers.get('strict-transport-security')).toBeNull();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
    expect((await fetch(`${server.base}/api/me`)).headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${server.base}/api/me`)).headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    );
  });

  it('C15 the API refuses other origins (and sends no CORS headers)', async () => {
    const foreign = await fetch(`${server.base}/api/devices/enroll`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'AAAA-AAAA-AAAA', label: 'x' }),
    });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ error: { code: 'forbidden_origin' } });
    const own = await fetch(`${server.base}/api/version`, { headers: { origin: server.base } });
    expect(own.status).toBe(200);
  });

  it('C30 a chunked body over the limit is refused with 413 and changes nothing', async () => {
    const clinicId = await createClinic(testDb.database.db);
    const code = await server.ids.enrollmentCode(clinicId);
    const before = await testDb.database.db.select({ n: count() }).from(devices);
    const json = JSON.stringify({ code, label: 'x'.repeat(MAX_JSON_BODY_BYTES * 2) });
    const response = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(server.host.split(':')[1]), '127.0.0.1');
      let received = '';
      socket.on('data', (data) => (received += data.toString()));
      socket.on('end', () => resolve(received));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      socket.write(
        `POST /api/devices/enroll HTTP/1.1\r\nHost: ${server.host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      );
      for (let start = 0; start < json.length; start += 8192) {
        const chunk = json.slice(start, start + 8192);
        socket.write(`${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`);
      }
      socket.write('0\r\n\r\n');
    });
    expect(response).toMatch(/^HTTP\/1\.1 413/);
    expect(response).toContain('payload_too_large');
    expect(await testDb.database.db.select({ n: count() }).from(devices)).toEqual(before);
    // The code was not used up by the refused request.
    const codes = await testDb.database.db.select().from(enrollmentCodes);
    expect(codes.filter((row) => row.usedAt === null).length).toBeGreaterThan(0);
  });

  it('C10 unknown user and wrong password get identical answers; the account then backs off', async () => {
    const clinicId = await createClinic(testDb.database.db);
    const session = await ids.signIn(clinicId);
    const attempt = (username: string, password: string) =>
      app.request('/api/auth/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...session.device.headers },
        body: JSON.stringify({ username, password }),
      });
    const unknown = await attempt('nobody.here', 'wrong password');
    const wrong = await attempt(session.user.username, 'wrong password');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await unknown.text()).toBe(await wrong.text());
    for (let index = 0; index < 4; index++)
      expect((await attempt(session.user.username, 'wrong again')).status).toBe(401);
    // Five failures: now even the right password waits.
    const blocked = await attempt(session.user.username, session.user.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    now += 2_000;
    expect((await attempt(session.user.username, session.user.password)).status).toBe(200);
  });

  it('C10 enrollment codes cannot be guessed quickly from one address', async () => {
    const guess = () =>
      app.request('/api/devices/enroll', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'ZZZZ-ZZZZ-ZZZZ', label: 'x' }),
      });
    for (let index = 0; index < 5; index++) expect((await guess()).status).toBe(400);
    expect((await guess()).status).toBe(429);
  });

  it('a logged database error never carries the query’s values', () => {
    const error = new Error('Failed query: insert into "patients" values ($1)\nparams: Canaryname');
    expect(JSON.stringify(safeError(new Error('wrapped', { cause: error })))).not.toContain(
      'Canaryname',
    );
  });

  it('no patient data, token or secret reaches the logs', async () => {
    const clinicId = await createClinic(testDb.database.db);
    const session = await server.ids.signIn(clinicId);
    const tablet = new Tablet(session.caller, 31);
    tablet.createPatient(
      PatientBuilder.persona('adultWithHypertension').with({
        profile: { givenName: 'Canaryname', familyName: 'Zzyzxlog', phone: '+255 799 123 456' },
      }),
    );
    const before = logLines.length;
    const body = encodeSyncRequest({
      protocol: PROTOCOL_VERSION,
      clientId: 31,
      deviceTime: Date.now(),
      cursor: new Uint8Array(),
      pushes: tablet.drain(),
      wantDocuments: [],
      maxResponseBytes: 65536,
    });
    expect(
      (
        await fetch(`${server.base}/api/sync`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-outpost-sync', ...session.headers },
          body,
        })
      ).status,
    ).toBe(200);
    await fetch(`${server.base}/api/admin/audit?patient=Canaryname`, { headers: session.headers });
    await fetch(`${server.base}/api/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-outpost-sync', ...session.headers },
      body: new Uint8Array([1, 2, 3]),
    });
    const logged = logLines.slice(before).join('\n');
    expect(logged.length).toBeGreaterThan(0);
    for (const secret of [
      'Canaryname',
      'Zzyzxlog',
      '799 123',
      session.accessToken,
      session.device.deviceSecret,
      session.refreshToken,
    ])
      expect(logged).not.toContain(secret);
  });
});
