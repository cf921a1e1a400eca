import { describe, expect, it } from 'vitest';
import { FIXTURES } from './fixtures';
import {
  encodeHeartRateMeasurement,
  parseHeartRateMeasurement,
  type HeartRateMeasurement,
} from './heartRate';
import { expectErr, expectOk, flagCombinations, hex } from './testing';

describe('Heart Rate Measurement 0x2A37', () => {
  it('an 8-bit heart rate packet reports the rate', () => {
    expect(expectOk(parseHeartRateMeasurement(hex(FIXTURES.heartRate.uint8)))).toEqual({
      kind: 'heartRate',
      heartRateBpm: 72,
      valueFormat: 'uint8',
      sensorContact: 'notSupported',
    });
  });
  it('RR-intervals in 1/1024 s are reported exactly in ms, with sensor contact', () => {
    const m = expectOk(parseHeartRateMeasurement(hex(FIXTURES.heartRate.contactWithRr)));
    expect(m.sensorContact).toBe('detected');
    expect(m.rrIntervalsMs).toEqual([781.25]);
  });
  it('a 16-bit heart rate is read as 16 bits', () => {
    expect(expectOk(parseHeartRateMeasurement(hex('012c01'))).heartRateBpm).toBe(300);
  });
  it('every valid flag combination round-trips', () => {
    for (const flags of flagCombinations([0x01, 0x02, 0x04, 0x08, 0x10])) {
      const contact = flags & 0x04 ? (flags & 0x02 ? 'detected' : 'notDetected') : 'notSupported';
      const message: HeartRateMeasurement = {
        kind: 'heartRate',
        heartRateBpm: flags & 0x01 ? 301 : 71,
        valueFormat: flags & 0x01 ? 'uint16' : 'uint8',
        sensorContact: contact,
        ...(flags & 0x08 && { energyExpendedKj: 1234 }),
        ...(flags & 0x10 && { rrIntervalsMs: [781.25, 1000] }),
      };
      const bytes = encodeHeartRateMeasurement(message);
      // Contact "not supported" has two encodings (bit 1 alone or neither); we write the canonical one.
      expect(bytes[0]).toBe(flags & 0x04 ? flags : flags & ~0x02);
      const raw = Uint8Array.from(bytes);
      raw[0] = flags;
      expect(expectOk(parseHeartRateMeasurement(raw))).toEqual(message);
    }
  });
  it('a truncated packet is refused', () => {
    expect(expectErr(parseHeartRateMeasurement(hex('01'))).type).toBe('TruncatedPacket');
    expect(expectErr(parseHeartRateMeasurement(hex('0848'))).type).toBe('TruncatedPacket');
    expect(expectErr(parseHeartRateMeasurement(hex(''))).type).toBe('TruncatedPacket');
  });
  it('RR flag with no interval is refused as truncated', () => {
    expect(expectErr(parseHeartRateMeasurement(hex('1048'))).type).toBe('TruncatedPacket');
  });
  it('an RR field with an odd byte is refused', () => {
    expect(expectErr(parseHeartRateMeasurement(hex('1048200300'))).type).toBe('MalformedPacket');
  });
  it('extra bytes without the RR flag are refused', () => {
    expect(expectErr(parseHeartRateMeasurement(hex('004800'))).type).toBe('TrailingBytes');
  });
  it('reserved flag bits are refused', () => {
    expect(expectErr(parseHeartRateMeasurement(hex('2048')))).toMatchObject({
      type: 'UnknownFlags',
      unknownBits: 0x20,
    });
  });
});
