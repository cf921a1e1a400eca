import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createSeededAccounts, saveSeededAccounts } from './accounts';
import { chooseOwnPasswords } from './own-passwords';
import { NEXT_VERSION, repoRoot, seededDataDir, serverCli, webBuildDir } from './paths';

/** Enough single-use codes for the busiest journey (each tablet enrolls once), and the setup tablet. */
const ENROLLMENT_CODES = 7;

/**
 * The journeys test what a user gets: the built PWA served by the built server.
 * Both must exist (the test command builds them first). A second build of the
 * same source with another version plays "a new version was deployed".
 */
export default async function globalSetup(): Promise<void> {
  // OUTPOST_SERVER_CLI / OUTPOST_E2E_WEB_DIR: private builds (when server/dist or web/build is shared).
  const cli = process.env.OUTPOST_SERVER_CLI ?? serverCli;
  const webDir = process.env.OUTPOST_E2E_WEB_DIR ?? webBuildDir;
  for (const required of [join(webDir, 'index.html'), cli]) {
    if (!existsSync(required)) {
      throw new Error(`${required} is missing: run \`pnpm build\` before the end-to-end tests.`);
    }
  }
  // The demo clinic, as the start command seeds it, with its staff and enrollment
  // codes created by the operator's CLI; each test gets a copy.
  rmSync(seededDataDir, { recursive: true, force: true });
  const seedOutput = execFileSync(process.execPath, [cli, 'seed-demo', '--data', seededDataDir], {
    env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  saveSeededAccounts(
    await chooseOwnPasswords(
      seededDataDir,
      createSeededAccounts(seededDataDir, seedOutput, ENROLLMENT_CODES),
    ),
  );
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
    cwd: join(repoRoot, 'web'),
    env: { ...process.env, OUTPOST_VERSION: NEXT_VERSION, OUTPOST_WEB_OUT: 'build-next' },
    stdio: 'inherit',
  });
}
