/**
 * The batch sync client (SPEC S1–S13, tablet side). Plain TypeScript with no
 * DOM dependency: it runs over a `TabletStore` and a `Transport`, so Node tests
 * drive it with a memory store and a simulated server.
 *
 * One `syncOnce()` runs rounds until nothing is left: each round builds a
 * request from the outbox (the store marks those entries sent), sends it, and
 * applies the whole response in one store commit (receipts, pulled documents
 * and updates, then the cursor). A failure anywhere — transport error, timeout,
 * undecodable response, storage error — ends the attempt with the store as it
 * was after the last committed step: nothing acked is lost, the cursor never
 * covers unstored data, and the next `syncOnce()` resumes (re-sending `sent`
 * entries unchanged, S3).
 */
import type { Clock, Random } from '@outpost/shared/deps';
import { err, ok, type Result } from '@outpost/shared/result';
import {
  MAX_PAGE_BYTES,
  MAX_PUSH_BYTES,
  PROTOCOL_VERSION,
  decodeSyncResponse,
  encodeSyncRequest,
  type SyncRequest,
} from '@outpost/shared/sync';
import { toStorageError } from '../db/backend';
import type { TabletStore } from '../db/tablet-store';

/** Sends one encoded request and returns the encoded response; throws `TransportError`. */
export interface Transport {
  send(body: Uint8Array, signal: AbortSignal): Promise<Uint8Array>;
}

export type TransportFailure = 'network' | 'timeout' | 'http';

