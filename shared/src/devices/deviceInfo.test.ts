import { describe, expect, it } from 'vitest';
import { decodeUtf8, encodeUtf8 } from './bytes';
import { dateTimeToEpochMs, encodeDateTime, parseDateTime } from './dateTime';
import { parseBatteryLevel, parseDeviceInfoString } from './deviceInfo';
import { expectErr, expectExactLength, expectOk, hex } from './testing';

describe('Battery Level 0x2A19', () => {
  it('reports the percentage', () => {
    expect(expectOk(parseBatteryLevel(hex('55')))).toEqual({
      kind: 'batteryLevel',
      levelPercent: 85,
    });
  });
  it('a level above 100 is refused', () => {
    expect(expectErr(parseBatteryLevel(hex('65'))).type).toBe('ReservedValue');
  });
  it('a truncated or long packet is refused', () => {
    expectExactLength(hex('55'), parseBatteryLevel);
  });
});

describe('Device Information strings', () => {
  it('decodes UTF-8 and strips NUL padding', () => {
    expect(
      expectOk(parseDeviceInfoString('manufacturerName', encodeUtf8('Omron Healthcare ™'))),
    ).toMatchObject({ value: 'Omron Healthcare ™' });
    expect(expectOk(parseDeviceInfoString('serialNumber', hex('4142430000'))).value).toBe('ABC');
  });
  it('round-trips any string', () => {
    for (const s of ['', 'A&D UA-651BLE', 'Ünïcödé 体温计 🩺'])
      expect(expectOk(decodeUtf8(encodeUtf8(s)))).toBe(s);
  });
  it('refuses invalid UTF-8', () => {
    for (const bad of ['c0af', 'ed a0 80'.replace(/ /g, ''), 'e282', 'ff', '41004142']) {
      expect(expectErr(decodeUtf8(hex(bad))).type).toBe('InvalidUtf8');
    }
  });
});

describe('Date Time 0x2A08', () => {
  const dt = { year: 2024, month: 2, day: 29, hours: 23, minutes: 59, seconds: 58 };
  it('round-trips', () => {
    expect(expectOk(parseDateTime(encodeDateTime(dt)))).toEqual({ kind: 'dateTime', dateTime: dt });
  });
  it('is refused when truncated or too long', () => {
    expectExactLength(encodeDateTime(dt), parseDateTime);
  });
  it('refuses out-of-range parts', () => {
    for (const bad of [
      { ...dt, month: 13 },
      { ...dt, day: 30 },
      { ...dt, hours: 24 },
      { ...dt, minutes: 60 },
      { ...dt, seconds: 60 },
      { ...dt, year: 1000 },
    ]) {
      expect(expectErr(parseDateTime(encodeDateTime(bad))).type).toBe('InvalidDateTime');
    }
  });
  it('accepts unknown (0) year, month or day but gives no instant', () => {
    const unknown = { ...dt, year: 0 };
    expect(expectOk(parseDateTime(encodeDateTime(unknown))).dateTime).toEqual(unknown);
    expect(dateTimeToEpochMs(unknown)).toBeUndefined();
  });
  it('applies the device zone offset supplied by the caller', () => {
    expect(dateTimeToEpochMs(dt, 180)).toBe(Date.UTC(2024, 1, 29, 20, 59, 58));
  });
});
