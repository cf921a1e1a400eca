/**
 * An in-memory storage backend with the same contract as the IndexedDB one
 * (contract.test.ts): atomic commits, a never-reused outbox key, records copied
 * in and out (structured clone). Records are kept as they are (memory is not
 * "at rest"; the IndexedDB backend seals them). `createMemoryStore` gives a
 * full `LocalStore` on it, for Node tests and simulations (several tablets, a
 * real server, a controllable transport). A backend outlives its stores: open
 * a new store on the same backend to simulate the app restarting.
 */
import { systemIds } from '@outpost/shared/ids';
import type { Clock, IdSource, Random } from '@outpost/shared/deps';
import type { ClinicId, UserId } from '@outpost/shared/ids';
import {
  toStorageError,
  type CommitResult,
  type DocumentStamp,
  type StampedDocument,
  type QuarantinedRecord,
  type StorageBackend,
  type WriteBatch,
} from './backend';
import { LocalStore } from './local-store';
import { matchesWords } from './read-models';
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

type TableData = Map<RecordKey, unknown>;

export interface MemoryBackendOptions {
  /**
   * Called for every record written inside a commit, before it is applied;
   * throwing aborts the whole commit (tests: quota errors, crashes mid-page).
   */
  readonly onWrite?: (table: TableName, value: unknown) => void;
}

