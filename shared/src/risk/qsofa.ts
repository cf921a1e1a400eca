/**
 * qSOFA — quick Sequential [Sepsis-related] Organ Failure Assessment.
 *
 * Source: Singer M, Deutschman CS, Seymour CW, et al. The Third International
 * Consensus Definitions for Sepsis and Septic Shock (Sepsis-3). JAMA.
 * 2016;315(8):801–810 (qSOFA criteria box), derived and validated in
 * Seymour CW, et al. Assessment of Clinical Criteria for Sepsis. JAMA.
 * 2016;315(8):762–774: one point each for respiratory rate ≥22/min, altered
 * mentation, systolic blood pressure ≤100 mmHg; 2 or more is positive.
 *
 * Population: adults with suspected infection (Seymour 2016 studied adult
 * encounters). qSOFA is a prompt to look for organ dysfunction, not a
 * diagnosis of sepsis; a negative qSOFA does not rule sepsis out.
 *
 * Altered mentation: Sepsis-3 uses GCS <15. ACVPU is mapped as: A → not
 * altered; C, V, P, U → altered (each implies GCS <15). This mapping is ours.
 */
import type { Consciousness, RuleSetMeta } from './meta';
import { CONSCIOUSNESS_LABEL, formatValue } from './meta';

export const QSOFA_META: RuleSetMeta = {
  id: 'qsofa',
  version: 'Sepsis-3-2016',
  source:
    'Singer M, et al. The Third International Consensus Definitions for Sepsis and Septic Shock (Sepsis-3). ' +
    'JAMA. 2016;315(8):801-810 (qSOFA criteria); Seymour CW, et al. Assessment of Clinical Criteria for Sepsis. ' +
    'JAMA. 2016;315(8):762-774.',
  verification: 'verified',
};

/** Respiratory rate at or above this (per minute) meets the criterion. */
export const QSOFA_RESPIRATORY_RATE_MIN = 22;
/** Systolic blood pressure at or below this (mmHg) meets the criterion. */
export const QSOFA_SYSTOLIC_MAX = 100;
/** Glasgow Coma Scale below this is altered mentation. */
export const QSOFA_GCS_NORMAL = 15;

export type QsofaCriterion = 'respiratoryRate' | 'alteredMentation' | 'systolicBP';

export interface QsofaInput {
  readonly respiratoryRatePerMin?: number;
  readonly systolicMmHg?: number;
  readonly consciousness?: Consciousness;
  /** Glasgow Coma Scale 3–15, when measured. */
  readonly gcs?: number;
}

export interface QsofaResult {
  readonly ruleSet: RuleSetMeta;
  /** Criteria met so far; a lower bound when `complete` is false. */
  readonly score: number;
  readonly complete: boolean;
  /**
   * true: 2 or more criteria met. false: fewer than 2 even if every missing
   * criterion were met. null: cannot tell until the missing criteria are measured.
   */
  readonly positive: boolean | null;
  /** true met, false not met, null not measured. */
  readonly criteria: Readonly<Record<QsofaCriterion, boolean | null>>;
  readonly missing: readonly QsofaCriterion[];
  readonly reasons: readonly string[];
}

export function scoreQsofa(input: QsofaInput): QsofaResult {
  const reasons: string[] = [];

  let respiratoryRate: boolean | null = null;
  if (input.respiratoryRatePerMin !== undefined) {
    respiratoryRate = input.respiratoryRatePerMin >= QSOFA_RESPIRATORY_RATE_MIN;
    reasons.push(
      `Respiratory rate ${formatValue(input.respiratoryRatePerMin)}/min ${respiratoryRate ? 'meets' : 'does not meet'} ≥${QSOFA_RESPIRATORY_RATE_MIN}/min`,
    );
  }

  let systolicBP: boolean | null = null;
  if (input.systolicMmHg !== undefined) {
    systolicBP = input.systolicMmHg <= QSOFA_SYSTOLIC_MAX;
    reasons.push(
      `Systolic blood pressure ${formatValue(input.systolicMmHg)} mmHg ${systolicBP ? 'meets' : 'does not meet'} ≤${QSOFA_SYSTOLIC_MAX} mmHg`,
    );
  }

  // Either measure can show altered mentation; only all-normal measures show it is absent.
  let alteredMentation: boolean | null = null;
  if (input.gcs !== undefined) {
    const altered = input.gcs < QSOFA_GCS_NORMAL;
    alteredMentation = altered;
    reasons.push(
      `GCS ${formatValue(input.gcs)} ${altered ? 'is' : 'is not'} altered mentation (GCS <15)`,
    );
  }
  if (input.consciousness !== undefined) {
    const altered = input.consciousness !== 'A';
    alteredMentation = (alteredMentation ?? false) || altered;
    reasons.push(
      `Consciousness: ${CONSCIOUSNESS_LABEL[input.consciousness]} (${input.consciousness}) ${altered ? 'is' : 'is not'} altered mentation`,
    );
  }

  const criteria = { respiratoryRate, alteredMentation, systolicBP };
  const missing = (Object.keys(criteria) as QsofaCriterion[]).filter((k) => criteria[k] === null);
  const score = Object.values(criteria).filter((v) => v === true).length;
  const positive = score >= 2 ? true : score + missing.length < 2 ? false : null;

  return {
    ruleSet: QSOFA_META,
    score,
    complete: missing.length === 0,
    positive,
    criteria,
    missing,
    reasons,
  };
}
