/**
 * The one module that reads and writes a clinic's IndexedDB database (one
 * Dexie database per clinic, `outpost-clinic-<clinicId>`; the tablet's own
 * database is tablet-db.ts).
 *
 * - Every `version(n)` this database ever had stays declared below, in order;
 *   a tablet may open the app after months offline and must upgrade step by
 *   step. Never delete the `outbox` store: its auto-increment key generator is
 *   what guarantees a `localSeq` is never reused (S3).
 * - Every record is sealed on its way in and opened on its way out (issue 4,
 *   docs/security.md "Encryption at rest on the tablet"). A stored row is its
 *   primary key, the few indexed fields the queries need (`CLEAR_FIELDS`:
 *   opaque ids, times, status enums; search tokens only as keyed hashes) and
 *   `{iv, ct}`: the whole record (record-codec.ts) under AES-GCM with the
 *   clinic's record key, AAD `<database>|<table>|<primary key>` (outbox:
 *   `<database>|outbox|<docId>`, its key is assigned on insert). Sealing runs
 *   before the transaction opens and opening after it returns, never inside
 *   it, so the transaction cannot auto-commit while waiting on WebCrypto.
 * - A row that does not open (altered, swapped, or plaintext where none may
 *   be) is never skipped silently and never shown empty: a list read leaves
 *   it out and quarantines it (`quarantined()`), a single read throws
 *   `UnreadableRecordError`. The row stays on disk untouched.
 * - Plaintext rows are accepted only in a database written before encryption
 *   (version ≤ 2), and only until the one-time pass at open has sealed them.
 * - Commits use `durability: 'strict'` (S1): resolved = on disk.
 */
import { Dexie, type DexieOptions, type Table } from 'dexie';
import { DecryptionError, type RecordCipher } from '../security/crypto';
import {
  StorageFailureError,
  UnreadableRecordError,
  toStorageError,
  type CommitResult,
  type DocumentStamp,
  type QuarantinedRecord,
  type StampedDocument,
  type StorageBackend,
  type WriteBatch,
} from './backend';
import { decodeRecord, encodeRecord } from './record-codec';
import {
  PRIMARY_KEYS,
  TABLE_NAMES,
  type OutboxStatus,
  type PatientRow,
  type RecordKey,
  type StreamRecord,
  type TableName,
  type Tables,
} from './records';

import { databaseName } from './names';

export { DATABASE_PREFIX, databaseName } from './names';

/**
 * What each table keeps in the clear beside `{iv, ct}`: its primary key and
 * the fields its indexes and queries need. Only opaque ids, times, counters and
 * status enums, never names, phone numbers, national ids or dates of birth
 * (C04, checked against the declared schema in encryption.test.ts). On open
 * they must equal the sealed record's own values, or the row is quarantined.
 */
export const CLEAR_FIELDS: { readonly [T in TableName]: readonly string[] } = {
  documents: ['docId'],
  outbox: ['localSeq', 'docId', 'status'],
  meta: ['key'],
  patients: ['docId', 'updatedAt'],
  consults: ['docId', 'updatedAt', 'patientId', 'status'],
  rejections: ['localSeq', 'docId'],
  streams: ['key', 'sessionId', 'patientDocId'],
  photos: ['sha256', 'status'],
};

/**
 * `patients.tokens` holds keyed hashes (RecordCipher.indexToken) of the first
 * `TOKEN_PREFIX_LENGTH` characters of each search word: enough to find the
 * candidates of any query word that long, which are then opened and matched
 * in full. Hashing only one prefix length keeps what the index shows small (no
 * chain of prefix hashes to line up, no word lengths); shorter query words scan
 * the newest rows instead.
 */
export const TOKEN_PREFIX_LENGTH = 3;

/** A row as it sits in IndexedDB: clear fields, hashed tokens and the sealed record. */
type StoredRow = Record<string, unknown> & { iv?: unknown; ct?: unknown };

/** Meta row present while a database from before encryption still has plaintext rows. */
const PLAINTEXT_MARKER = '$plaintext-rows';
/** Rows sealed per transaction by the one-time pass. */
const PASS_PAGE = 200;
/** Rows opened per step when a short query word scans by recency. */
const SCAN_PAGE = 200;

