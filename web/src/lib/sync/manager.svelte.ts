/**
 * Sync status for the UI, and what makes sync happen.
 *
 * Triggers: the browser coming online (after a `/healthz` reachability probe),
 * a timer while online, a local change (shortly after, batched), `syncNow()`,
 * and Background Sync: after a failure or a change made offline the page
 * registers `outpost-sync`; the service worker, when the browser fires it,
 * posts `{type: 'outpost-sync'}` to open pages, which sync. (With no page open
 * nothing syncs until the app is opened: the store lives in the page.)
 * Failures back off exponentially with jitter; the status line says in plain
 * words what happened and that the work is saved on the tablet.
 */
import type { Clock, Random } from '@outpost/shared/deps';
import type { LocalStore, RejectedUpdate } from '../db';
import { cryptoRandom, systemClock } from '../db/defaults';
import {
  CLOCK_WARNING_MS,
  backoffDelayMs,
  createSyncClient,
  describeSyncError,
  type SyncClient,
  type SyncError,
  type SyncProgress,
  type Transport,
} from './engine';
import { createHttpTransport, type FetchLike } from './transport';

export const BACKGROUND_SYNC_TAG = 'outpost-sync';
/** The message the service worker posts to pages when Background Sync fires. */
export const SYNC_MESSAGE_TYPE = 'outpost-sync';

/** How long after an outbox change the counts are read again (`#refreshSoon`). */
const REFRESH_DELAY_MS = 100;

export const OFFLINE_MESSAGE =
  'This tablet is offline. Your work is saved on this tablet and will be sent when the connection returns.';

export interface SyncManagerOptions {
  readonly store: LocalStore;
  /** Default: `POST /api/sync` through `api`. */
  readonly transport?: Transport;
  /** The authorised fetch (`vault.api`: bearer token, refresh once and retry). */
  readonly api?: FetchLike;
  /**
   * Runs after each successful sync (the tablet's audit events are posted then);
   * its failure is ignored here (it retries after the next sync).
   */
  readonly afterSync?: () => Promise<void>;
  readonly healthUrl?: string;
  /** How often to sync while online. */
  readonly intervalMs?: number;
  readonly probeTimeoutMs?: number;
  /** Wait after a local change before syncing, so a burst goes in one request. */
  readonly changeDelayMs?: number;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly fetch?: typeof fetch;
}

export class SyncManager {
  /** The browser believes it has a network. */
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
  /** The server answered the last probe or sync (undefined: not known yet). */
  reachable = $state<boolean | undefined>(undefined);
  syncing = $state(false);
  /** Changes saved here and not yet acknowledged by the server. */
  waiting = $state(0);
  /** Changes the server refused (S4), newest first. */
  rejected = $state<RejectedUpdate[]>([]);
  lastSuccessAt = $state<number | undefined>(undefined);
  /** The last failure in plain words; undefined after a success. */
  lastError = $state<string | undefined>(undefined);
  lastErrorType = $state<SyncError['type'] | undefined>(undefined);
  progress = $state<SyncProgress | undefined>(undefined);
  clockOffsetMs = $state<number | undefined>(undefined);

  /** The tablet clock is off by more than 5 minutes (S11): show "check the date and time". */
  clockWarning = $derived(
    this.clockOffsetMs !== undefined && Math.abs(this.clockOffsetMs) > CLOCK_WARNING_MS,
  );
  /** Not-accepted changes still waiting for attention (re-keyed ones were repaired). */
  openRejections = $derived(this.rejected.filter((rejection) => rejection.state === 'open'));

  #store: LocalStore | undefined;
  #client: SyncClient | undefined;
  #options: SyncManagerOptions | undefined;
  #clock: Clock = systemClock;
  #random: Random = cryptoRandom;
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #changeTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #interval: ReturnType<typeof setInterval> | undefined;
  #cleanup: Array<() => void> = [];

