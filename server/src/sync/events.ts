/**
 * In-process fan-out of updates stored by batch sync, so open live rooms
 * broadcast them (a colleague sees a batch-synced change live). Listeners run
 * after the update's transaction has committed. One process only: several
 * server instances will relay these through PostgreSQL LISTEN/NOTIFY (DESIGN.md).
 */
import type { StoredUpdate } from '../repositories/sync-repository';

export type StoredUpdateListener = (update: StoredUpdate) => void;

export interface DocumentEvents {
  publish(update: StoredUpdate): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: StoredUpdateListener): () => void;
}

export function createDocumentEvents(
  onListenerError: (error: unknown) => void = () => {},
): DocumentEvents {
  const listeners = new Set<StoredUpdateListener>();
  return {
    publish(update) {
      for (const listener of listeners) {
        try {
          listener(update);
        } catch (error) {
          // A broken listener must never fail the sync request that already committed.
          onListenerError(error);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