class OutpostDatabase extends Dexie {
  documents!: Table<StoredRow, string>;
  outbox!: Table<StoredRow, number>;
  meta!: Table<StoredRow, string>;
  patients!: Table<StoredRow, string>;
  consults!: Table<StoredRow, string>;
  rejections!: Table<StoredRow, number>;
  streams!: Table<StoredRow, string>;
  photos!: Table<StoredRow, string>;

  /**
   * @param plaintextMarker the sealed marker row written when an older,
   *   unencrypted database is upgraded (absent: only delete/inspect, no upgrade).
   */
  constructor(name: string, options: DexieBackendOptions, plaintextMarker?: StoredRow) {
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
    // 3: records sealed at rest (issue 4). Same tables and indexes (`tokens` now
    // holds keyed hashes). Declared so that a tab still running older code is
    // closed (versionchange) instead of writing plaintext next to sealed rows,
    // and so that a database from before encryption is marked: its plaintext
    // rows are readable until the pass at open has sealed them. A new database
    // skips this upgrade, so a plaintext row in it is never accepted.
    this.version(3)
      .stores({})
      .upgrade((tx) => {
        if (plaintextMarker === undefined)
          throw new Error('A clinic database is upgraded only when opened with its key.');
        return tx.table('meta').put(plaintextMarker);
      });
    // 4: consult photos (issue 7), sealed like every record; `status` finds the
    // ones still to upload.
    this.version(4).stores({
      photos: 'sha256, status',
    });
    // 5: a document row may carry a tail of local changes saved after its state
    // (document-tail.ts). Same tables and indexes; declared so that a tab still
    // running older code, which reads `state` alone and would drop the tail's
    // changes at its next write of that row, is closed (versionchange) instead.
    this.version(5).stores({});
  }
}

