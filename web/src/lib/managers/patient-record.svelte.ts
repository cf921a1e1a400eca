/**
 * One patient record open on screen: its projection kept fresh from the store
 * (local saves, batch sync and the live channel all announce changes), and the
 * live channel to the server while online.
 */
import type * as Y from 'yjs';
import type { PatientId } from '@outpost/shared/ids';
import {
  patientDocId,
  readMonitoring,
  readPatient,
  type MonitoringView,
  type PatientView,
} from '@outpost/shared/model';
import type { DocHandle, LocalStore } from '$lib/db';
import { CLOSE_CODES } from '@outpost/shared/sync';
import { vault } from '$lib/auth/vault.svelte';
import { connectLive, liveTicketsFrom, syncManager, type LiveConnection } from '$lib/sync';

export class PatientRecord {
  view = $state.raw<PatientView | undefined>(undefined);
  /** Continuous-monitoring sessions and their per-minute summaries (shared/model/monitoring). */
  monitoring = $state.raw<MonitoringView>({ sessions: [], problems: [] });
  status = $state<'loading' | 'ready' | 'missing'>('loading');
  readonly docId: string;
  #store: LocalStore;
  #handle: DocHandle | undefined;
  #live: LiveConnection | undefined;
  #unsubscribe: (() => void) | undefined;
  #closed = false;
  #boundDoc: Y.Doc | undefined;

  constructor(store: LocalStore, patientId: string) {
    this.#store = store;
    this.docId = patientDocId(patientId as PatientId);
  }

  async open(): Promise<void> {
    const handle = await this.#store.openDocument(this.docId);
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
    this.#refresh();
    this.#unsubscribe = this.#store.subscribe((event) => {
      if (event.type !== 'document' || event.docId !== this.docId) return;
      if (event.cause === 'rekey') this.#bind(); // the handle now holds a new Y.Doc
      this.#refresh();
    });
    const store = this.#store;
    this.#live = connectLive(store, handle, {
      ticket: liveTicketsFrom((path, init) => vault.api(path, init)),
      // 4410: the device, the user or the session is no longer active; the vault finds out which.
      onClosed: (code) => {
        if (code === CLOSE_CODES.revoked) void vault.checkSession();
      },
      connect: syncManager.online,
      onStatus: () => this.#refresh(),
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

  #onDocUpdate = () => this.#refresh();

  #refresh(): void {
    const doc = this.#handle?.doc;
    if (!doc) return;
    const result = readPatient(doc);
    if (result.ok) {
      this.view = result.value;
      this.monitoring = readMonitoring(doc);
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
