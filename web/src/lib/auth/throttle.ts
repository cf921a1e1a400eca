/**
 * Guessing limits for the passphrase and the PIN on the tablet (docs/security.md,
 * "The tablet"). Pure rules; the vault stores the counters in the tablet
 * database and counts blocks down.
 *
 * A block is stored as the time it still has to run (`…BlockRemainingMs`), not as
 * an end date: it is decremented only by monotonic time (`performance.now()`
 * deltas) while the app runs, so setting the clock forward or back, or reloading,
 * never shortens it. A reload may lengthen it by up to one persist interval.
 */

/** Wrong PINs in a row before the key is dropped from memory and the PIN is blocked. */
export const PIN_MAX_FAILURES = 5;
/** How long the PIN stays refused after PIN_MAX_FAILURES (the passphrase still works). */
export const PIN_BLOCK_MS = 20 * 60_000;
/** Wrong passphrases allowed before waits start. */
export const PASSPHRASE_FREE_FAILURES = 5;
export const PASSPHRASE_FIRST_BLOCK_MS = 30_000;
export const PASSPHRASE_MAX_BLOCK_MS = 15 * 60_000;
/**
 * Wrong passphrases (since the last successful unlock or sign-in) after which the
 * user's wrapped key is deleted from the tablet: online sign-in is needed again.
 * The data stays (the device copy and other users' copies still wrap the secret).
 */
export const PASSPHRASE_FORGET_AFTER = 10;
/** How often a running block's remaining time is written to the tablet database. */
export const BLOCK_PERSIST_INTERVAL_MS = 5_000;

export interface ThrottleCounters {
  readonly passphraseFailures: number;
  readonly passphraseBlockRemainingMs: number;
  readonly pinFailures: number;
  readonly pinBlockRemainingMs: number;
}

export const NO_FAILURES: ThrottleCounters = {
  passphraseFailures: 0,
  passphraseBlockRemainingMs: 0,
  pinFailures: 0,
  pinBlockRemainingMs: 0,
};

/** The wait after the `failures`-th wrong passphrase: none for the first 4, then 30 s doubling, at most 15 min. */
export function passphraseBlockMs(failures: number): number {
  if (failures < PASSPHRASE_FREE_FAILURES) return 0;
  return Math.min(
    PASSPHRASE_FIRST_BLOCK_MS * 2 ** (failures - PASSPHRASE_FREE_FAILURES),
    PASSPHRASE_MAX_BLOCK_MS,
  );
}

/** Counters after `elapsedMs` of monotonic time (never negative; a negative delta counts as 0). */
export function countDown(counters: ThrottleCounters, elapsedMs: number): ThrottleCounters {
  const elapsed = Number.isFinite(elapsedMs) && elapsedMs > 0 ? elapsedMs : 0;
  return {
    ...counters,
    passphraseBlockRemainingMs: Math.max(0, counters.passphraseBlockRemainingMs - elapsed),
    pinBlockRemainingMs: Math.max(0, counters.pinBlockRemainingMs - elapsed),
  };
}

export type PassphraseFailureOutcome =
  | { readonly type: 'blocked'; readonly counters: ThrottleCounters; readonly attemptsLeft: number }
  | { readonly type: 'forget-key'; readonly counters: ThrottleCounters };

/** A wrong passphrase: the next wait, or the key is to be forgotten. */
export function afterWrongPassphrase(counters: ThrottleCounters): PassphraseFailureOutcome {
  const failures = counters.passphraseFailures + 1;
  if (failures >= PASSPHRASE_FORGET_AFTER)
    return {
      type: 'forget-key',
      counters: { ...counters, passphraseFailures: failures, passphraseBlockRemainingMs: 0 },
    };
  return {
    type: 'blocked',
    counters: {
      ...counters,
      passphraseFailures: failures,
      // A longer block already running is never shortened.
      passphraseBlockRemainingMs: Math.max(
        counters.passphraseBlockRemainingMs,
        passphraseBlockMs(failures),
      ),
    },
    attemptsLeft: PASSPHRASE_FORGET_AFTER - failures,
  };
}

export type PinFailureOutcome =
  | { readonly type: 'retry'; readonly counters: ThrottleCounters; readonly attemptsLeft: number }
  | { readonly type: 'drop-key'; readonly counters: ThrottleCounters };

/** A wrong PIN: try again, or (the 5th in a row) drop the key and block the PIN for 20 min. */
export function afterWrongPin(counters: ThrottleCounters): PinFailureOutcome {
  const failures = counters.pinFailures + 1;
  if (failures >= PIN_MAX_FAILURES)
    return {
      type: 'drop-key',
      counters: { ...counters, pinFailures: 0, pinBlockRemainingMs: PIN_BLOCK_MS },
    };
  return {
    type: 'retry',
    counters: { ...counters, pinFailures: failures },
    attemptsLeft: PIN_MAX_FAILURES - failures,
  };
}

/**
 * A successful passphrase unlock or online sign-in: failure counts start again.
 * A running PIN block stays (it is what makes 5 more PIN guesses after the owner's
 * next unlock cost the passphrase again); a passphrase block is moot.
 */
export function afterPassphraseSuccess(counters: ThrottleCounters): ThrottleCounters {
  return {
    ...counters,
    passphraseFailures: 0,
    passphraseBlockRemainingMs: 0,
    pinFailures: 0,
  };
}