function tableOf(db: Dexie, name: TableName): Table<StoredRow, RecordKey> {
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

export interface OpenDexieBackendOptions extends DexieBackendOptions {
  /** The clinic's record cipher (the vault's, once unlocked). Required: nothing is stored in the clear. */
  readonly cipher: RecordCipher;
}

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

class DexieBackend implements StorageBackend {
  onQuarantine: ((record: QuarantinedRecord) => void) | undefined;
  readonly #db: OutpostDatabase;
  readonly #cipher: RecordCipher;
  /** Plaintext rows may still be present (a database from before encryption, pass not done). */
  #legacy = false;
  #quarantine = new Map<string, QuarantinedRecord>();
  /** Search-prefix → index token, so repeated prefixes are hashed once (memory only). */
  #tokens = new Map<string, Promise<string>>();

  constructor(db: OutpostDatabase, cipher: RecordCipher) {
    this.#db = db;
    this.#cipher = cipher;
  }

  async get<T extends TableName>(table: T, key: RecordKey): Promise<Tables[T] | undefined> {
    if (table === 'meta' && isInternalKey(key)) return undefined;
    const row = await this.#read(() => tableOf(this.#db, table).get(key));
    if (row === undefined) return undefined;
    try {
      return await this.#open(table, row);
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      throw new UnreadableRecordError(this.#quarantineRow(table, row, error), { cause: error });
    }
  }

  /**
   * The stamp of a document row is its IV, fresh and random for every write:
   * an unchanged row is recognised without decrypting or decoding it.
   */
  async documentIfChanged(
    docId: string,
    known: DocumentStamp,
  ): Promise<StampedDocument | undefined> {
    const row = await this.#read(() => this.#db.documents.get(docId));
    if (row === undefined) return undefined;
    const stamp = stampOf(row);
    if (stamp !== undefined && stamp === known) return { stamp };
    try {
      return { stamp, record: await this.#open('documents', row) };
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      throw new UnreadableRecordError(this.#quarantineRow('documents', row, error), {
        cause: error,
      });
    }
  }

  async getAll<T extends TableName>(table: T): Promise<Array<Tables[T]>> {
    const rows = await this.#read(() => tableOf(this.#db, table).toArray());
    return this.#openAll(
      table,
      table === 'meta' ? rows.filter((row) => !isInternalKey(row.key)) : rows,
    );
  }

  async patientsByRecency(offset: number, limit: number): Promise<PatientRow[]> {
    const rows = await this.#read(() =>
      this.#db.patients.orderBy('updatedAt').reverse().offset(offset).limit(limit).toArray(),
    );
    return this.#openAll('patients', rows);
  }

  async patientsByTokenPrefix(prefix: string, limit: number): Promise<PatientRow[]> {
    const matches = (row: PatientRow) => row.tokens.some((token) => token.startsWith(prefix));
    if (prefix.length >= TOKEN_PREFIX_LENGTH && !this.#legacy) {
      const token = await this.#indexToken(prefix.slice(0, TOKEN_PREFIX_LENGTH));
      const rows = await this.#read(() =>
        this.#db.patients.where('tokens').equals(token).toArray(),
      );
      return (await this.#openAll('patients', rows)).filter(matches).slice(0, limit);
    }
    // Too short for the index: open the newest rows page by page until `limit` match.
    const found: PatientRow[] = [];
    for (let offset = 0; found.length < limit; offset += SCAN_PAGE) {
      const rows = await this.#read(() =>
        this.#db.patients.orderBy('updatedAt').reverse().offset(offset).limit(SCAN_PAGE).toArray(),
      );
      for (const row of await this.#openAll('patients', rows)) if (matches(row)) found.push(row);
      if (rows.length < SCAN_PAGE) break;
    }
    return found.slice(0, limit);
  }

  async outboxCounts(): Promise<Record<OutboxStatus, number>> {
    // From the clear `status` index: no entry is read or decrypted.
    const [pending, sent, rejected] = await this.#read(() =>
      this.#db.transaction('r', this.#db.outbox, () =>
        Promise.all(
          (['pending', 'sent', 'rejected'] as const).map((status) =>
            this.#db.outbox.where('status').equals(status).count(),
          ),
        ),
      ),
    );
    return { pending: pending ?? 0, sent: sent ?? 0, rejected: rejected ?? 0 };
  }

  async streamRows(
    query: { sessionId: string } | { patientDocId: string },
  ): Promise<StreamRecord[]> {
    const rows = await this.#read(() =>
      'sessionId' in query
        ? this.#db.streams.where('sessionId').equals(query.sessionId).sortBy('key')
        : this.#db.streams.where('patientDocId').equals(query.patientDocId).sortBy('key'),
    );
    return this.#openAll('streams', rows);
  }

  async commit(batch: WriteBatch): Promise<CommitResult> {
    // Seal everything first: nothing but IndexedDB work may run inside the transaction.
    const ops = await Promise.all(
      batch.ops.map(async (op) =>
        op.kind === 'put' || op.kind === 'add'
          ? { ...op, row: await this.#seal(op.table, op.value) }
          : op,
      ),
    );
    const tables = [...new Set(ops.map((op) => op.table))].map((name) => tableOf(this.#db, name));
    const documentStamps = new Map<string, DocumentStamp>();
    for (const op of ops)
      if (op.kind === 'put' && op.table === 'documents')
        documentStamps.set(String(op.row.docId), stampOf(op.row));
    if (tables.length === 0) return { outboxKeys: [], documentStamps };
    try {
      const outboxKeys = await this.#db.transaction('rw', tables, async () => {
        const outboxKeys: number[] = [];
        for (const op of ops) {
          const table = tableOf(this.#db, op.table);
          switch (op.kind) {
            case 'put':
              await table.put(op.row);
              break;
            case 'add':
              outboxKeys.push(await this.#db.outbox.add(op.row));
              break;
            case 'delete':
              await table.delete(op.key);
              break;
            case 'clear':
              await table.clear();
              break;
          }
        }
        return outboxKeys;
      });
      return { outboxKeys, documentStamps };
    } catch (error) {
      throw toStorageError(error);
    }
  }

  quarantined(): readonly QuarantinedRecord[] {
    return [...this.#quarantine.values()];
  }

  close(): void {
    this.#db.close();
  }

  /**
   * Run once at open. In a database upgraded from before encryption (its
   * sealed marker present), seals every plaintext row, page by page, then
   * removes the marker. A row another tab rewrote meanwhile (now sealed) is
   * left as it is. Rows already sealed are not rewritten.
   */
  async sealLegacyRows(): Promise<number> {
    const marker = await this.#read(() => this.#db.meta.get(PLAINTEXT_MARKER));
    if (marker === undefined) return 0;
    try {
      await this.#cipher.open(this.#aad('meta', PLAINTEXT_MARKER), sealedPart(marker));
    } catch (error) {
      // Not made with this key: plaintext rows stay refused.
      if (error instanceof DecryptionError) this.#quarantineRow('meta', marker, error);
      return 0;
    }
    this.#legacy = true;
    let sealed = 0;
    for (const name of TABLE_NAMES) {
      const table = tableOf(this.#db, name);
      const keyPath = PRIMARY_KEYS[name];
      let last: RecordKey | undefined;
      for (;;) {
        const after = last;
        const page = await this.#read(() =>
          (after === undefined ? table.toCollection() : table.where(':id').above(after))
            .limit(PASS_PAGE)
            .toArray(),
        );
        if (page.length === 0) break;
        last = page[page.length - 1]![keyPath] as RecordKey;
        const plain = page.filter((row) => !isSealed(row) && !isInternalKey(row[keyPath]));
        if (plain.length === 0) continue;
        const rows = await Promise.all(
          plain.map((row) => this.#seal(name, row as unknown as Tables[typeof name])),
        );
        await this.#write(() =>
          this.#db.transaction('rw', table, async () => {
            for (const [i, row] of rows.entries()) {
              const current = await table.get(plain[i]![keyPath] as RecordKey);
              if (current !== undefined && !isSealed(current)) await table.put(row);
            }
          }),
        );
        sealed += plain.length;
      }
    }
    await this.#write(() => this.#db.meta.delete(PLAINTEXT_MARKER));
    this.#legacy = false;
    return sealed;
  }

  // ---------------------------------------------------------------------------
  // Sealing

  #aad(table: TableName, key: unknown): string {
    return `${this.#db.name}|${table}|${String(key)}`;
  }

  /** The AAD of a record (outbox: its document, as its own key is assigned on insert). */
  #aadOf(table: TableName, record: Record<string, unknown>): string {
    return this.#aad(table, table === 'outbox' ? record.docId : record[PRIMARY_KEYS[table]]);
  }

  async #seal<T extends TableName>(table: T, value: Tables[T]): Promise<StoredRow> {
    const record = value as unknown as Record<string, unknown>;
    const row: StoredRow = {};
    for (const field of CLEAR_FIELDS[table])
      if (record[field] !== undefined) row[field] = record[field];
    const [sealed, tokens] = await Promise.all([
      this.#cipher.seal(this.#aadOf(table, record), encodeRecord(record)),
      table === 'patients' ? this.#searchTokens(record.tokens) : undefined,
    ]);
    if (tokens !== undefined) row.tokens = tokens;
    row.iv = sealed.iv;
    row.ct = sealed.ct;
    return row;
  }

  /** The record in a stored row; `DecryptionError` when it does not authenticate or agree. */
  async #open<T extends TableName>(table: T, row: StoredRow): Promise<Tables[T]> {
    if (!isSealed(row)) {
      if (this.#legacy) return row as unknown as Tables[T];
      throw new DecryptionError(`${this.#aadOf(table, row)}, not sealed`);
    }
    const aad = this.#aadOf(table, row);
    const bytes = await this.#cipher.open(aad, sealedPart(row));
    let record: Record<string, unknown>;
    try {
      record = decodeRecord<Record<string, unknown>>(bytes);
    } catch (error) {
      throw new DecryptionError(aad, { cause: error });
    }
    // The clear fields must say what the sealed record says (outbox: its key
    // is not in a record sealed before insertion, and is taken from the row).
    for (const field of CLEAR_FIELDS[table]) {
      if (table === 'outbox' && field === 'localSeq' && record.localSeq === undefined) continue;
      if (!Object.is(record[field], row[field])) throw new DecryptionError(`${aad}, ${field}`);
    }
    if (table === 'outbox') record.localSeq = row.localSeq;
    return record as unknown as Tables[T];
  }

  /** Opens every row; those that do not open are quarantined and left out. */
  async #openAll<T extends TableName>(table: T, rows: StoredRow[]): Promise<Array<Tables[T]>> {
    const opened = await Promise.allSettled(rows.map((row) => this.#open(table, row)));
    const records: Array<Tables[T]> = [];
    opened.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') records.push(outcome.value);
      else if (outcome.reason instanceof DecryptionError)
        this.#quarantineRow(table, rows[i]!, outcome.reason);
      else throw outcome.reason;
    });
    return records;
  }

  #quarantineRow(table: TableName, row: StoredRow, error: DecryptionError): QuarantinedRecord {
    const key = row[PRIMARY_KEYS[table]] as RecordKey | undefined;
    const docId = typeof row.docId === 'string' ? row.docId : undefined;
    const record: QuarantinedRecord = {
      table,
      key,
      ...(docId !== undefined && { docId }),
      reason: isSealed(row) ? 'tampered' : 'unsealed',
    };
    const id = `${table}|${String(key)}`;
    if (!this.#quarantine.has(id)) {
      this.#quarantine.set(id, record);
      console.error(`Quarantined ${id}: ${error.message}`);
      this.onQuarantine?.(record);
    }
    return record;
  }

  /** Keyed hashes of the search prefixes of a patient's tokens, for the `tokens` index. */
  async #searchTokens(tokens: unknown): Promise<string[]> {
    const words = Array.isArray(tokens) ? (tokens as unknown[]) : [];
    const prefixes = new Set<string>();
    for (const word of words)
      if (typeof word === 'string' && word.length >= TOKEN_PREFIX_LENGTH)
        prefixes.add(word.slice(0, TOKEN_PREFIX_LENGTH));
    const hashed = await Promise.all([...prefixes].map((prefix) => this.#indexToken(prefix)));
    return [...new Set(hashed)].sort();
  }

  #indexToken(prefix: string): Promise<string> {
    let token = this.#tokens.get(prefix);
    if (token === undefined) {
      if (this.#tokens.size >= 20_000) this.#tokens.clear();
      token = this.#cipher.indexToken(`search|${prefix}`);
      this.#tokens.set(prefix, token);
      token.catch(() => this.#tokens.delete(prefix));
    }
    return token;
  }

  async #read<R>(run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (error) {
      throw new StorageFailureError(error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }

  async #write<R>(run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (error) {
      throw toStorageError(error);
    }
  }
}

