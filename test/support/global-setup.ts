import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NEXT_VERSION, repoRoot, seededDataDir, serverCli, webBuildDir } from './paths';

/**
 * The journeys test what a user gets: the built PWA served by the built server.
 * Both must exist (the test command builds them first). A second build of the
 * same source with another version plays "a new version was deployed".
 */
export default function globalSetup(): void {
  for (const required of [join(webBuildDir, 'index.html'), serverCli]) {
    if (!existsSync(required)) {
      throw new Error(`${required} is missing: run \`pnpm build\` before the end-to-end tests.`);
    }
  }
  // The demo clinic, as the start command seeds it; each test gets a copy.
  rmSync(seededDataDir, { recursive: true, force: true });
  execFileSync(process.execPath, [serverCli, 'seed-demo', '--data', seededDataDir], {
    env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
    cwd: join(repoRoot, 'web'),
    env: { ...process.env, OUTPOST_VERSION: NEXT_VERSION, OUTPOST_WEB_OUT: 'build-next' },
    stdio: 'inherit',
  });
}
