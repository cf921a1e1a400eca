/**
 * In-memory rate limits with exponential backoff (C10). One server instance
 * only: several instances behind a load balancer each keep their own counts, so
 * an attacker spreading requests over N instances gets N times the budget.
 * Moving these counters to PostgreSQL is the fix when Outpost runs more than one
 * instance (docs/security.md).
 *
 * A key (an account, an address) may fail `freeFailures` times without waiting;
 * from then on each failure n blocks it for `baseDelayMs · 2^(n − freeFailures)`,
 * capped at `maxDelayMs` (5 failures → wait 1 s, 6 → 2 s, 7 → 4 s …).
 * A success resets the key. Idle keys are forgotten after `forgetAfterMs`.
 */
export interface BackoffOptions {
  readonly freeFailures: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly forgetAfterMs: number;
}

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailureAt: number;
}

export interface BackoffLimiter {
  /** Milliseconds the key must wait, or 0 when it may try now. */
  retryAfterMs(key: string): number;
  fail(key: string): void;
  succeed(key: string): void;
}

export function createBackoffLimiter(options: BackoffOptions, now: () => number): BackoffLimiter {
  const entries = new Map<string, Entry>();
  let lastSweep = now();
  function sweep() {
    const at = now();
    if (at - lastSweep < 60_000) return;
    lastSweep = at;
    for (const [key, entry] of entries)
      if (at - entry.lastFailureAt > options.forgetAfterMs && entry.blockedUntil < at)
        entries.delete(key);
  }
  return {
    retryAfterMs(key) {
      sweep();
      const entry = entries.get(key);
      if (entry === undefined) return 0;
      return Math.max(0, entry.blockedUntil - now());
    },
    fail(key) {
      const at = now();
      const entry = entries.get(key) ?? { failures: 0, blockedUntil: 0, lastFailureAt: at };
      if (at - entry.lastFailureAt > options.forgetAfterMs) entry.failures = 0;
      entry.failures += 1;
      entry.lastFailureAt = at;
      const over = entry.failures - options.freeFailures;
      if (over >= 0)
        entry.blockedUntil =
          at + Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(over, 30));
      entries.set(key, entry);
    },
    succeed(key) {
      entries.delete(key);
    },
  };
}

/** Sign-in: after 5 failures per account, waits of 1 s, 2 s, 4 s … up to 15 min. */
export const ACCOUNT_BACKOFF: BackoffOptions = {
  freeFailures: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};
/** Per address: a clinic shares one address (NAT), so more headroom than per account. */
export const ADDRESS_BACKOFF: BackoffOptions = {
  freeFailures: 20,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};
/** Enrollment codes are short: 5 wrong codes per address, then backoff. */
export const ENROLL_BACKOFF: BackoffOptions = {
  freeFailures: 5,
  baseDelayMs: 2_000,
  maxDelayMs: 60 * 60_000,
  forgetAfterMs: 60 * 60_000,
};
