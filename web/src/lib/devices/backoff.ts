/**
 * Reconnect delays: exponential with "equal jitter" (half fixed, half random), so
 * a clinic's devices that dropped together do not all retry in the same instant,
 * yet no retry comes sooner than half the exponential step.
 * delay(n) = min(maxMs, baseMs·2^(n−1)) · (0.5 + 0.5·random), n = 1, 2, …
 */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Attempts before giving up. */
  readonly maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 30_000, maxAttempts: 8 };

export function backoffDelayMs(attempt: number, random: number, options: BackoffOptions): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step * (0.5 + 0.5 * random));
}
