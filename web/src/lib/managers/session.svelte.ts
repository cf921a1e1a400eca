/**
 * Which clinic this tablet works for, who is using it, and the clinic's open
 * store. Until the security work brings enrollment codes and sign-in, a tablet
 * is set up by choosing its clinic and typing the user's name (a stand-in
 * identity kept in IndexedDB with strict durability: ids and names of staff,
 * no patient data).
 */
import { systemIds, type ClinicId, type UserId } from '@outpost/shared/ids';
import { loadTabletSetup, openClinicStore, saveTabletSetup, type LocalStore } from '$lib/db';
import { syncManager } from '$lib/sync';

export interface TabletSetup {
  readonly clinicId: ClinicId;
  readonly clinicName: string;
  readonly userId: UserId;
  readonly userName: string;
}

export interface ClinicChoice {
  readonly id: string;
  readonly name: string;
}

export class Session {
  status = $state<'loading' | 'setup' | 'ready' | 'error'>('loading');
  setup = $state<TabletSetup | undefined>(undefined);
  store = $state.raw<LocalStore | undefined>(undefined);
  error = $state<string | undefined>(undefined);

  async start(): Promise<void> {
    let setup: TabletSetup | undefined;
    try {
      setup = (await loadTabletSetup()) as TabletSetup | undefined;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.status = 'error';
      return;
    }
    if (!setup) {
      this.status = 'setup';
      return;
    }
    await this.#open(setup);
  }

  /** The clinics this tablet can be set up for (needs the network once). */
  async fetchClinics(): Promise<ClinicChoice[]> {
    const response = await fetch('/api/clinics', { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`The server answered ${response.status}.`);
    const body = (await response.json()) as { clinics: ClinicChoice[] };
    return body.clinics;
  }

  async setUp(clinic: ClinicChoice, userName: string): Promise<void> {
    const setup: TabletSetup = {
      clinicId: clinic.id as ClinicId,
      clinicName: clinic.name,
      userId: systemIds.newId() as UserId,
      userName: userName.trim(),
    };
    await saveTabletSetup(setup);
    await this.#open(setup);
  }

  async #open(setup: TabletSetup): Promise<void> {
    this.status = 'loading';
    try {
      const store = await openClinicStore({ clinicId: setup.clinicId, userId: setup.userId });
      this.setup = setup;
      this.store = store;
      syncManager.start({ store });
      // The device code (Bluetooth, serial, decoders) is large and not needed for the
      // first screen: it loads in its own chunk after the store is open.
      void import('./devices.svelte').then(({ devices }) =>
        devices.init({ clinicId: setup.clinicId }),
      );
      this.status = 'ready';
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.status = 'error';
    }
  }
}

export const session = new Session();