export class TransportError extends Error {
  /** HTTP status, for `http` failures. */
  readonly status: number | undefined;
  /** The server's error code (`{error: {code}}`), e.g. `invalid_cursor`. */
  readonly code: string | undefined;
  constructor(
    readonly kind: TransportFailure,
    message: string,
    details: { status?: number; code?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = 'TransportError';
    this.status = details.status;
    this.code = details.code;
  }
}

export type SyncError =
  /** No answer: offline, DNS, connection refused or reset. */
  | { readonly type: 'Unreachable'; readonly detail: string }
  | { readonly type: 'Timeout'; readonly afterMs: number }
  /** The server speaks another protocol version (HTTP 426, S13): the app needs updating. */
  | { readonly type: 'ProtocolMismatch'; readonly serverProtocol?: number }
  | { readonly type: 'Unauthorised'; readonly status: number }
  | { readonly type: 'ServerError'; readonly status: number }
  | { readonly type: 'BadResponse'; readonly detail: string }
  | { readonly type: 'StorageFull'; readonly message: string }
  | { readonly type: 'StorageFailure'; readonly message: string };

export interface SyncProgress {
  readonly round: number;
  readonly pushedRecords: number;
  readonly pushedBytes: number;
  readonly pulledRecords: number;
  readonly pulledBytes: number;
  /** Changes waiting when the sync started (known total for the push bar). */
  readonly waitingAtStart: number;
  /** Changes still waiting after the last round. */
  readonly waiting: number;
  /** The server has more to send (pull total unknown). */
  readonly more: boolean;
}

export interface SyncReport {
  readonly rounds: number;
  readonly stored: number;
  readonly rejected: number;
  readonly pulledDocuments: number;
  readonly pulledUpdates: number;
  readonly rekeyed: readonly string[];
  readonly clockOffsetMs: number | undefined;
  /** Stopped at `maxRounds` with work left: call again. */
  readonly incomplete: boolean;
}

/** Warn the user when the tablet clock is off by more than this (S11). */
export const CLOCK_WARNING_MS = 5 * 60_000;

export interface SyncClientOptions {
  readonly store: TabletStore;
  readonly transport: Transport;
  readonly clock: Clock;
  /** Per request (ms). Default 60 s. */
  readonly timeoutMs?: number;
  readonly maxPushBytes?: number;
  /** The page size asked for (smaller on slow links). */
  readonly maxResponseBytes?: number;
  /** Rounds per `syncOnce()` before it returns `incomplete`. */
  readonly maxRounds?: number;
  readonly onProgress?: (progress: SyncProgress) => void;
}

export interface SyncClient {
  /** Syncs until nothing is left; concurrent calls share the running attempt. */
  syncOnce(): Promise<Result<SyncReport, SyncError>>;
  readonly running: boolean;
  /** The last estimate of serverTime − device time (S11). */
  readonly clockOffsetMs: number | undefined;
  /** True when the tablet clock is off by more than 5 minutes. */
  readonly clockWarning: boolean;
}

export function createSyncClient(options: SyncClientOptions): SyncClient {
  const { store, transport, clock } = options;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxPushBytes = Math.min(options.maxPushBytes ?? MAX_PUSH_BYTES, MAX_PUSH_BYTES);
  const maxResponseBytes = Math.min(options.maxResponseBytes ?? MAX_PAGE_BYTES, MAX_PAGE_BYTES);
  const maxRounds = options.maxRounds ?? 200;
  let running: Promise<Result<SyncReport, SyncError>> | undefined;
  let clockOffsetMs: number | undefined;

  async function attempt(): Promise<Result<SyncReport, SyncError>> {
    let stored = 0;
    let rejected = 0;
    let pulledDocuments = 0;
    let pulledUpdates = 0;
    const rekeyed: string[] = [];
    let progress: SyncProgress | undefined;
    let cursorReset = false;
    for (let round = 1; round <= maxRounds; round++) {
      let prepared;
      try {
        prepared = await store.prepareRequest({ maxPushBytes, now: clock.now() });
      } catch (error) {
        return fail(storageFailure(error));
      }
      const request: SyncRequest = {
        protocol: PROTOCOL_VERSION,
        clientId: prepared.clientId,
        deviceTime: clock.now(),
        cursor: prepared.cursor,
        pushes: prepared.pushes,
        wantDocuments: prepared.wantDocuments,
        maxResponseBytes,
      };
      const body = encodeSyncRequest(request);
      const sentAt = clock.now();
      let responseBytes: Uint8Array;
      try {
        responseBytes = await sendWithTimeout(transport, body, timeoutMs);
      } catch (error) {
        // The server no longer knows our cursor (e.g. restored from a backup):
        // start again from an empty one (S6); applying documents twice is harmless.
        if (isInvalidCursor(error) && !cursorReset) {
          cursorReset = true;
          try {
            await store.resetCursor();
          } catch (storeError) {
            return fail(storageFailure(storeError));
          }
          continue;
        }
        return fail(transportFailure(error, timeoutMs));
      }
      const receivedAt = clock.now();
      const decoded = decodeSyncResponse(responseBytes);
      if (!decoded.ok) return fail({ type: 'BadResponse', detail: decoded.error.message });
      const response = decoded.value;
      if (response.protocol !== PROTOCOL_VERSION)
        return fail({ type: 'ProtocolMismatch', serverProtocol: response.protocol });
      // S11: the server's clock at the midpoint of the exchange.
      clockOffsetMs = Math.round(response.serverTime - (sentAt + receivedAt) / 2);
      let applied;
      try {
        applied = await store.applySyncResponse(response, {
          wanted: prepared.wantDocuments,
          clockOffsetMs,
          syncedAt: receivedAt,
        });
      } catch (error) {
        return fail(storageFailure(error));
      }
      stored += applied.stored;
      rejected += applied.rejected;
      pulledDocuments += applied.documents;
      pulledUpdates += applied.updates;
      rekeyed.push(...applied.rekeyed);
      const pushedBytes = prepared.pushes.reduce((sum, push) => sum + push.update.length, 0);
      progress = {
        round,
        pushedRecords: (progress?.pushedRecords ?? 0) + prepared.pushes.length,
        pushedBytes: (progress?.pushedBytes ?? 0) + pushedBytes,
        pulledRecords:
          (progress?.pulledRecords ?? 0) + response.documents.length + response.updates.length,
        pulledBytes: (progress?.pulledBytes ?? 0) + responseBytes.length,
        waitingAtStart: progress?.waitingAtStart ?? prepared.waiting,
        waiting: applied.remaining,
        more: response.more,
      };
      options.onProgress?.(progress);
      if (!response.more && applied.remaining === 0) {
        return ok({
          rounds: round,
          stored,
          rejected,
          pulledDocuments,
          pulledUpdates,
          rekeyed,
          clockOffsetMs,
          incomplete: false,
        });
      }
    }
    return ok({
      rounds: maxRounds,
      stored,
      rejected,
      pulledDocuments,
      pulledUpdates,
      rekeyed,
      clockOffsetMs,
      incomplete: true,
    });
  }

  async function fail(error: SyncError): Promise<Result<SyncReport, SyncError>> {
    await store.recordSyncFailure(clock.now(), describeSyncError(error)).catch(() => undefined);
    return err(error);
  }

  return {
    syncOnce() {
      running ??= attempt().finally(() => {
        running = undefined;
      });
      return running;
    },
    get running() {
      return running !== undefined;
    },
    get clockOffsetMs() {
      return clockOffsetMs;
    },
    get clockWarning() {
      return clockOffsetMs !== undefined && Math.abs(clockOffsetMs) > CLOCK_WARNING_MS;
    },
  };
}

async function sendWithTimeout(
  transport: Transport,
  body: Uint8Array,
  timeoutMs: number,
): Promise<Uint8Array> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new TransportError('timeout', `no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([transport.send(body, controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isInvalidCursor(error: unknown): boolean {
  return error instanceof TransportError && error.status === 400 && error.code === 'invalid_cursor';
}

function transportFailure(error: unknown, timeoutMs: number): SyncError {
  if (error instanceof TransportError) {
    switch (error.kind) {
      case 'timeout':
        return { type: 'Timeout', afterMs: timeoutMs };
      case 'network':
        return { type: 'Unreachable', detail: error.message };
      case 'http': {
        const status = error.status ?? 0;
        if (status === 426) return { type: 'ProtocolMismatch' };
        if (status === 401 || status === 403) return { type: 'Unauthorised', status };
        return { type: 'ServerError', status };
      }
    }
  }
  return { type: 'Unreachable', detail: error instanceof Error ? error.message : String(error) };
}

function storageFailure(error: unknown): SyncError {
  const storageError = toStorageError(error).error;
  return storageError.type === 'StorageFull'
    ? { type: 'StorageFull', message: storageError.message }
    : { type: 'StorageFailure', message: storageError.message };
}

const SAVED_HERE = 'Your work is saved on this tablet';

/** The error in words a health worker understands (shown in the sync status line). */
export function describeSyncError(error: SyncError): string {
  switch (error.type) {
    case 'Unreachable':
      return `The server could not be reached. ${SAVED_HERE} and will be sent when the connection returns.`;
    case 'Timeout':
      return `The connection is too slow: the server did not answer in time. ${SAVED_HERE} and will be sent when the connection improves.`;
    case 'ProtocolMismatch':
      return `This app needs to be updated before it can send work to the server. ${SAVED_HERE}. Reload the app while online to update it.`;
    case 'Unauthorised':
      return `The server did not accept this tablet or user. ${SAVED_HERE}. Sign in again or ask your administrator.`;
    case 'ServerError':
      return `The server had a problem (error ${error.status}). ${SAVED_HERE} and will be sent on the next try.`;
    case 'BadResponse':
      return `The server's answer was damaged on the way. ${SAVED_HERE} and will be sent on the next try.`;
    case 'StorageFull':
      return 'This tablet is out of storage space, so new records from the server could not be stored. Work already saved here is safe. Free some space, then sync again.';
    case 'StorageFailure':
      return `The tablet could not store what the server sent. ${SAVED_HERE}. Sync will try again.`;
  }
}

/**
 * Delay before the next attempt after `failures` failures in a row:
 * exponential, capped, with full jitter (so many tablets do not retry in step).
 */
export function backoffDelayMs(
  failures: number,
  random: Random,
  options: { baseMs?: number; maxMs?: number } = {},
): number {
  const baseMs = options.baseMs ?? 2_000;
  const maxMs = options.maxMs ?? 5 * 60_000;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 20)));
  return Math.round(baseMs / 2 + random.next() * (ceiling - baseMs / 2));
}
