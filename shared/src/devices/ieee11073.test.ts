import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  decodeFloat,
  decodeSfloat,
  encodeFloat,
  encodeSfloat,
  floatSpecialRaw,
  sfloatSpecialRaw,
  type SpecialValue,
} from './ieee11073';

const specials: [SpecialValue, string][] = [
  ['NaN', 'NotANumber'],
  ['NRes', 'NotAtThisResolution'],
  ['+INFINITY', 'PositiveInfinity'],
  ['-INFINITY', 'NegativeInfinity'],
  ['reserved', 'ReservedValue'],
];

describe('SFLOAT', () => {
  it('decodes a positive integer', () => {
    expect(decodeSfloat(0x0078)).toEqual({ ok: true, value: { value: 120, decimals: 0 } });
  });
  it('decodes a negative exponent exactly (36.7, not 36.700000000000003)', () => {
    const r = decodeSfloat(0xf16f); // 367e-1
    expect(r.ok && r.value.value).toBe(36.7);
    expect(r.ok && r.value.decimals).toBe(1);
  });
  it('has no 0.1+0.2 artefacts for any mantissa at exponent −1', () => {
    for (let m = -2045; m <= 2045; m++) {
      const r = decodeSfloat((0xf << 12) | (m & 0xfff));
      expect(r.ok && r.value.value).toBe(Number((m / 10).toFixed(1)));
    }
  });
  it('decodes a negative mantissa', () => {
    const r = decodeSfloat(0xffff & ((0xe << 12) | (-125 & 0xfff))); // -125e-2
    expect(r.ok && r.value.value).toBe(-1.25);
  });
  it('decodes a positive exponent', () => {
    const r = decodeSfloat((0x2 << 12) | 15); // 15e2
    expect(r.ok && r.value.value).toBe(1500);
  });
  it.each(specials)('refuses the special value %s as %s', (kind, type) => {
    const r = decodeSfloat(sfloatSpecialRaw(kind), 'systolic');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.type).toBe(type);
    expect(!r.ok && r.error.field).toBe('systolic');
  });
  it('refuses a special mantissa whatever the exponent', () => {
    expect(decodeSfloat(0x17ff).ok).toBe(false);
    expect(decodeSfloat(0xf800).ok).toBe(false);
  });
  test.prop([fc.integer({ min: 0, max: 0xffff })])('never yields NaN or Infinity', (raw) => {
    const r = decodeSfloat(raw);
    if (r.ok) expect(Number.isFinite(r.value.value)).toBe(true);
  });
  test.prop([fc.integer({ min: -2045, max: 2045 }), fc.integer({ min: 0, max: 3 })])(
    'round-trips encode → decode',
    (mantissa, decimals) => {
      const value = Number(`${mantissa}e-${decimals}`);
      const r = decodeSfloat(encodeSfloat(value, decimals));
      expect(r.ok && r.value.value).toBe(value);
    },
  );
  it('encodes with the fewest decimals that represent the value', () => {
    expect(encodeSfloat(36.7)).toBe(0xf16f);
    expect(encodeSfloat(120)).toBe(0x0078);
  });
});

describe('FLOAT', () => {
  it('decodes 36.7 °C exactly', () => {
    const r = decodeFloat(0xff00016f);
    expect(r.ok && r.value.value).toBe(36.7);
  });
  it('decodes a negative value with a large negative exponent exactly', () => {
    const r = decodeFloat((((-7 & 0xff) << 24) | (-1234567 & 0xffffff)) >>> 0);
    expect(r.ok && r.value.value).toBe(-0.1234567);
  });
  it.each(specials)('refuses the special value %s as %s', (kind, type) => {
    const r = decodeFloat(floatSpecialRaw(kind));
    expect(!r.ok && r.error.type).toBe(type);
  });
  test.prop([fc.integer({ min: 0, max: 0xffffffff })])('never yields NaN or Infinity', (raw) => {
    const r = decodeFloat(raw);
    if (r.ok) expect(Number.isFinite(r.value.value)).toBe(true);
  });
  test.prop([fc.integer({ min: -0x7ffffd, max: 0x7ffffd }), fc.integer({ min: 0, max: 6 })])(
    'round-trips encode → decode',
    (mantissa, decimals) => {
      const value = Number(`${mantissa}e-${decimals}`);
      const r = decodeFloat(encodeFloat(value, decimals));
      expect(r.ok && r.value.value).toBe(value);
    },
  );
});
