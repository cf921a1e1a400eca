/**
 * The tablet's local-first store for one clinic: record documents, the outbox,
 * read models and sync state, over a `StorageBackend` (IndexedDB or memory).
 *
 * Contracts:
 * - A local change (`applyOp`, `createPatient`, …) runs the domain operation on
 *   a copy of the document, then commits the new document state, the outbox
 *   entry and the read-model rows in one durable transaction (S1). The promise
 *   resolves `ok` ("saved") only after that commit; on failure (`StorageFull`)
 *   nothing is written and the open document is unchanged.
 * - Open documents (`openDocument`) only ever hold committed state (plus what
 *   the live channel delivered, which the server already holds).
 * - Every write runs under one lock (Web Locks across tabs when available), so
 *   read-modify-write of a document never loses a concurrent change.
 * - Every Y.Doc this store creates authors with the tablet's client id (S12).
 */
import * as Y from 'yjs';
import {
  consultDocId,
  createConsult,
  createPatient,
  parseDocId,
  patientDocId,
  readConsult,
  readMeta,
  readPatient,
  upgradeDocument,
  CURRENT_SCHEMA_VERSION,
  type ConsultView,
  type CreateConsultInput,
  type CreatePatientInput,
  type InvalidDocument,
  type ModelError,
  type OpContext,
  type PatientView,
  type WrongDocumentKind,
} from '@outpost/shared/model';
import type { Clock, IdSource, Random } from '@outpost/shared/deps';
import type { ClinicId, ConsultId, DeviceId, PatientId, UserId } from '@outpost/shared/ids';
import { err, ok, type Result } from '@outpost/shared/result';
import type { PushedUpdate, SyncResponse } from '@outpost/shared/sync';
import {
  WriteBatch,
  toStorageError,
  type DocumentStamp,
  type QuarantinedRecord,
  type StorageBackend,
  type StorageError,
} from './backend';
import { appendToRow, tailUpdates } from './document-tail';
import { deriveRows, matchesWords, normaliseWords } from './read-models';
import type {
  PhotoRecord,
  ConsultRow,
  DocKind,
  DocumentRecord,
  IdentityMeta,
  OutboxEntry,
  PatientRow,
  RejectionRecord,
  StreamChunkRecord,
  StreamSessionRecord,
  SyncMeta,
} from './records';
import type { AppliedResponse, ApplyContext, PreparedRequest, TabletStore } from './tablet-store';

/** Transaction origins of what this store applies to open documents. */
export const LOCAL_ORIGIN = { source: 'outpost/store', cause: 'local' } as const;
export const REMOTE_ORIGIN = { source: 'outpost/store', cause: 'remote' } as const;

export type ChangeCause = 'local' | 'remote' | 'live' | 'rekey';

export type StoreEvent =
  /** A document changed and is committed. `rekey`: open handles now hold a new Y.Doc. */
  | { readonly type: 'document'; readonly docId: string; readonly cause: ChangeCause }
  /** The outbox changed (new entry, receipt, rejection). */
  | { readonly type: 'outbox' }
  /** The read models were rebuilt. */
  | { readonly type: 'readModels' }
  /** The tablet took a new Yjs client id after a clash (S12). */
  | { readonly type: 'identity'; readonly clientId: number }
  /** A stored record did not decrypt and was set aside (`quarantinedRecords()`). */
  | { readonly type: 'quarantine'; readonly record: QuarantinedRecord };

export interface DocumentNotFound {
  readonly type: 'DocumentNotFound';
  readonly docId: string;
}

/** Why a change was not saved (besides the domain operation's own refusal). */
export type SaveError = StorageError | DocumentNotFound;

/** A document open on a screen. `doc` is replaced after a re-key: read it each time. */
export interface DocHandle {
  readonly docId: string;
  readonly doc: Y.Doc;
  release(): void;
}

export interface OutboxSummary {
  readonly pending: number;
  readonly sent: number;
  readonly rejected: number;
}

export interface SyncStatusRecord {
  readonly lastSuccessAt?: number;
  readonly lastAttemptAt?: number;
  readonly lastError?: string;
  readonly clockOffsetMs?: number;
  readonly neverSynced: boolean;
}

/** A change the server did not accept (S4), for the "not accepted" list. */
export interface RejectedUpdate {
  readonly localSeq: number;
  readonly docId: string;
  readonly code: string;
  readonly message: string;
  readonly deviceTime: number;
  readonly rejectedAt: number;
  /** Still in the outbox (`open`) or carried into a re-keyed change (`rekeyed`). */
  readonly state: 'open' | 'rekeyed';
}

export interface LocalStoreOptions {
  readonly clinicId: ClinicId;
  /** The signed-in user: their id goes on every change saved through this store. */
  readonly userId: UserId;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly random: Random;
  /** Fix the identity of a new tablet (tests). */
  readonly identity?: { readonly deviceId?: string; readonly clientId?: number };
  /** Cross-tab lock manager; default `navigator.locks` when present. `null`: in-process only. */
  readonly locks?: LockManager | null;
  /** Tell other tabs of this clinic about commits (default: in a browser window). */
  readonly broadcast?: boolean;
}

type Listener = (event: StoreEvent) => void;

interface OpenEntry {
  doc: Y.Doc;
  refs: number;
  /**
   * The stored write `doc` holds (it may hold more: live updates not persisted
   * yet). Catching up with storage before a change reads nothing more while
   * the row is still that write.
   */
  stamp: DocumentStamp;
  /**
   * The stored row of that write (`stamp`): a local change appends its update
   * to it (document-tail.ts) while `doc` holds nothing more than the row.
   */
  record: DocumentRecord | undefined;
  /** Updates `doc` took from outside this store (the live channel), counted. */
  received: number;
  /**
   * How many of them `record` holds: all of them (`received`) when it was
   * written from `doc`; otherwise `doc` is ahead of `record` and the next
   * change writes the whole state.
   */
  receivedInRecord: number;
  /**
   * A copy of `doc`, kept equal to it (`mirror`), that local operations run
   * on before their commit: the open document only ever holds committed
   * state, and a change no longer copies the whole record first. Made when the
   * page is idle after opening (browser) or at the first change; dropped when
   * an operation on it was refused or not saved.
   */
  shadow: Y.Doc | undefined;
  /** `doc`'s update listener: every change that did not come from the shadow goes into it. */
  mirror: (update: Uint8Array, origin: unknown) => void;
}

