import { describe, expect, it } from 'vitest';
import { FIXTURES } from './fixtures';
import {
  encodePlxContinuous,
  parsePlxContinuous,
  type PlxContinuousMeasurement,
} from './plxContinuous';
import {
  encodePlxSpotCheck,
  parsePlxSpotCheck,
  type PlxSpotCheckMeasurement,
} from './plxSpotCheck';
import { expectErr, expectExactLength, expectOk, flagCombinations, hex } from './testing';

const timestamp = { year: 2024, month: 3, day: 15, hours: 8, minutes: 30, seconds: 0 };

describe('PLX Spot-Check Measurement 0x2A5E', () => {
  it('a basic spot-check reports SpO2 and pulse rate', () => {
    expect(expectOk(parsePlxSpotCheck(hex(FIXTURES.plxSpotCheck.basic)))).toEqual({
      kind: 'plxSpotCheck',
      spo2Percent: 97,
      pulseRateBpm: 72,
      deviceClockNotSet: false,
    });
  });
  it('every valid flag combination round-trips', () => {
    for (const flags of flagCombinations([0x01, 0x02, 0x04, 0x08, 0x10])) {
      const message: PlxSpotCheckMeasurement = {
        kind: 'plxSpotCheck',
        spo2Percent: 95,
        pulseRateBpm: 88,
        ...(flags & 0x01 && { timestamp }),
        ...(flags & 0x02 && {
          measurementStatus: {
            set: ['validatedData', 'questionableMeasurementDetected'],
            reservedBits: 0,
          },
        }),
        ...(flags & 0x04 && {
          deviceSensorStatus: {
            set: ['lowPerfusionDetected', 'sensorDisconnected'],
            reservedBits: 0,
          },
        }),
        ...(flags & 0x08 && { pulseAmplitudeIndexPercent: 2.5 }),
        deviceClockNotSet: (flags & 0x10) !== 0,
      };
      const bytes = encodePlxSpotCheck(message);
      expect(bytes[0]).toBe(flags);
      expect(expectOk(parsePlxSpotCheck(bytes))).toEqual(message);
      expectExactLength(bytes, parsePlxSpotCheck);
    }
  });
  it('an SpO2 sent as NaN is refused', () => {
    expect(expectErr(parsePlxSpotCheck(hex('00ff074800')))).toEqual({
      type: 'NotANumber',
      field: 'spo2',
    });
  });
  it('reserved flag bits are refused', () => {
    expect(expectErr(parsePlxSpotCheck(hex('2061004800'))).type).toBe('UnknownFlags');
  });
});

describe('PLX Continuous Measurement 0x2A5F', () => {
  it('every valid flag combination round-trips', () => {
    for (const flags of flagCombinations([0x01, 0x02, 0x04, 0x08, 0x10])) {
      const message: PlxContinuousMeasurement = {
        kind: 'plxContinuous',
        spo2Percent: 96,
        pulseRateBpm: 70,
        ...(flags & 0x01 && { fast: { spo2Percent: 95, pulseRateBpm: 71 } }),
        ...(flags & 0x02 && { slow: { spo2Percent: 97 } }),
        ...(flags & 0x04 && {
          measurementStatus: { set: ['measurementOngoing'], reservedBits: 0 },
        }),
        ...(flags & 0x08 && {
          deviceSensorStatus: { set: ['poorSignalDetected'], reservedBits: 0x010000 },
        }),
        ...(flags & 0x10 && { pulseAmplitudeIndexPercent: 0.8 }),
      };
      const bytes = encodePlxContinuous(message);
      expect(bytes[0]).toBe(flags);
      expect(expectOk(parsePlxContinuous(bytes))).toEqual(message);
      expectExactLength(bytes, parsePlxContinuous);
    }
  });
  it('a fast pair sent as NRes is refused', () => {
    expect(expectErr(parsePlxContinuous(hex('0160004800 0008 4800'.replace(/ /g, ''))))).toEqual({
      type: 'NotAtThisResolution',
      field: 'fast.spo2',
    });
  });
});
