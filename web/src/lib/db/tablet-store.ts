/**
 * What the sync engine needs from the tablet's storage. Each method is one
 * atomic step, so an interruption at any point leaves the store consistent and
 * the next sync resumes (S1–S5, S10, S12). Implemented by `LocalStore` over
 * IndexedDB (store.ts) or memory (memory-store.ts).
 */
import type { ClinicId } from '@outpost/shared/ids';
import type { PushedUpdate, SyncResponse } from '@outpost/shared/sync';

export interface PreparedRequest {
  /** The client id to announce (S12). */
  readonly clientId: number;
  /** The stored cursor (S5). */
  readonly cursor: Uint8Array;
  /**
   * Entries to push, now marked `sent`: earlier-sent entries first, unchanged
   * (S3), then pending ones, of one document merged where never sent (S10).
   */
  readonly pushes: readonly PushedUpdate[];
  /** Documents whose server state is needed to re-key them (S9a, S12). */
  readonly wantDocuments: readonly string[];
  /** Entries waiting for a receipt (pending + sent) when the request was made. */
  readonly waiting: number;
}

export interface ApplyContext {
  /** The documents the request wanted (S9a). */
  readonly wanted: readonly string[];
  /** serverTime − device time (S11). */
  readonly clockOffsetMs: number;
  /** Device clock when the response arrived. */
  readonly syncedAt: number;
}

export interface AppliedResponse {
  readonly stored: number;
  readonly rejected: number;
  readonly documents: number;
  readonly updates: number;
  /** Documents rebuilt under a new client id in this step (S12). */
  readonly rekeyed: readonly string[];
  /** Entries still to push plus documents still to re-key: sync again when > 0. */
  readonly remaining: number;
}

export interface TabletStore {
  readonly clinicId: ClinicId;
  readonly deviceId: string;
  /** The current Yjs client id (changes after a clash, S12). */
  readonly clientId: number;
  /** Builds the next request's pushes and marks them sent, in one commit. */
  prepareRequest(options: {
    readonly maxPushBytes: number;
    readonly now: number;
  }): Promise<PreparedRequest>;
  /**
   * Applies a whole response in one commit: receipts (S2, S4), clashes (S12),
   * pulled documents and updates with their read models, then the cursor (S5).
   * Idempotent: applying the same response twice changes nothing more.
   */
  applySyncResponse(response: SyncResponse, context: ApplyContext): Promise<AppliedResponse>;
  /** Forgets the cursor (the server refused it): the next pull starts from a snapshot (S6). */
  resetCursor(): Promise<void>;
  /** Remembers a failed attempt (for the status line); best effort. */
  recordSyncFailure(at: number, message: string): Promise<void>;
}
