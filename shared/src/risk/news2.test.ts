import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  bandRank,
  news2Band,
  scoreAirOrOxygen,
  scoreConsciousness,
  scoreNews2,
  scorePulse,
  scoreRespiratoryRate,
  scoreSpo2Scale1,
  scoreSpo2Scale2,
  scoreSystolic,
  scoreTemperature,
  type News2Input,
  type SubScore,
} from './news2';
import { getOrThrow } from '../result';

/** A well adult: every parameter scores 0. */
const calm: Required<Omit<News2Input, 'spo2Scale'>> = {
  respiratoryRatePerMin: 16,
  spo2Percent: 97,
  onOxygen: false,
  systolicMmHg: 120,
  pulsePerMin: 70,
  consciousness: 'A',
  temperatureCel: 37,
};

// Each row: value → expected sub-score, both sides of every printed boundary (RCP 2017 Chart 1).
const cases = <T>(rows: readonly (readonly [T, SubScore])[]) => rows;

describe('NEWS2 Chart 1 sub-scores at both sides of every band boundary', () => {
  it.each(
    cases([
      [8, 3],
      [9, 1],
      [11, 1],
      [12, 0],
      [20, 0],
      [21, 2],
      [24, 2],
      [25, 3],
    ]),
  )('respiration rate %s/min scores %s', (value, score) =>
    expect(scoreRespiratoryRate(value)).toBe(score),
  );

  it.each(
    cases([
      [91, 3],
      [92, 2],
      [93, 2],
      [94, 1],
      [95, 1],
      [96, 0],
      [100, 0],
    ]),
  )('SpO2 scale 1 %s%% scores %s', (value, score) => expect(scoreSpo2Scale1(value)).toBe(score));

  it.each(
    cases([
      [83, 3],
      [84, 2],
      [85, 2],
      [86, 1],
      [87, 1],
      [88, 0],
      [92, 0],
    ]),
  )('SpO2 scale 2 %s%% scores %s whether on air or oxygen', (value, score) => {
    expect(scoreSpo2Scale2(value, false)).toBe(score);
    expect(scoreSpo2Scale2(value, true)).toBe(score);
  });

  it.each(
    cases([
      [93, 0],
      [94, 0],
      [97, 0],
      [100, 0],
    ]),
  )('SpO2 scale 2 %s%% on air scores %s', (value, score) =>
    expect(scoreSpo2Scale2(value, false)).toBe(score),
  );

  it.each(
    cases([
      [92, 0],
      [93, 1],
      [94, 1],
      [95, 2],
      [96, 2],
      [97, 3],
      [100, 3],
    ]),
  )('SpO2 scale 2 %s%% on oxygen scores %s', (value, score) =>
    expect(scoreSpo2Scale2(value, true)).toBe(score),
  );

  it('SpO2 scale 2 at 93% or more cannot be scored without knowing air or oxygen', () => {
    expect(scoreSpo2Scale2(93, undefined)).toBeNull();
    expect(scoreSpo2Scale2(92, undefined)).toBe(0);
  });

  it('oxygen scores 2 and air scores 0', () => {
    expect(scoreAirOrOxygen(true)).toBe(2);
    expect(scoreAirOrOxygen(false)).toBe(0);
  });

  it.each(
    cases([
      [90, 3],
      [91, 2],
      [100, 2],
      [101, 1],
      [110, 1],
      [111, 0],
      [219, 0],
      [220, 3],
    ]),
  )('systolic %s mmHg scores %s', (value, score) => expect(scoreSystolic(value)).toBe(score));

  it.each(
    cases([
      [40, 3],
      [41, 1],
      [50, 1],
      [51, 0],
      [90, 0],
      [91, 1],
      [110, 1],
      [111, 2],
      [130, 2],
      [131, 3],
    ]),
  )('pulse %s/min scores %s', (value, score) => expect(scorePulse(value)).toBe(score));

  it.each(
    cases([
      [35.0, 3],
      [35.1, 1],
      [36.0, 1],
      [36.1, 0],
      [38.0, 0],
      [38.1, 1],
      [39.0, 1],
      [39.1, 2],
    ]),
  )('temperature %s °C scores %s', (value, score) => expect(scoreTemperature(value)).toBe(score));

  it('alert scores 0; new confusion, voice, pain and unresponsive each score 3', () => {
    expect(scoreConsciousness('A')).toBe(0);
    for (const level of ['C', 'V', 'P', 'U'] as const) expect(scoreConsciousness(level)).toBe(3);
  });

  it('a value between two printed bands falls in the next band up, never unscored', () => {
    expect(scoreSpo2Scale1(91.5)).toBe(2);
    expect(scoreTemperature(35.05)).toBe(1);
    expect(scoreRespiratoryRate(20.5)).toBe(2);
  });
});

