import { describe, expect, it } from 'vitest';
import { FIXTURES } from './fixtures';
import { floatSpecialRaw } from './ieee11073';
import {
  encodeTemperatureMeasurement,
  parseTemperatureMeasurement,
  TEMPERATURE_TYPES,
  type TemperatureMeasurement,
} from './temperature';
import { expectErr, expectExactLength, expectOk, flagCombinations, hex } from './testing';

const timestamp = { year: 2024, month: 3, day: 15, hours: 8, minutes: 30, seconds: 0 };

describe('Temperature Measurement 0x2A1C', () => {
  it('a Celsius packet with timestamp and type reports 36.7 °C in the mouth', () => {
    expect(expectOk(parseTemperatureMeasurement(hex(FIXTURES.temperature.celsiusMouth)))).toEqual({
      kind: 'temperature',
      unit: 'Cel',
      temperature: 36.7,
      timestamp,
      temperatureType: 'mouth',
    });
  });
  it('a Fahrenheit packet reports °F', () => {
    expect(
      expectOk(parseTemperatureMeasurement(hex(FIXTURES.temperature.fahrenheit))),
    ).toMatchObject({ unit: 'degF', temperature: 98.6 });
  });
  it('every valid flag combination round-trips', () => {
    for (const flags of flagCombinations([0x01, 0x02, 0x04])) {
      const message: TemperatureMeasurement = {
        kind: 'temperature',
        unit: flags & 0x01 ? 'degF' : 'Cel',
        temperature: flags & 0x01 ? 101.3 : 38.25,
        ...(flags & 0x02 && { timestamp }),
        ...(flags & 0x04 && { temperatureType: 'tympanum' as const }),
      };
      const bytes = encodeTemperatureMeasurement(message);
      expect(bytes[0]).toBe(flags);
      expect(expectOk(parseTemperatureMeasurement(bytes))).toEqual(message);
      expectExactLength(bytes, parseTemperatureMeasurement);
    }
  });
  it('every temperature type is named', () => {
    TEMPERATURE_TYPES.forEach((type, i) => {
      const bytes = hex(`046f0100ff${(i + 1).toString(16).padStart(2, '0')}`);
      expect(expectOk(parseTemperatureMeasurement(bytes)).temperatureType).toBe(type);
    });
  });
  it('a reserved temperature type is refused', () => {
    expect(expectErr(parseTemperatureMeasurement(hex('046f0100ff00')))).toMatchObject({
      type: 'ReservedValue',
      field: 'temperatureType',
    });
    expect(expectErr(parseTemperatureMeasurement(hex('046f0100ff0a')))).toMatchObject({
      type: 'ReservedValue',
      raw: 10,
    });
  });
  it('a temperature sent as NaN or NRes is refused', () => {
    for (const kind of ['NaN', 'NRes', '+INFINITY', '-INFINITY', 'reserved'] as const) {
      const raw = floatSpecialRaw(kind);
      const bytes = Uint8Array.of(0, raw & 0xff, (raw >> 8) & 0xff, (raw >> 16) & 0xff, raw >>> 24);
      expect(parseTemperatureMeasurement(bytes).ok).toBe(false);
    }
  });
  it('reserved flag bits are refused', () => {
    expect(expectErr(parseTemperatureMeasurement(hex('086f0100ff'))).type).toBe('UnknownFlags');
  });
});
