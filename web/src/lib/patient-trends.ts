/**
 * What the patient page charts: each vital's readings across visits, the
 * normal band to shade behind them, the score history and the heart-failure
 * weight flag. Pure: the caller passes the encounters and `nowMs`.
 */
import type { EncounterView, PatientView } from '@outpost/shared/model';
import { VITALS, isVitalKey, type VitalKey } from '@outpost/shared/model';
import { heartFailureWeightGain, type News2Band, type TimedReading } from '@outpost/shared/risk';
import { ageOf, hasHeartFailure, pregnancyForRisk } from './clinical';

/**
 * The range of each vital that scores 0 on NEWS2 for an adult: Royal College
 * of Physicians, National Early Warning Score (NEWS) 2, 2017, Chart 1 (the
 * same numbers as shared/risk/news2.ts). SpO2 uses Scale 1 (≥ 96 %). Diastolic
 * pressure and weight are not scored by NEWS2, so they get no band. NEWS2
 * does not apply under 16 or in pregnancy, and no other cited band is used:
 * those charts are not shaded.
 */
export const NEWS2_ZERO_BANDS: Partial<Record<VitalKey, readonly [number, number]>> = {
  respiratoryRate: [12, 20],
  spo2: [96, 100],
  systolicBP: [111, 219],
  heartRate: [51, 90],
  temperature: [36.1, 38.0],
};

/** The order vitals are charted in (the others follow in catalogue order). */
const CHART_ORDER: readonly VitalKey[] = [
  'heartRate',
  'respiratoryRate',
  'spo2',
  'systolicBP',
  'diastolicBP',
  'temperature',
  'weight',
];

export interface VitalSeries {
  readonly key: VitalKey;
  readonly unit: string;
  readonly points: readonly TimedReading<number>[];
  readonly band?: readonly [number, number];
}

/** Whether the adult NEWS2 band applies: 16 or over and not pregnant. */
export function adultBandApplies(view: PatientView, nowMs: number): boolean {
  const age = ageOf(view, nowMs);
  if (age === undefined || age.years < 16) return false;
  return pregnancyForRisk(view, age.years, nowMs) === false;
}

/** Every numeric vital with at least one final reading, oldest reading first. */
export function vitalSeries(
  encounters: readonly EncounterView[],
  shadeBands: boolean,
): VitalSeries[] {
  const byKey = new Map<VitalKey, TimedReading<number>[]>();
  for (const encounter of encounters)
    for (const observation of encounter.observations) {
      if (observation.status !== 'final' || typeof observation.value !== 'number') continue;
      if (!isVitalKey(observation.key)) continue;
      const list = byKey.get(observation.key) ?? [];
      list.push({ atMs: observation.effectiveAt, value: observation.value });
      byKey.set(observation.key, list);
    }
  const keys = [...byKey.keys()].sort((a, b) => {
    const rank = (k: VitalKey) => (CHART_ORDER.includes(k) ? CHART_ORDER.indexOf(k) : 99);
    return rank(a) - rank(b);
  });
  return keys.map((key) => {
    const band = shadeBands ? NEWS2_ZERO_BANDS[key] : undefined;
    return {
      key,
      unit: VITALS[key].ucum,
      points: byKey.get(key)!.sort((a, b) => a.atMs - b.atMs),
      ...(band ? { band } : {}),
    };
  });
}

export interface ScoreHistoryRow {
  readonly encounterId: string;
  readonly at: number;
  readonly rulesetVersion: string;
  /** NEWS2, when the stored result has one. */
  readonly news2?: { readonly complete: boolean; readonly total: number; readonly band: News2Band };
  readonly maternal?: { readonly triggered: boolean };
  readonly childUrgent?: boolean;
  /** The stored score name (English), for a result of another kind. */
  readonly score: string;
}

/** Each visit's stored score (the latest of the visit), newest visit first. */
export function scoreHistory(encounters: readonly EncounterView[]): ScoreHistoryRow[] {
  const rows: ScoreHistoryRow[] = [];
  for (const encounter of encounters) {
    const last = encounter.riskAssessments.at(-1);
    if (!last) continue;
    const result = last.result as {
      news2?: {
        complete?: boolean;
        total?: number;
        totalAtLeast?: number;
        band?: News2Band;
        bandAtLeast?: News2Band;
      };
      maternal?: { triggered?: boolean };
      imci?: { urgentReferral?: boolean };
    } | null;
    const news2 = result?.news2;
    const total = news2?.complete ? news2.total : news2?.totalAtLeast;
    const band = news2?.complete ? news2.band : news2?.bandAtLeast;
    rows.push({
      encounterId: encounter.id,
      at: last.at,
      rulesetVersion: last.rulesetVersion,
      score: last.score,
      ...(news2 && typeof total === 'number' && band
        ? { news2: { complete: news2.complete === true, total, band } }
        : {}),
      ...(typeof result?.maternal?.triggered === 'boolean'
        ? { maternal: { triggered: result.maternal.triggered } }
        : {}),
      ...(typeof result?.imci?.urgentReferral === 'boolean'
        ? { childUrgent: result.imci.urgentReferral }
        : {}),
    });
  }
  return rows.sort((a, b) => b.at - a.at);
}

/**
 * The heart-failure weight rule (shared/risk trends.ts: more than 2 kg in 3
 * days, ESC) over the patient's weights, for a patient with heart failure.
 * `gainKg` is set when it triggers.
 */
export function heartFailureWeightFlag(
  view: PatientView,
  encounters: readonly EncounterView[],
  nowMs: number,
): { readonly gainKg: number } | undefined {
  if (!hasHeartFailure(view)) return undefined;
  const weights = vitalSeries(encounters, false).find((s) => s.key === 'weight')?.points ?? [];
  const result = heartFailureWeightGain(weights, nowMs);
  if (!result.triggered) return undefined;
  const windowStart = nowMs - 3 * 86_400_000;
  const recent = weights.filter((w) => w.atMs >= windowStart && w.atMs <= nowMs);
  const latest = recent.at(-1)!;
  const lowest = Math.min(...recent.slice(0, -1).map((w) => w.value));
  return { gainKg: Math.round((latest.value - lowest) * 10) / 10 };
}
