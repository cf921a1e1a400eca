/**
 * The storage contract of record sync (SPEC S2–S9a, S12, S14): the update log,
 * the compacted documents and the read models, in PostgreSQL (PGlite or a server).
 *
 * Every accepted update is stored in one transaction that
 * 1. takes the advisory lock (`pg_advisory_xact_lock`) of the clinic the caller
 *    acts in — the device's clinic; for a specialist answering a routed consult,
 *    the consult's home clinic (S7a) — so seq numbers of one clinic are
 *    assigned in commit order (S8);
 * 2. returns the first receipt again for a repeated (deviceId, localSeq) (S3);
 * 3. checks the document's home clinic (S7), the client-id overlap (S12) and
 *    that the merged document still validates with the same id and home clinic;
 * 4. checks who may write what into a consult (consults/write-rules.ts);
 * 5. appends to the log, replaces the compacted state and rebuilds the read models;
 *    when the update leaves a consult `sent`, appends the server's own `received`
 *    transition in the same transaction (consults/received.ts), published to
 *    `events` after commit so open live rooms and notifications see it.
 * Only after that transaction commits is a `stored` receipt returned (S2).
 * A rejection writes nothing. One transaction per update: a rejection or a
 * failure of one never affects the others (S4), and a request mixing records
 * of several clinics holds one clinic lock at a time (no lock order to get wrong).
 *
 * Pulls: a clinic's records by snapshot then log (S6, S8, cursor version 1);
 * a specialist's routed consults of every clinic, whole, by a per-clinic
 * vector of seqs (S7a, S8b, cursor version 2).
 */
