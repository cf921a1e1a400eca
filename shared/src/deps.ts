/**
 * Time, ids and randomness are passed in, never read inside shared/, so that
 * replays, property tests and risk scores are deterministic.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface IdSource {
  /** A new UUIDv7 string (time-ordered). */
  newId(): string;
}

export interface Random {
  /** A float in [0, 1). */
  next(): number;
}

export interface Deps {
  readonly clock: Clock;
  readonly ids: IdSource;
}

/** A clock that only moves when told to; for tests and replays. */
export function createManualClock(
  startMs: number,
): Clock & { advance(ms: number): void; set(ms: number): void } {
  let current = startMs;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
    set(ms: number) {
      current = ms;
    },
  };
}
