/**
 * From a patient's record to the inputs of the risk rules. Pure: the caller
 * passes `nowMs`. The rules themselves live in shared/risk, with their sources.
 */
import type { EncounterView, ObservationView, PatientView } from '@outpost/shared/model';
import {
  NEWS2_MIN_AGE_YEARS,
  assessRisk,
  type Consciousness,
  type RiskAssessment,
  type RiskInput,
  type RiskVitals,
  type TimedReading,
} from '@outpost/shared/risk';
import { ageInCompletedMonths } from './age';
import { PREGNANCY_ASKED_AGES, mayBePregnant, onMaternalChartAfterBirth } from './pregnancy';

const DAY_MS = 86_400_000;

export { ageInCompletedMonths };

/** Age as words-friendly numbers: whole years, or months for a baby. */
export function ageOf(
  view: PatientView,
  nowMs: number,
): { years: number; months: number } | undefined {
  if (view.dateOfBirth.status !== 'known') return undefined;
  const months = ageInCompletedMonths(view.dateOfBirth.current.value.date, nowMs);
  return months === undefined ? undefined : { years: Math.floor(months / 12), months };
}

/**
 * Whether the patient is pregnant, as the rules need it. Men and women outside
 * 10–55 years ($lib/pregnancy) are not asked, so they count as not pregnant;
 * a woman whose status is unknown or in conflict stays `undefined`, and the
 * rules then say so instead of scoring a chart that may not apply.
 *
 * A woman who has given birth counts as pregnant for the first 42 days after
 * the delivery, at `nowMs` (the visit being scored): the maternal chart's
 * population is pregnant women and women up to 6 weeks after birth (MEOWS,
 * shared/src/risk/maternal.ts; docs/clinical-rules.md "Maternal chart —
 * MEOWS"). From day 43 she is not pregnant for the rules (NEWS2).
 */
export function pregnancyForRisk(
  view: PatientView,
  ageYears: number | undefined,
  nowMs: number,
): boolean | undefined {
  if (view.sex.status === 'known' && view.sex.current.value === 'male') return false;
  if (view.pregnancy.status === 'known') {
    const { status, deliveredOn } = view.pregnancy.current.value;
    if (status === 'pregnant') return true;
    if (status === 'not-pregnant') return false;
    if (status === 'postpartum' && deliveredOn !== undefined)
      return onMaternalChartAfterBirth(deliveredOn, nowMs);
    return undefined;
  }
  if (view.pregnancy.status === 'conflict') return undefined;
  if (
    view.sex.status === 'known' &&
    view.sex.current.value === 'female' &&
    ageYears !== undefined
  ) {
    if (ageYears < PREGNANCY_ASKED_AGES.min || ageYears > PREGNANCY_ASKED_AGES.max) return false;
  }
  return undefined;
}

/**
 * Where to offer recording her pregnancy status (patient page, visit screen):
 * where registration asks it, wherever a status is recorded (so it can be
 * corrected), and wherever the rules cannot choose a chart without it
 * (`needed`: old enough for NEWS2, and no status they can use).
 */
export function pregnancyPrompt(
  view: PatientView,
  nowMs: number,
): { offered: boolean; needed: boolean } {
  const age = ageOf(view, nowMs);
  const needed =
    age !== undefined &&
    age.years >= NEWS2_MIN_AGE_YEARS &&
    pregnancyForRisk(view, age.years, nowMs) === undefined;
  const sex = view.sex.status === 'known' ? view.sex.current.value : 'unknown';
  return {
    offered: needed || view.pregnancy.status !== 'unknown' || mayBePregnant(sex, age?.years),
    needed,
  };
}

function final(observations: readonly ObservationView[]): ObservationView[] {
  return observations.filter((observation) => observation.status === 'final');
}

