/**
 * shared/risk entry point: `assessRisk` picks the rule sets that apply to the
 * patient (by age and pregnancy), runs them, and states plainly which charts
 * do not apply and why. No chart is ever stretched to a population it was not
 * published for:
 *   - NEWS2 and qSOFA: adults (NEWS2 ≥16 years, qSOFA ≥18 years), not pregnant.
 *   - Maternal chart (MEOWS): pregnant (or up to 6 weeks after birth — pass `pregnant: true`).
 *   - WHO IMCI: children under 5 years.
 *   - Ages 5–15 (not pregnant): no validated score in this rule set; said so.
 * Every assessment carries `RULESET_VERSION` and each rule set's own metadata.
 */
import { err, ok, type Result } from '../result';
import { assessImci, type GeneralDangerSign, type ImciResult } from './paediatric';
import { assessMeows, type MeowsResult } from './maternal';
import {
  type Consciousness,
  type ImplausibleVitalSign,
  RULESET_VERSION,
  type RulesetVersion,
} from './meta';
import { scoreNews2, type News2Result, type Spo2Scale } from './news2';
import { scoreQsofa, type QsofaResult } from './qsofa';
import {
  heartFailureWeightGain,
  news2Rise,
  spo2BelowTarget,
  sustainedTachycardia,
  type Spo2Reading,
  type TimedReading,
  type TrendResult,
} from './trends';

export { RULESET_VERSION } from './meta';
export type { RuleSetMeta, Consciousness, ImplausibleVitalSign, RulesetVersion } from './meta';
export * from './news2';
export * from './qsofa';
export * from './paediatric';
export * from './maternal';
export * from './trends';

/** NEWS2 applies from this age (RCP 2017: not for children under 16). */
export const NEWS2_MIN_AGE_YEARS = 16;
/** qSOFA was derived and validated in adult (18+) encounters (Seymour 2016). */
export const QSOFA_MIN_AGE_YEARS = 18;
/** Adult tachycardia definition (>100/min) is used from this age. */
export const ADULT_TACHYCARDIA_MIN_AGE_YEARS = 18;
/** IMCI covers children up to (not including) 5 years = 60 completed months. */
export const IMCI_MAX_AGE_MONTHS_EXCLUSIVE = 60;

export interface RiskVitals {
  readonly respiratoryRatePerMin?: number;
  readonly spo2Percent?: number;
  readonly spo2Scale?: Spo2Scale;
  readonly onOxygen?: boolean;
  readonly systolicMmHg?: number;
  readonly diastolicMmHg?: number;
  readonly heartRatePerMin?: number;
  readonly consciousness?: Consciousness;
  readonly gcs?: number;
  readonly temperatureCel?: number;
}

export interface RiskHistory {
  /** Earlier complete NEWS2 totals; the current one is added when complete. */
  readonly news2Totals?: readonly TimedReading<number>[];
  readonly spo2?: readonly TimedReading<Spo2Reading>[];
  readonly heartRatePerMin?: readonly TimedReading<number>[];
  readonly weightKg?: readonly TimedReading<number>[];
}

export interface RiskInput {
  /** Age in completed months (from date of birth and `now`, by the caller). */
  readonly ageCompletedMonths: number;
  /** Pregnant or within 6 weeks after birth. undefined = not recorded. */
  readonly pregnant?: boolean;
  readonly vitals: RiskVitals;
  /** IMCI signs, for children under 5. */
  readonly child?: {
    readonly dangerSigns?: Partial<Readonly<Record<GeneralDangerSign, boolean>>>;
    readonly chestIndrawing?: boolean;
  };
  readonly hasHeartFailure?: boolean;
  readonly history?: RiskHistory;
}

export type RuleSetId = 'news2' | 'qsofa' | 'meows' | 'who-imci';

export interface NotApplicable {
  readonly ruleSet: RuleSetId | 'any';
  readonly reason: string;
}

export type Population =
  'adult' | 'age-16-17' | 'pregnant' | 'child-under-5' | 'age-5-to-15' | 'pregnancy-unknown';

export interface RiskAssessment {
  readonly ruleset: RulesetVersion;
  readonly assessedAtMs: number;
  readonly population: Population;
  readonly news2?: News2Result;
  readonly qsofa?: QsofaResult;
  readonly maternal?: MeowsResult;
  readonly imci?: ImciResult;
  readonly trends: readonly TrendResult[];
  readonly notApplicable: readonly NotApplicable[];
  readonly warnings: readonly string[];
}

export interface InvalidAge {
  readonly type: 'InvalidAge';
  readonly ageCompletedMonths: number;
}

export type AssessRiskError = ImplausibleVitalSign | InvalidAge;

/** Oldest plausible age: the catalogue has no age entry, so this is a data-quality limit (130 years). */
const MAX_AGE_MONTHS = 130 * 12;

