/**
 * Random bytes into every parser: the result is either ok with finite numbers
 * everywhere, or a typed error. Never a throw, never NaN or Infinity in an observation.
 */
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { CHARACTERISTICS, parseCharacteristic } from './characteristics';
import { createCms50Parser } from './cms50';
import { decodeLine } from './decode';
import { toObservations } from './observations';

const KNOWN_ERRORS = new Set([
  'NotANumber',
  'NotAtThisResolution',
  'PositiveInfinity',
  'NegativeInfinity',
  'ReservedValue',
  'TruncatedPacket',
  'TrailingBytes',
  'UnknownFlags',
  'MalformedPacket',
  'InvalidDateTime',
  'MeasurementUnsuccessful',
  'InvalidUtf8',
]);

function allNumbersFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(allNumbersFinite);
  if (value && typeof value === 'object') return Object.values(value).every(allNumbersFinite);
  return true;
}

const uuids = [...CHARACTERISTICS.keys()];

describe('fuzz', () => {
  test.prop(
    [
      fc.constantFrom(...uuids),
      fc.uint8Array({ maxLength: 40 }),
      fc.integer({ min: 0, max: 4_102_444_800_000 }),
    ],
    {
      numRuns: 3000,
    },
  )('every characteristic parser yields finite numbers or a typed error', (uuid, bytes, nowMs) => {
    const r = parseCharacteristic(uuid, bytes);
    if (!r.ok) {
      expect(KNOWN_ERRORS.has(r.error.type)).toBe(true);
      return;
    }
    expect(allNumbersFinite(r.value)).toBe(true);
    const set = toObservations(r.value, { nowMs });
    for (const o of set.observations) {
      expect(Number.isFinite(o.value)).toBe(true);
      if (o.time !== undefined) expect(Number.isFinite(o.time)).toBe(true);
    }
  });

  // Flags chosen from the valid ones with random field bytes reach deeper than pure noise.
  test.prop(
    [
      fc.constantFrom(...uuids),
      fc.integer({ min: 0, max: 0x1f }),
      fc.uint8Array({ minLength: 1, maxLength: 30 }),
    ],
    {
      numRuns: 3000,
    },
  )('valid flags with random fields never throw', (uuid, flags, rest) => {
    const bytes = Uint8Array.from([flags, ...rest]);
    const r = parseCharacteristic(uuid, bytes);
    if (r.ok) {
      expect(allNumbersFinite(r.value)).toBe(true);
      for (const o of toObservations(r.value, { nowMs: 0 }).observations)
        expect(Number.isFinite(o.value)).toBe(true);
    }
  });

  test.prop([fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 20 })])(
    'the CMS50 stream parser never throws',
    (chunks) => {
      const p = createCms50Parser();
      const events = [...chunks.flatMap((c) => p.push(c)), ...p.end()];
      for (const e of events) {
        if (e.type === 'sample') {
          expect(allNumbersFinite(e.sample)).toBe(true);
          if (e.sample.spo2Percent !== null) expect(e.sample.spo2Percent).toBeLessThanOrEqual(100);
        }
      }
    },
  );

  test.prop([fc.anything()])('decodeLine never throws and its output is JSON-safe', (input) => {
    const out = decodeLine(input, 0);
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  test.prop([
    fc.constantFrom(...uuids.map((u) => u.toString(16))),
    fc.uint8Array({ maxLength: 30 }),
  ])('decodeLine output is JSON-safe for any bytes', (characteristic, bytes) => {
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
    const out = decodeLine({ characteristic, hex }, 1_700_000_000_000);
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });
});
