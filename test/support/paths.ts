import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const webBuildDir = join(repoRoot, 'web', 'build');
/** A second build with another version, to play "a new version was deployed". */
export const webNextBuildDir = join(repoRoot, 'web', 'build-next');
export const serverCli = join(repoRoot, 'server', 'dist', 'cli.js');
export const NEXT_VERSION = 'e2e-next';
/** A data directory with the demo clinic, seeded once per run and copied for each test. */
export const seededDataDir = join(repoRoot, 'test', 'test-results', 'seeded-data');
/** The accounts and enrollment codes created in the seeded data directory (support/accounts.ts). */
export const seededAccountsFile = join(repoRoot, 'test', 'test-results', 'seeded-accounts.json');
