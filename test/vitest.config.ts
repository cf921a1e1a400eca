import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Cross-package integration tests: the tablet store and sync engine (web/) against the
 * real server code (server/), in process and as the built server process. The server's
 * PostgreSQL global setup finds the test PostgreSQL (OUTPOST_REQUIRE_POSTGRES=1: required).
 */
export default defineConfig({
  resolve: {
    // Nothing under web/src/lib/db or web/src/lib/sync needs it today; a future `$lib/…`
    // import there keeps working here.
    alias: { $lib: fileURLToPath(new URL('../web/src/lib', import.meta.url)) },
  },
  test: {
    include: ['integration/**/*.test.ts', 'support/**/*.test.ts'],
    globalSetup: ['../server/test/support/postgres-global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    // PGlite instances and server processes are memory- and CPU-hungry: two forks at most.
    pool: 'forks',
    maxWorkers: 2,
  },
});
