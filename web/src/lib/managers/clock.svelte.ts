/**
 * The time, as screens need it for waiting times and warnings that appear by
 * themselves ("unsent for more than an hour", "waiting > 4 h"): `clock.now` is
 * reactive state that moves every minute, so what is derived from it is
 * recomputed without anything else changing. One timer for the whole app.
 */
export const CLOCK_TICK_MS = 60_000;

export interface ClockTimers {
  setInterval(fn: () => void, ms: number): unknown;
}

export class MinuteClock {
  #now: number;

  constructor(
    tickMs = CLOCK_TICK_MS,
    read: () => number = () => Date.now(),
    // In the browser only: a build or a server render must not be kept alive by it.
    timers: ClockTimers = {
      setInterval: (fn, ms) => (typeof window === 'undefined' ? undefined : setInterval(fn, ms)),
    },
  ) {
    this.#now = $state(read());
    timers.setInterval(() => (this.#now = read()), tickMs);
  }

  /** Milliseconds since the epoch, at most one tick old. */
  get now(): number {
    return this.#now;
  }
}

export const clock = new MinuteClock();