/** Pending entries of one document are merged only up to this size (S10). */
const MERGE_LIMIT_BYTES = 64 * 1024;
/** Bytes a push costs beyond its update (ids, times, framing). */
const PUSH_OVERHEAD_BYTES = 64;

export class LocalStore implements TabletStore {
  readonly clinicId: ClinicId;
  #backend: StorageBackend;
  #clock: Clock;
  #ids: IdSource;
  #random: Random;
  #userId: UserId;
  #identity!: IdentityMeta;
  #locks: LockManager | null;
  #lockName: string;
  #open = new Map<string, OpenEntry>();
  /** The stored row each unopened document copy was read from (a change appends to it). */
  #rowOf = new WeakMap<Y.Doc, DocumentRecord>();
  #listeners = new Set<Listener>();
  #channel: BroadcastChannel | undefined;

  private constructor(backend: StorageBackend, options: LocalStoreOptions) {
    this.#backend = backend;
    this.clinicId = options.clinicId;
    this.#clock = options.clock;
    this.#ids = options.ids;
    this.#random = options.random;
    this.#userId = options.userId;
    this.#locks =
      options.locks !== undefined
        ? options.locks
        : typeof navigator !== 'undefined' && 'locks' in navigator
          ? navigator.locks
          : null;
    this.#lockName = `outpost-store-${options.clinicId}`;
    backend.onQuarantine = (record) => this.#emit({ type: 'quarantine', record });
    const broadcast =
      options.broadcast ??
      (typeof window !== 'undefined' && typeof BroadcastChannel !== 'undefined');
    if (broadcast) {
      this.#channel = new BroadcastChannel(this.#lockName);
      this.#channel.onmessage = (event: MessageEvent<{ docIds?: unknown }>) => {
        const docIds = Array.isArray(event.data.docIds) ? event.data.docIds : [];
        void this.#onOtherTabCommit(docIds.filter((id): id is string => typeof id === 'string'));
      };
    }
  }

  /** Another tab committed: open documents and the identity catch up with storage. */
  #onOtherTabCommit(docIds: readonly string[]): Promise<void> {
    return this.#exclusive(async () => {
      await this.#refreshIdentity();
      for (const docId of docIds) {
        if (!this.#open.has(docId)) continue;
        await this.#current(docId);
        this.#emit({ type: 'document', docId, cause: 'remote' });
      }
      this.#emit({ type: 'outbox' });
    });
  }

  #announce(docIds: readonly string[]): void {
    try {
      this.#channel?.postMessage({ docIds });
    } catch {
      // Another tab will catch up at its next write anyway (it reads storage under the lock).
    }
  }

  /** Opens the store, creating the tablet identity (deviceId, client id) the first time. */
  static async open(backend: StorageBackend, options: LocalStoreOptions): Promise<LocalStore> {
    const store = new LocalStore(backend, options);
    await store.#exclusive(() => store.#init(options.identity));
    return store;
  }

  async #init(fixed: LocalStoreOptions['identity']): Promise<void> {
    const identity = await this.#backend.get('meta', 'identity');
    const sync = await this.#backend.get('meta', 'sync');
    const batch = new WriteBatch();
    if (identity?.key === 'identity') {
      this.#identity = identity;
      // A database made before this tablet was enrolled: its changes are the enrolled device's.
      if (fixed?.deviceId !== undefined && identity.deviceId !== fixed.deviceId) {
        this.#identity = { ...identity, deviceId: fixed.deviceId };
        batch.put('meta', this.#identity);
      }
    } else {
      this.#identity = {
        key: 'identity',
        deviceId: fixed?.deviceId ?? this.#ids.newId(),
        clientId: fixed?.clientId ?? this.#newClientId([]),
        retiredClientIds: [],
        createdAt: this.#clock.now(),
      };
      batch.put('meta', this.#identity);
    }
    if (sync?.key !== 'sync') batch.put('meta', emptySyncMeta());
    if (batch.size > 0) await this.#backend.commit(batch);
  }

  // ---------------------------------------------------------------------------
  // Identity and events

  get deviceId(): string {
    return this.#identity.deviceId;
  }

  get clientId(): number {
    return this.#identity.clientId;
  }

  get userId(): UserId {
    return this.#userId;
  }

  /** The user whose name goes on the next changes (after sign-in or a user switch). */
  setUser(userId: UserId): void {
    this.#userId = userId;
  }

  /** The context domain operations run with: this user on this device, injected time and ids. */
  opContext(): OpContext {
    return {
      actor: { userId: this.#userId, deviceId: this.#identity.deviceId as DeviceId },
      clock: this.#clock,
      ids: this.#ids,
    };
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: StoreEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error('store listener failed', error);
      }
    }
  }

  close(): void {
    this.#channel?.close();
    this.#backend.close();
    this.#listeners.clear();
    for (const entry of this.#open.values()) this.#closeEntry(entry);
    this.#open.clear();
  }

  // ---------------------------------------------------------------------------
  // Reading

  /** Patients, most recently changed first. */
  listPatients(options: { offset?: number; limit?: number } = {}): Promise<PatientRow[]> {
    return this.#backend.patientsByRecency(options.offset ?? 0, options.limit ?? 50);
  }

  /**
   * Patients whose names, village, ids or phone digits start with every word of
   * `query` (accents and case ignored). An empty query lists by recency.
   */
  async searchPatients(query: string, limit = 50): Promise<PatientRow[]> {
    const words = normaliseWords(query);
    if (words.length === 0) return this.listPatients({ limit });
    const longest = words.reduce((a, b) => (b.length > a.length ? b : a));
    const candidates = await this.#backend.patientsByTokenPrefix(longest, 1000);
    return candidates
      .filter((row) => matchesWords(row, words))
      .sort((a, b) => a.name.localeCompare(b.name) || b.updatedAt - a.updatedAt)
      .slice(0, limit);
  }

  /**
   * Stored records that did not decrypt (altered, swapped between rows, or
   * unsealed), found since the store opened: left out of lists, never shown
   * empty, kept on disk untouched (diagnostics). Reading one alone throws
   * `UnreadableRecordError`.
   */
  quarantinedRecords(): readonly QuarantinedRecord[] {
    return this.#backend.quarantined();
  }

  getPatientRow(docId: string): Promise<PatientRow | undefined> {
    return this.#backend.get('patients', docId);
  }

  async listConsults(filter: { patientId?: string } = {}): Promise<ConsultRow[]> {
    const rows = await this.#backend.getAll('consults');
    return rows
      .filter((row) => filter.patientId === undefined || row.patientId === filter.patientId)
      .sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** The patient view of a stored document; undefined when not on this tablet. */
  async readPatient(
    docId: string,
  ): Promise<Result<PatientView, WrongDocumentKind | InvalidDocument> | undefined> {
    const doc = await this.#current(docId);
    return doc === undefined ? undefined : readPatient(doc);
  }

  async readConsult(
    docId: string,
  ): Promise<Result<ConsultView, WrongDocumentKind | InvalidDocument> | undefined> {
    const doc = await this.#current(docId);
    return doc === undefined ? undefined : readConsult(doc);
  }

  /**
   * Opens a document for a screen (and the live channel): the same Y.Doc for
   * every opener until all release it. Upgrades an older schema version first
   * (saved like any change). Undefined when the document is not on this tablet.
   */
  async openDocument(docId: string): Promise<DocHandle | undefined> {
    const doc = await this.#exclusive(async () => {
      const existing = this.#open.get(docId);
      if (existing !== undefined) {
        existing.refs++;
        return existing.doc;
      }
      const stored = await this.#backend.documentIfChanged(docId, undefined);
      if (stored?.record === undefined) return undefined;
      const loaded = this.#docFromRecord(stored.record);
      const entry = this.#openEntry(loaded, stored.stamp, stored.record);
      this.#open.set(docId, entry);
      this.#prepareShadow(docId, entry);
      return loaded;
    });
    if (doc === undefined) return undefined;
    const meta = readMeta(doc);
    if (meta.ok && meta.value.schemaVersion < CURRENT_SCHEMA_VERSION)
      await this.applyOp(docId, (target) => upgradeDocument(target));
    let released = false;
    const open = this.#open;
    return {
      docId,
      get doc(): Y.Doc {
        return open.get(docId)?.doc ?? doc;
      },
      release: () => {
        if (released) return;
        released = true;
        const entry = open.get(docId);
        if (entry !== undefined && --entry.refs <= 0) {
          open.delete(docId);
          this.#closeEntry(entry);
        }
      },
    };
  }

  // ---------------------------------------------------------------------------
  // Local changes (S1)

  /**
   * Runs a domain operation on the document and saves it. Resolves only after
   * the document state, the outbox entry and the read models are committed
   * together; `ok` is the operation's own result ("saved"). A refused operation
   * writes nothing; a storage failure (`StorageFull`) writes nothing either.
   */
  applyOp<T, E>(
    docId: string,
    op: (doc: Y.Doc, ctx: OpContext) => Result<T, E>,
  ): Promise<Result<T, E | SaveError>> {
    return this.#exclusive(async () => {
      // Two reads, one wait: another tab may have taken a new client id, or written.
      const [base] = await Promise.all([this.#current(docId), this.#refreshIdentity()]);
      if (base === undefined) return err({ type: 'DocumentNotFound', docId } as const);
      // A copy read while the identity changed authors under the new id (open ones are set).
      base.clientID = this.#identity.clientId;
      const kind = kindOfDocId(docId);
      if (kind === undefined) return err({ type: 'DocumentNotFound', docId } as const);
      // An open document's change runs on its shadow; any other's on the copy just read.
      const open = this.#open.get(docId);
      const working = open === undefined ? base : this.#shadowOf(open);
      // The stored row `working` equals, when known: the change is appended to it.
      const row = open === undefined ? this.#rowOf.get(base) : appendableRow(open);
      const outcome = await this.#commitLocal(kind, working, open, op, () => docId, row);
      return outcome.ok ? ok(outcome.value.result) : outcome;
    });
  }

  /** Creates and saves a patient record in this clinic; resolves with its ids once saved. */
  createPatient(
    input: Omit<CreatePatientInput, 'homeClinicId'>,
  ): Promise<Result<{ docId: string; id: PatientId }, ModelError | SaveError>> {
    return this.createDocument('patient', (doc, ctx) =>
      createPatient(doc, ctx, { ...input, homeClinicId: this.clinicId }),
    );
  }

  /** Creates and saves a consult in this clinic; resolves with its ids once saved. */
  createConsult(
    input: Omit<CreateConsultInput, 'homeClinicId'>,
  ): Promise<Result<{ docId: string; id: ConsultId }, ModelError | SaveError>> {
    return this.createDocument('consult', (doc, ctx) =>
      createConsult(doc, ctx, { ...input, homeClinicId: this.clinicId }),
    );
  }

  /**
   * Creates a document of `kind` with `op` (which initialises an empty Y.Doc and
   * returns the new record's id) and saves it; resolves with its ids once saved.
   */
  createDocument<Id extends string, E>(
    kind: DocKind,
    op: (doc: Y.Doc, ctx: OpContext) => Result<Id, E>,
  ): Promise<Result<{ docId: string; id: Id }, E | SaveError>> {
    return this.#exclusive(async () => {
      const toDocId = (id: Id) =>
        kind === 'patient'
          ? patientDocId(id as unknown as PatientId)
          : consultDocId(id as unknown as ConsultId);
      await this.#refreshIdentity();
      const outcome = await this.#commitLocal(kind, this.#newDoc(), undefined, op, toDocId);
      if (!outcome.ok) return outcome;
      return ok({ docId: outcome.value.docId, id: outcome.value.result });
    });
  }

  /**
   * Under the lock: op on `working` (a private copy, or the open document's
   * shadow), one commit, then the open document catches up. A shadow the op
   * changed without the change being saved is dropped (it is ahead of storage).
   */
  async #commitLocal<T, E>(
    kind: DocKind,
    working: Y.Doc,
    shadowOf: OpenEntry | undefined,
    op: (doc: Y.Doc, ctx: OpContext) => Result<T, E>,
    docIdOf: (result: T) => string,
    row?: DocumentRecord,
  ): Promise<Result<{ result: T; docId: string }, E | SaveError>> {
    const updates: Uint8Array[] = [];
    const collect = (update: Uint8Array) => updates.push(update);
    const unsaved = () => {
      if (shadowOf !== undefined && updates.length > 0) this.#dropShadow(shadowOf);
    };
    working.on('update', collect);
    let result!: Result<T, E>;
    try {
      // One transaction around the whole operation (a visit's readings and its score
      // are two model operations): one update to store and queue, none to merge.
      working.transact(() => {
        result = op(working, this.opContext());
      });
    } catch (error) {
      unsaved();
      throw error;
    } finally {
      working.off('update', collect);
    }
    if (!result.ok) {
      unsaved();
      return result;
    }
    const docId = docIdOf(result.value);
    if (updates.length === 0) return ok({ result: result.value, docId }); // nothing changed
    const update = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
    const now = this.#clock.now();
    const batch = new WriteBatch();
    // What the shadow had taken from the live channel when its state was read.
    const received = shadowOf?.received ?? 0;
    const written = this.#putDocument(
      batch,
      docId,
      kind,
      working,
      now,
      row?.docId === docId ? { row, update } : undefined,
    );
    batch.addOutbox({
      docId,
      update,
      deviceTime: now,
      clientId: this.#identity.clientId,
      status: 'pending',
    });
    let stamp: DocumentStamp;
    try {
      stamp = (await this.#backend.commit(batch)).documentStamps.get(docId);
    } catch (error) {
      unsaved();
      return err(toStorageError(error).error);
    }
    const open = this.#open.get(docId);
    if (open !== undefined) {
      // LOCAL_ORIGIN: not mirrored, the shadow made it.
      applyUpdateAsOwn(open.doc, update, LOCAL_ORIGIN);
      this.#stored(open, stamp, written, open === shadowOf ? received : undefined);
    }
    this.#announce([docId]);
    this.#emit({ type: 'document', docId, cause: 'local' });
    this.#emit({ type: 'outbox' });
    return ok({ result: result.value, docId });
  }

  /**
   * Persists what the live channel applied to an open document (it came from
   * the server, so it is not queued in the outbox). Best effort: if it fails,
   * batch sync pulls the same updates again.
   */
  persistLive(docId: string): Promise<Result<void, SaveError>> {
    return this.#exclusive(async () => {
      const kind = kindOfDocId(docId);
      // Catch up with storage first: another tab may have committed since.
      const doc = this.#open.has(docId) ? await this.#current(docId) : undefined;
      if (doc === undefined || kind === undefined)
        return err({ type: 'DocumentNotFound', docId } as const);
      const batch = new WriteBatch();
      const received = this.#open.get(docId)?.received;
      const written = this.#putDocument(batch, docId, kind, doc, this.#clock.now());
      try {
        const { documentStamps } = await this.#backend.commit(batch);
        const open = this.#open.get(docId);
        if (open !== undefined && open.doc === doc)
          this.#stored(open, documentStamps.get(docId), written, received);
        else if (open !== undefined) open.stamp = documentStamps.get(docId);
      } catch (error) {
        return err(toStorageError(error).error);
      }
      this.#announce([docId]);
      this.#emit({ type: 'document', docId, cause: 'live' });
      return ok(undefined);
    });
  }

  // ---------------------------------------------------------------------------
  // Outbox and sync state (for the UI)

  /** Counts by state, from the outbox index (entries are not read: cheap on every change). */
  async outboxSummary(): Promise<OutboxSummary> {
    const { pending, sent, rejected } = await this.#backend.outboxCounts();
    return { pending, sent, rejected };
  }

  /** Every outbox entry in `localSeq` order (diagnostics, tests). */
  async outboxEntries(): Promise<OutboxEntry[]> {
    return (await this.#backend.getAll('outbox')) as OutboxEntry[];
  }

  /** Changes the server refused (S4), newest first: open ones and those carried into a re-key. */
  async rejectedUpdates(): Promise<RejectedUpdate[]> {
    const records = await this.#backend.getAll('rejections');
    return records
      .map((record): RejectedUpdate => ({
        localSeq: record.localSeq,
        docId: record.docId,
        code: record.code,
        message: record.message,
        deviceTime: record.deviceTime,
        rejectedAt: record.rejectedAt,
        state: record.resolution === 'rekeyed' ? 'rekeyed' : 'open',
      }))
      .sort((a, b) => b.rejectedAt - a.rejectedAt || b.localSeq - a.localSeq);
  }

  async syncStatus(): Promise<SyncStatusRecord> {
    const sync = await this.#syncMeta();
    return {
      ...(sync.lastSuccessAt !== undefined && { lastSuccessAt: sync.lastSuccessAt }),
      ...(sync.lastAttemptAt !== undefined && { lastAttemptAt: sync.lastAttemptAt }),
      ...(sync.lastError !== undefined && { lastError: sync.lastError }),
      ...(sync.clockOffsetMs !== undefined && { clockOffsetMs: sync.clockOffsetMs }),
      neverSynced: sync.cursor.length === 0,
    };
  }

  // ---------------------------------------------------------------------------
  // Sync steps (TabletStore)

  prepareRequest(options: { maxPushBytes: number; now: number }): Promise<PreparedRequest> {
    return this.#exclusive(async () => {
      await this.#refreshIdentity();
      const sync = await this.#syncMeta();
      const excluded = new Set(sync.rekeyPending);
      const entries = (await this.#backend.getAll('outbox')) as OutboxEntry[];
      const waiting = entries.filter((e) => e.status !== 'rejected').length;
      const pushable = entries.filter((e) => e.status !== 'rejected' && !excluded.has(e.docId));
      const batch = new WriteBatch();
      // S10: pending (never sent) entries of one document, authored under one
      // client id, may be merged into the first one's localSeq (never pushed yet).
      const candidates: OutboxEntry[] = [];
      const groups = new Map<string, OutboxEntry[]>();
      for (const entry of pushable) {
        if (entry.status === 'sent') {
          candidates.push(entry);
          continue;
        }
        const key = `${entry.docId}\u0000${entry.clientId}`;
        const group = groups.get(key);
        if (group === undefined) groups.set(key, [entry]);
        else group.push(entry);
      }
      for (const group of groups.values()) {
        let current = group[0]!;
        let parts = [current.update];
        let size = current.update.length;
        const flush = () => {
          if (parts.length > 1) {
            current = { ...current, update: Y.mergeUpdates(parts) };
            batch.put('outbox', current);
          }
          candidates.push(current);
        };
        for (const next of group.slice(1)) {
          if (size + next.update.length <= MERGE_LIMIT_BYTES) {
            parts.push(next.update);
            size += next.update.length;
            current = { ...current, deviceTime: next.deviceTime };
            batch.delete('outbox', next.localSeq);
          } else {
            flush();
            current = next;
            parts = [next.update];
            size = next.update.length;
          }
        }
        flush();
      }
      candidates.sort((a, b) => a.localSeq - b.localSeq);
      const pushes: PushedUpdate[] = [];
      let bytes = 0;
      for (const entry of candidates) {
        const cost = entry.update.length + entry.docId.length + PUSH_OVERHEAD_BYTES;
        if (pushes.length > 0 && bytes + cost > options.maxPushBytes) break;
        bytes += cost;
        pushes.push({
          localSeq: entry.localSeq,
          docId: entry.docId,
          update: entry.update,
          deviceTime: entry.deviceTime,
        });
        if (entry.status !== 'sent')
          batch.put('outbox', { ...entry, status: 'sent', sentAt: options.now });
      }
      // A merged entry that did not fit stays pending with its merged content.
      if (batch.size > 0) await this.#backend.commit(batch);
      return {
        clientId: this.#identity.clientId,
        cursor: sync.cursor,
        pushes,
        wantDocuments: [...sync.rekeyPending],
        waiting,
      };
    });
  }

  applySyncResponse(response: SyncResponse, context: ApplyContext): Promise<AppliedResponse> {
    return this.#exclusive(() => this.#applySyncResponse(response, context));
  }

  async #applySyncResponse(
    response: SyncResponse,
    context: ApplyContext,
  ): Promise<AppliedResponse> {
    const now = this.#clock.now();
    await this.#refreshIdentity();
    const sync = await this.#syncMeta();
    const outbox = new Map(
      ((await this.#backend.getAll('outbox')) as OutboxEntry[]).map((e) => [e.localSeq, e]),
    );
    const batch = new WriteBatch();
    const rekeyPending = new Set(sync.rekeyPending);
    let identity = this.#identity;
    let stored = 0;
    let rejected = 0;

    // Receipts (S2, S4). A receipt for an entry no longer here was applied before.
    for (const receipt of response.receipts) {
      const entry = outbox.get(receipt.localSeq);
      if (entry === undefined) continue;
      if (receipt.status === 'stored') {
        batch.delete('outbox', entry.localSeq);
        outbox.delete(entry.localSeq);
        stored++;
        continue;
      }
      if (entry.status === 'rejected') continue;
      rejected++;
      const marked: OutboxEntry = {
        ...entry,
        status: 'rejected',
        code: receipt.code,
        message: receipt.message,
        rejectedAt: now,
      };
      outbox.set(entry.localSeq, marked);
      batch.put('outbox', marked);
      batch.put('rejections', {
        localSeq: entry.localSeq,
        docId: entry.docId,
        code: receipt.code,
        message: receipt.message,
        update: entry.update,
        deviceTime: entry.deviceTime,
        rejectedAt: now,
      });
      if (receipt.code === 'client_id_clash') {
        rekeyPending.add(entry.docId);
        // Leave the clashing id once; later clashes of older entries only re-key.
        if (entry.clientId === identity.clientId) {
          const used = [...identity.retiredClientIds, identity.clientId];
          identity = {
            ...identity,
            clientId: this.#newClientId(used),
            retiredClientIds: used,
          };
        }
      }
    }
    if (identity !== this.#identity) batch.put('meta', identity);

    // Pulled documents and updates, merged into copies of the local documents.
    // `changed` stays false only for a stored, unopened document the pull added
    // nothing to: it is not rewritten (nor re-sealed). An open one is always
    // written: it may hold live updates storage does not have yet.
    const touched = new Map<
      string,
      {
        doc: Y.Doc;
        kind: DocKind;
        cause: ChangeCause;
        changed: boolean;
        /** An open document's live updates in `doc` (copied from it). */
        received?: number;
      }
    >();
    const working = async (docId: string, kind: DocKind) => {
      let entry = touched.get(docId);
      if (entry === undefined) {
        const open = this.#open.has(docId);
        const base = await this.#current(docId, identity.clientId);
        const received = this.#open.get(docId)?.received;
        const doc =
          base === undefined
            ? this.#newDoc(identity.clientId)
            : open
              ? this.#clone(base, identity.clientId)
              : base;
        entry = {
          doc,
          kind,
          cause: 'remote',
          changed: base === undefined || open,
          ...(open && received !== undefined && { received }),
        };
        touched.set(docId, entry);
      }
      return entry;
    };
    const applyPulled = async (docId: string, kind: DocKind, update: Uint8Array) => {
      const entry = await working(docId, kind);
      if (applyUpdateAsOwn(entry.doc, update, REMOTE_ORIGIN)) entry.changed = true;
    };
    const rekeyed: string[] = [];
    let added = 0;
    const rekey = async (docId: string, kind: DocKind, serverState: Uint8Array) => {
      const local = await working(docId, kind);
      // Rare (a client-id clash): its code loads when needed, not with the first screen.
      const { rekeyDocument } = await import('@outpost/shared/model/rekey');
      const outcome = rekeyDocument(local.doc, serverState, identity.clientId);
      touched.set(docId, {
        doc: outcome.doc,
        kind,
        cause: 'rekey',
        changed: true,
        ...(local.received !== undefined && { received: local.received }),
      });
      rekeyPending.delete(docId);
      rekeyed.push(docId);
      // Every change of this document still here is carried by the re-keyed entry.
      for (const entry of [...outbox.values()].filter((e) => e.docId === docId)) {
        batch.delete('outbox', entry.localSeq);
        outbox.delete(entry.localSeq);
      }
      for (const record of await this.#rejectionsOf(docId))
        if (record.resolution === undefined)
          batch.put('rejections', { ...record, resolution: 'rekeyed' });
      if (outcome.changed) {
        added++;
        batch.addOutbox({
          docId,
          update: outcome.update,
          deviceTime: now,
          clientId: identity.clientId,
          status: 'pending',
        });
      }
    };

    let documents = 0;
    const returned = new Set<string>();
    for (const pulled of response.documents) {
      const kind = kindOfDocId(pulled.docId);
      if (kind === undefined) continue;
      returned.add(pulled.docId);
      documents++;
      if (rekeyPending.has(pulled.docId)) {
        await rekey(pulled.docId, kind, pulled.state);
        continue;
      }
      await applyPulled(pulled.docId, kind, pulled.state);
    }
    // A wanted document the server did not return: rebuild from ours alone.
    for (const docId of context.wanted) {
      const kind = kindOfDocId(docId);
      if (kind !== undefined && rekeyPending.has(docId) && !returned.has(docId))
        await rekey(docId, kind, EMPTY_UPDATE);
    }
    let updates = 0;
    for (const pulled of response.updates) {
      const kind = kindOfDocId(pulled.docId);
      // While a document waits to be re-keyed its log updates may carry the
      // clashing id: they are in the server state the re-key starts from.
      if (kind === undefined || rekeyPending.has(pulled.docId)) continue;
      updates++;
      await applyPulled(pulled.docId, kind, pulled.update);
    }
    for (const [docId, entry] of touched) if (!entry.changed) touched.delete(docId);
    const written = new Map<string, DocumentRecord>();
    for (const [docId, { doc, kind }] of touched)
      written.set(docId, this.#putDocument(batch, docId, kind, doc, now));

    // S5: the cursor goes in the same commit as everything it covers.
    const nextSync: SyncMeta = {
      key: 'sync',
      cursor: response.cursor,
      rekeyPending: [...rekeyPending],
      lastSuccessAt: context.syncedAt,
      lastAttemptAt: context.syncedAt,
      clockOffsetMs: context.clockOffsetMs,
    };
    batch.put('meta', nextSync);
    let documentStamps: ReadonlyMap<string, DocumentStamp>;
    try {
      ({ documentStamps } = await this.#backend.commit(batch));
    } catch (error) {
      throw toStorageError(error);
    }

    // Committed: bring open documents and identity along, then tell listeners.
    if (identity !== this.#identity) {
      this.#identity = identity;
      this.#setOpenClientIds(identity.clientId);
      this.#emit({ type: 'identity', clientId: identity.clientId });
    }
    for (const [docId, { doc, cause, received }] of touched) {
      const open = this.#open.get(docId);
      if (open !== undefined) {
        if (cause === 'rekey') this.#replaceOpenDoc(open, this.#clone(doc));
        else
          applyUpdateAsOwn(
            open.doc,
            Y.encodeStateAsUpdate(doc, Y.encodeStateVector(open.doc)),
            REMOTE_ORIGIN,
          );
        // A re-keyed open document is the written one; another holds what was written
        // and the live updates it took since it was copied (then the next change writes all).
        this.#stored(
          open,
          documentStamps.get(docId),
          written.get(docId),
          cause === 'rekey' ? open.received : received,
        );
      }
      this.#emit({ type: 'document', docId, cause });
    }
    this.#announce([...touched.keys()]);
    if (stored + rejected + rekeyed.length > 0) this.#emit({ type: 'outbox' });
    const remaining =
      [...outbox.values()].filter((e) => e.status !== 'rejected').length +
      added +
      rekeyPending.size;
    return { stored, rejected, documents, updates, rekeyed, remaining };
  }

  resetCursor(): Promise<void> {
    return this.#exclusive(async () => {
      const sync = await this.#syncMeta();
      await this.#backend.commit(
        new WriteBatch().put('meta', { ...sync, cursor: new Uint8Array(0) }),
      );
    });
  }

  recordSyncFailure(at: number, message: string): Promise<void> {
    return this.#exclusive(async () => {
      const sync = await this.#syncMeta();
      try {
        await this.#backend.commit(
          new WriteBatch().put('meta', { ...sync, lastAttemptAt: at, lastError: message }),
        );
      } catch {
        // Best effort: the status line is not worth failing for.
      }
    });
  }

  // ---------------------------------------------------------------------------
  // Monitoring streams: the raw 1 Hz stream of a monitoring session stays on
  // this tablet (never in the outbox); the record holds its per-minute summary.

  // -------------------------------------------------------------------------
  // Consult photos: sealed with the records, uploaded after the consult's text.

  /** Saves photos (pending upload) in one commit; a photo already here is kept as it is. */
  async savePhotos(
    photos: ReadonlyArray<
      Pick<PhotoRecord, 'sha256' | 'contentType' | 'bytes' | 'width' | 'height'>
    >,
  ): Promise<Result<void, SaveError>> {
    const batch = new WriteBatch();
    const now = this.#clock.now();
    for (const photo of photos) {
      if ((await this.#backend.get('photos', photo.sha256)) !== undefined) continue;
      batch.put('photos', { ...photo, createdAt: now, status: 'pending' });
    }
    if (batch.size === 0) return ok(undefined);
    try {
      await this.#backend.commit(batch);
    } catch (error) {
      return err(toStorageError(error).error);
    }
    this.#emit({ type: 'outbox' });
    return ok(undefined);
  }

  getPhoto(sha256: string): Promise<PhotoRecord | undefined> {
    return this.#backend.get('photos', sha256);
  }

  /** Photos the server has not verified yet, oldest first. */
  async pendingPhotos(): Promise<PhotoRecord[]> {
    const photos = await this.#backend.getAll('photos');
    return photos.filter((p) => p.status === 'pending').sort((a, b) => a.createdAt - b.createdAt);
  }

  /** The server verified the whole photo: it is not sent again. */
  async markPhotoUploaded(sha256: string): Promise<void> {
    const photo = await this.#backend.get('photos', sha256);
    if (photo === undefined || photo.status === 'uploaded') return;
    await this.#backend.commit(
      new WriteBatch().put('photos', {
        ...photo,
        status: 'uploaded',
        uploadedAt: this.#clock.now(),
      }),
    );
  }

  /**
   * The server refused the photo itself (type, size, pixels, hash): it stays
   * here, marked, and is never uploaded again (`pendingPhotos` leaves it out).
   */
  async markPhotoRefused(
    sha256: string,
    refusal: { readonly code: string; readonly message: string },
  ): Promise<void> {
    const photo = await this.#backend.get('photos', sha256);
    if (photo === undefined || photo.status !== 'pending') return;
    await this.#backend.commit(
      new WriteBatch().put('photos', {
        ...photo,
        status: 'refused',
        refusal: {
          code: refusal.code.slice(0, 60),
          message: refusal.message.slice(0, 300),
          at: this.#clock.now(),
        },
      }),
    );
    this.#emit({ type: 'outbox' });
  }

  /**
   * Removes a refused photo's bytes from this tablet (they can never be sent,
   * and are patient data); the row stays, without bytes, so the consult still
   * says what happened to it. Only refused photos: others are kept as they are.
   */
  async removeRefusedPhoto(sha256: string): Promise<void> {
    const photo = await this.#backend.get('photos', sha256);
    if (photo?.status !== 'refused' || photo.removedAt !== undefined) return;
    await this.#backend.commit(
      new WriteBatch().put('photos', {
        ...photo,
        bytes: new Uint8Array(0),
        removedAt: this.#clock.now(),
      }),
    );
    this.#emit({ type: 'outbox' });
  }

  /** Saves (creates or updates) a monitoring session's tablet-side row; resolves once on disk. */
  async saveStreamSession(session: Omit<StreamSessionRecord, 'key' | 'kind'>): Promise<void> {
    await this.#backend.commit(
      new WriteBatch().put('streams', {
        ...session,
        key: streamSessionKey(session.sessionId),
        kind: 'session',
      }),
    );
  }

  /** Saves one chunk of a session's stream (the open chunk is rewritten as it fills). */
  async saveStreamChunk(chunk: Omit<StreamChunkRecord, 'key' | 'kind'>): Promise<void> {
    await this.#backend.commit(
      new WriteBatch().put('streams', {
        ...chunk,
        key: streamChunkKey(chunk.sessionId, chunk.seq),
        kind: 'chunk',
      }),
    );
  }

  /** The monitoring sessions of a patient kept on this tablet, oldest first. */
  async streamSessions(patientDocId: string): Promise<StreamSessionRecord[]> {
    const rows = await this.#backend.streamRows({ patientDocId });
    return rows
      .filter((row): row is StreamSessionRecord => row.kind === 'session')
      .sort((a, b) => a.startedAt - b.startedAt);
  }

  /** A session's chunks, in time order. */
  async streamChunks(sessionId: string): Promise<StreamChunkRecord[]> {
    const rows = await this.#backend.streamRows({ sessionId });
    return rows
      .filter((row): row is StreamChunkRecord => row.kind === 'chunk')
      .sort((a, b) => a.seq - b.seq);
  }

  // ---------------------------------------------------------------------------
  // Read models

  /** Recomputes every read-model row from the documents, in one commit. */
  rebuildReadModels(): Promise<void> {
    return this.#exclusive(async () => {
      const records = await this.#backend.getAll('documents');
      const batch = new WriteBatch().clear('patients').clear('consults');
      for (const record of records) {
        const doc = this.#docFromRecord(record);
        const rows = deriveRows(doc, record.kind, record.docId, record.updatedAt);
        if (rows.patient) batch.put('patients', rows.patient);
        if (rows.consult) batch.put('consults', rows.consult);
        doc.destroy();
      }
      await this.#backend.commit(batch);
      this.#emit({ type: 'readModels' });
    });
  }

  // ---------------------------------------------------------------------------
  // Internals

  /**
   * Document state and its read-model rows, always written together. With
   * `append` (the stored row `doc` was, and the update that made `doc`), the
   * update is appended to the row's tail unless it is full; otherwise, and for
   * every other write, the row is the whole state (document-tail.ts).
   */
  #putDocument(
    batch: WriteBatch,
    docId: string,
    kind: DocKind,
    doc: Y.Doc,
    now: number,
    append?: { readonly row: DocumentRecord; readonly update: Uint8Array },
  ): DocumentRecord {
    const record: DocumentRecord = (append !== undefined &&
      append.row.kind === kind &&
      appendToRow(append.row, append.update, now)) || {
      docId,
      kind,
      state: Y.encodeStateAsUpdate(doc),
      updatedAt: now,
    };
    batch.put('documents', record);
    const rows = deriveRows(doc, kind, docId, now);
    if (rows.patient) batch.put('patients', rows.patient);
    if (rows.consult) batch.put('consults', rows.consult);
    return record;
  }

  /**
   * An open document's write is stored: its stamp and row. `received`: the live
   * updates the written state held (undefined: unknown, so the row may lack some).
   */
  #stored(
    entry: OpenEntry,
    stamp: DocumentStamp,
    record: DocumentRecord | undefined,
    received: number | undefined,
  ): void {
    entry.stamp = stamp;
    entry.record = record;
    entry.receivedInRecord = received ?? -1;
  }

  async #rejectionsOf(docId: string): Promise<RejectionRecord[]> {
    return (await this.#backend.getAll('rejections')).filter((r) => r.docId === docId);
  }

  async #syncMeta(): Promise<SyncMeta> {
    const sync = await this.#backend.get('meta', 'sync');
    return sync?.key === 'sync' ? sync : emptySyncMeta();
  }

  /**
   * The document as committed: the open one brought up to date with storage
   * (another tab may have written), or a transient copy loaded from storage.
   */
  async #current(docId: string, clientId = this.#identity.clientId): Promise<Y.Doc | undefined> {
    const open = this.#open.get(docId);
    if (open === undefined) {
      const record = await this.#backend.get('documents', docId);
      return record === undefined ? undefined : this.#docFromRecord(record, clientId);
    }
    // Still the write it holds (the usual case): nothing is opened or applied again.
    const stored = await this.#backend.documentIfChanged(docId, open.stamp);
    if (stored !== undefined && this.#open.get(docId) === open) {
      if (stored.record !== undefined) {
        // Another tab wrote it, from storage (under the lock): the row holds every
        // earlier write, so `doc` now equals it unless it holds live updates of its own.
        applyRow(open.doc, stored.record, REMOTE_ORIGIN);
        open.record = stored.record;
      }
      open.stamp = stored.stamp;
    }
    return open.doc;
  }

  /** Another tab may have taken a new client id after a clash (S12). */
  async #refreshIdentity(): Promise<void> {
    const stored = await this.#backend.get('meta', 'identity');
    if (stored?.key !== 'identity' || stored.clientId === this.#identity.clientId) return;
    this.#identity = stored;
    this.#setOpenClientIds(stored.clientId);
    this.#emit({ type: 'identity', clientId: stored.clientId });
  }

  #setOpenClientIds(clientId: number): void {
    for (const entry of this.#open.values()) {
      entry.doc.clientID = clientId;
      if (entry.shadow !== undefined) entry.shadow.clientID = clientId;
    }
  }

  // ---------------------------------------------------------------------------
  // Open documents and their shadows

  #openEntry(doc: Y.Doc, stamp: DocumentStamp, record: DocumentRecord): OpenEntry {
    const entry: OpenEntry = {
      doc,
      refs: 1,
      stamp,
      record,
      received: 0,
      receivedInRecord: 0,
      shadow: undefined,
      mirror: (update, origin) => {
        if (origin !== LOCAL_ORIGIN && origin !== REMOTE_ORIGIN) entry.received++;
        if (origin !== LOCAL_ORIGIN && entry.shadow !== undefined)
          applyUpdateAsOwn(entry.shadow, update, origin);
      },
    };
    doc.on('update', entry.mirror);
    return entry;
  }

  /**
   * The shadow local changes of an open document run on, made the first time:
   * from its stored row when the document holds just that (no encoding of the
   * whole record), else from the document itself.
   */
  #shadowOf(entry: OpenEntry): Y.Doc {
    if (entry.shadow === undefined) {
      const row = appendableRow(entry);
      if (row === undefined) entry.shadow = this.#clone(entry.doc);
      else {
        entry.shadow = this.#newDoc();
        applyRow(entry.shadow, row, REMOTE_ORIGIN);
      }
    }
    return entry.shadow;
  }

  /**
   * In the browser, an opened record's shadow is made once the page is idle
   * (she is reading it or typing), so that her first change does not wait for it.
   */
  #prepareShadow(docId: string, entry: OpenEntry): void {
    if (typeof requestIdleCallback !== 'function') return;
    requestIdleCallback(
      () => {
        if (this.#open.get(docId) === entry && entry.shadow === undefined) this.#shadowOf(entry);
      },
      { timeout: 5_000 },
    );
  }

  #dropShadow(entry: OpenEntry): void {
    entry.shadow?.destroy();
    entry.shadow = undefined;
  }

  /** After a re-key the open document is a new Y.Doc (handles read `doc` each time). */
  #replaceOpenDoc(entry: OpenEntry, doc: Y.Doc): void {
    entry.doc.off('update', entry.mirror);
    this.#dropShadow(entry);
    entry.doc = doc;
    doc.on('update', entry.mirror);
  }

  #closeEntry(entry: OpenEntry): void {
    entry.doc.off('update', entry.mirror);
    this.#dropShadow(entry);
  }

  #newDoc(clientId = this.#identity.clientId): Y.Doc {
    const doc = new Y.Doc();
    doc.clientID = clientId;
    return doc;
  }

  #docFromState(state: Uint8Array, clientId = this.#identity.clientId): Y.Doc {
    const doc = this.#newDoc(clientId);
    applyUpdateAsOwn(doc, state, REMOTE_ORIGIN);
    return doc;
  }

  /** A stored row as a document (its state, then its tail), remembered as that row's. */
  #docFromRecord(record: DocumentRecord, clientId = this.#identity.clientId): Y.Doc {
    const doc = this.#newDoc(clientId);
    applyRow(doc, record, REMOTE_ORIGIN);
    this.#rowOf.set(doc, record);
    return doc;
  }

  #clone(doc: Y.Doc, clientId = this.#identity.clientId): Y.Doc {
    return this.#docFromState(Y.encodeStateAsUpdate(doc), clientId);
  }

  /** A random 32-bit Yjs client id different from every id this tablet used. */
  #newClientId(used: readonly number[]): number {
    for (;;) {
      const id = Math.floor(this.#random.next() * 0x1_0000_0000) >>> 0;
      if (!used.includes(id)) return id;
    }
  }

  /** Runs `task` alone: one writer per clinic store (across tabs with Web Locks). */
  #exclusive<R>(task: () => Promise<R>): Promise<R> {
    const locks = this.#locks;
    // With Web Locks the caller has its result as soon as the task is done (a save is
    // committed then): the lock's release, a round trip through the browser, is not
    // waited for. Tasks stay exclusive: the next request is granted after the release.
    const run = (): Promise<R> =>
      locks === null
        ? task()
        : new Promise<R>((resolve, reject) => {
            locks.request(this.#lockName, () => task().then(resolve, reject)).catch(reject);
          });
    // In-process queue per clinic (several stores of one clinic in one page or test).
    const queue = queues.get(this.#lockName) ?? Promise.resolve();
    const next = queue.then(run, run);
    queues.set(
      this.#lockName,
      next.catch(() => undefined),
    );
    return next;
  }
}

