/**
 * The one module that reads and writes IndexedDB: one Dexie database per
 * enrolled clinic (`outpost-clinic-<clinicId>`).
 *
 * - Every `version(n)` this database ever had stays declared below, in order;
 *   a tablet may open the app after months offline and must upgrade step by
 *   step. Never delete the `outbox` store: its auto-increment key generator is
 *   what guarantees a `localSeq` is never reused (S3).
 * - Every record passes through `seal` on its way in and `open` on its way out.
 *   They are the identity today; the security work encrypts payloads there
 *   (keys and indexed fields stay readable so indexes keep working). They may
 *   become async (WebCrypto): they run before the transaction opens (seal) and
 *   after it returns (open), never inside it, so the transaction cannot
 *   auto-commit while waiting on them.
 * - Commits use `durability: 'strict'` (S1): resolved = on disk.
 */
import { Dexie, type DexieOptions, type Table } from 'dexie';
import {
  StorageFailureError,
  toStorageError,
  type CommitResult,
  type StorageBackend,
  type WriteBatch,
} from './backend';
import {
  type PatientRow,
  type RecordKey,
  type StreamRecord,
  type TableName,
  type Tables,
} from './records';

export const DATABASE_PREFIX = 'outpost-clinic-';

export function databaseName(clinicId: string): string {
  return `${DATABASE_PREFIX}${clinicId}`;
}

/** A stored row as it sits in IndexedDB (today the record itself). */
type Sealed<T extends TableName> = Tables[T];

/** The encryption seam: every record on its way into IndexedDB. */
function seal<T extends TableName>(_table: T, record: Tables[T]): Promise<Sealed<T>> {
  return Promise.resolve(record);
}

/** The decryption seam: every record on its way out of IndexedDB. */
function open<T extends TableName>(_table: T, row: Sealed<T>): Promise<Tables[T]> {
  return Promise.resolve(row);
}

class OutpostDatabase extends Dexie {
  documents!: Table<Tables['documents'], string>;
  outbox!: Table<Tables['outbox'], number>;
  meta!: Table<Tables['meta'], string>;
  patients!: Table<Tables['patients'], string>;
  consults!: Table<Tables['consults'], string>;
  rejections!: Table<Tables['rejections'], number>;
  streams!: Table<Tables['streams'], string>;

  constructor(name: string, options: DexieBackendOptions) {
    super(name, {
      chromeTransactionDurability: 'strict',
      ...(options.indexedDB !== undefined && { indexedDB: options.indexedDB }),
      ...(options.IDBKeyRange !== undefined && { IDBKeyRange: options.IDBKeyRange }),
      ...(options.addons !== undefined && { addons: options.addons }),
    });
    // Version history. Add a new version below; never edit or remove one.
    this.version(1).stores({
      documents: 'docId',
      outbox: '++localSeq, docId, status',
      meta: 'key',
      patients: 'docId, updatedAt, *tokens',
      consults: 'docId, updatedAt, patientId, status',
      rejections: 'localSeq, docId',
    });
    // 2: the raw stream of continuous monitoring (sessions and their 1 Hz chunks),
    // which stays on the tablet; the per-minute summary lives in the record.
    this.version(2).stores({
      streams: 'key, sessionId, patientDocId',
    });
  }
}

function tableOf<T extends TableName>(db: Dexie, name: T): Table<Tables[T], RecordKey> {
  return db.table(name);
}

export interface DexieBackendOptions {
  /** Another IndexedDB implementation (tests: fake-indexeddb). */
  readonly indexedDB?: DexieOptions['indexedDB'];
  readonly IDBKeyRange?: DexieOptions['IDBKeyRange'];
  /** Dexie addons (tests inject storage faults through DBCore middleware). */
  readonly addons?: Array<(db: Dexie) => void>;
  /** Another database name (tests: several tablets of one clinic in one process). */
  readonly name?: string;
}

class DexieBackend implements StorageBackend {
  constructor(private readonly db: OutpostDatabase) {}

  async get<T extends TableName>(table: T, key: RecordKey): Promise<Tables[T] | undefined> {
    const row = await this.read(() => tableOf(this.db, table).get(key));
    return row === undefined ? undefined : open(table, row);
  }

  async getAll<T extends TableName>(table: T): Promise<Array<Tables[T]>> {
    const rows = await this.read(() => tableOf(this.db, table).toArray());
    return Promise.all(rows.map((row) => open(table, row)));
  }

  async patientsByRecency(offset: number, limit: number): Promise<PatientRow[]> {
    const rows = await this.read(() =>
      this.db.patients.orderBy('updatedAt').reverse().offset(offset).limit(limit).toArray(),
    );
    return Promise.all(rows.map((row) => open('patients', row)));
  }

  async patientsByTokenPrefix(prefix: string, limit: number): Promise<PatientRow[]> {
    const rows = await this.read(() =>
      this.db.patients.where('tokens').startsWith(prefix).distinct().limit(limit).toArray(),
    );
    return Promise.all(rows.map((row) => open('patients', row)));
  }

  async streamRows(
    query: { sessionId: string } | { patientDocId: string },
  ): Promise<StreamRecord[]> {
    const rows = await this.read(() =>
      'sessionId' in query
        ? this.db.streams.where('sessionId').equals(query.sessionId).sortBy('key')
        : this.db.streams.where('patientDocId').equals(query.patientDocId).sortBy('key'),
    );
    return Promise.all(rows.map((row) => open('streams', row)));
  }

