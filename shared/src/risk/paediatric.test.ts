import { describe, expect, it } from 'vitest';
import { assessImci, imciAgeBand } from './paediatric';
import { getOrThrow } from '../result';

const noDangerSigns = {
  unableToDrinkOrBreastfeed: false,
  vomitsEverything: false,
  convulsions: false,
  lethargicOrUnconscious: false,
};

describe('WHO IMCI 2014 fast breathing by age', () => {
  it.each([
    [1, 59, false],
    [1, 60, true],
    [2, 49, false],
    [2, 50, true],
    [11, 49, false],
    [11, 50, true],
    [12, 39, false],
    [12, 40, true],
    [59, 39, false],
    [59, 40, true],
  ])('at %s completed months, %s breaths/min is fast breathing: %s', (months, rate, fast) => {
    const r = getOrThrow(
      assessImci({
        ageCompletedMonths: months,
        respiratoryRatePerMin: rate,
        dangerSigns: noDangerSigns,
      }),
    );
    expect(r.fastBreathing).toBe(fast);
  });

  it('age bands switch at 2 months, 12 months and end before 5 years', () => {
    expect(imciAgeBand(1)).toBe('young-infant-under-2-months');
    expect(imciAgeBand(2)).toBe('2-to-11-months');
    expect(imciAgeBand(11)).toBe('2-to-11-months');
    expect(imciAgeBand(12)).toBe('12-to-59-months');
    expect(imciAgeBand(59)).toBe('12-to-59-months');
    expect(imciAgeBand(60)).toBeUndefined();
  });

  it('a child of 5 years is outside the chart and refused', () => {
    const r = assessImci({ ageCompletedMonths: 60 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toEqual({ type: 'OutOfImciAgeRange', ageCompletedMonths: 60 });
  });

  it('uncounted breathing is named as missing, not assumed normal', () => {
    const r = getOrThrow(assessImci({ ageCompletedMonths: 24, dangerSigns: noDangerSigns }));
    expect(r.fastBreathing).toBeNull();
    expect(r.missing).toContain('respiratoryRate');
  });
});

describe('WHO IMCI 2014 general danger signs', () => {
  it.each([
    'unableToDrinkOrBreastfeed',
    'vomitsEverything',
    'convulsions',
    'lethargicOrUnconscious',
  ] as const)('the single danger sign %s means urgent referral', (sign) => {
    const r = getOrThrow(
      assessImci({
        ageCompletedMonths: 18,
        respiratoryRatePerMin: 30,
        dangerSigns: { ...noDangerSigns, [sign]: true },
      }),
    );
    expect(r.urgentReferral).toBe(true);
    expect(r.dangerSignsPresent).toEqual([sign]);
    expect(r.actions[0]).toMatch(/^URGENT/);
  });

  it('no danger signs and normal breathing: no urgent referral', () => {
    const r = getOrThrow(
      assessImci({ ageCompletedMonths: 18, respiratoryRatePerMin: 30, dangerSigns: noDangerSigns }),
    );
    expect(r.urgentReferral).toBe(false);
    expect(r.missing).toEqual([]);
  });

  it('unchecked danger signs are named so the child is never called free of them', () => {
    const r = getOrThrow(
      assessImci({
        ageCompletedMonths: 18,
        respiratoryRatePerMin: 30,
        dangerSigns: { convulsions: false },
      }),
    );
    expect(r.dangerSignsNotAssessed).toEqual([
      'unableToDrinkOrBreastfeed',
      'vomitsEverything',
      'lethargicOrUnconscious',
    ]);
    expect(r.actions.join(' ')).toMatch(/Check every general danger sign/);
  });

  it('fast breathing without danger signs points to the cough or difficult breathing box', () => {
    const r = getOrThrow(
      assessImci({ ageCompletedMonths: 6, respiratoryRatePerMin: 55, dangerSigns: noDangerSigns }),
    );
    expect(r.urgentReferral).toBe(false);
    expect(r.actions.join(' ')).toMatch(/cough or difficult breathing/);
  });

  it('chest indrawing is recorded and shown', () => {
    const r = getOrThrow(
      assessImci({ ageCompletedMonths: 6, chestIndrawing: true, dangerSigns: noDangerSigns }),
    );
    expect(r.chestIndrawing).toBe(true);
    expect(r.reasons).toContain('Chest indrawing present');
  });

  it('a young infant is sent to the young infant chart, not scored on the older child danger signs', () => {
    const r = getOrThrow(assessImci({ ageCompletedMonths: 1, respiratoryRatePerMin: 64 }));
    expect(r.fastBreathing).toBe(true);
    expect(r.dangerSignsNotAssessed).toEqual([]);
    expect(r.actions.join(' ')).toMatch(/young infant chart/);
  });
});
