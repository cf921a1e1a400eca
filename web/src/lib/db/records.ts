/**
 * What the tablet stores, table by table. These shapes are the on-disk format:
 * change them only additively, or add a Dexie `version(n)` with an upgrade
 * (store.ts). Every record passes through `seal`/`open` in store.ts.
 */
import type { RejectionCode } from '@outpost/shared/sync';
import type { ConsultPriority, ConsultStatus, Sex } from '@outpost/shared/model';

export type DocKind = 'patient' | 'consult';

/** One record document: its merged, compacted Yjs state (`Y.encodeStateAsUpdate`). */
export interface DocumentRecord {
  readonly docId: string;
  readonly kind: DocKind;
  /** The merged Yjs state as of the row's last full write. */
  readonly state: Uint8Array;
  /**
   * Local changes saved since `state` was written: their Yjs updates, in order,
   * length-framed (`document-tail.ts`). Absent: `state` is the whole document.
   */
  readonly tail?: Uint8Array;
  /** Device clock (ms) of the last write of this record. */
  readonly updatedAt: number;
}

export type OutboxStatus = 'pending' | 'sent' | 'rejected';

/**
 * One local change waiting for the server's receipt (S1–S4).
 * `pending`: never pushed (may still be merged with other pending entries of its
 * document, S10). `sent`: pushed at least once; re-sent unchanged under the same
 * `localSeq` until a receipt arrives (S3). `rejected`: the server refused it; kept
 * with the reason, never pushed again automatically (S4).
 */
export interface OutboxRecord {
  /** Assigned by the store's auto-increment key on insert; never reused. */
  readonly localSeq?: number;
  readonly docId: string;
  /** A Yjs update (v1) holding only this tablet's change. */
  readonly update: Uint8Array;
  /** Device clock (ms) when the change was saved. */
  readonly deviceTime: number;
  /** The Yjs client id the change was authored under (S12). */
  readonly clientId: number;
  readonly status: OutboxStatus;
  readonly sentAt?: number;
  readonly code?: RejectionCode;
  readonly message?: string;
  readonly rejectedAt?: number;
}

/** An outbox record once stored (its key assigned). */
export type OutboxEntry = OutboxRecord & { readonly localSeq: number };

export interface IdentityMeta {
  readonly key: 'identity';
  /** UUIDv7, created once when the database is first opened. */
  readonly deviceId: string;
  /** The Yjs client id every local change is authored with (S12). */
  readonly clientId: number;
  /** Client ids this tablet used before (after a clash, S12): its own authorship. */
  readonly retiredClientIds: readonly number[];
  readonly createdAt: number;
}

export interface SyncMeta {
  readonly key: 'sync';
  /** Opaque server cursor; stored only with the page it covers (S5). Empty: nothing pulled yet. */
  readonly cursor: Uint8Array;
  /** Documents to re-key after a client-id clash: their server state is wanted (S9a, S12). */
  readonly rekeyPending: readonly string[];
  readonly lastSuccessAt?: number;
  readonly lastAttemptAt?: number;
  /** Plain-words reason of the last failed attempt; cleared by a success. */
  readonly lastError?: string;
  /** serverTime − device time, estimated at the last sync (S11). */
  readonly clockOffsetMs?: number;
}

export type MetaRecord = IdentityMeta | SyncMeta;

export interface LatestVital {
  readonly value: number | boolean | string;
  readonly unit?: string;
  readonly effectiveAt: number;
}

/** The patient list / search read model: derived from the document, rebuildable. */
export interface PatientRow {
  readonly docId: string;
  readonly id: string;
  readonly givenName: string;
  readonly familyName?: string;
  /** Display name: given and family name. */
  readonly name: string;
  readonly village?: string;
  readonly phone?: string;
  readonly nationalId?: string;
  readonly clinicNumber?: string;
  /** The current value; `conflict` when concurrent assertions disagree. */
  readonly sex?: Sex | 'conflict';
  readonly birthDate?: string;
  readonly birthDateEstimated?: boolean;
  /** Whole years at `updatedAt` (recompute from `birthDate` for display on another day). */
  readonly ageYears?: number;
  readonly latestVitals: Readonly<Record<string, LatestVital>>;
  readonly openEncounter: boolean;
  readonly needsReview: boolean;
  /** Patient id of the record this one was merged into (merge.ts): hidden from lists. */
  readonly mergedInto?: string;
  /** Patient ids of records merged into this one. */
  readonly mergedFrom?: readonly string[];
  /**
   * Patient ids of records marked "not the same person" as this one (and not
   * undone): the duplicate review and warning leave those pairs out.
   */
  readonly distinctFrom?: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Normalised search words (names, village, ids, phone digits); indexed for prefix search. */
  readonly tokens: readonly string[];
}

