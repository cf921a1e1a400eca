/**
 * HTTPS on the clinic network (docs/operations.md): `outpost tls init` makes a
 * clinic CA and a server certificate; `serve` finds them and speaks https and
 * wss on its port, still answers plain http there (the app shell, /ca.crt) and
 * never lets plain http from the network carry an API request.
 * The CLI tests run the built bundle as an operator would.
 */
import { X509Certificate } from 'node:crypto';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createApp } from '../src/app';
import { findRepoRoot } from '../src/config';
import { lanAddresses } from '../src/cli/tls-commands';
import { sanNames } from '../src/tls/clinic-ca';
import { pgliteKind, type TestDatabase } from './support/databases';

const root = findRepoRoot();
const cli = join(root, 'server', 'dist', 'cli.js');
const temporary: string[] = [];

function tempData(): string {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-tls-'));
  temporary.push(dir);
  return join(dir, 'data');
}

function run(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const fileMode = (path: string) => statSync(path).mode & 0o777;
const certificate = (path: string) => new X509Certificate(readFileSync(path, 'utf8'));

beforeAll(() => {
  if (!existsSync(cli))
    execFileSync('node', ['build.mjs'], { cwd: join(root, 'server'), stdio: 'inherit' });
});
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

describe('outpost tls init', () => {
  it('creates a clinic CA and a server certificate for the given host, 127.0.0.1 and localhost; keys 0600', () => {
    const data = tempData();
    const result = run(['tls', 'init', '--data', data, '--host', 'outpost.clinic.lan']);
    expect(result.status, result.stderr).toBe(0);
    const tls = join(data, 'tls');
    expect(result.stdout).toContain(join(tls, 'ca.crt'));
    expect(result.stdout).toMatch(/Install a certificate → CA certificate/);

    const ca = certificate(join(tls, 'ca.crt'));
    const server = certificate(join(tls, 'server.crt'));
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(sanNames(server)).toEqual(
      expect.arrayContaining(['outpost.clinic.lan', '127.0.0.1', 'localhost']),
    );
    const days = (cert: X509Certificate) =>
      (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
    expect(days(server)).toBeLessThanOrEqual(825);
    expect(days(server)).toBeGreaterThan(800);
    expect(days(ca)).toBeGreaterThan(3600);

    expect(fileMode(join(tls, 'ca.key'))).toBe(0o600);
    expect(fileMode(join(tls, 'server.key'))).toBe(0o600);
    expect(fileMode(tls)).toBe(0o700);
    expect(readFileSync(join(tls, 'ca.crt'), 'utf8')).not.toContain('PRIVATE KEY');
    // The directory is Outpost's: `serve` and the other commands accept it.
    expect(existsSync(join(data, 'outpost.json'))).toBe(true);
  });

  it('run again: keeps the CA (tablets reinstall nothing), renews the certificate, adds new hosts', () => {
    const data = tempData();
    expect(run(['tls', 'init', '--data', data, '--host', 'outpost.clinic.lan']).status).toBe(0);
    const tls = join(data, 'tls');
    const caBefore = readFileSync(join(tls, 'ca.crt'), 'utf8');
    const caKeyBefore = readFileSync(join(tls, 'ca.key'), 'utf8');
    const serverBefore = certificate(join(tls, 'server.crt'));

    const again = run(['tls', 'init', '--data', data, '--host', '10.20.30.40']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('Clinic certificate authority kept');
    expect(again.stdout).toContain('new in this certificate: 10.20.30.40');
    expect(readFileSync(join(tls, 'ca.crt'), 'utf8')).toBe(caBefore);
    expect(readFileSync(join(tls, 'ca.key'), 'utf8')).toBe(caKeyBefore);
    const serverAfter = certificate(join(tls, 'server.crt'));
    expect(serverAfter.serialNumber).not.toBe(serverBefore.serialNumber);
    expect(serverAfter.publicKey.export({ format: 'jwk' })).not.toEqual(
      serverBefore.publicKey.export({ format: 'jwk' }),
    );
    expect(serverAfter.checkIssued(certificate(join(tls, 'ca.crt')))).toBe(true);
    expect(sanNames(serverAfter)).toEqual(
      expect.arrayContaining(['outpost.clinic.lan', '10.20.30.40', '127.0.0.1']),
    );
    expect(fileMode(join(tls, 'server.key'))).toBe(0o600);
  });

  it('refuses a --host that is neither a name nor an address, and a CA without its key', () => {
    const data = tempData();
    const bad = run(['tls', 'init', '--data', data, '--host', 'not a host']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--host "not a host"');
    expect(existsSync(join(data, 'tls'))).toBe(false);

    expect(run(['tls', 'init', '--data', data]).status).toBe(0);
    rmSync(join(data, 'tls', 'ca.key'));
    const orphan = run(['tls', 'init', '--data', data]);
    expect(orphan.status).toBe(1);
    expect(orphan.stderr).toMatch(/clinic CA is incomplete .*ca\.key is missing/);
  });
});

describe('serve with the clinic certificate', () => {
  let data: string;
  let child: ChildProcess;
  let output = '';
  let port: number;
  let ca: string;

  beforeAll(async () => {
    data = tempData();
    expect(run(['tls', 'init', '--data', data]).status).toBe(0);
    ca = readFileSync(join(data, 'tls', 'ca.crt'), 'utf8');
    child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data', data], {
      env: { ...process.env, LOG_LEVEL: 'warn', DATABASE_URL: '' },
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /running at (\S+)/.exec(output);
        if (match?.[1] && output.includes('Ctrl-C')) resolve(match[1]);
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
    });
    expect(url).toMatch(/^https:\/\/localhost:\d+$/);
    port = Number(new URL(url).port);
  }, 90_000);
  afterAll(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });

  /** An https request that trusts only the clinic CA (so a wrong certificate fails it). */
  function getHttps(path: string, host = '127.0.0.1') {
    return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
      (resolve, reject) => {
        const req = httpsRequest({ host, port, path, ca, servername: host }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
      },
    );
  }

  it('answers https trusted through the clinic CA, with HSTS, and says so at /api/version', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const version = await getHttps('/api/version', host);
      expect(version.status).toBe(200);
      expect(JSON.parse(version.body)).toMatchObject({ https: { clinicCertificate: '/ca.crt' } });
      expect(version.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    }
    // Not trusting the clinic CA, the connection is refused: the certificate really is the CA's.
    await expect(
      new Promise((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, path: '/api/version' }, resolve);
        req.on('error', reject);
        req.end();
      }),
    ).rejects.toThrow(/self[- ]signed|unable to get local issuer|unable to verify/i);
    // The start message names the https address and where tablets get the CA, when it has a LAN address.
    if (/on this network:/.test(output)) {
      expect(output).toMatch(/on this network: https:\/\//);
      expect(output).toMatch(/install the clinic certificate from http:\/\/\S+\/ca\.crt/);
    }
    expect(output).not.toMatch(/on this network: http:\/\//);
  });

  it('the live channel upgrades over wss and reaches the live server (which wants a ticket)', async () => {
    const docId = 'patient/01930000-0000-7000-8000-00000000abcd';
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = new WebSocket(`wss://127.0.0.1:${port}/ws/${docId}`, { ca });
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      socket.once('open', () => resolve({ status: 101, body: '' }));
      socket.once('error', (error) => {
        if (!/Unexpected server response/.test(error.message)) reject(error);
      });
    });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it('plain http on the same port serves /ca.crt (the public certificate, never a key), without HSTS', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/ca.crt`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-x509-ca-cert');
    expect(response.headers.get('strict-transport-security')).toBeNull();
    const body = await response.text();
    expect(body).toContain('-----BEGIN CERTIFICATE-----');
    expect(body).not.toContain('PRIVATE KEY');
    expect(new X509Certificate(body).fingerprint256).toBe(new X509Certificate(ca).fingerprint256);
    // Loopback plain http stays fully usable (http://localhost is a secure context).
    expect((await fetch(`http://127.0.0.1:${port}/api/me`)).status).toBe(401);
  });
  // Needs a non-loopback address of this machine to come from "the network".
  const lan = lanAddresses()[0];
  it.skipIf(lan === undefined)(
    'plain http from the network: the certificate yes, the API and ws no (403 https_required)',
    async () => {
      const base = `http://${lan}:${port}`;
      expect((await fetch(`${base}/ca.crt`)).status).toBe(200);
      expect((await fetch(`${base}/api/version`)).status).toBe(200);
      const me = await fetch(`${base}/api/me`);
      expect(me.status).toBe(403);
      expect(await me.json()).toMatchObject({ error: { code: 'https_required' } });
      const enroll = await fetch(`${base}/api/devices/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'AAAA-AAAA-AAAA', label: 'x' }),
      });
      expect(enroll.status).toBe(403);
      const status = await new Promise<number>((resolve) => {
        const socket = new WebSocket(
          `ws://${lan}:${port}/ws/patient/01930000-0000-7000-8000-00000000abcd`,
        );
        socket.on('error', () => {});
        socket.once('unexpected-response', (_request, response) =>
          resolve(response.statusCode ?? 0),
        );
        socket.once('open', () => resolve(101));
      });
      expect(status).toBe(403);
    },
  );
});