export const streamSessionKey = (sessionId: string): string => `session|${sessionId}`;
export const streamChunkKey = (sessionId: string, seq: number): string =>
  `chunk|${sessionId}|${String(seq).padStart(6, '0')}`;

/** Writers queued per clinic store name, in this JS realm. */
const queues = new Map<string, Promise<unknown>>();

const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc());

/** The stored row an open document's change may append to: the one it equals, if known. */
function appendableRow(entry: OpenEntry): DocumentRecord | undefined {
  return entry.received === entry.receivedInRecord ? entry.record : undefined;
}

/** Applies a stored row (its state, then each change of its tail) as the tablet's own. */
function applyRow(doc: Y.Doc, record: DocumentRecord, origin: unknown): void {
  applyUpdateAsOwn(doc, record.state, origin);
  for (const update of tailUpdates(record)) applyUpdateAsOwn(doc, update, origin);
}

/**
 * Applies an update to a document that authors under this tablet's id. Yjs
 * gives a document a random new client id when a remote update brings content
 * under its own id (its guard against two writers sharing one). Here that
 * content is the tablet's own saved state, and clashes are the server's to
 * detect (S12), so the id is stepped aside for the apply and restored.
 * Returns whether the document's stored state changes (Yjs emits `update`
 * only when content was integrated; pending content counts too).
 */
export function applyUpdateAsOwn(doc: Y.Doc, update: Uint8Array, origin: unknown): boolean {
  const own = doc.clientID;
  let changed = false;
  const mark = () => {
    changed = true;
  };
  doc.clientID = (own + 1) >>> 0;
  doc.on('update', mark);
  try {
    Y.applyUpdate(doc, update, origin);
  } finally {
    doc.off('update', mark);
    doc.clientID = own;
  }
  // Content waiting for a missing dependency emits nothing yet but is in the state.
  return changed || doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
}

function emptySyncMeta(): SyncMeta {
  return { key: 'sync', cursor: new Uint8Array(0), rekeyPending: [] };
}

export function kindOfDocId(docId: string): DocKind | undefined {
  const parsed = parseDocId(docId);
  return parsed.ok ? parsed.value.kind : undefined;
}