export class MemoryBackend implements StorageBackend {
  /** Shared by every handle on the same data (`reopen`), like one IndexedDB database. */
  #data: {
    tables: Map<TableName, TableData>;
    /** The outbox key generator: only ever increases, like IndexedDB's. */
    lastOutboxKey: number;
  } = {
    tables: new Map<TableName, TableData>(TABLE_NAMES.map((name) => [name, new Map()])),
    lastOutboxKey: 0,
  };
  #closed = false;
  onWrite: ((table: TableName, value: unknown) => void) | undefined;
  /** Memory holds records as they are (nothing is sealed), so nothing is ever quarantined. */
  onQuarantine: ((record: QuarantinedRecord) => void) | undefined;

  constructor(options: MemoryBackendOptions = {}) {
    this.onWrite = options.onWrite;
  }

  get<T extends TableName>(table: T, key: RecordKey): Promise<Tables[T] | undefined> {
    const value = this.#table(table).get(key) as Tables[T] | undefined;
    return Promise.resolve(value === undefined ? undefined : structuredClone(value));
  }

  /** The stamp of a document row is the stored object itself (a new one on every write). */
  documentIfChanged(docId: string, known: DocumentStamp): Promise<StampedDocument | undefined> {
    const stored = this.#table('documents').get(docId);
    if (stored === undefined) return Promise.resolve(undefined);
    if (Object.is(stored, known)) return Promise.resolve({ stamp: stored });
    return Promise.resolve({
      stamp: stored,
      record: structuredClone(stored) as Tables['documents'],
    });
  }

  getAll<T extends TableName>(table: T): Promise<Array<Tables[T]>> {
    const rows = [...this.#table(table).entries()]
      .sort(([a], [b]) => compareKeys(a, b))
      .map(([, value]) => structuredClone(value) as Tables[T]);
    return Promise.resolve(rows);
  }

  async patientsByRecency(offset: number, limit: number): Promise<PatientRow[]> {
    const rows = await this.getAll('patients');
    return rows
      .sort((a, b) => b.updatedAt - a.updatedAt || compareKeys(b.docId, a.docId))
      .slice(offset, offset + limit);
  }

  async patientsByTokenPrefix(prefix: string, limit: number): Promise<PatientRow[]> {
    const rows = await this.getAll('patients');
    return rows.filter((row) => matchesWords(row, [prefix])).slice(0, limit);
  }

  async outboxCounts(): Promise<Record<OutboxStatus, number>> {
    const counts: Record<OutboxStatus, number> = { pending: 0, sent: 0, rejected: 0 };
    for (const entry of await this.getAll('outbox')) counts[entry.status]++;
    return counts;
  }

  async streamRows(
    query: { sessionId: string } | { patientDocId: string },
  ): Promise<StreamRecord[]> {
    const rows = await this.getAll('streams');
    return 'sessionId' in query
      ? rows.filter((row) => row.sessionId === query.sessionId)
      : rows.filter((row) => row.kind === 'session' && row.patientDocId === query.patientDocId);
  }

  commit(batch: WriteBatch): Promise<CommitResult> {
    if (this.#closed) return Promise.reject(toStorageError(new Error('database closed')));
    // Copy-on-write: stage every touched table, swap them in only if all ops succeed.
    const staged = new Map<TableName, TableData>();
    const stage = (name: TableName): TableData => {
      let data = staged.get(name);
      if (data === undefined) {
        data = new Map(this.#table(name));
        staged.set(name, data);
      }
      return data;
    };
    let lastKey = this.#data.lastOutboxKey;
    const outboxKeys: number[] = [];
    const documentStamps = new Map<string, DocumentStamp>();
    try {
      for (const op of batch.ops) {
        switch (op.kind) {
          case 'put': {
            this.onWrite?.(op.table, op.value);
            const key = (op.value as unknown as Record<string, RecordKey>)[PRIMARY_KEYS[op.table]];
            if (key === undefined) throw new Error(`${op.table} record without its key`);
            const stored = structuredClone(op.value);
            stage(op.table).set(key, stored);
            if (op.table === 'documents') documentStamps.set(String(key), stored);
            break;
          }
          case 'add': {
            this.onWrite?.(op.table, op.value);
            lastKey += 1;
            stage('outbox').set(lastKey, structuredClone({ ...op.value, localSeq: lastKey }));
            outboxKeys.push(lastKey);
            break;
          }
          case 'delete':
            stage(op.table).delete(op.key);
            break;
          case 'clear':
            stage(op.table).clear();
            break;
        }
      }
    } catch (error) {
      return Promise.reject(toStorageError(error));
    }
    for (const [name, data] of staged) this.#data.tables.set(name, data);
    this.#data.lastOutboxKey = lastKey;
    return Promise.resolve({ outboxKeys, documentStamps });
  }

  quarantined(): readonly QuarantinedRecord[] {
    return [];
  }

  close(): void {
    this.#closed = true;
  }

  /** Another handle on the same data: the app restarting, or a second tab. */
  reopen(): MemoryBackend {
    const next = new MemoryBackend(this.onWrite === undefined ? {} : { onWrite: this.onWrite });
    next.#data = this.#data;
    return next;
  }

  #table(name: TableName): TableData {
    const data = this.#data.tables.get(name);
    if (data === undefined) throw new Error(`unknown table ${name}`);
    return data;
  }
}

function compareKeys(a: RecordKey, b: RecordKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** A quota error as a browser raises it, for fault injection in tests. */
export function quotaExceeded(): Error {
  return Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
}

export interface MemoryStoreOptions {
  readonly clinicId: ClinicId;
  readonly userId: UserId;
  readonly clock: Clock;
  readonly ids?: IdSource;
  readonly random?: Random;
  /** Reuse a backend (the same tablet after a restart). */
  readonly backend?: MemoryBackend;
  /** Fix the identity of a new tablet (tests: two tablets sharing a client id, S12). */
  readonly identity?: { readonly deviceId?: string; readonly clientId?: number };
}

export async function createMemoryStore(options: MemoryStoreOptions): Promise<LocalStore> {
  return LocalStore.open(options.backend ?? new MemoryBackend(), {
    clinicId: options.clinicId,
    userId: options.userId,
    clock: options.clock,
    ids: options.ids ?? systemIds,
    random: options.random ?? { next: () => Math.random() },
    ...(options.identity !== undefined && { identity: options.identity }),
  });
}