describe('serve with the operator’s own certificate files', () => {
  it('a key that is not the certificate’s is one clear line at start', () => {
    const data = tempData();
    const other = tempData();
    expect(run(['tls', 'init', '--data', data]).status).toBe(0);
    expect(run(['tls', 'init', '--data', other]).status).toBe(0);
    const result = run([
      'serve',
      '--port',
      '0',
      '--data',
      data,
      '--tls-cert',
      join(data, 'tls', 'server.crt'),
      '--tls-key',
      join(other, 'tls', 'server.key'),
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^outpost: .*server\.key is not the key of .*server\.crt/);
    const half = run(['serve', '--port', '0', '--data', data, '--tls-cert', 'x.crt']);
    expect(half.status).toBe(1);
    expect(half.stderr).toContain('--tls-cert (OUTPOST_TLS_CERT) needs --tls-key');
  });
});

describe('plain http from the network when https is on offer', () => {
  let testDb: TestDatabase;
  let app: ReturnType<typeof createApp>;
  const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  beforeAll(async () => {
    testDb = await pgliteKind.open();
    // app.request() has no socket: neither encrypted nor loopback, like a tablet on plain http.
    app = createApp({
      database: testDb.database,
      version: 't',
      webDir: '/nonexistent',
      logger: pino({ level: 'silent' }),
      now: () => Date.now(),
      https: { caCertPem: caPem },
    });
  });
  afterAll(async () => {
    await testDb.close();
  });

  it('refuses every API request except the version and the health check (403 https_required)', async () => {
    for (const [method, path] of [
      ['POST', '/api/devices/enroll'],
      ['POST', '/api/auth/sign-in'],
      ['GET', '/api/me'],
      ['POST', '/api/sync'],
    ] as const) {
      const response = await app.request(path, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'https_required' } });
    }
    const version = await app.request('/api/version');
    expect(version.status).toBe(200);
    expect(await version.json()).toEqual({ version: 't', https: { clinicCertificate: '/ca.crt' } });
    expect((await app.request('/healthz')).status).toBe(200);
    const caCert = await app.request('/ca.crt');
    expect(caCert.status).toBe(200);
    expect(await caCert.text()).toBe(caPem);
    expect(caCert.headers.get('strict-transport-security')).toBeNull();
  });

  it('HSTS behind a trusted proxy only when it says the request came over https', async () => {
    const make = (trustProxy: boolean) =>
      createApp({
        database: testDb.database,
        version: 't',
        webDir: '/nonexistent',
        logger: pino({ level: 'silent' }),
        now: () => Date.now(),
        trustProxy,
      });
    const forwarded = { headers: { 'x-forwarded-proto': 'https' } };
    const hsts = (response: Response) => response.headers.get('strict-transport-security');
    expect(hsts(await make(true).request('/healthz', forwarded))).toMatch(/max-age=31536000/);
    expect(hsts(await make(true).request('/healthz'))).toBeNull();
    expect(hsts(await make(false).request('/healthz', forwarded))).toBeNull();
  });

  it('without https on offer, /api/version says nothing of it and /ca.crt is 404', async () => {
    const plain = createApp({
      database: testDb.database,
      version: 't',
      webDir: '/nonexistent',
      logger: pino({ level: 'silent' }),
      now: () => Date.now(),
    });
    expect(await (await plain.request('/api/version')).json()).toEqual({ version: 't' });
    const caCert = await plain.request('/ca.crt');
    expect(caCert.status).toBe(404);
    expect(await caCert.json()).toMatchObject({ error: { code: 'no_clinic_certificate' } });
  });
});
