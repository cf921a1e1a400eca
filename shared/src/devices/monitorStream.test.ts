import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  CHUNK_SECONDS,
  OneHertzSampler,
  chunkIndex,
  decodeChunk,
  encodeChunk,
  type MonitorSample,
} from './monitorStream';

const start = 1_772_000_000;

function steady(count: number): MonitorSample[] {
  return Array.from({ length: count }, (_, i) => ({
    atSec: start + i,
    spo2: 96 + (i % 3),
    pulse: 80 + (i % 5),
  }));
}

describe('monitor chunks', () => {
  test('round trip with gaps, missing seconds and nulls', () => {
    const samples: MonitorSample[] = [
      { atSec: start, spo2: 97, pulse: 81 },
      { atSec: start + 1, spo2: null, pulse: null },
      { atSec: start + 5, spo2: 40, pulse: 300 },
      { atSec: start + 6, spo2: 100, pulse: 20 },
      { atSec: start + 7, spo2: 95, pulse: null },
    ];
    expect(decodeChunk(encodeChunk(samples))).toEqual({ ok: true, value: samples });
    expect(decodeChunk(encodeChunk([]))).toEqual({ ok: true, value: [] });
  });

  test('a steady five minutes costs about 3 bytes a second', () => {
    const bytes = encodeChunk(steady(CHUNK_SECONDS));
    expect(bytes.length).toBeLessThanOrEqual(CHUNK_SECONDS * 3 + 10);
  });

  test('implausible values are stored as gaps, never as numbers', () => {
    const decoded = decodeChunk(
      encodeChunk([
        { atSec: start, spo2: 120, pulse: 5 },
        { atSec: start + 1, spo2: 97.5, pulse: Number.NaN },
      ]),
    );
    expect(decoded).toEqual({
      ok: true,
      value: [
        { atSec: start, spo2: null, pulse: null },
        { atSec: start + 1, spo2: null, pulse: null },
      ],
    });
  });

  test('truncated, trailing and unknown-version bytes are typed errors', () => {
    const bytes = encodeChunk(steady(10));
    expect(decodeChunk(bytes.slice(0, bytes.length - 1))).toMatchObject({
      ok: false,
      error: { type: 'TruncatedChunk' },
    });
    expect(decodeChunk(Uint8Array.from([...bytes, 0]))).toMatchObject({
      ok: false,
      error: { type: 'TrailingBytes', extra: 1 },
    });
    expect(decodeChunk(Uint8Array.from([9, ...bytes.slice(1)]))).toMatchObject({
      ok: false,
      error: { type: 'UnknownChunkVersion', version: 9 },
    });
    expect(decodeChunk(new Uint8Array(0))).toMatchObject({ ok: false });
  });

  test('fuzz: random bytes decode to a typed error or to plausible samples only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const decoded = decodeChunk(bytes);
        if (!decoded.ok) return true;
        return decoded.value.every(
          (s) =>
            Number.isSafeInteger(s.atSec) &&
            (s.spo2 === null || (s.spo2 >= 40 && s.spo2 <= 100)) &&
            (s.pulse === null || (s.pulse >= 20 && s.pulse <= 300)),
        );
      }),
      { numRuns: 2000 },
    );
  });

  test('chunk index is aligned to the session start', () => {
    expect(chunkIndex(start, start)).toBe(0);
    expect(chunkIndex(start, start + CHUNK_SECONDS - 1)).toBe(0);
    expect(chunkIndex(start, start + CHUNK_SECONDS)).toBe(1);
  });
});

describe('OneHertzSampler', () => {
  test('one sample per second, the last value heard in it; finger out is a gap', () => {
    const sampler = new OneHertzSampler();
    const t = start * 1000;
    expect(sampler.push({ atMs: t + 100, spo2Percent: 97, pulseRateBpm: 80 })).toEqual([]);
    expect(sampler.push({ atMs: t + 900, spo2Percent: 96, pulseRateBpm: 81 })).toEqual([]);
    expect(sampler.push({ atMs: t + 1000, spo2Percent: 95, pulseRateBpm: 82 })).toEqual([
      { atSec: start, spo2: 96, pulse: 81 },
    ]);
    expect(sampler.push({ atMs: t + 3500, fingerOut: true, spo2Percent: null })).toEqual([
      { atSec: start + 1, spo2: 95, pulse: 82 },
    ]);
    expect(sampler.flush()).toEqual({ atSec: start + 3, spo2: null, pulse: null });
    expect(sampler.flush()).toBeUndefined();
  });

  test('implausible live values become gaps; a clock going back is ignored', () => {
    const sampler = new OneHertzSampler();
    const t = start * 1000;
    sampler.push({ atMs: t, spo2Percent: 127, pulseRateBpm: 301 });
    expect(sampler.push({ atMs: t - 5000, spo2Percent: 90 })).toEqual([]);
    expect(sampler.flush()).toEqual({ atSec: start, spo2: null, pulse: null });
  });
});