/** The latest final value of each vital within one encounter. */
export function encounterVitals(encounter: EncounterView): RiskVitals {
  const latest = new Map<string, ObservationView>();
  for (const observation of final(encounter.observations)) {
    const previous = latest.get(observation.key);
    if (!previous || observation.effectiveAt >= previous.effectiveAt)
      latest.set(observation.key, observation);
  }
  const number = (key: string) => {
    const value = latest.get(key)?.value;
    return typeof value === 'number' ? value : undefined;
  };
  const consciousness = latest.get('consciousness')?.value;
  const oxygen = latest.get('supplementalOxygen')?.value;
  const vitals: { -readonly [K in keyof RiskVitals]: RiskVitals[K] } = {};
  const set = <K extends keyof RiskVitals>(key: K, value: RiskVitals[K] | undefined) => {
    if (value !== undefined) vitals[key] = value;
  };
  set('respiratoryRatePerMin', number('respiratoryRate'));
  set('spo2Percent', number('spo2'));
  set('systolicMmHg', number('systolicBP'));
  set('diastolicMmHg', number('diastolicBP'));
  set('heartRatePerMin', number('heartRate'));
  set('temperatureCel', number('temperature'));
  if (typeof oxygen === 'boolean') vitals.onOxygen = oxygen;
  if (typeof consciousness === 'string' && 'ACVPU'.includes(consciousness))
    vitals.consciousness = consciousness as Consciousness;
  return vitals;
}

function series(
  view: PatientView,
  key: string,
  exclude: string | undefined,
  sinceMs: number,
): TimedReading<number>[] {
  const readings: TimedReading<number>[] = [];
  for (const encounter of view.encounters) {
    if (encounter.id === exclude) continue;
    for (const observation of final(encounter.observations)) {
      if (
        observation.key === key &&
        typeof observation.value === 'number' &&
        observation.effectiveAt >= sinceMs
      )
        readings.push({ atMs: observation.effectiveAt, value: observation.value });
    }
  }
  return readings.sort((a, b) => a.atMs - b.atMs);
}

export function hasHeartFailure(view: PatientView): boolean {
  return view.conditions.active.some((condition) =>
    /heart failure|cardiac failure|insuffisance cardiaque|moyo kushindwa/i.test(
      condition.value.name,
    ),
  );
}

/** The rules' input for one encounter, or undefined when the age is not known. */
export function riskInputFor(
  view: PatientView,
  encounterId: string,
  nowMs: number,
): RiskInput | undefined {
  const encounter = view.encounters.find((candidate) => candidate.id === encounterId);
  if (!encounter || view.dateOfBirth.status !== 'known') return undefined;
  const months = ageInCompletedMonths(view.dateOfBirth.current.value.date, nowMs);
  if (months === undefined) return undefined;
  const pregnant = pregnancyForRisk(view, Math.floor(months / 12), nowMs);
  const since = nowMs - 30 * DAY_MS;
  const news2Totals: TimedReading<number>[] = [];
  for (const other of view.encounters) {
    if (other.id === encounterId) continue;
    for (const assessment of other.riskAssessments) {
      const news2 = (assessment.result as { news2?: { complete?: boolean; total?: number } }).news2;
      if (news2?.complete === true && typeof news2.total === 'number' && assessment.at >= since)
        news2Totals.push({ atMs: assessment.at, value: news2.total });
    }
  }
  const dangerSigns = encounter.dangerSigns?.signs;
  return {
    ageCompletedMonths: months,
    ...(pregnant === undefined ? {} : { pregnant }),
    vitals: encounterVitals(encounter),
    ...(dangerSigns ? { child: { dangerSigns } } : {}),
    hasHeartFailure: hasHeartFailure(view),
    history: {
      news2Totals,
      spo2: series(view, 'spo2', encounterId, since).map((r) => ({
        atMs: r.atMs,
        value: { percent: r.value, scale: 1 as const },
      })),
      heartRatePerMin: series(view, 'heartRate', encounterId, since),
      // Weight: the whole series, this visit included (the rule compares readings).
      weightKg: series(view, 'weight', undefined, since),
    },
  };
}

export function assessEncounter(
  view: PatientView,
  encounterId: string,
  nowMs: number,
): RiskAssessment | undefined {
  const input = riskInputFor(view, encounterId, nowMs);
  if (!input) return undefined;
  const result = assessRisk(input, nowMs);
  return result.ok ? result.value : undefined;
}
