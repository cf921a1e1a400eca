/** A tiny typed event emitter shared by the adapters. A throwing listener never breaks the others. */
import type { DeviceEventMap, DeviceEventName, Unsubscribe } from './types';

type Listener<K extends DeviceEventName> = (payload: DeviceEventMap[K]) => void;

export class DeviceEmitter {
  readonly #listeners = new Map<DeviceEventName, Set<Listener<DeviceEventName>>>();

  on<K extends DeviceEventName>(event: K, listener: Listener<K>): Unsubscribe {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<DeviceEventName>);
    return () => set.delete(listener as Listener<DeviceEventName>);
  }

  emit<K extends DeviceEventName>(event: K, payload: DeviceEventMap[K]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        console.error(`device ${event} listener failed`, error);
      }
    }
  }
}
