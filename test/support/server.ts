import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededDataDir, serverCli, webBuildDir } from './paths';

export interface OutpostServer {
  readonly url: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
  webDir?: string;
  dataDir?: string;
  env?: Record<string, string>;
  /** Start from the seeded demo clinic (default) or from an empty database. */
  seeded?: boolean;
}

/**
 * Starts the real built server (`node server/dist/cli.js serve`) on a free port
 * with a fresh data directory, and waits until it says where it listens.
 */
export async function startOutpost(options: StartOptions = {}): Promise<OutpostServer> {
  let dataDir = options.dataDir;
  if (dataDir === undefined) {
    dataDir = join(mkdtempSync(join(tmpdir(), 'outpost-e2e-')), 'data');
    if (options.seeded !== false) cpSync(seededDataDir, dataDir, { recursive: true });
  }
  // OUTPOST_SERVER_CLI: another build of the server (e.g. a private one while web/ or server/dist is shared).
  const cli = process.env.OUTPOST_SERVER_CLI ?? serverCli;
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data', dataDir], {
    env: {
      ...process.env,
      OUTPOST_WEB_DIR: options.webDir ?? webBuildDir,
      // The journeys use the embedded database unless a test says otherwise.
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
      // The tablet still uses the transitional header identity until its sign-in
      // screens land (server/src/app.ts `allowUnauthenticatedTablets`).
      OUTPOST_ALLOW_UNAUTHENTICATED_TABLETS: '1',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    dataDir,
    process: child,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill(signal);
        await exited;
      }
      if (!options.dataDir) rmSync(join(dataDir, '..'), { recursive: true, force: true });
    },
  };
}