  async commit(batch: WriteBatch): Promise<CommitResult> {
    // Seal everything first: nothing but IndexedDB work may run inside the transaction.
    const ops = await Promise.all(
      batch.ops.map(async (op) => {
        if (op.kind === 'put' || op.kind === 'add')
          return { ...op, value: await seal(op.table, op.value) };
        return op;
      }),
    );
    const tables = [...new Set(ops.map((op) => op.table))].map((name) => tableOf(this.db, name));
    if (tables.length === 0) return { outboxKeys: [] };
    try {
      return await this.db.transaction('rw', tables, async () => {
        const outboxKeys: number[] = [];
        for (const op of ops) {
          const table = tableOf(this.db, op.table);
          switch (op.kind) {
            case 'put':
              await table.put(op.value);
              break;
            case 'add':
              outboxKeys.push(await this.db.outbox.add(op.value as Tables['outbox']));
              break;
            case 'delete':
              await table.delete(op.key);
              break;
            case 'clear':
              await table.clear();
              break;
          }
        }
        return { outboxKeys };
      });
    } catch (error) {
      throw toStorageError(error);
    }
  }

  close(): void {
    this.db.close();
  }

  private async read<R>(run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (error) {
      throw new StorageFailureError(error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }
}

/** Opens (creating or upgrading) the clinic's database. */
export async function openDexieBackend(
  clinicId: string,
  options: DexieBackendOptions = {},
): Promise<StorageBackend> {
  const db = new OutpostDatabase(options.name ?? databaseName(clinicId), options);
  await db.open();
  return new DexieBackend(db);
}

/** Deletes a clinic's database (device revoked, after its outbox was pushed). */
export async function deleteClinicDatabase(
  clinicId: string,
  options: DexieBackendOptions = {},
): Promise<void> {
  await new OutpostDatabase(options.name ?? databaseName(clinicId), options).delete();
}

export interface StorageDiagnostics {
  /** Whether the browser promised not to evict this site's storage. */
  readonly persisted: boolean | undefined;
  readonly usageBytes: number | undefined;
  readonly quotaBytes: number | undefined;
}

/**
 * Asks the browser to keep this site's storage under pressure
 * (`navigator.storage.persist()`); returns whether it is persisted.
 */
export async function requestPersistentStorage(): Promise<boolean | undefined> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  if (storage === undefined || typeof storage.persist !== 'function') return undefined;
  try {
    if (await storage.persisted()) return true;
    return await storage.persist();
  } catch {
    return undefined;
  }
}

/** Usage, quota and persistence for a diagnostics screen. */
export async function storageDiagnostics(): Promise<StorageDiagnostics> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  if (storage === undefined)
    return { persisted: undefined, usageBytes: undefined, quotaBytes: undefined };
  const [persisted, estimate] = await Promise.all([
    typeof storage.persisted === 'function'
      ? storage.persisted().catch(() => undefined)
      : Promise.resolve(undefined),
    typeof storage.estimate === 'function'
      ? storage.estimate().catch(() => undefined)
      : Promise.resolve(undefined),
  ]);
  return { persisted, usageBytes: estimate?.usage, quotaBytes: estimate?.quota };
}

// ---------------------------------------------------------------------------
// The tablet's own database: which clinic it is set up for. It must survive a
// power cut like the records do (localStorage is flushed lazily and was seen to
// lose it after a hard kill), so it lives in IndexedDB with strict durability.

export const TABLET_DATABASE = 'outpost-tablet';

export interface TabletSetupRecord {
  readonly clinicId: string;
  readonly clinicName: string;
  readonly userId: string;
  readonly userName: string;
}

class TabletDatabase extends Dexie {
  setup!: Table<TabletSetupRecord & { readonly key: 'setup' }, string>;

  constructor(options: DexieBackendOptions) {
    super(TABLET_DATABASE, {
      chromeTransactionDurability: 'strict',
      ...(options.indexedDB !== undefined && { indexedDB: options.indexedDB }),
      ...(options.IDBKeyRange !== undefined && { IDBKeyRange: options.IDBKeyRange }),
    });
    // Version history. Add a new version below; never edit or remove one.
    this.version(1).stores({ setup: 'key' });
  }
}

async function withTabletDatabase<T>(
  options: DexieBackendOptions,
  use: (db: TabletDatabase) => Promise<T>,
): Promise<T> {
  const db = new TabletDatabase(options);
  try {
    await db.open();
    return await use(db);
  } catch (error) {
    throw toStorageError(error);
  } finally {
    db.close();
  }
}

/** The clinic and user this tablet is set up for, if any. */
export function loadTabletSetup(
  options: DexieBackendOptions = {},
): Promise<TabletSetupRecord | undefined> {
  return withTabletDatabase(options, async (db) => {
    const row = await db.setup.get('setup');
    if (row === undefined) return undefined;
    const { key: _key, ...setup } = row;
    return setup;
  });
}

/** Saves the tablet's setup; resolves once it is on disk. */
export function saveTabletSetup(
  setup: TabletSetupRecord,
  options: DexieBackendOptions = {},
): Promise<void> {
  return withTabletDatabase(options, async (db) => {
    await db.setup.put({ key: 'setup', ...setup });
  });
}
