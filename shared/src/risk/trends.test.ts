import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  HOUR_MS,
  heartFailureWeightGain,
  news2Rise,
  spo2BelowTarget,
  sustainedTachycardia,
  type TimedReading,
} from './trends';

const now = Date.UTC(2026, 2, 1, 12, 0, 0);
const at = <T>(hoursAgo: number, value: T): TimedReading<T> => ({
  atMs: now - hoursAgo * HOUR_MS,
  value,
});
const min = 60 * 1000;

describe('NEWS2 rise within 24 h (local policy)', () => {
  it('a rise of 2 within 24 h triggers', () => {
    const r = news2Rise([at(20, 1), at(0, 3)], now);
    expect(r.triggered).toBe(true);
    expect(r.reason).toMatch(/NEWS2 3 .* vs lowest 1 .*rise of 2/);
    expect(r.rule.verification).toBe('local-policy');
  });

  it('a rise of 1 does not trigger', () => {
    expect(news2Rise([at(20, 1), at(0, 2)], now).triggered).toBe(false);
  });

  it('a low score more than 24 h ago is outside the window', () => {
    expect(news2Rise([at(25, 0), at(10, 2), at(0, 3)], now).triggered).toBe(false);
  });

  it('compares with the lowest earlier score, in any order given', () => {
    expect(news2Rise([at(2, 4), at(0, 4), at(12, 1)], now).triggered).toBe(true);
  });

  it('readings stamped after now are ignored', () => {
    expect(news2Rise([at(2, 1), at(-1, 5)], now).triggered).toBe(false);
  });

  it('a single score is no trend', () => {
    expect(news2Rise([at(0, 9)], now).triggered).toBe(false);
  });
});

describe('SpO2 below the target band (NEWS2 Chart 1)', () => {
  it('scale 1: 95% is below the ≥96% band and 96% is not', () => {
    expect(spo2BelowTarget([at(0, { percent: 95, scale: 1 as const })], now).triggered).toBe(true);
    expect(spo2BelowTarget([at(0, { percent: 96, scale: 1 as const })], now).triggered).toBe(false);
  });

  it('scale 2: 87% is below the 88–92% band and 88% is not', () => {
    expect(spo2BelowTarget([at(0, { percent: 87, scale: 2 as const })], now).triggered).toBe(true);
    expect(spo2BelowTarget([at(0, { percent: 88, scale: 2 as const })], now).triggered).toBe(false);
  });

  it('a fall from within the band to below it is newly below', () => {
    const r = spo2BelowTarget(
      [at(4, { percent: 97, scale: 1 as const }), at(0, { percent: 93, scale: 1 as const })],
      now,
    );
    expect(r).toMatchObject({ triggered: true, newlyBelow: true });
    expect(r.reason).toMatch(/SpO2 93% .* below the target band ≥96% \(Scale 1\); previous 97%/);
  });

  it('staying below is not newly below', () => {
    const r = spo2BelowTarget(
      [at(4, { percent: 93, scale: 1 as const }), at(0, { percent: 92, scale: 1 as const })],
      now,
    );
    expect(r).toMatchObject({ triggered: true, newlyBelow: false });
  });

  it('no reading: no trigger', () => {
    expect(spo2BelowTarget([], now).triggered).toBe(false);
  });
});

describe('sustained tachycardia (>100/min; duration is local policy)', () => {
  it('three readings above 100 over 60 minutes trigger', () => {
    const r = sustainedTachycardia([at(1, 112), at(0.5, 108), at(0, 115)], now);
    expect(r.triggered).toBe(true);
    expect(r.reason).toMatch(
      /^3 consecutive heart-rate readings above 100\/min over 60 min \(112, 108, 115\/min/,
    );
  });

  it('a heart rate of exactly 100 is not tachycardia and breaks the run', () => {
    expect(sustainedTachycardia([at(1, 112), at(0.5, 100), at(0, 115)], now).triggered).toBe(false);
  });

  it('three readings over 59 minutes are not yet sustained', () => {
    const series = [
      { atMs: now - 59 * min, value: 120 },
      { atMs: now - 30 * min, value: 120 },
      { atMs: now, value: 120 },
    ];
    expect(sustainedTachycardia(series, now).triggered).toBe(false);
  });

  it('two readings over two hours are too few', () => {
    expect(sustainedTachycardia([at(2, 120), at(0, 120)], now).triggered).toBe(false);
  });

  it('the policy is a parameter', () => {
    expect(
      sustainedTachycardia([at(0.5, 120), at(0, 120)], now, {
        minDurationMs: 30 * min,
        minReadings: 2,
      }).triggered,
    ).toBe(true);
  });

  it('a normal latest reading says so', () => {
    expect(sustainedTachycardia([at(1, 120), at(0, 80)], now).reason).toMatch(
      /Latest heart rate 80\/min/,
    );
  });
});

describe('heart-failure weight gain of more than 2 kg in 3 days (ESC)', () => {
  it('a gain of 2.1 kg in 2 days triggers', () => {
    const r = heartFailureWeightGain([at(48, 70.0), at(0, 72.1)], now);
    expect(r.triggered).toBe(true);
    expect(r.reason).toMatch(/gain of 2.1 kg — more than 2 kg in 3 days/);
  });

  it('a gain of exactly 2 kg does not trigger, even with float noise', () => {
    expect(heartFailureWeightGain([at(48, 70.1), at(0, 72.1)], now).triggered).toBe(false);
  });

  it('a low weight more than 3 days ago is outside the window', () => {
    expect(
      heartFailureWeightGain([{ atMs: now - 3 * DAY_MS - 1, value: 68 }, at(0, 72)], now).triggered,
    ).toBe(false);
  });

  it('a loss does not trigger', () => {
    expect(heartFailureWeightGain([at(24, 75), at(0, 72)], now).triggered).toBe(false);
  });
});