export function assessRisk(
  input: RiskInput,
  nowMs: number,
): Result<RiskAssessment, AssessRiskError> {
  const months = input.ageCompletedMonths;
  if (!Number.isFinite(months) || months < 0 || months > MAX_AGE_MONTHS) {
    return err({ type: 'InvalidAge', ageCompletedMonths: months });
  }
  const years = Math.floor(months / 12);
  const v = input.vitals;
  const notApplicable: NotApplicable[] = [];
  const warnings: string[] = [];
  const trends: TrendResult[] = [];
  const history = input.history ?? {};

  // Implausible values are refused for every population, not only where NEWS2 runs.
  const news2 = scoreNews2({
    respiratoryRatePerMin: v.respiratoryRatePerMin,
    spo2Percent: v.spo2Percent,
    spo2Scale: v.spo2Scale,
    onOxygen: v.onOxygen,
    systolicMmHg: v.systolicMmHg,
    pulsePerMin: v.heartRatePerMin,
    consciousness: v.consciousness,
    temperatureCel: v.temperatureCel,
  });
  if (!news2.ok) return news2;

  const base = { ruleset: RULESET_VERSION, assessedAtMs: nowMs } as const;

  if (input.pregnant === true) {
    const maternal = assessMeows({
      temperatureCel: v.temperatureCel,
      systolicMmHg: v.systolicMmHg,
      diastolicMmHg: v.diastolicMmHg,
      heartRatePerMin: v.heartRatePerMin,
      respiratoryRatePerMin: v.respiratoryRatePerMin,
      spo2Percent: v.spo2Percent,
      consciousness: v.consciousness,
    });
    warnings.push(...maternal.warnings);
    notApplicable.push(
      {
        ruleSet: 'news2',
        reason:
          'NEWS2 is not validated in pregnancy (RCP 2017); the maternal chart is used instead.',
      },
      {
        ruleSet: 'qsofa',
        reason:
          'qSOFA is not applied in pregnancy in this rule set; the maternal chart is used instead.',
      },
    );
    return ok({ ...base, population: 'pregnant', maternal, trends, notApplicable, warnings });
  }

  if (months < IMCI_MAX_AGE_MONTHS_EXCLUSIVE) {
    const imci = assessImci({
      ageCompletedMonths: months,
      respiratoryRatePerMin: v.respiratoryRatePerMin,
      dangerSigns: input.child?.dangerSigns,
      chestIndrawing: input.child?.chestIndrawing,
    });
    notApplicable.push(
      {
        ruleSet: 'news2',
        reason:
          'NEWS2 is for adults aged 16 or over; the WHO IMCI chart is used for children under 5.',
      },
      {
        ruleSet: 'qsofa',
        reason: 'qSOFA is for adults; the WHO IMCI chart is used for children under 5.',
      },
    );
    if (!imci.ok) return err({ type: 'InvalidAge', ageCompletedMonths: months });
    return ok({
      ...base,
      population: 'child-under-5',
      imci: imci.value,
      trends,
      notApplicable,
      warnings,
    });
  }

  if (years < NEWS2_MIN_AGE_YEARS) {
    notApplicable.push({
      ruleSet: 'any',
      reason:
        'No validated score for this age (5–15 years) in this rule set: NEWS2 is for 16 and over, IMCI for under 5. ' +
        'Use clinical judgement and the measured values; consider a consult if worried.',
    });
    return ok({ ...base, population: 'age-5-to-15', trends, notApplicable, warnings });
  }

  if (input.pregnant === undefined) {
    notApplicable.push(
      {
        ruleSet: 'news2',
        reason:
          'Pregnancy status not recorded: NEWS2 is not validated in pregnancy. Record whether she is pregnant.',
      },
      { ruleSet: 'qsofa', reason: 'Pregnancy status not recorded; record it to score qSOFA.' },
    );
    return ok({ ...base, population: 'pregnancy-unknown', trends, notApplicable, warnings });
  }

  const current = news2.value;
  const adult = years >= QSOFA_MIN_AGE_YEARS;
  const qsofa = adult
    ? scoreQsofa({
        respiratoryRatePerMin: v.respiratoryRatePerMin,
        systolicMmHg: v.systolicMmHg,
        consciousness: v.consciousness,
        gcs: v.gcs,
      })
    : undefined;
  if (!adult)
    notApplicable.push({
      ruleSet: 'qsofa',
      reason: 'qSOFA was validated in adults aged 18 or over.',
    });

  const totals = [...(history.news2Totals ?? [])];
  if (current.complete) totals.push({ atMs: nowMs, value: current.total });
  trends.push(news2Rise(totals, nowMs));

  const spo2 = [...(history.spo2 ?? [])];
  if (v.spo2Percent !== undefined)
    spo2.push({ atMs: nowMs, value: { percent: v.spo2Percent, scale: current.spo2Scale } });
  trends.push(spo2BelowTarget(spo2, nowMs));

  if (adult) {
    const heartRates = [...(history.heartRatePerMin ?? [])];
    if (v.heartRatePerMin !== undefined) heartRates.push({ atMs: nowMs, value: v.heartRatePerMin });
    trends.push(sustainedTachycardia(heartRates, nowMs));
  }
  if (input.hasHeartFailure === true)
    trends.push(heartFailureWeightGain(history.weightKg ?? [], nowMs));

  return ok({
    ...base,
    population: adult ? 'adult' : 'age-16-17',
    news2: current,
    ...(qsofa ? { qsofa } : {}),
    trends,
    notApplicable,
    warnings,
  });
}
