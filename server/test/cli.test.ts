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
  });

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
