/**
 * Every storage contract runs against each implementation: the embedded PGlite
 * and a real PostgreSQL server. `databaseKinds` yields both (PostgreSQL only
 * when the global setup found a server); each `open()` is a fresh, migrated,
 * empty database that `close()` removes again.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import postgres from 'postgres';
import { inject } from 'vitest';
import { findRepoRoot } from '../../src/config';
import { openInMemory, openPostgres, type Database } from '../../src/db/database';

export const migrationsDir = join(findRepoRoot(), 'drizzle');

export interface TestDatabase {
  readonly database: Database;
  /** For postgres: the URL of this fresh database (for child processes). */
  readonly url: string | undefined;
  close(): Promise<void>;
}

export interface DatabaseKind {
  readonly name: 'pglite' | 'postgresql';
  /** False when no PostgreSQL server was found: suites use describe.skipIf(!available). */
  readonly available: boolean;
  open(): Promise<TestDatabase>;
}

export function postgresAdminUrl(): string | undefined {
  return inject('postgresAdminUrl');
}

/** Creates an empty PostgreSQL database on the test server; returns its URL and a dropper. */
export async function createPostgresDatabase(
  adminUrl: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `outpost_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end({ timeout: 1 });
      }
    },
  };
}

export const pgliteKind: DatabaseKind = {
  name: 'pglite',
  available: true,
  async open() {
    const database = await openInMemory();
    await database.migrate(migrationsDir);
    return { database, url: undefined, close: () => database.close() };
  },
};

export function postgresKind(adminUrl: string | undefined): DatabaseKind {
  return {
    name: 'postgresql',
    available: adminUrl !== undefined,
    async open() {
      if (adminUrl === undefined) throw new Error('No PostgreSQL server for the tests.');
      const { url, drop } = await createPostgresDatabase(adminUrl);
      const database = await openPostgres(url, { max: 4 });
      await database.migrate(migrationsDir);
      return {
        database,
        url,
        close: async () => {
          await database.close();
          await drop();
        },
      };
    },
  };
}

/** The implementations to run a contract suite against. */
export function databaseKinds(): DatabaseKind[] {
  return [pgliteKind, postgresKind(postgresAdminUrl())];
}
