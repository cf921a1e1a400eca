import { describe, expect, test } from 'vitest';
import {
  NO_FAILURES,
  PIN_BLOCK_MS,
  afterPassphraseSuccess,
  afterWrongPassphrase,
  afterWrongPin,
  countDown,
  passphraseBlockMs,
} from './throttle';

describe('guessing limits', () => {
  test('passphrase waits: none for 4, then 30 s doubling, at most 15 min', () => {
    expect([1, 2, 3, 4].map(passphraseBlockMs)).toEqual([0, 0, 0, 0]);
    expect([5, 6, 7, 8, 9].map(passphraseBlockMs)).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000,
    ]);
    expect(passphraseBlockMs(30)).toBe(15 * 60_000);
  });

  test('the 10th wrong passphrase forgets the key; a running longer block is never shortened', () => {
    let counters = NO_FAILURES;
    for (let i = 0; i < 9; i++) {
      const outcome = afterWrongPassphrase(counters);
      expect(outcome.type).toBe('blocked');
      counters = outcome.counters;
    }
    expect(afterWrongPassphrase(counters).type).toBe('forget-key');
    const long = { ...NO_FAILURES, passphraseFailures: 5, passphraseBlockRemainingMs: 600_000 };
    expect(afterWrongPassphrase(long).counters.passphraseBlockRemainingMs).toBe(600_000);
  });

  test('the 5th wrong PIN drops the key and blocks the PIN for 20 minutes; a passphrase keeps that block', () => {
    let counters = NO_FAILURES;
    for (let i = 0; i < 4; i++) {
      const outcome = afterWrongPin(counters);
      expect(outcome).toMatchObject({ type: 'retry', attemptsLeft: 4 - i });
      counters = outcome.counters;
    }
    const fifth = afterWrongPin(counters);
    expect(fifth).toMatchObject({
      type: 'drop-key',
      counters: { pinBlockRemainingMs: PIN_BLOCK_MS },
    });
    expect(afterPassphraseSuccess(fifth.counters).pinBlockRemainingMs).toBe(PIN_BLOCK_MS);
  });

  test('blocks count down by elapsed time only, never below zero; a negative or bogus delta counts as none', () => {
    const blocked = {
      ...NO_FAILURES,
      pinBlockRemainingMs: 10_000,
      passphraseBlockRemainingMs: 3_000,
    };
    expect(countDown(blocked, 4_000)).toMatchObject({
      pinBlockRemainingMs: 6_000,
      passphraseBlockRemainingMs: 0,
    });
    expect(countDown(blocked, -86_400_000)).toEqual(blocked);
    expect(countDown(blocked, Number.NaN)).toEqual(blocked);
  });
});