describe('NEWS2 totals, bands and responses (Charts 3 and 4)', () => {
  it('a well adult scores 0, low risk, 12-hourly routine monitoring', () => {
    const r = getOrThrow(scoreNews2(calm));
    expect(r.complete).toBe(true);
    if (!r.complete) return;
    expect(r.total).toBe(0);
    expect(r.band).toBe('low');
    expect(r.response.trigger).toBe('score-0');
    expect(r.response.monitoring).toMatch(/12 hours/);
  });

  it('a total of 4 with no single 3 is low risk with 4–6-hourly monitoring', () => {
    // RR 21 →2, pulse 91 →1, temperature 38.1 →1.
    const r = getOrThrow(
      scoreNews2({ ...calm, respiratoryRatePerMin: 21, pulsePerMin: 91, temperatureCel: 38.1 }),
    );
    expect(r.complete && r.total).toBe(4);
    expect(r.complete && r.band).toBe('low');
    expect(r.response.trigger).toBe('score-1-4');
  });

  it('a single parameter scoring 3 with a total of 3 is low-medium and asks for urgent review', () => {
    const r = getOrThrow(scoreNews2({ ...calm, consciousness: 'C' }));
    expect(r.complete && r.total).toBe(3);
    expect(r.complete && r.band).toBe('low-medium');
    expect(r.response.trigger).toBe('single-parameter-3');
    expect(r.response.action).toMatch(/consult/);
    expect(r.response.monitoring).toMatch(/every hour/);
  });

  it('a single 3 plus 1 (total 4) is still low-medium; plus 2 (total 5) is medium', () => {
    expect(news2Band(4, true)).toBe('low-medium');
    const five = getOrThrow(scoreNews2({ ...calm, respiratoryRatePerMin: 25, pulsePerMin: 111 }));
    expect(five.complete && five.total).toBe(5);
    expect(five.complete && five.band).toBe('medium');
    expect(five.response.trigger).toBe('score-5-or-more');
  });

  it('a total of 6 is medium and 7 is high with continuous monitoring', () => {
    const six = getOrThrow(
      scoreNews2({ ...calm, respiratoryRatePerMin: 21, pulsePerMin: 111, systolicMmHg: 91 }),
    );
    expect(six.complete && six.total).toBe(6);
    expect(six.complete && six.band).toBe('medium');
    const seven = getOrThrow(
      scoreNews2({ ...calm, respiratoryRatePerMin: 21, pulsePerMin: 111, systolicMmHg: 90 }),
    );
    expect(seven.complete && seven.total).toBe(7);
    expect(seven.complete && seven.band).toBe('high');
    expect(seven.response.trigger).toBe('score-7-or-more');
    expect(seven.response.monitoring).toMatch(/Continuous/);
  });

  it('the highest possible total is 20', () => {
    const r = getOrThrow(
      scoreNews2({
        respiratoryRatePerMin: 30,
        spo2Percent: 85,
        onOxygen: true,
        systolicMmHg: 80,
        pulsePerMin: 140,
        consciousness: 'U',
        temperatureCel: 34,
      }),
    );
    // 3 + 3 + 2 + 3 + 3 + 3 + 3
    expect(r.complete && r.total).toBe(20);
  });

  it('scale 2 on oxygen at 97% scores 3 for SpO2 plus 2 for oxygen', () => {
    const r = getOrThrow(scoreNews2({ ...calm, spo2Scale: 2, spo2Percent: 97, onOxygen: true }));
    expect(r.subScores.spo2).toBe(3);
    expect(r.subScores.onOxygen).toBe(2);
    expect(r.complete && r.total).toBe(5);
  });

  it('scale 2 on air at 97% scores 0 for SpO2', () => {
    const r = getOrThrow(scoreNews2({ ...calm, spo2Scale: 2, spo2Percent: 97, onOxygen: false }));
    expect(r.subScores.spo2).toBe(0);
    expect(r.complete && r.total).toBe(0);
  });

  it('scale 1 is the default and says so', () => {
    const r = getOrThrow(scoreNews2(calm));
    expect(r.spo2Scale).toBe(1);
    expect(r.spo2ScaleDefaulted).toBe(true);
  });

  it('reasons name each parameter with its value and score', () => {
    const r = getOrThrow(scoreNews2({ ...calm, respiratoryRatePerMin: 23 }));
    const rr = r.reasons.find((reason) => reason.parameter === 'respiratoryRate');
    expect(rr).toMatchObject({ value: 23, score: 2 });
    expect(rr?.text).toBe('Respiration rate 23/min scores 2');
  });
});

