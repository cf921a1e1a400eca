import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEnrollmentCode,
  loadSeededAccounts,
  type Account,
  type AccountName,
  type SeededAccounts,
} from './accounts';
import { seededDataDir, serverCli, webBuildDir } from './paths';

export interface OutpostServer {
  readonly url: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** A person of the demo clinic (a seeded copy only): her username, password and PIN. */
  account(name: AccountName): Account;
  /** An unused single-use enrollment code for the demo clinic (a seeded copy only). */
  takeEnrollmentCode(): string;
}

export interface StartOptions {
  webDir?: string;
  dataDir?: string;
  env?: Record<string, string>;
  /** Start from the seeded demo clinic (default) or from an empty database. */
  seeded?: boolean;
  /** More enrollment codes than the seeded pool, created with the CLI before the server starts. */
  extraEnrollmentCodes?: number;
}

/**
 * Starts the real built server (`node server/dist/cli.js serve`) on a free port
 * with a fresh data directory, and waits until it says where it listens.
 */
export async function startOutpost(options: StartOptions = {}): Promise<OutpostServer> {
  let dataDir = options.dataDir;
  let seeded: SeededAccounts | undefined;
  if (dataDir === undefined) {
    dataDir = join(mkdtempSync(join(tmpdir(), 'outpost-e2e-')), 'data');
    if (options.seeded !== false) {
      cpSync(seededDataDir, dataDir, { recursive: true });
      const pool = loadSeededAccounts();
      const extra = Array.from({ length: options.extraEnrollmentCodes ?? 0 }, () =>
        createEnrollmentCode(dataDir!),
      );
      seeded = { ...pool, enrollmentCodes: [...pool.enrollmentCodes, ...extra] };
    }
  }
  const unusedCodes = [...(seeded?.enrollmentCodes ?? [])];
  // OUTPOST_SERVER_CLI: another build of the server (e.g. a private one while web/ or server/dist is shared).
  const cli = process.env.OUTPOST_SERVER_CLI ?? serverCli;
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data', dataDir], {
    env: {
      ...process.env,
      // OUTPOST_E2E_WEB_DIR: a private build (when other builds share web/build).
      OUTPOST_WEB_DIR: options.webDir ?? process.env.OUTPOST_E2E_WEB_DIR ?? webBuildDir,
      // The journeys use the embedded database unless a test says otherwise.
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
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
    account: (name) => {
      if (!seeded) throw new Error('accounts exist only in a copy of the seeded data directory');
      return seeded.accounts[name];
    },
    takeEnrollmentCode: () => {
      const code = unusedCodes.shift();
      if (code === undefined)
        throw new Error('no enrollment code left: pass `extraEnrollmentCodes` to startOutpost');
      return code;
    },
  };
}
