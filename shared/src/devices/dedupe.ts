/**
 * Duplicate readings. Meters re-send stored records on every reconnection, and a
 * BLE indication may be delivered twice; the same reading must not be recorded twice.
 *
 * - Glucose (and its context) carry a sequence number: the key is device +
 *   characteristic + sequence number + base time (the base time guards against a
 *   meter whose memory was cleared and counts from 0 again).
 * - Other timestamped messages: device + kind + every decoded field (timestamp included).
 * - Untimed messages (heart rate, continuous oximetry, CMS50 samples, …): two equal
 *   values a second apart are two readings, so they are only duplicates within
 *   `untimedWindowMs` (default 0: never).
 */
import type { DeviceMessage } from './characteristics';

/** JSON with sorted keys, so equal messages give equal keys whatever the field order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function isTimestamped(message: DeviceMessage): boolean {
  switch (message.kind) {
    case 'glucose':
    case 'glucoseContext':
      return true;
    case 'bloodPressure':
    case 'temperature':
    case 'weight':
    case 'plxSpotCheck':
      return message.timestamp !== undefined;
    default:
      return false;
  }
}

/** A stable identity for a reading from one device. */
export function dedupeKey(message: DeviceMessage, deviceId: string): string {
  switch (message.kind) {
    case 'glucose':
      return `${deviceId}|glucose|seq=${message.sequenceNumber}|${canonicalJson(message.baseTime)}`;
    case 'glucoseContext':
      return `${deviceId}|glucoseContext|seq=${message.sequenceNumber}`;
    default:
      return `${deviceId}|${message.kind}|${canonicalJson(message)}`;
  }
}

export interface ReadingDeduperOptions {
  /** Keys remembered (oldest forgotten first). Default 10 000. */
  readonly maxEntries?: number;
  /** Window in which an untimed reading with equal values counts as a re-send. Default 0. */
  readonly untimedWindowMs?: number;
}

export interface ReadingDeduperSnapshot {
  readonly entries: readonly (readonly [key: string, lastSeenMs: number])[];
}

/**
 * Remembers the readings already accepted. Pure: no clock (time is passed in),
 * no I/O; `snapshot()`/`fromSnapshot()` let the caller persist it.
 */
export class ReadingDeduper {
  readonly #seen = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #untimedWindowMs: number;

  constructor(options: ReadingDeduperOptions = {}, snapshot?: ReadingDeduperSnapshot) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#untimedWindowMs = options.untimedWindowMs ?? 0;
    for (const [key, at] of snapshot?.entries ?? []) this.#remember(key, at);
  }

  /** True if this reading was already accepted; otherwise records it and returns false. */
  isDuplicate(message: DeviceMessage, deviceId: string, nowMs: number): boolean {
    const key = dedupeKey(message, deviceId);
    const lastSeen = this.#seen.get(key);
    const duplicate =
      lastSeen !== undefined &&
      (isTimestamped(message) ||
        (this.#untimedWindowMs > 0 && nowMs - lastSeen <= this.#untimedWindowMs));
    this.#remember(key, nowMs);
    return duplicate;
  }

  get size(): number {
    return this.#seen.size;
  }

  snapshot(): ReadingDeduperSnapshot {
    return { entries: [...this.#seen.entries()] };
  }

  #remember(key: string, at: number): void {
    this.#seen.delete(key); // re-insert: Map order is recency order
    this.#seen.set(key, at);
    while (this.#seen.size > this.#maxEntries) {
      const oldest = this.#seen.keys().next();
      if (oldest.done) break;
      this.#seen.delete(oldest.value);
    }
  }
}
