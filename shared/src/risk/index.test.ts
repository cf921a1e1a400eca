import { describe, expect, it } from 'vitest';
import { assessRisk, RULESET_VERSION, type RiskInput } from './index';
import { getOrThrow } from '../result';

const now = Date.UTC(2026, 2, 1, 12, 0, 0);
const vitals = {
  respiratoryRatePerMin: 24,
  spo2Percent: 95,
  onOxygen: false,
  systolicMmHg: 98,
  diastolicMmHg: 60,
  heartRatePerMin: 112,
  consciousness: 'A' as const,
  temperatureCel: 38.4,
};
const years = (y: number) => y * 12;

describe('assessRisk picks the charts that apply', () => {
  it('an adult who is not pregnant gets NEWS2, qSOFA and trends, with the ruleset version', () => {
    const r = getOrThrow(
      assessRisk({ ageCompletedMonths: years(45), pregnant: false, vitals }, now),
    );
    expect(r.ruleset).toBe(RULESET_VERSION);
    expect(r.population).toBe('adult');
    expect(r.news2?.complete && r.news2.total).toBe(2 + 1 + 0 + 2 + 2 + 0 + 1);
    expect(r.qsofa).toMatchObject({ score: 2, positive: true });
    expect(r.maternal).toBeUndefined();
    expect(r.trends.map((t) => t.rule.id)).toEqual([
      'trend-news2-rise',
      'trend-spo2-below-target',
      'trend-sustained-tachycardia',
    ]);
    expect(r.news2?.ruleSet.source).toMatch(/Royal College of Physicians/);
  });

  it('a pregnant woman gets the maternal chart and never NEWS2 or qSOFA', () => {
    const r = getOrThrow(
      assessRisk({ ageCompletedMonths: years(28), pregnant: true, vitals }, now),
    );
    expect(r.population).toBe('pregnant');
    expect(r.news2).toBeUndefined();
    expect(r.qsofa).toBeUndefined();
    expect(r.maternal?.triggered).toBe(true);
    expect(r.notApplicable.map((n) => n.ruleSet)).toEqual(['news2', 'qsofa']);
    expect(r.warnings.join(' ')).toMatch(/awaiting clinical verification/);
  });

  it('a child under 5 gets IMCI only', () => {
    const input: RiskInput = {
      ageCompletedMonths: 30,
      vitals: { respiratoryRatePerMin: 44 },
      child: {
        dangerSigns: {
          unableToDrinkOrBreastfeed: false,
          vomitsEverything: true,
          convulsions: false,
          lethargicOrUnconscious: false,
        },
      },
    };
    const r = getOrThrow(assessRisk(input, now));
    expect(r.population).toBe('child-under-5');
    expect(r.imci).toMatchObject({ fastBreathing: true, urgentReferral: true });
    expect(r.news2).toBeUndefined();
  });

  it('a child of 10 gets no score and is told there is no validated score for the age', () => {
    const r = getOrThrow(
      assessRisk({ ageCompletedMonths: years(10), pregnant: false, vitals }, now),
    );
    expect(r.population).toBe('age-5-to-15');
    expect(r.news2).toBeUndefined();
    expect(r.imci).toBeUndefined();
    expect(r.notApplicable[0]?.reason).toMatch(/No validated score for this age/);
  });

  it('at 16 NEWS2 applies but qSOFA (adults 18+) does not', () => {
    const r = getOrThrow(
      assessRisk({ ageCompletedMonths: years(16), pregnant: false, vitals }, now),
    );
    expect(r.population).toBe('age-16-17');
    expect(r.news2).toBeDefined();
    expect(r.qsofa).toBeUndefined();
  });

  it('at 15 years and 11 months NEWS2 does not apply', () => {
    const r = getOrThrow(
      assessRisk({ ageCompletedMonths: years(16) - 1, pregnant: false, vitals }, now),
    );
    expect(r.news2).toBeUndefined();
  });

  it('an adult with pregnancy status unknown is not scored on NEWS2', () => {
    const r = getOrThrow(assessRisk({ ageCompletedMonths: years(30), vitals }, now));
    expect(r.population).toBe('pregnancy-unknown');
    expect(r.news2).toBeUndefined();
    expect(r.notApplicable[0]?.reason).toMatch(/Pregnancy status not recorded/);
  });

  it('the current complete NEWS2 joins the history for the rise trend', () => {
    const r = getOrThrow(
      assessRisk(
        {
          ageCompletedMonths: years(60),
          pregnant: false,
          vitals,
          history: { news2Totals: [{ atMs: now - 6 * 3600_000, value: 2 }] },
        },
        now,
      ),
    );
    expect(r.trends.find((t) => t.rule.id === 'trend-news2-rise')?.triggered).toBe(true);
  });

  it('heart-failure weight trend runs only for patients with heart failure', () => {
    const weights = {
      weightKg: [
        { atMs: now - 2 * 86400_000, value: 70 },
        { atMs: now, value: 73 },
      ],
    };
    const withHf = getOrThrow(
      assessRisk(
        {
          ageCompletedMonths: years(70),
          pregnant: false,
          vitals,
          hasHeartFailure: true,
          history: weights,
        },
        now,
      ),
    );
    expect(withHf.trends.find((t) => t.rule.id === 'trend-hf-weight-gain')?.triggered).toBe(true);
    const without = getOrThrow(
      assessRisk({ ageCompletedMonths: years(70), pregnant: false, vitals, history: weights }, now),
    );
    expect(without.trends.some((t) => t.rule.id === 'trend-hf-weight-gain')).toBe(false);
  });

  it('an impossible value is refused for every population', () => {
    const r = assessRisk({ ageCompletedMonths: years(8), vitals: { temperatureCel: 98.6 } }, now);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error).toMatchObject({ type: 'ImplausibleVitalSign', parameter: 'temperature' });
  });

  it('a negative age is refused', () => {
    const r = assessRisk({ ageCompletedMonths: -1, vitals: {} }, now);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toEqual({ type: 'InvalidAge', ageCompletedMonths: -1 });
  });
});
