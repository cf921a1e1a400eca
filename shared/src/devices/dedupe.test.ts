import { describe, expect, it } from 'vitest';
import { parseBloodPressureMeasurement } from './bloodPressure';
import { dedupeKey, ReadingDeduper } from './dedupe';
import { FIXTURES } from './fixtures';
import { encodeGlucoseMeasurement, parseGlucoseMeasurement } from './glucose';
import { parseHeartRateMeasurement } from './heartRate';
import { expectOk, hex } from './testing';

const baseTime = { year: 2024, month: 3, day: 15, hours: 7, minutes: 0, seconds: 0 };
const glucose = (seq: number, value = 0.001) =>
  expectOk(
    parseGlucoseMeasurement(
      encodeGlucoseMeasurement({
        sequenceNumber: seq,
        baseTime,
        concentration: { value, unit: 'kg/L', type: 'capillaryPlasma', sampleLocation: 'finger' },
        contextFollows: false,
      }),
    ),
  );

describe('de-duplication', () => {
  it('a glucose record re-sent by the meter has the same key (sequence number)', () => {
    expect(dedupeKey(glucose(5), 'meter-1')).toBe(dedupeKey(glucose(5), 'meter-1'));
    expect(dedupeKey(glucose(5), 'meter-1')).not.toBe(dedupeKey(glucose(6), 'meter-1'));
    expect(dedupeKey(glucose(5), 'meter-1')).not.toBe(dedupeKey(glucose(5), 'meter-2'));
  });
  it('a timestamped blood pressure re-sent on reconnection is recorded once', () => {
    const d = new ReadingDeduper();
    const bp = expectOk(parseBloodPressureMeasurement(hex(FIXTURES.bloodPressure.full)));
    expect(d.isDuplicate(bp, 'cuff', 0)).toBe(false);
    expect(
      d.isDuplicate(
        expectOk(parseBloodPressureMeasurement(hex(FIXTURES.bloodPressure.full))),
        'cuff',
        60_000,
      ),
    ).toBe(true);
  });
  it('two equal untimed heart rates are two readings unless within the window', () => {
    const hr = expectOk(parseHeartRateMeasurement(hex(FIXTURES.heartRate.uint8)));
    const never = new ReadingDeduper();
    expect(never.isDuplicate(hr, 'strap', 0)).toBe(false);
    expect(never.isDuplicate(hr, 'strap', 10)).toBe(false);
    const windowed = new ReadingDeduper({ untimedWindowMs: 200 });
    expect(windowed.isDuplicate(hr, 'strap', 0)).toBe(false);
    expect(windowed.isDuplicate(hr, 'strap', 100)).toBe(true);
    expect(windowed.isDuplicate(hr, 'strap', 1100)).toBe(false);
  });
  it('remembers a bounded number of readings and survives a snapshot', () => {
    const d = new ReadingDeduper({ maxEntries: 2 });
    d.isDuplicate(glucose(1), 'm', 0);
    d.isDuplicate(glucose(2), 'm', 0);
    d.isDuplicate(glucose(3), 'm', 0);
    expect(d.size).toBe(2);
    const restored = new ReadingDeduper({ maxEntries: 2 }, d.snapshot());
    expect(restored.isDuplicate(glucose(3), 'm', 1)).toBe(true);
    expect(restored.isDuplicate(glucose(1), 'm', 1)).toBe(false);
  });
});