/** The consult list read model. */
export interface ConsultRow {
  readonly docId: string;
  readonly id: string;
  readonly patientId: string;
  readonly status: ConsultStatus;
  readonly priority: ConsultPriority;
  readonly question: string;
  readonly messageCount: number;
  /** When it was last sent, and received by the server after that (stall warnings). */
  readonly sentAt?: number;
  readonly receivedAt?: number;
  /** When the latest signed answer was given. */
  readonly answeredAt?: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * A rejection the server gave (S4), kept for good with the update bytes, so it
 * stays recoverable even after the outbox entry is resolved (re-keyed, S12).
 */
export interface RejectionRecord {
  readonly localSeq: number;
  readonly docId: string;
  readonly code: RejectionCode;
  readonly message: string;
  readonly update: Uint8Array;
  readonly deviceTime: number;
  readonly rejectedAt: number;
  /** Set when the change was carried over into a re-keyed entry (S12). */
  readonly resolution?: 'rekeyed';
}

/**
 * A continuous-monitoring session as the tablet keeps it (Dexie version 2). The
 * record holds the synced per-minute summary; this row and its chunks hold the
 * raw 1 Hz stream, which never leaves the tablet.
 */
export interface StreamSessionRecord {
  /** `session|<sessionId>`. */
  readonly key: string;
  readonly kind: 'session';
  /** The record's monitoring session id (shared/model/monitoring.ts). */
  readonly sessionId: string;
  readonly patientDocId: string;
  readonly encounterId: string;
  readonly deviceId: string;
  readonly deviceName?: string;
  /** Epoch seconds of the session's first sample (chunks are aligned to it). */
  readonly startSec: number;
  readonly startedAt: number;
  readonly stoppedAt?: number;
}

/**
 * Up to `CHUNK_SECONDS` of 1 Hz samples (shared/devices/monitorStream.ts
 * `encodeChunk`). The open chunk is rewritten as it fills (once a minute).
 */
export interface StreamChunkRecord {
  /** `chunk|<sessionId>|<seq, 6 digits>`: key order is time order. */
  readonly key: string;
  readonly kind: 'chunk';
  readonly sessionId: string;
  readonly seq: number;
  readonly count: number;
  readonly bytes: Uint8Array;
}

export type StreamRecord = StreamSessionRecord | StreamChunkRecord;

/**
 * A consult photo taken on this tablet (Dexie version 4): downscaled, stripped
 * of metadata, named by its SHA-256, sealed like every record. `pending` until
 * the server has verified the whole upload; the consult that references it is
 * found from the consult documents' snapshots. `refused` needs no schema
 * change: `status` is an indexed enum, any value fits.
 */
export interface PhotoRecord {
  readonly sha256: string;
  readonly contentType: string;
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly createdAt: number;
  /** `refused`: the server refused the file itself (type, size, pixels); it is never sent again. */
  readonly status: 'pending' | 'uploaded' | 'refused';
  readonly uploadedAt?: number;
  /** Why the server refused it (its error code and message), and when. */
  readonly refusal?: { readonly code: string; readonly message: string; readonly at: number };
  /** A refused photo whose bytes the user removed from this tablet (`bytes` is then empty). */
  readonly removedAt?: number;
}

export interface Tables {
  documents: DocumentRecord;
  outbox: OutboxRecord;
  meta: MetaRecord;
  patients: PatientRow;
  consults: ConsultRow;
  rejections: RejectionRecord;
  streams: StreamRecord;
  photos: PhotoRecord;
}
export type TableName = keyof Tables;
export type RecordKey = string | number;

export const TABLE_NAMES: readonly TableName[] = [
  'documents',
  'outbox',
  'meta',
  'patients',
  'consults',
  'rejections',
  'streams',
  'photos',
];

/** The primary key of each table. */
export const PRIMARY_KEYS: { readonly [T in TableName]: string } = {
  documents: 'docId',
  outbox: 'localSeq',
  meta: 'key',
  patients: 'docId',
  consults: 'docId',
  rejections: 'localSeq',
  streams: 'key',
  photos: 'sha256',
};
