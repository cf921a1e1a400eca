/** Whether the browser believes it has a network. Sync adds a real reachability probe. */
export class Connectivity {
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);

  start(): void {
    window.addEventListener('online', () => (this.online = true));
    window.addEventListener('offline', () => (this.online = false));
  }
}

export const connectivity = new Connectivity();
