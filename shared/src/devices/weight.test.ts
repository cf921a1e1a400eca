import { describe, expect, it } from 'vitest';
import { FIXTURES } from './fixtures';
import { expectErr, expectExactLength, expectOk, flagCombinations, hex } from './testing';
import {
  encodeWeightMeasurement,
  encodeWeightScaleFeature,
  heightToRaw,
  parseWeightMeasurement,
  parseWeightScaleFeature,
  weightToRaw,
} from './weight';

const timestamp = { year: 2024, month: 3, day: 15, hours: 8, minutes: 30, seconds: 0 };

describe('Weight Measurement 0x2A9D', () => {
  it('an SI packet reports kg at 0.005 kg resolution', () => {
    expect(expectOk(parseWeightMeasurement(hex(FIXTURES.weight.kg)))).toMatchObject({
      units: 'SI',
      weight: 70.5,
    });
  });
  it('an imperial packet reports lb at 0.01 lb resolution', () => {
    expect(expectOk(parseWeightMeasurement(hex(FIXTURES.weight.lb)))).toMatchObject({
      units: 'imperial',
      weight: 155.4,
    });
  });
  it('the Weight Scale Feature resolution is applied', () => {
    // raw 705 at resolution 3 (0.1 kg) = 70.5 kg
    expect(expectOk(parseWeightMeasurement(hex('00c102'), { weight: 3, height: 0 })).weight).toBe(
      70.5,
    );
  });
  it('BMI and height are decoded', () => {
    const m = expectOk(parseWeightMeasurement(hex('081437f100e406'))); // BMI 24.1, height 1764 mm
    expect(m).toMatchObject({ bmi: 24.1, height: 1.764 });
  });
  it('a weight of 0xFFFF means the measurement was unsuccessful', () => {
    expect(expectErr(parseWeightMeasurement(hex('00ffff')))).toEqual({
      type: 'MeasurementUnsuccessful',
      field: 'weight',
    });
  });
  it('every valid flag combination round-trips', () => {
    for (const flags of flagCombinations([0x01, 0x02, 0x04, 0x08])) {
      const units = flags & 0x01 ? ('imperial' as const) : ('SI' as const);
      const raw = {
        weight: weightToRaw(units === 'SI' ? 70.5 : 155.4, units),
        ...(flags & 0x08 && {
          bmi: 241,
          height: heightToRaw(units === 'SI' ? 1.764 : 69.4, units),
        }),
      };
      const bytes = encodeWeightMeasurement({
        units,
        raw,
        ...(flags & 0x02 && { timestamp }),
        ...(flags & 0x04 && { userId: 3 }),
      });
      expect(bytes[0]).toBe(flags);
      const m = expectOk(parseWeightMeasurement(bytes));
      expect(m.raw).toEqual(raw);
      expect(m.weight).toBe(units === 'SI' ? 70.5 : 155.4);
      if (flags & 0x08) expect(m.height).toBe(units === 'SI' ? 1.764 : 69.4);
      expect(encodeWeightMeasurement(m)).toEqual(bytes);
      expectExactLength(bytes, (b) => parseWeightMeasurement(b));
    }
  });
  it('reserved flag bits are refused', () => {
    expect(expectErr(parseWeightMeasurement(hex('101437'))).type).toBe('UnknownFlags');
  });
});

describe('Weight Scale Feature 0x2A9E', () => {
  it('reports the resolutions', () => {
    const raw = 0x07 | (3 << 3) | (3 << 7);
    const bytes = Uint8Array.of(raw & 0xff, raw >> 8, 0, 0);
    expect(expectOk(parseWeightScaleFeature(bytes))).toMatchObject({
      bmiSupported: true,
      resolution: { weight: 3, height: 3 },
    });
  });
  it('round-trips', () => {
    const f = {
      timeStampSupported: true,
      multipleUsersSupported: false,
      bmiSupported: true,
      resolution: { weight: 6, height: 2 },
    };
    expect(expectOk(parseWeightScaleFeature(encodeWeightScaleFeature(f)))).toEqual({
      kind: 'weightScaleFeature',
      ...f,
    });
  });
  it('a reserved resolution is refused', () => {
    expect(expectErr(parseWeightScaleFeature(Uint8Array.of(0x40, 0, 0, 0))).type).toBe(
      'ReservedValue',
    );
  });
});
