/**
 * The storage seam under the tablet store: a few keyed tables and one atomic,
 * durable commit. Two implementations honour one contract (contract.test.ts):
 * IndexedDB through Dexie (store.ts, which seals every record it stores)
 * and memory (memory-store.ts, for Node tests and simulations).
 */
import type {
  OutboxStatus,
  PatientRow,
  RecordKey,
  StreamRecord,
  TableName,
  Tables,
} from './records';

export type WriteOp =
  | { readonly kind: 'put'; readonly table: TableName; readonly value: Tables[TableName] }
  | { readonly kind: 'add'; readonly table: 'outbox'; readonly value: Tables['outbox'] }
  | { readonly kind: 'delete'; readonly table: TableName; readonly key: RecordKey }
  | { readonly kind: 'clear'; readonly table: TableName };

/** Writes that commit together or not at all. */
export class WriteBatch {
  readonly ops: WriteOp[] = [];

  put<T extends TableName>(table: T, value: Tables[T]): this {
    this.ops.push({ kind: 'put', table, value });
    return this;
  }

  /** Inserts an outbox entry; its `localSeq` is assigned by the commit (never reused). */
  addOutbox(value: Tables['outbox']): this {
    this.ops.push({ kind: 'add', table: 'outbox', value });
    return this;
  }

  delete(table: TableName, key: RecordKey): this {
    this.ops.push({ kind: 'delete', table, key });
    return this;
  }

  clear(table: TableName): this {
    this.ops.push({ kind: 'clear', table });
    return this;
  }

  get size(): number {
    return this.ops.length;
  }
}

/**
 * Which write of a `documents` row is stored: it changes with every write of
 * the row (opaque; compare with `Object.is`). Undefined: unknown, read it.
 */
export type DocumentStamp = unknown;

export interface CommitResult {
  /** The `localSeq` given to each `addOutbox`, in order. */
  readonly outboxKeys: readonly number[];
  /** The stamp of each `documents` row written, by docId. */
  readonly documentStamps: ReadonlyMap<string, DocumentStamp>;
}

/** A stored document row, or only its stamp when the caller already holds that write. */
export interface StampedDocument {
  readonly stamp: DocumentStamp;
  /** Absent when the row is still the write stamped `known`: nothing was read or opened. */
  readonly record?: Tables['documents'];
}

export interface StorageBackend {
  get<T extends TableName>(table: T, key: RecordKey): Promise<Tables[T] | undefined>;
  /**
   * A document row unless it is still the write stamped `known` (an open
   * document catching up with storage before each change: the record is then
   * neither opened nor decoded again). Undefined when there is no such row; a
   * row that does not open throws `UnreadableRecordError`, as `get` does.
   */
  documentIfChanged(docId: string, known: DocumentStamp): Promise<StampedDocument | undefined>;
  /** Every record, in primary-key order. */
  getAll<T extends TableName>(table: T): Promise<Array<Tables[T]>>;
  /** Patients, most recently updated first. */
  patientsByRecency(offset: number, limit: number): Promise<PatientRow[]>;
  /** Patients with a search token starting with `prefix` (already normalised). */
  patientsByTokenPrefix(prefix: string, limit: number): Promise<PatientRow[]>;
  /** How many outbox entries are in each state (counted without reading the entries). */
  outboxCounts(): Promise<Readonly<Record<OutboxStatus, number>>>;
  /** Stream rows of one monitoring session, or of one patient's sessions, in key order. */
  streamRows(query: { sessionId: string } | { patientDocId: string }): Promise<StreamRecord[]>;
  /**
   * Applies every op in one transaction that is durable when this resolves
   * (IndexedDB `durability: 'strict'`). On any failure nothing is applied and it
   * throws: `StorageFullError` when out of space, `StorageFailureError` otherwise.
   */
  commit(batch: WriteBatch): Promise<CommitResult>;
  /**
   * Stored records that did not decrypt (altered, swapped between rows, or left
   * unsealed), found since this backend opened. A list read leaves them out and
   * reports them here; a single `get` throws `UnreadableRecordError`.
   */
  quarantined(): readonly QuarantinedRecord[];
  /** Told once about each newly quarantined record. */
  onQuarantine: ((record: QuarantinedRecord) => void) | undefined;
  close(): void;
}

/** A stored record that could not be read back; kept on disk as it is, for diagnosis. */
export interface QuarantinedRecord {
  readonly table: TableName;
  /** Its primary key (absent only for a row that had none). */
  readonly key: RecordKey | undefined;
  /** The record document it belongs to, when the row names one in the clear. */
  readonly docId?: string;
  /** `tampered`: did not authenticate (altered, or moved from another row); `unsealed`: plaintext. */
  readonly reason: 'tampered' | 'unsealed';
}

export const UNREADABLE_RECORD_MESSAGE =
  'A record saved on this tablet could not be read: it was damaged or altered. ' +
  'It is kept aside, unchanged, and listed in Diagnostics.';

/** A single record read failed to decrypt (it is also listed in `quarantined()`). */
export class UnreadableRecordError extends Error {
  readonly record: QuarantinedRecord;
  constructor(record: QuarantinedRecord, options?: { cause?: unknown }) {
    super(UNREADABLE_RECORD_MESSAGE, options);
    this.name = 'UnreadableRecordError';
    this.record = record;
  }
}

/** The device is out of storage space: the write was not made, nothing stored was lost. */
export interface StorageFull {
  readonly type: 'StorageFull';
  readonly message: string;
}

/** Any other storage failure (blocked database, browser error). Nothing was partly written. */
export interface StorageFailure {
  readonly type: 'StorageFailure';
  readonly message: string;
}

export type StorageError = StorageFull | StorageFailure;

export const STORAGE_FULL_MESSAGE =
  'This tablet is out of storage space, so this was not saved. Nothing saved before is lost. ' +
  'Sync to send waiting work, then free space (remove other apps, photos or videos) and try again.';

export class StorageFullError extends Error {
  readonly error: StorageFull = { type: 'StorageFull', message: STORAGE_FULL_MESSAGE };
  constructor(options?: { cause?: unknown }) {
    super(STORAGE_FULL_MESSAGE, options);
    this.name = 'StorageFullError';
  }
}

export class StorageFailureError extends Error {
  readonly error: StorageFailure;
  constructor(detail: string, options?: { cause?: unknown }) {
    const message = `This could not be saved on the tablet (${detail}). Nothing saved before is lost. Please try again.`;
    super(message, options);
    this.name = 'StorageFailureError';
    this.error = { type: 'StorageFailure', message };
  }
}

/** True for a quota error however it is wrapped (DOMException, Dexie error, `inner`). */
export function isQuotaError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const { name, inner, cause } = current as { name?: unknown; inner?: unknown; cause?: unknown };
    if (name === 'QuotaExceededError' || name === 'QuotaExceeded') return true;
    current = inner ?? cause;
  }
  return false;
}

/** Normalises anything a commit throws into one of the two storage errors. */
export function toStorageError(error: unknown): StorageFullError | StorageFailureError {
  if (error instanceof StorageFullError || error instanceof StorageFailureError) return error;
  if (isQuotaError(error)) return new StorageFullError({ cause: error });
  const detail = error instanceof Error ? error.message : String(error);
  return new StorageFailureError(detail, { cause: error });
}
