/**
 * The clinic's open store, following the vault (`$lib/auth/vault.svelte`): the
 * enrolled clinic's database is opened with the vault's record cipher once a
 * user is unlocked, and closed — sync and the live channel stopped, the
 * in-memory patient index cleared — when the key leaves memory (user switch,
 * sign-out, 5 wrong PINs, 12 h, an ended session). An idle lock keeps the store
 * open (the key stays; the layout hides the screens and sync goes on).
 *
 * A revoked tablet: before the vault erases the databases, the outbox is pushed
 * once with the device credentials (the server keeps it in quarantine).
 */
import type { ClinicId, UserId } from '@outpost/shared/ids';
import { dropMonitoringSessions } from './monitoring-sessions.svelte';
import { vault, type VaultEvent } from '$lib/auth/vault.svelte';
import type { LocalStore, TabletRole } from '$lib/db';
import { syncManager } from '$lib/sync/manager.svelte';
import { loadDataLayer, prefetchDataLayer } from './data-layer';
import { patientSearch } from './patient-search.svelte';

/**
 * Roles that work with the clinic's records on a clinic tablet. Specialists
 * (routed consults only) and system administrators (no record access) sign in
 * for administration: the clinic's records are not opened for them.
 */
// Specialists open the store too: it holds the consults routed to them (their
// batch pull carries nothing else), so they can read and answer offline.
const RECORD_ROLES: ReadonlySet<TabletRole> = new Set([
  'health-worker',
  'clinician',
  'district-admin',
  'specialist',
]);

/** The clinic and user of the open store (screens show the names). */
export interface TabletSetup {
  readonly clinicId: ClinicId;
  readonly clinicName: string;
  readonly userId: UserId;
  readonly userName: string;
}

export type SessionStatus =
  /** No store: nobody unlocked, or the key left memory. */
  | 'closed'
  | 'opening'
  | 'ready'
  /** Unlocked as a role that does not open the clinic's records (system admin). */
  | 'no-access'
  | 'error';

export class Session {
  status = $state<SessionStatus>('closed');
  store = $state.raw<LocalStore | undefined>(undefined);
  error = $state<string | undefined>(undefined);

  /** The clinic and the current user while the store is open. */
  setup = $derived.by((): TabletSetup | undefined => {
    const device = vault.device;
    const user = vault.current;
    if (this.store === undefined || device === undefined || user === undefined) return undefined;
    return {
      clinicId: device.clinicId as ClinicId,
      clinicName: device.clinicName,
      userId: user.userId as UserId,
      userName: user.name,
    };
  });

  #following = false;
  #work: Promise<void> = Promise.resolve();

  /** Starts the vault and follows it (idempotent). */
  async start(): Promise<void> {
    if (!this.#following) {
      vault.subscribe((event) => this.#serially(() => this.#on(event)));
      this.#following = true;
    }
    await vault.start();
    const user = vault.current;
    if (vault.state === 'unlocked' && user !== undefined)
      await this.#serially(() => this.#open(user.userId, user.role));
    // The store's code is not in the first screen: it loads while she types her PIN.
    else prefetchDataLayer();
  }

  /** Events are handled one after another (an unlock during a close waits for it). */
  #serially(work: () => Promise<void>): Promise<void> {
    const run = this.#work.then(work, work);
    this.#work = run.catch(() => undefined);
    return run;
  }

  async #on(event: VaultEvent): Promise<void> {
    switch (event.type) {
      case 'unlocked':
        return this.#open(event.userId, event.role);
      case 'closing':
        this.#close();
        return;
      case 'revoked':
        await this.#pushBeforeErase();
        this.#close();
        return;
      case 'locked':
      case 'signing-out':
      case 'wiped':
        return;
    }
  }

  async #open(userId: string, role: TabletRole): Promise<void> {
    if (!RECORD_ROLES.has(role)) {
      this.#close();
      this.status = 'no-access';
      return;
    }
    if (this.store !== undefined) {
      // Same key (a PIN unlock, or another user of this clinic): changes carry the new name.
      this.store.setUser(userId as UserId);
      return;
    }
    const cipher = vault.cipher;
    const device = vault.device;
    if (cipher === undefined || device === undefined) return;
    this.status = 'opening';
    this.error = undefined;
    try {
      const { openClinicStore } = await loadDataLayer();
      const store = await openClinicStore({
        clinicId: device.clinicId as ClinicId,
        userId: userId as UserId,
        cipher,
        deviceId: device.deviceId,
      });
      if (vault.cipher !== cipher) {
        store.close(); // the key left while the database was opening
        this.status = 'closed';
        return;
      }
      this.store = store;
      syncManager.start({
        store,
        api: (path, init) => vault.api(path, init),
        // Text first: photos leave after each successful sync, resuming where they stopped.
        afterSync: async () => {
          await vault.flushAudit();
          // Loaded when first needed: not part of the first screen.
          const { uploadPendingPhotos } = await import('$lib/consults/photo-queue');
          await uploadPendingPhotos(store, (path, init) => vault.api(path, init));
          // Colleagues' names for "recorded by" (at most every 12 hours; never blocks the rest).
          const { staff } = await import('$lib/staff.svelte');
          await staff.refresh(Date.now());
        },
      });
      // The device code (Bluetooth, serial, decoders) is large and not needed for the
      // first screen: it loads in its own chunk after the store is open.
      void import('./devices.svelte').then(({ devices }) =>
        devices.init({ clinicId: device.clinicId }),
      );
      this.status = 'ready';
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.status = 'error';
    }
  }

  /** Stops sync, forgets the in-memory index, closes the store. Open records close with their screens. */
  #close(): void {
    syncManager.stop();
    patientSearch.detach();
    const store = this.store;
    this.store = undefined;
    if (store !== undefined) dropMonitoringSessions(store);
    store?.close();
    this.status = 'closed';
    this.error = undefined;
  }

  /** The revoked tablet's last push, with the device credentials (the bearer token no longer works). */
  async #pushBeforeErase(): Promise<void> {
    const store = this.store;
    const headers = vault.deviceHeaders();
    if (store === undefined || headers === undefined) return;
    syncManager.stop();
    const { createHttpTransport, pushOutboxForQuarantine } = await loadDataLayer();
    const transport = createHttpTransport({
      fetch: (url, init) => fetch(url, init),
      headers: () => headers,
    });
    await pushOutboxForQuarantine(store, transport).catch((error: unknown) => {
      console.error('the last push of a revoked tablet failed', error);
    });
  }
}

export const session = new Session();
