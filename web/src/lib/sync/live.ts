/**
 * The live channel (S14) for the document on screen, with the stock y-websocket
 * `WebsocketProvider` against `/ws/<docId>?device=…&clinic=…&user=…`.
 *
 * - Remote updates the provider applies to the open document came from the
 *   server (which stored them before broadcasting, S14): they are persisted to
 *   the store (`persistLive`), never queued in the outbox.
 * - Local changes still go through the store (and so the outbox): the provider
 *   sees them applied to the open document after their commit and forwards
 *   them; the server stores them once whichever way arrives first (S12).
 * - After a re-key (S12) the store replaces the open document; the connection
 *   is rebuilt on the new one.
 * - Close codes 4400–4499 (`CLOSE_CODES`) are permanent for this document:
 *   the provider stops and `status` says `closed`; batch sync still carries
 *   every change.
 */
import { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import type { DocHandle, LocalStore } from '../db';
import type { CallerIdentity } from './transport';

export type LiveStatus = 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface LiveOptions {
  /** Default: `ws(s)://<this host>/ws`. */
  readonly baseUrl?: string;
  readonly identity: () => CallerIdentity;
  /** Connect at once (default: when the browser is online). */
  readonly connect?: boolean;
  /** Wait after a burst of remote updates before persisting them. */
  readonly persistDelayMs?: number;
  readonly WebSocketPolyfill?: typeof WebSocket;
  readonly onStatus?: (status: LiveStatus, closeCode?: number) => void;
}

export interface LiveConnection {
  readonly status: LiveStatus;
  /** The close code of a permanent close (4xxx), if any. */
  readonly closeCode: number | undefined;
  connect(): void;
  disconnect(): void;
  /** Disconnects for good and persists anything pending. */
  destroy(): void;
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

  const bind = () => {
    const doc = handle.doc;
    boundDoc = doc;
    const identity = options.identity();
    const created = new WebsocketProvider(baseUrl, handle.docId, doc, {
      connect: wantConnected,
      params: { device: identity.deviceId, clinic: identity.clinicId, user: identity.userId },
      disableBc: true,
      ...(options.WebSocketPolyfill !== undefined && {
        WebSocketPolyfill: options.WebSocketPolyfill,
      }),
    });
    created.on('status', ({ status: next }) => setStatus(next));
    created.on('closed', ({ code }) => {
      closeCode = code;
      setStatus('closed', code);
    });
    doc.on('update', onUpdate);
    provider = created;
  };
  const unbind = () => {
    if (persistTimer !== undefined) persist();
    boundDoc?.off('update', onUpdate);
    provider?.destroy();
    provider = undefined;
    boundDoc = undefined;
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
    connect() {
      wantConnected = true;
      if (status !== 'closed') provider?.connect();
    },
    disconnect() {
      wantConnected = false;
      provider?.disconnect();
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      unsubscribe();
      unbind();
      setStatus('disconnected');
    },
  };
}
