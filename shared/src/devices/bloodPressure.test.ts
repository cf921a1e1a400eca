import { describe, expect, it } from 'vitest';
import {
  encodeBloodPressureMeasurement,
  parseBloodPressureMeasurement,
  type BloodPressureMeasurement,
} from './bloodPressure';
import { FIXTURES } from './fixtures';
import {
  encodeIntermediateCuffPressure,
  parseIntermediateCuffPressure,
} from './intermediateCuffPressure';
import { expectErr, expectExactLength, expectOk, flagCombinations, hex } from './testing';

const timestamp = { year: 2024, month: 3, day: 15, hours: 8, minutes: 30, seconds: 0 };

describe('Blood Pressure Measurement 0x2A35', () => {
  it('a blood pressure packet in mmHg reports mmHg', () => {
    expect(expectOk(parseBloodPressureMeasurement(hex(FIXTURES.bloodPressure.mmHg)))).toEqual({
      kind: 'bloodPressure',
      unit: 'mmHg',
      systolic: 120,
      diastolic: 80,
      meanArterialPressure: 93,
    });
  });
  it('a blood pressure packet in kPa reports kPa', () => {
    const m = expectOk(parseBloodPressureMeasurement(hex(FIXTURES.bloodPressure.kPa)));
    expect(m).toMatchObject({
      unit: 'kPa',
      systolic: 16,
      diastolic: 10.7,
      meanArterialPressure: 12.4,
    });
  });
  it('reads timestamp, pulse rate, user id and measurement status', () => {
    const m = expectOk(parseBloodPressureMeasurement(hex(FIXTURES.bloodPressure.full)));
    expect(m).toEqual({
      kind: 'bloodPressure',
      unit: 'mmHg',
      systolic: 130,
      diastolic: 85,
      meanArterialPressure: 100,
      timestamp,
      pulseRateBpm: 72,
      userId: 1,
      status: {
        bodyMovementDetected: true,
        cuffTooLoose: false,
        irregularPulseDetected: true,
        pulseRateRange: 'withinRange',
        improperMeasurementPosition: false,
        reservedBits: 0,
      },
    });
  });
  it('a MAP sent as NaN is absent, not a number', () => {
    const m = expectOk(parseBloodPressureMeasurement(hex(FIXTURES.bloodPressure.mapNaN)));
    expect(m.meanArterialPressure).toBeUndefined();
    expect('meanArterialPressure' in m).toBe(false);
  });
  it('a systolic sent as NaN is refused', () => {
    expect(
      expectErr(parseBloodPressureMeasurement(hex(FIXTURES.bloodPressure.systolicNaN))),
    ).toEqual({
      type: 'NotANumber',
      field: 'systolic',
    });
  });
  it('a diastolic sent as +INFINITY is refused', () => {
    expect(expectErr(parseBloodPressureMeasurement(hex('007800fe075d00'))).type).toBe(
      'PositiveInfinity',
    );
  });
  it('the reserved pulse-rate-range value is refused', () => {
    const bytes = hex('1078005000 5d00 1800'.replace(/ /g, ''));
    expect(expectErr(parseBloodPressureMeasurement(bytes))).toMatchObject({
      type: 'ReservedValue',
      field: 'status.pulseRateRange',
    });
  });
  it('each status bit is reported', () => {
    const cases: [number, Partial<NonNullable<BloodPressureMeasurement['status']>>][] = [
      [0x0002, { cuffTooLoose: true }],
      [0x0008, { pulseRateRange: 'exceedsUpperLimit' }],
      [0x0010, { pulseRateRange: 'belowLowerLimit' }],
      [0x0020, { improperMeasurementPosition: true }],
      [0x0040, { reservedBits: 0x0040 }],
    ];
    for (const [raw, expected] of cases) {
      const bytes = hex(
        `10780050005d00${(raw & 0xff).toString(16).padStart(2, '0')}${(raw >> 8).toString(16).padStart(2, '0')}`,
      );
      expect(expectOk(parseBloodPressureMeasurement(bytes)).status).toMatchObject(expected);
    }
  });
  it('every valid flag combination round-trips', () => {
    for (const flags of flagCombinations([0x01, 0x02, 0x04, 0x08, 0x10])) {
      const message: BloodPressureMeasurement = {
        kind: 'bloodPressure',
        unit: flags & 0x01 ? 'kPa' : 'mmHg',
        systolic: flags & 0x01 ? 16.1 : 121,
        diastolic: flags & 0x01 ? 10.5 : 79,
        meanArterialPressure: flags & 0x01 ? 12.4 : 93,
        ...(flags & 0x02 && { timestamp }),
        ...(flags & 0x04 && { pulseRateBpm: 64 }),
        ...(flags & 0x08 && { userId: 2 }),
        ...(flags & 0x10 && {
          status: {
            bodyMovementDetected: true,
            cuffTooLoose: true,
            irregularPulseDetected: false,
            pulseRateRange: 'belowLowerLimit' as const,
            improperMeasurementPosition: true,
            reservedBits: 0,
          },
        }),
      };
      const bytes = encodeBloodPressureMeasurement(message);
      expect(bytes[0]).toBe(flags);
      expect(expectOk(parseBloodPressureMeasurement(bytes))).toEqual(message);
      expectExactLength(bytes, parseBloodPressureMeasurement);
    }
  });
  it('reserved flag bits are refused', () => {
    expect(expectErr(parseBloodPressureMeasurement(hex('20780050005d00'))).type).toBe(
      'UnknownFlags',
    );
  });
  it('an impossible timestamp is refused', () => {
    const bytes = hex('02780050005d00e807021e080000'); // 2024-02-30 08:00
    expect(expectErr(parseBloodPressureMeasurement(bytes))).toMatchObject({
      type: 'InvalidDateTime',
      field: 'timestamp.day',
    });
  });
});

describe('Intermediate Cuff Pressure 0x2A36', () => {
  it('reports the current cuff pressure and ignores the unused NaN fields', () => {
    const bytes = encodeIntermediateCuffPressure({ unit: 'mmHg', cuffPressure: 142 });
    expect(expectOk(parseIntermediateCuffPressure(bytes))).toEqual({
      kind: 'intermediateCuffPressure',
      unit: 'mmHg',
      cuffPressure: 142,
    });
  });
  it('every valid flag combination round-trips', () => {
    for (const flags of flagCombinations([0x01, 0x02, 0x04, 0x08])) {
      const message = {
        kind: 'intermediateCuffPressure' as const,
        unit: flags & 0x01 ? ('kPa' as const) : ('mmHg' as const),
        cuffPressure: flags & 0x01 ? 18.9 : 142,
        ...(flags & 0x02 && { timestamp }),
        ...(flags & 0x04 && { pulseRateBpm: 64 }),
        ...(flags & 0x08 && { userId: 0xff }),
      };
      const bytes = encodeIntermediateCuffPressure(message);
      expect(expectOk(parseIntermediateCuffPressure(bytes))).toEqual(message);
      expectExactLength(bytes, parseIntermediateCuffPressure);
    }
  });
});
