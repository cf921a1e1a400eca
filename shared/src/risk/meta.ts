/**
 * Version and provenance shared by every rule set in shared/risk.
 *
 * `RULESET_VERSION` is stored with every score so a clinician reading an old
 * record knows which tables produced it. Bump it whenever any threshold, band,
 * response text or applicability rule changes (and say why in docs/clinical-rules.md).
 */
export const RULESET_VERSION = 'outpost-risk-2026.1' as const;
export type RulesetVersion = typeof RULESET_VERSION;

/** Every rule set exports one of these: what it is, which edition, where its numbers come from. */
export interface RuleSetMeta {
  readonly id: string;
  /** Edition of the published chart this implements (not our release number). */
  readonly version: string;
  /** Full citation, including the chart/table the numbers are taken from. */
  readonly source: string;
  /**
   * 'verified': thresholds were checked against a copy of the cited chart while writing this code.
   * 'unverified': thresholds are transcribed but could not be checked against the primary source;
   * a clinician must check them before the rule set is relied on (results say so).
   * 'local-policy': not a published threshold; an Outpost decision, documented as such.
   */
  readonly verification: 'verified' | 'unverified' | 'local-policy';
}

/** ACVPU: Alert, new Confusion, responds to Voice, responds to Pain, Unresponsive. */
export type Consciousness = 'A' | 'C' | 'V' | 'P' | 'U';
export const CONSCIOUSNESS_LEVELS: readonly Consciousness[] = ['A', 'C', 'V', 'P', 'U'];

export const CONSCIOUSNESS_LABEL: Readonly<Record<Consciousness, string>> = {
  A: 'alert',
  C: 'new confusion',
  V: 'responds to voice',
  P: 'responds to pain',
  U: 'unresponsive',
};

/** A value outside the catalogue's `possible` range: a typo or unit mix-up, never scored. */
export interface ImplausibleVitalSign {
  readonly type: 'ImplausibleVitalSign';
  readonly parameter: string;
  readonly value: number;
  readonly possible: readonly [min: number, max: number];
}

/** Formats a number for a reason text without float noise (e.g. 37.300000001 → "37.3"). */
export function formatValue(value: number): string {
  return String(Math.round(value * 100) / 100);
}
