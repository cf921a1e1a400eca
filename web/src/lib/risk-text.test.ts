import { describe, expect, it } from 'vitest';
import {
  assessRisk,
  MEOWS_META,
  MEOWS_UNVERIFIED_WARNING,
  type RiskAssessment,
} from '@outpost/shared/risk';
import { en, type MessageKey } from './i18n/en';
import { fr } from './i18n/fr';
import { interpolate, type Params } from './i18n/i18n.svelte';
import { sw } from './i18n/sw';
import {
  imciTexts,
  meowsWarningText,
  missingText,
  news2ReasonText,
  news2ResponseText,
  notApplicableText,
  trendText,
  type Translator,
} from './risk-text';

const NOW = Date.parse('2026-03-01T10:00:00Z');

function translator(messages: Record<MessageKey, string>, locale: string): Translator {
  return {
    t: (key: MessageKey, params?: Params) => interpolate(messages[key], params),
    number: (value, options) => new Intl.NumberFormat(locale, options).format(value),
  };
}
const EN = translator(en, 'en');
const FR = translator(fr, 'fr');
const SW = translator(sw, 'sw');

function assess(input: Parameters<typeof assessRisk>[0]): RiskAssessment {
  const result = assessRisk(input, NOW);
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

const adult = assess({
  ageCompletedMonths: 40 * 12,
  pregnant: false,
  vitals: {
    respiratoryRatePerMin: 22,
    spo2Percent: 95,
    onOxygen: false,
    systolicMmHg: 150,
    heartRatePerMin: 96,
    consciousness: 'A',
    temperatureCel: 37.9,
  },
});

describe('risk panel words', () => {
  it('says every NEWS2 reason in English as the rules do, and in French with a decimal comma', () => {
    const news2 = adult.news2!;
    const english = news2.reasons.map((reason) => news2ReasonText(EN, reason, news2));
    expect(english).toContain('Temperature 37.9 °C scores 0');
    expect(english).toContain('Breathing rate 22/min scores 2');
    const french = news2.reasons.map((reason) => news2ReasonText(FR, reason, news2));
    expect(french).toContain('Température 37,9 °C : 0 point(s)');
    expect(french.join(' ')).not.toMatch(/scores/);
  });

  it('translates the chart response by its trigger, and the missing signs by name', () => {
    expect(news2ResponseText(EN, adult.news2!.response).action).toBe(adult.news2!.response.action);
    expect(news2ResponseText(SW, adult.news2!.response).monitoring).toBe(
      'Vipimo angalau kila saa 4 hadi 6.',
    );
    expect(missingText(FR, ['pulse', 'onOxygen'])).toBe(
      `${fr['vital.heartRate']}, ${fr['vital.supplementalOxygen']}`,
    );
  });

  it('keeps the English text for anything it does not know', () => {
    const unknown = { ...adult.news2!.response, trigger: 'new-trigger' as never };
    expect(news2ResponseText(FR, unknown).action).toBe(adult.news2!.response.action);
    const trend = {
      rule: { ...adult.trends[0]!.rule, id: 'trend-new' },
      triggered: true,
      reason: 'New rule says so',
    };
    expect(trendText(FR, trend)).toBe('New rule says so');
    expect(notApplicableText(FR, 'adult', { ruleSet: 'any', reason: 'Because' })).toBe('Because');
  });

  it('translates the child chart from its structured result', () => {
    const child = assess({
      ageCompletedMonths: 24,
      vitals: { respiratoryRatePerMin: 44 },
      child: {
        dangerSigns: {
          unableToDrinkOrBreastfeed: false,
          vomitsEverything: true,
          convulsions: false,
          lethargicOrUnconscious: false,
        },
      },
    });
    const words = imciTexts(SW, child.imci!);
    expect(words.reasons[0]).toBe(interpolate(sw['risk.imci.fast'], { rate: '44', threshold: 40 }));
    expect(words.reasons[1]).toContain(sw['danger.vomitsEverything']);
    expect(words.actions[0]).toBe(sw['risk.imci.action.refer']);
    expect(imciTexts(EN, child.imci!).actions).toHaveLength(child.imci!.actions.length);
    expect(
      child.notApplicable.map((item) => notApplicableText(FR, child.population, item)),
    ).toEqual([fr['risk.na.child-under-5.news2'], fr['risk.na.child-under-5.qsofa']]);
  });

  it("shows the maternal chart's unverified warning in every language while it is unverified", () => {
    const pregnant = assess({
      ageCompletedMonths: 25 * 12,
      pregnant: true,
      vitals: { systolicMmHg: 118, heartRatePerMin: 84 },
    });
    const maternal = pregnant.maternal!;
    expect(maternal.verified).toBe(MEOWS_META.verification === 'verified');
    expect(maternal.warnings).toEqual(maternal.verified ? [] : [MEOWS_UNVERIFIED_WARNING]);
    expect(meowsWarningText(EN, MEOWS_UNVERIFIED_WARNING)).toBe(en['risk.meows.unverified']);
    expect(meowsWarningText(FR, MEOWS_UNVERIFIED_WARNING)).toBe(fr['risk.meows.unverified']);
    expect(meowsWarningText(SW, MEOWS_UNVERIFIED_WARNING)).toBe(sw['risk.meows.unverified']);
    expect(meowsWarningText(FR, 'Some future warning')).toBe('Some future warning');
  });
});
