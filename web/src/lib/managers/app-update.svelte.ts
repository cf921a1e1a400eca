/**
 * App updates through the service worker, registered with workbox-window.
 *
 * When a new version has been deployed, its worker installs in the background
 * and waits. `updateReady` becomes true; the layout offers "Update available —
 * reload" only while no form has unsaved input. Accepting tells the waiting
 * worker to take over, and the page reloads once it controls the page.
 */
import { Workbox } from 'workbox-window';
import { unsavedInput } from './unsaved-input.svelte';

/** How often a long-open tablet asks the server for a new version while online. */
const UPDATE_CHECK_INTERVAL_MS = 30 * 60 * 1000;

export class AppUpdate {
  /** A new version is installed and waiting. */
  updateReady = $state(false);
  /** The worker is controlling the page: the app will open offline. */
  offlineReady = $state(false);
  /**
   * This page can never work offline: the browser offers no service worker
   * (plain http to a LAN address is not a secure context) or refused to
   * register it. Said in words, rather than "preparing" for ever.
   */
  offlineUnavailable = $state(false);
  #workbox: Workbox | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Offer the prompt only when reloading cannot lose anything typed. */
  get promptVisible(): boolean {
    return this.updateReady && !unsavedInput.any;
  }

  async start(scriptUrl: string, type: 'classic' | 'module'): Promise<void> {
    if (this.#workbox) return;
    if (!('serviceWorker' in navigator)) {
      this.offlineUnavailable = true;
      return;
    }
    const workbox = new Workbox(scriptUrl, { type });
    this.#workbox = workbox;
    workbox.addEventListener('waiting', () => {
      this.updateReady = true;
    });
    workbox.addEventListener('controlling', (event) => {
      // A new worker took over after the user accepted: load the new version.
      if (event.isUpdate) window.location.reload();
    });
    workbox.addEventListener('activated', () => {
      this.offlineReady = true;
    });
    try {
      await workbox.register();
    } catch {
      this.offlineUnavailable = true;
      return;
    }
    if (navigator.serviceWorker.controller) this.offlineReady = true;
    this.#timer = setInterval(() => void this.check(), UPDATE_CHECK_INTERVAL_MS);
    window.addEventListener('online', () => void this.check());
  }

  /** Ask the server whether a new version exists (a no-op when offline). */
  async check(): Promise<void> {
    if (!this.#workbox || !navigator.onLine) return;
    try {
      await this.#workbox.update();
    } catch {
      // Offline or server unreachable: the next check will try again.
    }
  }

  apply(): void {
    if (!this.#workbox || unsavedInput.any) return;
    this.#workbox.messageSkipWaiting();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}

export const appUpdate = new AppUpdate();