  /** Starts syncing `store` (the enrolled clinic's). Call `stop()` on sign-out. */
  start(options: SyncManagerOptions): void {
    this.stop();
    const store = options.store;
    this.#options = options;
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? cryptoRandom;
    const api = options.api;
    const transport =
      options.transport ??
      createHttpTransport({
        fetch:
          api ??
          (() =>
            Promise.reject(new Error('No signed-in user: sync needs the authorised fetch (api).'))),
      });
    this.#client = createSyncClient({
      store,
      transport,
      clock: this.#clock,
      onProgress: (progress) => {
        this.progress = progress;
        this.waiting = progress.waiting;
      },
    });
    this.#cleanup.push(
      store.subscribe((event) => {
        if (event.type === 'outbox') this.#refreshSoon();
        if (event.type === 'document' && event.cause === 'local') this.#soon();
      }),
    );
    if (typeof window !== 'undefined') {
      const onOnline = () => {
        this.online = true;
        void this.#probeThenSync();
      };
      const onOffline = () => {
        this.online = false;
        this.reachable = false;
        this.#clearRetry();
      };
      window.addEventListener('online', onOnline);
      window.addEventListener('offline', onOffline);
      this.#cleanup.push(() => {
        window.removeEventListener('online', onOnline);
        window.removeEventListener('offline', onOffline);
      });
    }
    const worker = typeof navigator === 'undefined' ? undefined : navigator.serviceWorker;
    if (worker !== undefined) {
      const onMessage = (event: MessageEvent) => {
        const data: unknown = event.data;
        if (
          typeof data === 'object' &&
          data !== null &&
          (data as { type?: unknown }).type === SYNC_MESSAGE_TYPE
        )
          void this.syncNow();
      };
      worker.addEventListener('message', onMessage);
      this.#cleanup.push(() => worker.removeEventListener('message', onMessage));
    }
    this.#interval = setInterval(() => {
      if (this.online && !this.syncing) void this.syncNow();
    }, options.intervalMs ?? 60_000);
    void this.refresh();
    if (this.online) void this.syncNow();
  }

  stop(): void {
    for (const cleanup of this.#cleanup.splice(0)) cleanup();
    if (this.#interval !== undefined) clearInterval(this.#interval);
    if (this.#changeTimer !== undefined) clearTimeout(this.#changeTimer);
    if (this.#refreshTimer !== undefined) clearTimeout(this.#refreshTimer);
    this.#clearRetry();
    this.#interval = undefined;
    this.#changeTimer = undefined;
    this.#refreshTimer = undefined;
    this.#client = undefined;
    this.#store = undefined;
  }

  /** Re-reads counts, rejections and the last sync result from the store. */
  async refresh(): Promise<void> {
    const store = this.#store;
    if (store === undefined) return;
    const [summary, rejected, status] = await Promise.all([
      store.outboxSummary(),
      store.rejectedUpdates(),
      store.syncStatus(),
    ]);
    if (store !== this.#store) return;
    this.waiting = summary.pending + summary.sent;
    this.rejected = rejected;
    this.lastSuccessAt = status.lastSuccessAt;
    this.clockOffsetMs ??= status.clockOffsetMs;
  }

  /**
   * The counts follow a change of the outbox a moment later, once: re-reading them
   * (three store reads, rejections decrypted) inside the task that saved a visit
   * would delay its "Saved" on a slow tablet, and a burst of changes needs one read.
   */
  #refreshSoon(): void {
    if (this.#refreshTimer !== undefined) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined;
      void this.refresh();
    }, REFRESH_DELAY_MS);
  }

  /** Syncs now (the "Sync now" button); resolves when the attempt ends. */
  async syncNow(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    if (typeof navigator !== 'undefined' && !navigator.onLine) {
      this.online = false;
      this.lastError = OFFLINE_MESSAGE;
      this.lastErrorType = 'Unreachable';
      await this.#registerBackgroundSync();
      return;
    }
    this.#clearRetry();
    this.syncing = true;
    this.progress = undefined;
    try {
      const result = await client.syncOnce();
      if (client !== this.#client) return;
      this.clockOffsetMs = client.clockOffsetMs ?? this.clockOffsetMs;
      if (result.ok) {
        this.#failures = 0;
        this.reachable = true;
        this.lastError = undefined;
        this.lastErrorType = undefined;
        this.lastSuccessAt = this.#clock.now();
        if (result.value.incomplete) this.#soon(0);
        else void this.#options?.afterSync?.().catch(() => undefined);
      } else {
        this.#failures++;
        const error = result.error;
        this.reachable = error.type !== 'Unreachable' && error.type !== 'Timeout';
        this.lastError = describeSyncError(error);
        this.lastErrorType = error.type;
        // An app too old for the server or a refused identity will not fix itself by retrying.
        if (error.type !== 'ProtocolMismatch' && error.type !== 'Unauthorised') {
          this.#retryTimer = setTimeout(
            () => void this.syncNow(),
            backoffDelayMs(this.#failures, this.#random),
          );
          await this.#registerBackgroundSync();
        }
      }
    } finally {
      if (client === this.#client) {
        this.syncing = false;
        await this.refresh();
      }
    }
  }

  /** Is the server there? `GET /healthz` with a short timeout. */
  async probe(): Promise<boolean> {
    const options = this.#options;
    const doFetch = options?.fetch ?? (typeof fetch === 'undefined' ? undefined : fetch);
    if (doFetch === undefined) return false;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options?.probeTimeoutMs ?? 5_000);
    try {
      const response = await doFetch(options?.healthUrl ?? '/healthz', {
        cache: 'no-store',
        signal: controller.signal,
      });
      this.reachable = response.ok;
    } catch {
      this.reachable = false;
    } finally {
      clearTimeout(timer);
    }
    return this.reachable;
  }

  async #probeThenSync(): Promise<void> {
    if (await this.probe()) await this.syncNow();
    else this.#retryLater();
  }

  #retryLater(): void {
    this.#clearRetry();
    this.#failures++;
    this.#retryTimer = setTimeout(
      () => void this.#probeThenSync(),
      backoffDelayMs(this.#failures, this.#random),
    );
  }

  /** Sync shortly (a burst of changes goes in one request). */
  #soon(delayMs = this.#options?.changeDelayMs ?? 3_000): void {
    if (this.#changeTimer !== undefined) return;
    this.#changeTimer = setTimeout(() => {
      this.#changeTimer = undefined;
      if (this.online) void this.syncNow();
      else void this.#registerBackgroundSync();
    }, delayMs);
  }

  #clearRetry(): void {
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  /** Asks the browser to wake the service worker when connectivity returns (where supported). */
  async #registerBackgroundSync(): Promise<void> {
    try {
      const worker = typeof navigator === 'undefined' ? undefined : navigator.serviceWorker;
      if (worker === undefined || worker.controller === null) return;
      const registration = (await worker.ready) as ServiceWorkerRegistration & {
        sync?: { register(tag: string): Promise<void> };
      };
      await registration.sync?.register(BACKGROUND_SYNC_TAG);
    } catch {
      // Unsupported or refused: the online event and the timer still trigger sync.
    }
  }
}

/** The app's sync manager; the layout starts it once the clinic store is open. */
export const syncManager = new SyncManager();