/** A sealed row's IV as text (fresh for every write); undefined for a plaintext row. */
function stampOf(row: StoredRow): string | undefined {
  if (!isBytes(row.iv)) return undefined;
  let text = '';
  for (const byte of row.iv) text += byte.toString(16).padStart(2, '0');
  return text;
}

function isSealed(row: StoredRow): boolean {
  return isBytes(row.iv) && isBytes(row.ct);
}

function sealedPart(row: StoredRow): { iv: Uint8Array; ct: Uint8Array } {
  return {
    iv: isBytes(row.iv) ? row.iv : new Uint8Array(0),
    ct: isBytes(row.ct) ? row.ct : new Uint8Array(0),
  };
}

/** Rows of the store's own bookkeeping in `meta` (never records). */
function isInternalKey(key: unknown): boolean {
  return typeof key === 'string' && key.startsWith('$');
}

/**
 * Opens (creating or upgrading) the clinic's database with its record cipher.
 * A database from before encryption has its plaintext rows sealed here, once
 * (a failure leaves them readable and the pass is retried at the next open).
 */
export async function openDexieBackend(
  clinicId: string,
  options: OpenDexieBackendOptions,
): Promise<StorageBackend> {
  const name = options.name ?? databaseName(clinicId);
  const marker: StoredRow = {
    key: PLAINTEXT_MARKER,
    ...(await options.cipher.seal(
      `${name}|meta|${PLAINTEXT_MARKER}`,
      encodeRecord({ key: PLAINTEXT_MARKER }),
    )),
  };
  const db = new OutpostDatabase(name, options, marker);
  await db.open();
  const backend = new DexieBackend(db, options.cipher);
  try {
    await backend.sealLegacyRows();
  } catch (error) {
    console.error('Sealing rows from before encryption failed; retried at the next open.', error);
  }
  return backend;
}

/** Deletes a clinic's database (device revoked, after its outbox was pushed). */
export async function deleteClinicDatabase(
  clinicId: string,
  options: DexieBackendOptions = {},
): Promise<void> {
  await new OutpostDatabase(options.name ?? databaseName(clinicId), options).delete();
}

/**
 * The declared schema of the clinic database (every table's primary key and
 * indexes, as Dexie parsed them), for the C04 check that nothing indexed is
 * patient data. Does not open the database.
 */
export function declaredSchema(): Array<{ table: string; primaryKey: string; indexes: string[] }> {
  const db = new OutpostDatabase('outpost-schema-inspection', {});
  return db.tables.map((table) => ({
    table: table.name,
    primaryKey: table.schema.primKey.keyPath as string,
    indexes: table.schema.indexes.map((index) => index.keyPath as string),
  }));
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
