/**
 * A record document open on screen: its view kept fresh from the store (local
 * saves, batch sync and the live channel all announce changes), and the live
 * channel to the server while online, so two people online at once see each
 * other's changes as they happen. Patient and consult screens build on it.
 *
 * A change arrives by several paths at once (a local save updates the Y.Doc
 * and announces the commit; a live edit updates the Y.Doc and then is
 * persisted and announced): they are coalesced into one re-projection per
 * microtask, so a long record is read once per change, not once per path.
 */
import type * as Y from 'yjs';
import type { Result } from '@outpost/shared/result';
import type { DocHandle, LocalStore } from '$lib/db';
import { CLOSE_CODES } from '@outpost/shared/sync';
import { vault } from '$lib/auth/vault.svelte';
import { connectLive, liveTicketsFrom, syncManager, type LiveConnection } from '$lib/sync';

export class OpenDocument<V> {
  view = $state.raw<V | undefined>(undefined);
  status = $state<'loading' | 'ready' | 'missing'>('loading');
  readonly docId: string;
  protected readonly store: LocalStore;
  #read: (doc: Y.Doc) => Result<V, unknown>;
  #handle: DocHandle | undefined;
  #live: LiveConnection | undefined;
  #unsubscribe: (() => void) | undefined;
  #closed = false;
  #boundDoc: Y.Doc | undefined;
  #refreshQueued = false;

  constructor(store: LocalStore, docId: string, read: (doc: Y.Doc) => Result<V, unknown>) {
    this.store = store;
    this.docId = docId;
    this.#read = read;
  }

  /** The open Y.Doc (live channel awareness and extra projections use it). */
  protected get doc(): Y.Doc | undefined {
    return this.#handle?.doc;
  }

  get live(): LiveConnection | undefined {
    return this.#live;
  }

  async open(): Promise<void> {
    const handle = await this.store.openDocument(this.docId);
    if (this.#closed) {
      handle?.release();
      return;
    }
    if (!handle) {
      this.status = 'missing';
      return;
    }
    this.#handle = handle;
    // Audited on the tablet (sent after the next sync): who opened which record, when.
    vault.recordOpened(this.docId);
    this.refresh();
    this.#unsubscribe = this.store.subscribe((event) => {
      if (event.type !== 'document' || event.docId !== this.docId) return;
      if (event.cause === 'rekey') this.#bind(); // the handle now holds a new Y.Doc
      this.#queueRefresh();
    });
    const store = this.store;
    this.#live = connectLive(store, handle, {
      ticket: liveTicketsFrom((path, init) => vault.api(path, init)),
      // 4410: the device, the user or the session is no longer active; the vault finds out which.
      onClosed: (code) => {
        if (code === CLOSE_CODES.revoked) void vault.checkSession();
      },
      connect: syncManager.online,
      onStatus: () => this.#queueRefresh(),
    });
    this.#bind();
  }

  /** Live edits from a colleague change the open document directly. */
  #bind(): void {
    const doc = this.#handle?.doc;
    if (doc === this.#boundDoc) return;
    this.#boundDoc?.off('update', this.#onDocUpdate);
    doc?.on('update', this.#onDocUpdate);
    this.#boundDoc = doc;
  }

  /** Follow the network: the live channel only runs while online. */
  setOnline(online: boolean): void {
    if (online) this.#live?.connect();
    else this.#live?.disconnect();
  }

  #onDocUpdate = () => this.#queueRefresh();

  /** One re-projection for every change announced in this task (see the header). */
  #queueRefresh(): void {
    if (this.#refreshQueued) return;
    this.#refreshQueued = true;
    queueMicrotask(() => {
      this.#refreshQueued = false;
      if (!this.#closed) this.refresh();
    });
  }

  protected refresh(): void {
    const doc = this.#handle?.doc;
    if (!doc) return;
    const result = this.#read(doc);
    if (result.ok) {
      this.view = result.value;
      this.status = 'ready';
    } else {
      this.status = 'missing';
    }
  }

  close(): void {
    this.#closed = true;
    this.#boundDoc?.off('update', this.#onDocUpdate);
    this.#unsubscribe?.();
    this.#live?.destroy();
    this.#handle?.release();
  }
}
