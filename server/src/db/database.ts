/**
 * Opening the database: the embedded PGlite on disk (default) or a real
 * PostgreSQL server (`DATABASE_URL`). Both get the same schema and migrations.
 *
 * Contract for the embedded data directory: it is ours only if it holds our
 * marker file. A non-empty directory without it, or with a marker we cannot
 * read, is refused with a clear message and never written to.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';
import { StartupError } from '../startup-error';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type DatabaseKind = 'pglite' | 'postgresql';

export interface Database {
  readonly db: Db;
  readonly kind: DatabaseKind;
  /** Human description without secrets, for logs and /healthz. */
  readonly description: string;
  ping(): Promise<void>;
  /** Applies pending migrations from the folder; safe to run from several instances at once. */
  migrate(migrationsFolder: string): Promise<void>;
  close(): Promise<void>;
}

/** Any number: the key of the advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK_KEY = 727_001;

export const DATA_MARKER = 'outpost.json';
const DATA_FORMAT = 1;

interface DataMarker {
  app: 'outpost';
  format: number;
  createdAt: string;
}

/** Checks (and on first use claims) the data directory. Throws StartupError. */
export function claimDataDirectory(dataDir: string, nowIso: string): string {
  const dir = resolve(dataDir);
  const markerPath = join(dir, DATA_MARKER);
  if (existsSync(dir) && !existsSync(markerPath)) {
    const entries = readdirSync(dir);
    if (entries.length > 0) {
      throw new StartupError(
        `The data directory ${dir} is not empty and is not an Outpost data directory (no ${DATA_MARKER}). ` +
          'Nothing was changed in it. Choose another directory with --data.',
      );
    }
  }
  if (existsSync(markerPath)) {
    let marker: Partial<DataMarker>;
    try {
      marker = JSON.parse(readFileSync(markerPath, 'utf8')) as Partial<DataMarker>;
    } catch {
      throw new StartupError(
        `The data directory ${dir} has an unreadable ${DATA_MARKER}; it may be corrupt. ` +
          'Nothing was changed in it. Restore it from a backup or choose another directory with --data.',
      );
    }
    if (marker.app !== 'outpost' || typeof marker.format !== 'number') {
      throw new StartupError(
        `The data directory ${dir} belongs to another program (${DATA_MARKER} is not Outpost's). ` +
          'Nothing was changed in it. Choose another directory with --data.',
      );
    }
    if (marker.format > DATA_FORMAT) {
      throw new StartupError(
        `The data directory ${dir} was written by a newer Outpost (data format ${marker.format}). ` +
          'Nothing was changed in it. Upgrade Outpost to use it.',
      );
    }
    return dir;
  }
  mkdirSync(dir, { recursive: true });
  const marker: DataMarker = { app: 'outpost', format: DATA_FORMAT, createdAt: nowIso };
  writeFileSync(markerPath, JSON.stringify(marker, null, 2) + '\n', { flag: 'wx' });
  return dir;
}

const LOCK_FILE = 'outpost.lock';

/**
 * The embedded database is one process's alone: two processes writing one PGlite
 * directory would corrupt it. A lock file holding our pid guards it; a lock left
 * by a process that no longer exists is taken over.
 */
export function lockDataDirectory(dir: string): () => void {
  const lockPath = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new StartupError(
          `The data directory ${dir} is in use by another Outpost process (pid ${holder}). ` +
            'Stop it first, or choose another directory with --data.',
        );
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new StartupError(`Could not lock the data directory ${dir}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

export async function openEmbedded(dataDir: string, nowIso: string): Promise<Database> {
  const dir = claimDataDirectory(dataDir, nowIso);
  const unlock = lockDataDirectory(dir);
  const pgDir = join(dir, 'pglite');
  let client: PGlite;
  try {
    client = await PGlite.create(pgDir);
    await client.query('select 1');
  } catch (error) {
    unlock();
    throw new StartupError(
      `The embedded database in ${pgDir} could not be opened (${describe(error)}). ` +
        'It may be corrupt. Restore the data directory from a backup or choose another with --data.',
    );
  }
  const database = wrapPglite(client, `embedded PostgreSQL (PGlite) in ${pgDir}`);
  return {
    ...database,
    close: async () => {
      try {
        await database.close();
      } finally {
        unlock();
      }
    },
  };
}

/** An in-memory PGlite, for tests. */
export async function openInMemory(): Promise<Database> {
  return wrapPglite(await PGlite.create(), 'in-memory PGlite');
}

function wrapPglite(client: PGlite, description: string): Database {
  const typed = drizzlePglite(client, { schema });
  const db = typed as unknown as Db;
  return {
    db,
    kind: 'pglite',
    description,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    // One process owns a PGlite directory, so no cross-instance lock is needed.
    migrate: (migrationsFolder) =>
      migratePglite(typed as PgliteDatabase<Schema>, { migrationsFolder }),
    close: () => client.close(),
  };
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return `${parsed.protocol}//${parsed.username ? parsed.username + (parsed.password ? ':***' : '') + '@' : ''}${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Database> {
  let client: postgres.Sql;
  try {
    client = postgres(url, {
      max: options.max ?? 10,
      connect_timeout: 10,
      onnotice: () => {},
    });
  } catch (error) {
    throw new StartupError(`DATABASE_URL is not a valid PostgreSQL URL (${describe(error)}).`);
  }
  const where = redactUrl(url);
  try {
    await client`select 1`;
  } catch (error) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw new StartupError(
      `Cannot reach PostgreSQL at ${where} (${describe(error)}). Check DATABASE_URL and that the server is running.`,
    );
  }
  const typed = drizzlePostgres(client, { schema });
  const db = typed as unknown as Db;
  return {
    db,
    kind: 'postgresql',
    description: `PostgreSQL at ${where}`,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    migrate: async (migrationsFolder) => {
      // Several stateless instances may start together on one PostgreSQL: the
      // advisory lock (held on one reserved connection) lets one migrate at a time.
      const lock = await client.reserve();
      try {
        await lock`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migratePostgres(typed as PostgresJsDatabase<Schema>, { migrationsFolder });
      } finally {
        await lock`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
        lock.release();
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}
