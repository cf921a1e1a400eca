import { describe, expect, it } from 'vitest';
import { FIXTURES } from './fixtures';
import {
  encodeGlucoseMeasurement,
  parseGlucoseMeasurement,
  type GlucoseMeasurement,
} from './glucose';
import {
  encodeGlucoseContext,
  parseGlucoseContext,
  type GlucoseMeasurementContext,
} from './glucoseContext';
import { expectErr, expectExactLength, expectOk, flagCombinations, hex } from './testing';

const baseTime = { year: 2024, month: 3, day: 15, hours: 7, minutes: 0, seconds: 0 };

describe('Glucose Measurement 0x2A18', () => {
  it('a kg/L reading reports sequence number, time offset, type and location', () => {
    expect(expectOk(parseGlucoseMeasurement(hex(FIXTURES.glucose.kgPerL)))).toEqual({
      kind: 'glucose',
      sequenceNumber: 1,
      baseTime,
      timeOffsetMinutes: 5,
      concentration: {
        value: 0.00095,
        unit: 'kg/L',
        type: 'capillaryWholeBlood',
        sampleLocation: 'finger',
      },
      contextFollows: false,
    });
  });
  it('a negative time offset is signed', () => {
    const m = encodeGlucoseMeasurement({
      sequenceNumber: 2,
      baseTime,
      timeOffsetMinutes: -90,
      contextFollows: false,
    });
    expect(expectOk(parseGlucoseMeasurement(m)).timeOffsetMinutes).toBe(-90);
  });
  it('every valid flag combination round-trips', () => {
    for (const flags of flagCombinations([0x01, 0x02, 0x04, 0x08, 0x10])) {
      if (flags & 0x04 && !(flags & 0x02)) {
        // The unit bit without a concentration is meaningless: refused.
        const bytes = encodeGlucoseMeasurement({
          sequenceNumber: 9,
          baseTime,
          contextFollows: false,
        });
        bytes[0] = flags;
        const padded = new Uint8Array(10 + (flags & 0x01 ? 2 : 0) + (flags & 0x08 ? 2 : 0));
        padded.set(bytes.slice(0, 10));
        padded[0] = flags;
        expect(expectErr(parseGlucoseMeasurement(padded)).type).toBe('MalformedPacket');
        continue;
      }
      const message: GlucoseMeasurement = {
        kind: 'glucose',
        sequenceNumber: 513,
        baseTime,
        ...(flags & 0x01 && { timeOffsetMinutes: 15 }),
        ...(flags & 0x02 && {
          concentration: {
            value: flags & 0x04 ? 0.0061 : 0.0011,
            unit: flags & 0x04 ? ('mol/L' as const) : ('kg/L' as const),
            type: 'venousPlasma' as const,
            sampleLocation: 'alternateSiteTest' as const,
          },
        }),
        ...(flags & 0x08 && {
          sensorStatus: { set: ['deviceBatteryLow', 'timeFault'] as const, reservedBits: 0 },
        }),
        contextFollows: (flags & 0x10) !== 0,
      };
      const bytes = encodeGlucoseMeasurement(message);
      expect(bytes[0]).toBe(flags);
      expect(expectOk(parseGlucoseMeasurement(bytes))).toEqual(message);
      expectExactLength(bytes, parseGlucoseMeasurement);
    }
  });
  it('type is the low nibble and sample location the high nibble', () => {
    const m = expectOk(parseGlucoseMeasurement(hex('020100e807030f0700005fb0f9')));
    expect(m.concentration).toMatchObject({
      type: 'interstitialFluid',
      sampleLocation: 'notAvailable',
    });
  });
  it('a reserved glucose type or sample location is refused', () => {
    expect(expectErr(parseGlucoseMeasurement(hex('020100e807030f0700005fb010')))).toMatchObject({
      field: 'glucoseType',
    });
    expect(expectErr(parseGlucoseMeasurement(hex('020100e807030f0700005fb051')))).toMatchObject({
      field: 'sampleLocation',
    });
  });
  it('reserved flag bits are refused', () => {
    expect(expectErr(parseGlucoseMeasurement(hex('200100e807030f070000'))).type).toBe(
      'UnknownFlags',
    );
  });
});

describe('Glucose Measurement Context 0x2A34', () => {
  it('keeps meal, tester and health', () => {
    const bytes = hex('060100' + '01' + '51'); // meal preprandial; tester self (low), health no issues (high)
    expect(expectOk(parseGlucoseContext(bytes))).toEqual({
      kind: 'glucoseContext',
      sequenceNumber: 1,
      meal: 'preprandial',
      tester: 'self',
      health: 'noHealthIssues',
    });
  });
  it('every valid flag combination round-trips', () => {
    for (const flags of flagCombinations([0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80])) {
      if (flags & 0x20 && !(flags & 0x10)) continue; // unit bit without medication: covered below
      const message: GlucoseMeasurementContext = {
        kind: 'glucoseContext',
        sequenceNumber: 7,
        ...(flags & 0x80 && { extendedFlags: 0 }),
        ...(flags & 0x01 && { carbohydrate: { id: 'lunch' as const, kg: 0.045 } }),
        ...(flags & 0x02 && { meal: 'fasting' as const }),
        ...(flags & 0x04 && {
          tester: 'healthCareProfessional' as const,
          health: 'underStress' as const,
        }),
        ...(flags & 0x08 && { exercise: { durationS: 1800, intensityPercent: 60 } }),
        ...(flags & 0x10 && {
          medication: {
            id: 'longActingInsulin' as const,
            amount: 0.0012,
            unit: flags & 0x20 ? ('L' as const) : ('kg' as const),
          },
        }),
        ...(flags & 0x40 && { hba1cPercent: 6.8 }),
      };
      const bytes = encodeGlucoseContext(message);
      expect(bytes[0]).toBe(flags);
      expect(expectOk(parseGlucoseContext(bytes))).toEqual(message);
      expectExactLength(bytes, parseGlucoseContext);
    }
  });
  it('a medication unit flag without a medication is refused', () => {
    expect(expectErr(parseGlucoseContext(hex('200100'))).type).toBe('MalformedPacket');
  });
  it('an unknown meal is refused', () => {
    expect(expectErr(parseGlucoseContext(hex('02010009')))).toMatchObject({
      type: 'ReservedValue',
      field: 'meal',
    });
  });
  it('extended flags with reserved bits set are refused', () => {
    expect(expectErr(parseGlucoseContext(hex('80010001'))).type).toBe('UnknownFlags');
  });
});