describe('NEWS2 with missing parameters', () => {
  it('names the missing parameters and gives an "at least" total, never a complete one', () => {
    const { temperatureCel: _t, systolicMmHg: _s, ...rest } = calm;
    const r = getOrThrow(scoreNews2({ ...rest, consciousness: 'V' }));
    expect(r.complete).toBe(false);
    if (r.complete) return;
    expect(r.missing).toEqual(['systolicBP', 'temperature']);
    expect(r.totalAtLeast).toBe(3);
    expect(r.bandAtLeast).toBe('low-medium');
    expect(r.subScores.temperature).toBeNull();
    expect(r.response.action).toMatch(
      /^Incomplete: systolicBP, temperature not scored, so the score is at least 3/,
    );
    expect('total' in r).toBe(false);
  });

  it('scale 2 at 93% or more with oxygen status unknown leaves SpO2 and oxygen missing', () => {
    const { onOxygen: _o, ...rest } = calm;
    const r = getOrThrow(scoreNews2({ ...rest, spo2Scale: 2, spo2Percent: 95 }));
    expect(r.complete).toBe(false);
    expect(r.missing).toEqual(['spo2', 'onOxygen']);
  });

  it('an empty observation set is partial with every parameter missing', () => {
    const r = getOrThrow(scoreNews2({}));
    expect(r.complete).toBe(false);
    expect(r.missing).toHaveLength(7);
  });
});

describe('NEWS2 refuses impossible values', () => {
  it('a Fahrenheit temperature typed into the Celsius field is refused, not scored', () => {
    const r = scoreNews2({ ...calm, temperatureCel: 98.6 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toEqual({
      type: 'ImplausibleVitalSign',
      parameter: 'temperature',
      value: 98.6,
      possible: [25, 45],
    });
  });

  it('a non-finite pulse is refused', () => {
    expect(scoreNews2({ ...calm, pulsePerMin: Number.NaN }).ok).toBe(false);
  });
});

describe('NEWS2 properties', () => {
  const observation = fc.record(
    {
      respiratoryRatePerMin: fc.integer({ min: 2, max: 120 }),
      spo2Percent: fc.integer({ min: 40, max: 100 }),
      spo2Scale: fc.constantFrom(1 as const, 2 as const),
      onOxygen: fc.boolean(),
      systolicMmHg: fc.integer({ min: 40, max: 300 }),
      pulsePerMin: fc.integer({ min: 20, max: 300 }),
      consciousness: fc.constantFrom(
        'A' as const,
        'C' as const,
        'V' as const,
        'P' as const,
        'U' as const,
      ),
      temperatureCel: fc.integer({ min: 250, max: 450 }).map((t) => t / 10),
    },
    { requiredKeys: [] },
  );

  test.prop([observation])('the total equals the sum of the sub-scores', (input) => {
    const r = getOrThrow(scoreNews2(input));
    const sum = Object.values(r.subScores).reduce<number>((s, v) => s + (v ?? 0), 0);
    expect(r.complete ? r.total : r.totalAtLeast).toBe(sum);
    expect(sum).toBeGreaterThanOrEqual(0);
    expect(sum).toBeLessThanOrEqual(20);
  });

  test.prop([observation])(
    'a partial score never claims completeness and names what is missing',
    (input) => {
      const r = getOrThrow(scoreNews2(input));
      const nullCount = Object.values(r.subScores).filter((v) => v === null).length;
      expect(r.complete).toBe(nullCount === 0);
      expect(r.missing).toHaveLength(nullCount);
    },
  );

  test.prop([fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.boolean()])(
    'the band is monotone in the total',
    (a, b, anyThree) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      expect(bandRank(news2Band(lo, anyThree))).toBeLessThanOrEqual(
        bandRank(news2Band(hi, anyThree)),
      );
      // A red single score never lowers the band.
      expect(bandRank(news2Band(lo, false))).toBeLessThanOrEqual(bandRank(news2Band(lo, true)));
    },
  );

  test.prop([
    observation,
    fc.constantFrom(...(['respiratoryRatePerMin', 'pulsePerMin', 'temperatureCel'] as const)),
  ])('adding a missing parameter never lowers the "at least" band', (input, key) => {
    const { [key]: _removed, ...partial } = { ...calm, ...input };
    const before = getOrThrow(scoreNews2(partial));
    const after = getOrThrow(scoreNews2({ ...calm, ...input }));
    const band = (r: typeof before) => (r.complete ? r.band : r.bandAtLeast);
    expect(bandRank(band(after))).toBeGreaterThanOrEqual(bandRank(band(before)));
  });
});
