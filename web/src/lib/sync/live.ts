/**
 * The live channel (S14) for the document on screen, with the stock y-websocket
 * `WebsocketProvider` against `/ws/<docId>?ticket=…`.
 *
 * - Every connection, reconnects included, needs a fresh single-use ticket
 *   (`POST /api/live/ticket {docId}`, valid 30 s; docs/security.md "How the
 *   tablet uses it" 4). The provider is created with `connect: false`; this
 *   module mints a ticket, sets `provider.params = {ticket}` (read by
 *   `provider.url` on every connect) and calls `provider.connect()`. When a
 *   connection closes (or is refused before the upgrade), the provider's own
 *   reconnect is switched off and this module mints a new ticket and connects
 *   again, backing off while that fails.
 * - Remote updates the provider applies to the open document came from the
 *   server (which stored them before broadcasting, S14): they are persisted to
 *   the store (`persistLive`), never queued in the outbox.
 * - Local changes still go through the store (and so the outbox): the provider
 *   sees them applied to the open document after their commit and forwards
 *   them; the server stores them once whichever way arrives first (S12).
 * - After a re-key (S12) the store replaces the open document; the connection
 *   is rebuilt on the new one.
 * - Close codes 4400–4499 (`CLOSE_CODES`) are permanent for this document:
 *   the provider stops and `status` says `closed` (`onClosed` is told: 4410 means
 *   the device, user or session is no longer active); batch sync still carries
 *   every change.
 * - Presence (`presence`): the provider's y-protocols awareness, relayed by the
 *   server and never stored. What this tablet announces is kept here and put on
 *   every provider (re-keys included); it starts as nothing (`null`, not the
 *   stock `{}`), so a screen that sets no presence announces none. Listeners get
 *   the others' states (untrusted: validate before showing) on every change, and
 *   an empty map while disconnected.
 */
import { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import type { DocHandle, LocalStore } from '../db';
import type { FetchLike } from './transport';

export type LiveStatus = 'connecting' | 'connected' | 'disconnected' | 'closed';

/** A minted ticket, or why there is none (`retry`: worth trying again later). */
export type LiveTicket =
  { readonly ok: true; readonly ticket: string } | { readonly ok: false; readonly retry: boolean };

export interface LiveOptions {
  /** Default: `ws(s)://<this host>/ws`. */
  readonly baseUrl?: string;
  /** Mints a ticket for `docId` before each connection (`liveTicketsFrom(vault.api)`). */
  readonly ticket: (docId: string) => Promise<LiveTicket>;
  /** Connect at once (default: when the browser is online). */
  readonly connect?: boolean;
  /** Wait after a burst of remote updates before persisting them. */
  readonly persistDelayMs?: number;
  readonly WebSocketPolyfill?: typeof WebSocket;
  readonly onStatus?: (status: LiveStatus, closeCode?: number) => void;
  /** A permanent close (4400–4499) arrived, e.g. 4410: the app checks its session. */
  readonly onClosed?: (code: number) => void;
  /** Longest wait between connection attempts (default 30 s). */
  readonly maxBackoffMs?: number;
}

/** Presence on the live channel (y-protocols awareness): relayed, never stored. */
export interface LivePresence {
  /** What this tablet announces (`null`: nothing); kept across reconnects and re-keys. */
  set(state: Readonly<Record<string, unknown>> | null): void;
  /**
   * Called at once and on every change with the others' announced states by
   * awareness client id (ours left out); empty while not connected.
   */
  subscribe(listener: (others: ReadonlyMap<number, unknown>) => void): () => void;
}

export interface LiveConnection {
  readonly status: LiveStatus;
  readonly presence: LivePresence;
  /** The close code of a permanent close (4xxx), if any. */
  readonly closeCode: number | undefined;
  connect(): void;
  disconnect(): void;
  /** Disconnects for good and persists anything pending. */
  destroy(): void;
}

/** Tickets from `POST /api/live/ticket` through an authorised fetch (`vault.api`). */
export function liveTicketsFrom(api: FetchLike): (docId: string) => Promise<LiveTicket> {
  return async (docId) => {
    let response: Response;
    try {
      response = await api('/api/live/ticket', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ docId }),
      });
    } catch {
      return { ok: false, retry: true }; // offline
    }
    if (response.ok) {
      try {
        const body = (await response.json()) as { ticket?: unknown };
        if (typeof body.ticket === 'string') return { ok: true, ticket: body.ticket };
      } catch {
        // fall through
      }
      return { ok: false, retry: true };
    }
    // 5xx and 429: later. 401/403/400: not for this connection (the vault handles 401s).
    return { ok: false, retry: response.status >= 500 || response.status === 429 };
  };
}

/** Close codes a server sends to stop reconnecting (y-websocket's default rule). */
function isPermanentClose(code: number | undefined): boolean {
  return code !== undefined && code >= 4400 && code < 4500;
}

