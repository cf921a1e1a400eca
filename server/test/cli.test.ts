/**
 * The CLI as an operator meets it: the built server bundle run as a process.
 * (The test command builds it first; these tests build it if missing.)
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from '../src/config';
import { postgresAdminUrl, createPostgresDatabase } from './support/databases';

const root = findRepoRoot();
const cli = join(root, 'server', 'dist', 'cli.js');
const dataDirs: string[] = [];

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempData(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'outpost-cli-')), 'data');
  dataDirs.push(dir);
  return dir;
}

beforeAll(() => {
  if (!existsSync(cli))
    execFileSync('node', ['build.mjs'], { cwd: join(root, 'server'), stdio: 'inherit' });
});
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('pnpm outpost', () => {
  it('--help lists the commands', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    for (const command of ['serve', 'migrate', 'seed-demo'])
      expect(result.stdout).toContain(command);
  });

  it('an unknown command says so and exits non-zero', () => {
    const result = run(['frobnicate']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Unknown command "frobnicate"');
  });

  it('seed-demo is idempotent: the second run changes nothing', () => {
    const data = tempData();
    expect(run(['seed-demo', '--data', data]).stdout).toMatch(/Demo clinic created/);
    const second = run(['seed-demo', '--data', data]);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/already present: nothing changed/);
  }, 90_000);

  it('seed-demo prints the demo accounts and an enrollment code the first time only; they work', async () => {
    const data = tempData();
    const first = run(['seed-demo', '--data', data]);
    expect(first.status).toBe(0);
    const password = /demo\.healthworker\s+health-worker\s+password: (\S+)/.exec(first.stdout)?.[1];
    const code = /Demo enrollment code for .*: (\S+) \(single use/.exec(first.stdout)?.[1];
    expect(password).toBeDefined();
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    for (const role of [
      'health-worker',
      'clinician',
      'specialist',
      'district-admin',
      'system-admin',
    ])
      expect(first.stdout).toContain(role);
    const second = run(['seed-demo', '--data', data]);
    expect(second.stdout).not.toContain('password:');
    expect(second.stdout).not.toContain(code!);

    const added = run([
      'user',
      'add',
      '--username',
      'test.nurse',
      '--name',
      'Test Nurse (fictional)',
      '--role',
      'health-worker',
      '--clinic',
      '01930000-0000-7000-8000-0000000c1c01',
      '--data',
      data,
    ]);
    expect(added.status).toBe(0);
    expect(added.stdout).toMatch(/One-time password \(shown once\): \S+/);
    expect(
      run([
        'user',
        'add',
        '--username',
        'test.nurse',
        '--name',
        'Again',
        '--role',
        'health-worker',
        '--clinic',
        '01930000-0000-7000-8000-0000000c1c01',
        '--data',
        data,
      ]).stderr,
    ).toContain('taken');
    expect(
      run(['user', 'add', '--username', 'x.y', '--name', 'N', '--role', 'wizard', '--data', data])
        .status,
    ).toBe(1);
    expect(run(['user', 'reset', '--username', 'test.nurse', '--data', data]).stdout).toContain(
      'reset',
    );
    expect(run(['user', 'disable', '--username', 'test.nurse', '--data', data]).stdout).toContain(
      'disabled',
    );
    const clinic = run([
      'clinic',
      'add',
      '--name',
      'Second Clinic (fictional)',
      '--district',
      '01930000-0000-7000-8000-00000000d157',
      '--data',
      data,
    ]);
    expect(clinic.stdout).toMatch(/created: [0-9a-f-]{36}/);
    const enrollCode = run([
      'device',
      'enroll-code',
      '--clinic',
      '01930000-0000-7000-8000-0000000c1c01',
      '--minutes',
      '10',
      '--data',
      data,
    ]);
    expect(enrollCode.stdout).toMatch(/Enrollment code for .*: [0-9A-Z-]{14}/);
    expect(run(['user', '--help']).stdout).toContain('enroll-code');

    // A newcomer: serve, enroll with the printed code, sign in with the printed password.
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data', data], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /running at (\S+)/.exec(out);
          if (match?.[1]) resolve(match[1]);
        });
        child.once('exit', (exitCode) => reject(new Error(`exited ${exitCode}`)));
      });
      const enrolled = await fetch(`${url}/api/devices/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, label: 'Front desk tablet' }),
      });
      expect(enrolled.status).toBe(201);
      const device = (await enrolled.json()) as { deviceId: string; deviceSecret: string };
      const signedIn = await fetch(`${url}/api/auth/sign-in`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-outpost-device': device.deviceId,
          'x-outpost-device-secret': device.deviceSecret,
        },
        body: JSON.stringify({ username: 'demo.healthworker', password }),
      });
      expect(signedIn.status).toBe(200);
      expect(await signedIn.json()).toMatchObject({
        user: { role: 'health-worker', clinicIds: ['01930000-0000-7000-8000-0000000c1c01'] },
        expiresIn: 600,
      });
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }, 120_000);

  it('a port already in use gives one clear line and a non-zero exit', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = run(['serve', '--port', String(port), '--data', tempData()]);
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe(
        `outpost: Port ${port} is already in use. Stop the other program or choose another with --port.`,
      );
    } finally {
      blocker.close();
    }
  });

  it('a bad --port value is refused clearly', () => {
    const result = run(['serve', '--port', 'eighty']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--port must be a port number');
  });

  it('an unreachable DATABASE_URL is a clear error at start, not a stack trace', () => {
    const result = run(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/outpost' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^outpost: Cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/outpost/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('serves until stopped and releases the data directory', async () => {
    const data = tempData();
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data', data], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /running at (\S+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const health = (await (await fetch(`${url}/healthz`)).json()) as { status: string; db: string };
    expect(health).toMatchObject({ status: 'ok', db: 'pglite' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(data, 'outpost.lock'))).toBe(false);
  });
});

describe.skipIf(!postgresAdminUrl())('pnpm outpost with DATABASE_URL (PostgreSQL)', () => {
  it('migrates and seeds a real PostgreSQL server, idempotently', async () => {
    const { url, drop } = await createPostgresDatabase(postgresAdminUrl() ?? '');
    try {
      expect(run(['migrate'], { DATABASE_URL: url }).status).toBe(0);
      expect(run(['seed-demo'], { DATABASE_URL: url }).stdout).toMatch(/Demo clinic created/);
      expect(run(['seed-demo'], { DATABASE_URL: url }).stdout).toMatch(/nothing changed/);
    } finally {
      await drop();
    }
  });
});