import { and, asc, eq, gt, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import * as Y from 'yjs';
import { systemIds } from '@outpost/shared/ids';
import { parseDocId, validateDocument, type DocKind } from '@outpost/shared/model';
import { err, ok, type Result } from '@outpost/shared/result';
import {
  MAX_PAGE_BYTES,
  MAX_UPDATE_BYTES,
  compareOverlap,
  type PulledDocument,
  type PulledUpdate,
  type PushedUpdate,
  type Receipt,
  type RejectionCode,
} from '@outpost/shared/sync';
import type { Caller } from '../auth/caller';
import { documentAccess, pullScope, type DocumentFacts } from '../auth/policy';
import type { Db } from '../db/database';
import { consults, documents, updateLog } from '../db/schema';
import { appendReceivedIfSent } from '../consults/received';
import { SERVER_ACTOR_ID, SERVER_CLIENT_ID } from '../consults/server-author';
import { checkConsultWrite } from '../consults/write-rules';
import type { DocumentEvents } from '../sync/events';
import { documentFacts } from './document-facts';
import {
  clinicStartOf,
  decodeCursor,
  encodeCursor,
  encodeRoutedCursor,
  routedStartOf,
  type CursorPosition,
  type InvalidCursor,
  type RoutedPosition,
} from '../sync/cursor';
import { rebuildReadModels } from './read-models';

/** An update this call newly stored (not a repeat): what the live channel broadcasts. */
export interface StoredUpdate {
  readonly docId: string;
  readonly clinicId: string;
  readonly seq: number;
  readonly update: Uint8Array;
  /** Set on updates the server authored itself (a consult's `received` transition). */
  readonly author?: 'server';
}

export interface PushOutcome {
  /** One per push, in the order pushed (S4). */
  readonly receipts: readonly Receipt[];
  /**
   * The updates stored for the first time by this call, in commit order,
   * including those the server appended after a push (`author: 'server'`).
   */
  readonly stored: readonly StoredUpdate[];
}

export interface PullPage {
  readonly documents: readonly PulledDocument[];
  readonly updates: readonly PulledUpdate[];
  readonly cursor: Uint8Array;
  readonly more: boolean;
}

export interface Rejection {
  readonly code: RejectionCode;
  readonly message: string;
}

export type LiveOutcome =
  | { readonly status: 'stored'; readonly seq: number }
  /** Nothing new (the server already held all of it): nothing stored, nothing to broadcast. */
  | { readonly status: 'unchanged' }
  | ({ readonly status: 'rejected' } & Rejection);

export interface StoredDocument {
  readonly docId: string;
  readonly kind: DocKind;
  readonly clinicId: string;
  readonly state: Uint8Array;
  readonly lastSeq: number;
}

export interface SyncRepository {
  /** Stores pushed updates (one transaction each); every push gets exactly one receipt. */
  applyPushes(
    caller: Caller,
    pushes: readonly PushedUpdate[],
    options?: { readonly clientId?: number },
  ): Promise<PushOutcome>;
  /** One page of what the caller's scope (clinic, or routed consults) has that the cursor has not covered. */
  pull(
    caller: Caller,
    cursor: Uint8Array,
    maxResponseBytes: number,
    wantDocuments: readonly string[],
  ): Promise<Result<PullPage, InvalidCursor>>;
  /** Stores one update from the live channel (no localSeq), with the same checks as a push. */
  applyLiveUpdate(caller: Caller, docId: string, update: Uint8Array): Promise<LiveOutcome>;
  /** The compacted state of a document, or undefined when the server has none. */
  loadDocumentState(docId: string): Promise<StoredDocument | undefined>;
}

export interface SyncRepositoryDeps {
  readonly now: () => number;
  /**
   * Server-authored updates (a consult's `received`) are published here after
   * their transaction commits, whether a push or a live write caused them.
   */
  readonly events?: DocumentEvents;
}

/** Namespace (first key) of the per-clinic advisory lock; the second key is hashtext(clinic id). */
const CLINIC_LOCK_NAMESPACE = 727_002;
/** Bytes counted per item on top of its payload (ids, seq, lengths) when bounding a page. */
const ITEM_OVERHEAD_BYTES = 16;
const SNAPSHOT_BATCH = 32;
const LOG_BATCH = 128;
const MAX_ATTEMPTS = 3;

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

interface AppendInput {
  readonly docId: string;
  readonly update: Uint8Array;
  readonly localSeq: number | null;
  readonly clientId: number | null;
  readonly deviceTime: Date | null;
  /** Live channel: skip the append when the update adds nothing. */
  readonly skipUnchanged: boolean;
}

type AppendResult =
  | {
      readonly kind: 'stored';
      readonly seq: number;
      readonly receivedAt: number;
      /** Updates the server appended after this one (already in the log). */
      readonly serverUpdates: readonly StoredUpdate[];
    }
  | { readonly kind: 'unchanged' };

/** Another clinic created the same document id concurrently: retry, and meet `wrong_clinic`. */
class ConcurrentCreation extends Error {}

export function createSyncRepository(db: Db, deps: SyncRepositoryDeps): SyncRepository {
  /**
   * Runs `work` in a transaction under the lock of the clinic the caller acts in
   * (`acting`, resolved afresh on every attempt), retrying races that a retry
   * resolves. One lock per transaction, never two: transactions of different
   * clinics never wait for each other, so no order of pushes can deadlock.
   */
  async function underClinicLock<T>(
    acting: () => Promise<Caller> | Caller,
    work: (tx: Tx, caller: Caller) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const caller = await acting();
        return await db.transaction(async (tx) => {
          await tx.execute(
            sql`select pg_advisory_xact_lock(${CLINIC_LOCK_NAMESPACE}, hashtext(${caller.clinicId}))`,
          );
          return work(tx, caller);
        });
      } catch (error) {
        const retry = error instanceof ConcurrentCreation || isUniqueViolation(error);
        if (!retry || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  async function append(
    tx: Tx,
    caller: Caller,
    input: AppendInput,
  ): Promise<Result<AppendResult, Rejection>> {
    const { docId, update } = input;
    const [row] = await tx.select().from(documents).where(eq(documents.docId, docId)).limit(1);
    if (row !== undefined && row.clinicId !== caller.clinicId) {
      // A specialist acts in the record's home clinic (`actingInHomeClinic`); it was
      // resolved before another clinic created the record: retry under that clinic's lock.
      if (caller.role === 'specialist') throw new ConcurrentCreation();
      return reject('wrong_clinic', 'This record belongs to another clinic.');
    }
    // Every record, every write: the caller's role and scope decide (auth/policy.ts).
    const facts: DocumentFacts | undefined =
      caller.role === 'health-worker' || caller.role === 'clinician'
        ? {
            kind: docId.startsWith('consult/') ? 'consult' : 'patient',
            exists: row !== undefined,
            clinicId: row?.clinicId ?? caller.clinicId,
            districtId: null,
            routing: null,
          }
        : await documentFacts(tx, docId, caller.clinicId);
    const access = facts === undefined ? 'none' : documentAccess(caller, facts);
    if (access !== 'write')
      return reject(
        'forbidden',
        access === 'read'
          ? 'You may read this record but not change it.'
          : 'You may not change this record.',
      );
    const doc = new Y.Doc();
    try {
      if (row !== undefined) {
        Y.applyUpdate(doc, row.state);
        const overlap = compareOverlap(row.state, update);
        if (!overlap.ok) {
          if (overlap.error.type === 'MalformedUpdate')
            return reject('malformed_update', 'The update is not a readable Yjs update.');
          return reject(
            'client_id_clash',
            `Another device already wrote to this record under Yjs client id ${overlap.error.clientId}.`,
          );
        }
      } else {
        Y.decodeUpdate(update); // throws on bytes that are not an update
      }
      Y.applyUpdate(doc, update);
    } catch {
      return reject('malformed_update', 'The update is not a readable Yjs update.');
    }
    const homeClinicId = row?.clinicId ?? caller.clinicId;
    const valid = validateDocument(doc, { docId, homeClinicId });
    if (valid.ok && valid.value.kind === 'consult') {
      let before: Y.Doc | undefined;
      if (row !== undefined) {
        before = new Y.Doc();
        Y.applyUpdate(before, row.state);
      }
      const refusal = checkConsultWrite(caller, before, doc);
      if (refusal !== undefined) return reject('forbidden', refusal.message);
    }
    if (!valid.ok) {
      // Paths only: problem messages may quote values (patient data).
      const paths = [...new Set(valid.error.problems.map((problem) => problem.path))].slice(0, 5);
      return reject(
        'invalid_document',
        row === undefined
          ? `The record's first update does not create a valid ${homeClinicLabel(docId)} of this clinic (${paths.join(', ')}).`
          : `The update would make the record invalid (${paths.join(', ')}).`,
      );
    }
    const merged = Y.encodeStateAsUpdate(doc);
    if (input.skipUnchanged && row !== undefined && bytesEqual(merged, row.state))
      return ok({ kind: 'unchanged' });

    const now = new Date(deps.now());
    const [logged] = await tx
      .insert(updateLog)
      .values({
        docId,
        clinicId: homeClinicId,
        deviceId: caller.deviceId,
        localSeq: input.localSeq,
        clientId: input.clientId,
        update,
        deviceTime: input.deviceTime,
        receivedAt: now,
        userId: caller.userId,
      })
      .returning({ seq: updateLog.seq, receivedAt: updateLog.receivedAt });
    if (logged === undefined) throw new Error('the update log insert returned no row');
    let lastSeq = logged.seq;
    const serverUpdates: StoredUpdate[] = [];
    const received =
      valid.value.kind === 'consult'
        ? appendReceivedIfSent(doc, now.getTime(), systemIds)
        : undefined;
    if (received !== undefined) {
      const [serverLogged] = await tx
        .insert(updateLog)
        .values({
          docId,
          clinicId: homeClinicId,
          deviceId: SERVER_ACTOR_ID,
          localSeq: null,
          clientId: SERVER_CLIENT_ID,
          update: received,
          deviceTime: now,
          receivedAt: now,
          userId: SERVER_ACTOR_ID,
        })
        .returning({ seq: updateLog.seq });
      if (serverLogged === undefined) throw new Error('the update log insert returned no row');
      lastSeq = serverLogged.seq;
      serverUpdates.push({
        docId,
        clinicId: homeClinicId,
        seq: serverLogged.seq,
        update: received,
        author: 'server',
      });
    }
    const state = received === undefined ? merged : Y.encodeStateAsUpdate(doc);
    if (row === undefined) {
      const created = await tx
        .insert(documents)
        .values({
          docId,
          kind: valid.value.kind,
          clinicId: homeClinicId,
          state,
          lastSeq,
          updatedAt: now,
        })
        .onConflictDoNothing()
        .returning({ docId: documents.docId });
      if (created.length === 0) throw new ConcurrentCreation();
    } else {
      await tx
        .update(documents)
        .set({ state, lastSeq, updatedAt: now })
        .where(eq(documents.docId, docId));
    }
    await rebuildReadModels(tx, docId, valid.value.kind, doc, homeClinicId, now);
    return ok({
      kind: 'stored',
      seq: logged.seq,
      receivedAt: logged.receivedAt.getTime(),
      serverUpdates,
    });
  }

  async function storePush(
    caller: Caller,
    push: PushedUpdate,
    clientId: number | null,
  ): Promise<{ receipt: Receipt; stored: readonly StoredUpdate[] }> {
    const rejected = (rejection: Rejection) => ({
      receipt: { localSeq: push.localSeq, status: 'rejected' as const, ...rejection },
      stored: [],
    });
    if (push.update.length > MAX_UPDATE_BYTES)
      return rejected({
        code: 'too_large',
        message: `Updates are limited to ${MAX_UPDATE_BYTES} bytes.`,
      });
    if (!parseDocId(push.docId).ok)
      return rejected({
        code: 'invalid_document_id',
        message: 'A record id must be patient/<uuid> or consult/<uuid>.',
      });
    // S7a: a specialist's answer is appended in the consult's home clinic, under its lock.
    return underClinicLock(
      () => actingInHomeClinic(caller, push.docId),
      async (tx, acting) => {
        const [previous] = await tx
          .select({ seq: updateLog.seq, receivedAt: updateLog.receivedAt })
          .from(updateLog)
          .where(
            and(eq(updateLog.deviceId, caller.deviceId), eq(updateLog.localSeq, push.localSeq)),
          )
          .limit(1);
        if (previous !== undefined) {
          // S3: a repeat changes nothing and gets the first receipt.
          return {
            receipt: {
              localSeq: push.localSeq,
              status: 'stored' as const,
              seq: previous.seq,
              receivedAt: previous.receivedAt.getTime(),
            },
            stored: [],
          };
        }
        const result = await append(tx, acting, {
          docId: push.docId,
          update: push.update,
          localSeq: push.localSeq,
          clientId,
          deviceTime: validDate(push.deviceTime),
          skipUnchanged: false,
        });
        if (!result.ok) return rejected(result.error);
        if (result.value.kind !== 'stored') throw new Error('a push is always appended');
        return {
          receipt: {
            localSeq: push.localSeq,
            status: 'stored' as const,
            seq: result.value.seq,
            receivedAt: result.value.receivedAt,
          },
          stored: [
            {
              docId: push.docId,
              clinicId: acting.clinicId,
              seq: result.value.seq,
              update: push.update,
            },
            ...result.value.serverUpdates,
          ],
        };
      },
    );
  }

  /**
   * The caller as it acts on `docId` (auth/policy.ts `actingCaller`): a specialist
   * acts in the home clinic of a record the server holds (their access comes from
   * the consult's routing, not from the device's clinic); everyone else, and
   * anyone creating a record, in the device's clinic. A home clinic never changes
   * (S7), so reading it before taking the lock is safe.
   */
  async function actingInHomeClinic(caller: Caller, docId: string): Promise<Caller> {
    if (caller.role !== 'specialist') return caller;
    const [row] = await db
      .select({ clinicId: documents.clinicId })
      .from(documents)
      .where(eq(documents.docId, docId))
      .limit(1);
    return row === undefined || row.clinicId === caller.clinicId
      ? caller
      : { ...caller, clinicId: row.clinicId as Caller['clinicId'] };
  }

  /**
   * A clinic's records (S6, S8): the snapshot by document id, then the log in
   * commit order. Scope `none` sees nothing (the route refuses it before).
   */
  async function pullClinic(
    caller: Caller,
    start: CursorPosition | undefined,
    page: Page,
    wanted: readonly string[],
  ): Promise<PullPage> {
    const visible = pullScope(caller) === 'clinic';
    // S9a: wanted documents in scope, whatever the page size.
    for (let index = 0; visible && index < wanted.length; index += SNAPSHOT_BATCH) {
      const rows = await db
        .select({ docId: documents.docId, state: documents.state })
        .from(documents)
        .where(
          and(
            eq(documents.clinicId, caller.clinicId),
            inArray(documents.docId, wanted.slice(index, index + SNAPSHOT_BATCH)),
          ),
        );
      for (const row of rows) page.forceDocument(row.docId, row.state);
    }

    let position: CursorPosition = start ?? {
      mode: 'snapshot',
      highWater: await highWaterMark(db, caller.clinicId),
      afterDocId: '',
    };
    let more = false;

    // S6: snapshot first, ordered by document id…
    while (position.mode === 'snapshot' && !more) {
      const rows = await db
        .select({ docId: documents.docId, state: documents.state })
        .from(documents)
        .where(
          and(eq(documents.clinicId, caller.clinicId), gt(documents.docId, position.afterDocId)),
        )
        .orderBy(asc(documents.docId))
        .limit(SNAPSHOT_BATCH);
      for (const row of rows) {
        if (visible && !page.addDocument(row.docId, row.state)) {
          more = true;
          break;
        }
        position = { ...position, afterDocId: row.docId };
      }
      // …then the log from the snapshot's high-water mark.
      if (!more && rows.length < SNAPSHOT_BATCH)
        position = { mode: 'log', afterSeq: position.highWater };
    }

    // S8: the log in commit order, without the caller device's own updates.
    while (position.mode === 'log' && !more) {
      const rows = await db
        .select({
          seq: updateLog.seq,
          docId: updateLog.docId,
          update: sql<Uint8Array | null>`case when ${updateLog.deviceId} = ${caller.deviceId} then null else ${updateLog.update} end`,
        })
        .from(updateLog)
        .where(and(eq(updateLog.clinicId, caller.clinicId), gt(updateLog.seq, position.afterSeq)))
        .orderBy(asc(updateLog.seq))
        .limit(LOG_BATCH);
      for (const row of rows) {
        const seq = Number(row.seq);
        if (
          visible &&
          row.update !== null &&
          !page.addUpdate({ seq, docId: row.docId, update: toBytes(row.update) })
        ) {
          more = true;
          break;
        }
        position = { mode: 'log', afterSeq: seq };
      }
      if (rows.length < LOG_BATCH) break;
    }
    return { ...page.contents(), cursor: encodeCursor(caller.clinicId, position), more };
  }

  /**
   * Consults routed to a specialist from every clinic (S7a, S8b): the whole
   * compacted state of each routed consult whose last update is past the
   * cursor's seq for its home clinic, in ascending last-update seq. Never bare
   * updates: a consult may be routed to them after the cursor passed its first
   * updates. One statement reads routing and documents together, so a routing
   * committed with an update is seen with that update.
   */
  async function pullRouted(
    caller: Caller,
    start: RoutedPosition,
    page: Page,
    wanted: readonly string[],
  ): Promise<PullPage> {
    const routedTo = routedToCaller(caller);
    /** The last seq of each document whose state this page holds. */
    const sentAt = new Map<string, number>();
    for (let index = 0; routedTo !== undefined && index < wanted.length; index += SNAPSHOT_BATCH) {
      const rows = await db
        .select({ docId: documents.docId, state: documents.state, lastSeq: documents.lastSeq })
        .from(consults)
        .innerJoin(documents, eq(documents.docId, consults.docId))
        .where(and(routedTo, inArray(consults.docId, wanted.slice(index, index + SNAPSHOT_BATCH))));
      for (const row of rows) {
        page.forceDocument(row.docId, row.state);
        sentAt.set(row.docId, row.lastSeq);
      }
    }

    const position = new Map(start);
    let more = false;
    /** The cursor's seq for the consult's home clinic (0 for a clinic not in the cursor). */
    const afterSeq = sql`coalesce(positions.after_seq, 0)`;
    while (routedTo !== undefined && !more) {
      const rows = await db
        .select({
          docId: documents.docId,
          clinicId: documents.clinicId,
          state: documents.state,
          lastSeq: documents.lastSeq,
          // S8: a consult changed since the cursor only by the caller's own device is not sent back.
          changedByOthers: sql<boolean>`exists (select 1 from ${updateLog} where ${updateLog.docId} = ${documents.docId} and ${updateLog.seq} > ${afterSeq} and ${updateLog.deviceId} <> ${caller.deviceId})`,
        })
        .from(consults)
        .innerJoin(documents, eq(documents.docId, consults.docId))
        .leftJoin(positionsRelation(position), sql`positions.clinic_id = ${documents.clinicId}`)
        .where(and(routedTo, sql`${documents.lastSeq} > ${afterSeq}`))
        .orderBy(asc(documents.lastSeq))
        .limit(SNAPSHOT_BATCH);
      for (const row of rows) {
        const alreadySent = (sentAt.get(row.docId) ?? -1) >= row.lastSeq;
        if (row.changedByOthers && !alreadySent) {
          if (!page.addDocument(row.docId, row.state)) {
            more = true;
            break;
          }
          sentAt.set(row.docId, row.lastSeq);
        }
        // Rows come in ascending last seq: every routed consult of this clinic up to here is sent.
        position.set(row.clinicId, row.lastSeq);
      }
      if (rows.length < SNAPSHOT_BATCH) break;
    }
    return { ...page.contents(), cursor: encodeRoutedCursor(caller, position), more };
  }

  return {
    async applyPushes(caller, pushes, options = {}) {
      const receipts: Receipt[] = [];
      const stored: StoredUpdate[] = [];
      for (const push of pushes) {
        const outcome = await storePush(caller, push, options.clientId ?? null);
        receipts.push(outcome.receipt);
        stored.push(...outcome.stored);
      }
      return { receipts, stored };
    },

    async applyLiveUpdate(caller, docId, update) {
      if (update.length > MAX_UPDATE_BYTES)
        return { status: 'rejected', code: 'too_large', message: 'The update is too large.' };
      if (!parseDocId(docId).ok)
        return { status: 'rejected', code: 'invalid_document_id', message: 'Invalid record id.' };
      // The live channel's caller already acts in the record's home clinic (live-server.ts).
      const result = await underClinicLock(
        () => caller,
        (tx) =>
          append(tx, caller, {
            docId,
            update,
            localSeq: null,
            clientId: null,
            deviceTime: null,
            skipUnchanged: true,
          }),
      );
      if (!result.ok) return { status: 'rejected', ...result.error };
      if (result.value.kind !== 'stored') return { status: 'unchanged' };
      // Committed: the room applies the caller's update; the server's own follow it through the events.
      for (const serverUpdate of result.value.serverUpdates) deps.events?.publish(serverUpdate);
      return { status: 'stored', seq: result.value.seq };
    },

    async loadDocumentState(docId) {
      const [row] = await db.select().from(documents).where(eq(documents.docId, docId)).limit(1);
      if (row === undefined) return undefined;
      return {
        docId: row.docId,
        kind: row.kind as DocKind,
        clinicId: row.clinicId,
        state: row.state,
        lastSeq: row.lastSeq,
      };
    },

    async pull(caller, cursor, maxResponseBytes, wantDocuments) {
      const decoded = decodeCursor(caller, cursor);
      if (!decoded.ok) return decoded;
      const page = createPage(maxResponseBytes);
      // S9a: only ids that can name a record are looked up.
      const wanted = [...new Set(wantDocuments)].filter((docId) => parseDocId(docId).ok);
      return ok(
        pullScope(caller) === 'routed-consults'
          ? await pullRouted(caller, routedStartOf(decoded.value), page, wanted)
          : await pullClinic(caller, clinicStartOf(decoded.value), page, wanted),
      );
    },
  };
}

/** The byte-bounded contents of one response page (S9). */
interface Page {
  /** Adds when it fits the page or is its first item (a single large document still moves); false when full. */
  addDocument(docId: string, state: Uint8Array): boolean;
  addUpdate(update: PulledUpdate): boolean;
  /** S9a: wanted documents come whatever the page size. */
  forceDocument(docId: string, state: Uint8Array): void;
  contents(): { documents: PulledDocument[]; updates: PulledUpdate[] };
}

function createPage(maxResponseBytes: number): Page {
  const budget = maxResponseBytes > 0 ? Math.min(maxResponseBytes, MAX_PAGE_BYTES) : MAX_PAGE_BYTES;
  const pulledDocuments: PulledDocument[] = [];
  const updates: PulledUpdate[] = [];
  let used = 0;
  const fits = (bytes: number) =>
    pulledDocuments.length + updates.length === 0 || used + bytes <= budget;
  return {
    addDocument(docId, state) {
      const bytes = state.length + docId.length + ITEM_OVERHEAD_BYTES;
      if (!fits(bytes)) return false;
      pulledDocuments.push({ docId, state });
      used += bytes;
      return true;
    },
    addUpdate(update) {
      const bytes = update.update.length + update.docId.length + ITEM_OVERHEAD_BYTES;
      if (!fits(bytes)) return false;
      updates.push(update);
      used += bytes;
      return true;
    },
    forceDocument(docId, state) {
      pulledDocuments.push({ docId, state });
      used += state.length + docId.length + ITEM_OVERHEAD_BYTES;
    },
    contents: () => ({ documents: pulledDocuments, updates }),
  };
}

/**
 * Consults routed to the caller, as SQL over the `consults` read model: exactly
 * auth/policy.ts `isRoutedTo` (a named assignee wins; otherwise one of their
 * specialties). Undefined when nothing can be routed to them.
 */
function routedToCaller(caller: Caller): SQL | undefined {
  const specialties = caller.specialties ?? [];
  return or(
    eq(consults.assigneeUserId, caller.userId),
    specialties.length === 0
      ? undefined
      : and(isNull(consults.assigneeUserId), inArray(consults.specialty, [...specialties])),
  );
}

/**
 * The cursor's positions as a relation `positions(clinic_id, after_seq)`, joined to
 * each consult's home clinic: two array parameters whatever the number of clinics.
 */
function positionsRelation(position: RoutedPosition): SQL {
  const entries = [...position];
  const clinicIds = `{${entries.map(([clinicId]) => clinicId).join(',')}}`;
  const seqs = `{${entries.map(([, seq]) => seq).join(',')}}`;
  return sql`unnest(${clinicIds}::uuid[], ${seqs}::bigint[]) as positions(clinic_id, after_seq)`;
}

/** The clinic's last committed seq: under the clinic lock, every seq below it is committed (S8). */
async function highWaterMark(db: Db, clinicId: string): Promise<number> {
  const [row] = await db
    .select({ seq: sql<string | number | null>`max(${updateLog.seq})` })
    .from(updateLog)
    .where(eq(updateLog.clinicId, clinicId));
  return row?.seq === null || row?.seq === undefined ? 0 : Number(row.seq);
}

function reject(code: RejectionCode, message: string): Result<never, Rejection> {
  return err({ code, message });
}

function homeClinicLabel(docId: string): string {
  return docId.startsWith('consult/') ? 'consult' : 'patient record';
}

function validDate(ms: number): Date | null {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms) : null;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** Raw `sql` columns bypass the column mapper: normalise Buffer / hex string to Uint8Array. */
function toBytes(value: Uint8Array | string): Uint8Array {
  if (typeof value === 'string') {
    const hex = value.startsWith('\\x') ? value.slice(2) : value;
    const bytes = new Uint8Array(hex.length / 2);
    for (let index = 0; index < bytes.length; index++)
      bytes[index] = parseInt(hex.slice(index * 2, index * 2 + 2), 16);
    return bytes;
  }
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

function isUniqueViolation(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if ((current as { code?: unknown }).code === '23505') return true;
  }
  return false;
}
