/**
 * Finds the PostgreSQL server the integration suites run against.
 *
 * TEST_DATABASE_URL (set by .ci/run to a throwaway database) or, when unset, the
 * local server at postgres://postgres@127.0.0.1:5432/test. Unreachable: the
 * PostgreSQL suites are skipped with a loud line — unless OUTPOST_REQUIRE_POSTGRES=1
 * (CI), where that is a failure.
 */
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string | undefined;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await client`select 1`;
    project.provide('postgresAdminUrl', url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.OUTPOST_REQUIRE_POSTGRES === '1') {
      throw new Error(
        `PostgreSQL is required (OUTPOST_REQUIRE_POSTGRES=1) but ${url} is unreachable: ${reason}`,
      );
    }
    process.stderr.write(`\n⚠ PostgreSQL suites SKIPPED: ${url} is unreachable (${reason}).\n\n`);
    project.provide('postgresAdminUrl', undefined);
  } finally {
    await client.end({ timeout: 1 });
  }
}