export function defaultLiveUrl(): string {
  if (typeof location === 'undefined') return 'ws://localhost/ws';
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

export function connectLive(
  store: LocalStore,
  handle: DocHandle,
  options: LiveOptions,
): LiveConnection {
  const baseUrl = options.baseUrl ?? defaultLiveUrl();
  const persistDelayMs = options.persistDelayMs ?? 300;
  let status: LiveStatus = 'disconnected';
  let closeCode: number | undefined;
  let provider: WebsocketProvider | undefined;
  let boundDoc: Y.Doc | undefined;
  let persistTimer: ReturnType<typeof setTimeout> | undefined;
  let wantConnected =
    options.connect ?? (typeof navigator === 'undefined' ? true : navigator.onLine);
  let destroyed = false;
  let localPresence: Readonly<Record<string, unknown>> | null = null;
  const presenceListeners = new Set<(others: ReadonlyMap<number, unknown>) => void>();
  const othersOf = (awareness: Awareness | undefined): ReadonlyMap<number, unknown> => {
    const others = new Map<number, unknown>();
    if (awareness === undefined) return others;
    for (const [clientId, state] of awareness.getStates())
      if (clientId !== awareness.clientID) others.set(clientId, state);
    return others;
  };
  const announcePresence = () => {
    const others = othersOf(provider?.awareness);
    for (const listener of presenceListeners) listener(others);
  };

  const setStatus = (next: LiveStatus, code?: number) => {
    status = next;
    options.onStatus?.(next, code);
  };
  const persist = () => {
    if (persistTimer !== undefined) clearTimeout(persistTimer);
    persistTimer = undefined;
    // Best effort: if it fails, batch sync pulls the same updates again.
    void store.persistLive(handle.docId);
  };
  const onUpdate = (_update: Uint8Array, origin: unknown) => {
    if (provider === undefined || origin !== provider) return;
    if (persistTimer === undefined) persistTimer = setTimeout(persist, persistDelayMs);
  };

  let attempts = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const clearRetry = () => {
    if (retryTimer !== undefined) clearTimeout(retryTimer);
    retryTimer = undefined;
  };
  const canConnect = () =>
    !destroyed && wantConnected && status !== 'closed' && provider !== undefined;
  const scheduleOpen = () => {
    clearRetry();
    if (!canConnect()) return;
    const delayMs = attempts === 0 ? 0 : Math.min(250 * 2 ** (attempts - 1), maxBackoffMs);
    attempts++;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void open();
    }, delayMs);
  };
  /** Mints a ticket, then connects with it (the provider reads `params` in its `url`). */
  const open = async () => {
    const target = provider;
    if (!canConnect() || target === undefined || target.ws !== null) return;
    const minted = await options
      .ticket(handle.docId)
      .catch((): LiveTicket => ({ ok: false, retry: true }));
    if (target !== provider || !canConnect() || target.ws !== null) return;
    if (!minted.ok) {
      if (minted.retry) scheduleOpen();
      else setStatus('disconnected');
      return;
    }
    target.params = { ticket: minted.ticket };
    target.connect();
  };

  const bind = () => {
    const doc = handle.doc;
    boundDoc = doc;
    const created = new WebsocketProvider(baseUrl, handle.docId, doc, {
      connect: false,
      disableBc: true,
      ...(options.WebSocketPolyfill !== undefined && {
        WebSocketPolyfill: options.WebSocketPolyfill,
      }),
    });
    created.on('status', ({ status: next }) => {
      if (created !== provider) return;
      if (next === 'connected') attempts = 0;
      setStatus(next);
    });
    created.on('connection-close', (event) => {
      if (created !== provider || isPermanentClose(event?.code)) return;
      // The ticket is spent: the provider must not reconnect with it. A new one first.
      created.shouldConnect = false;
      if (status !== 'disconnected') setStatus('disconnected');
      scheduleOpen();
    });
    created.on('closed', ({ code }) => {
      if (created !== provider) return;
      clearRetry();
      closeCode = code;
      setStatus('closed', code);
      options.onClosed?.(code);
    });
    // The stock provider announces `{}` from the start: nothing until a screen says who is here.
    created.awareness.setLocalState(localPresence === null ? null : { ...localPresence });
    created.awareness.on('change', () => {
      if (created === provider) announcePresence();
    });
    doc.on('update', onUpdate);
    provider = created;
    announcePresence();
    if (wantConnected) scheduleOpen();
  };
  const unbind = () => {
    if (persistTimer !== undefined) persist();
    boundDoc?.off('update', onUpdate);
    const old = provider;
    provider = undefined; // first: its closing events must not schedule a reconnect
    old?.destroy(); // tells the room we left (a null awareness state) while it can
    clearRetry();
    boundDoc = undefined;
    announcePresence();
  };

  const unsubscribe = store.subscribe((event) => {
    if (destroyed || event.type !== 'document' || event.docId !== handle.docId) return;
    if (event.cause === 'rekey' && handle.doc !== boundDoc) {
      unbind();
      bind();
    }
  });
  bind();

  return {
    get status() {
      return status;
    },
    get closeCode() {
      return closeCode;
    },
    presence: {
      set(state) {
        localPresence = state === null ? null : { ...state };
        if (!destroyed) provider?.awareness.setLocalState(localPresence);
      },
      subscribe(listener) {
        presenceListeners.add(listener);
        listener(othersOf(provider?.awareness));
        return () => presenceListeners.delete(listener);
      },
    },
    connect() {
      wantConnected = true;
      attempts = 0;
      if (status !== 'closed' && retryTimer === undefined && provider?.ws === null) scheduleOpen();
    },
    disconnect() {
      wantConnected = false;
      clearRetry();
      provider?.disconnect();
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      unsubscribe();
      unbind();
      presenceListeners.clear();
      setStatus('disconnected');
    },
  };
}
