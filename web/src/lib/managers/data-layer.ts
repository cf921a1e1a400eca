/**
 * The clinic's store and sync transport — the encrypted Dexie store, Yjs, the
 * record model — load after the first screen: the lock screen needs none of it
 * until someone unlocks. `prefetchDataLayer` fetches them while she chooses her
 * name and types her PIN or password; an unlock that comes first awaits the same
 * load. Offline this works like any screen: the service worker precaches every chunk.
 */
import type { openClinicStore } from '$lib/db';
import type { createHttpTransport, pushOutboxForQuarantine } from '$lib/sync/transport';

export interface DataLayer {
  readonly openClinicStore: typeof openClinicStore;
  readonly createHttpTransport: typeof createHttpTransport;
  readonly pushOutboxForQuarantine: typeof pushOutboxForQuarantine;
}

let loading: Promise<DataLayer> | undefined;

/** The store and transport modules (loaded once; a failed load is tried again next time). */
export function loadDataLayer(): Promise<DataLayer> {
  if (loading === undefined) {
    const load = Promise.all([import('$lib/db'), import('$lib/sync/transport')]).then(
      ([db, transport]): DataLayer => ({
        openClinicStore: db.openClinicStore,
        createHttpTransport: transport.createHttpTransport,
        pushOutboxForQuarantine: transport.pushOutboxForQuarantine,
      }),
    );
    loading = load;
    load.catch(() => {
      if (loading === load) loading = undefined;
    });
  }
  return loading;
}

/**
 * Starts loading the data layer once the first screen is painted: the task
 * after the next frame (an idle period may come late on a busy tablet, and she
 * may be quick with her PIN).
 */
export function prefetchDataLayer(): void {
  const run = () => void loadDataLayer().catch(() => undefined);
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(run, 0));
  else setTimeout(run, 0);
}
