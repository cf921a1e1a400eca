/** Test helpers for the device parser suites (not exported from index.ts). */
import { expect } from 'vitest';
import type { Result } from '../result';
import { hexToBytes } from './bytes';

export function hex(text: string): Uint8Array {
  const r = hexToBytes(text);
  if (!r.ok) throw new Error(`bad fixture hex ${text}`);
  return r.value;
}

export function expectOk<T, E>(result: Result<T, E>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

export function expectErr<T, E>(result: Result<T, E>): E {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}

/** Every subset of the given flag bits. */
export function flagCombinations(bits: readonly number[]): number[] {
  const out: number[] = [];
  for (let mask = 0; mask < 1 << bits.length; mask++) {
    out.push(bits.reduce((acc, bit, i) => ((mask >> i) & 1 ? acc | bit : acc), 0));
  }
  return out;
}

/**
 * The length rules every fixed-layout characteristic obeys: each shorter prefix
 * is TruncatedPacket, one extra byte is TrailingBytes.
 */
export function expectExactLength<T, E extends { type: string }>(
  bytes: Uint8Array,
  parse: (b: Uint8Array) => Result<T, E>,
): void {
  for (let n = 0; n < bytes.length; n++) {
    const r = parse(bytes.slice(0, n));
    expect(r.ok, `prefix of ${n} bytes`).toBe(false);
    if (!r.ok)
      expect(['TruncatedPacket', 'UnknownFlags', 'MalformedPacket']).toContain(r.error.type);
  }
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  const r = parse(longer);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.error.type).toBe('TrailingBytes');
}
