/**
 * A consult's priority: the health worker's urgency, never below what the
 * early-warning score calls for. The floor follows each chart's own response
 * column; the mapping of a chart's words to our three priorities is an Outpost
 * decision (local policy), versioned here.
 *
 * - NEWS2 (Royal College of Physicians, 2017), Chart 4 "Clinical response to the
 *   NEWS trigger thresholds": aggregate ≥ 7 → "emergency response" → emergency;
 *   aggregate 5–6 → "urgent response", and a single parameter scoring 3 →
 *   "urgent ward-based response" → urgent. A partial score's band is a lower
 *   bound (`bandAtLeast`), so it can only raise the floor, never lower it.
 * - WHO IMCI chart booklet (2014), "Check for general danger signs": any general
 *   danger sign → "URGENT pre-referral treatment and refer URGENTLY" → emergency.
 * - Modified early obstetric warning score (MEOWS) trigger (one red or two
 *   yellow) → "urgent medical review" → urgent.
 * - qSOFA (Sepsis-3, Singer et al., JAMA 2016) ≥ 2 → "consider sepsis, escalate"
 *   → urgent.
 * - A triggered trend rule (shared/risk/trends.ts) → urgent.
 */
import type { ConsultPriority } from '../model';
import type { RiskAssessment } from '../risk';

export const CONSULT_PRIORITY_POLICY = {
  id: 'outpost-consult-priority',
  version: '2026.1',
  verification: 'local-policy',
  source:
    'Outpost mapping of NEWS2 (RCP 2017) Chart 4, WHO IMCI (2014) general danger signs, MEOWS trigger, ' +
    'qSOFA (Sepsis-3, 2016) and Outpost trend rules to consult priorities.',
} as const;

export const PRIORITY_RANK: Readonly<Record<ConsultPriority, number>> = {
  routine: 0,
  urgent: 1,
  emergency: 2,
};

export type PrioritySource = 'news2' | 'imci' | 'meows' | 'qsofa' | 'trend' | 'health-worker';

export interface PriorityReason {
  readonly source: PrioritySource;
  readonly priority: ConsultPriority;
  /** English words for logs and the specialist; the UI translates by `source`. */
  readonly text: string;
}

export interface ConsultPriorityResult {
  readonly priority: ConsultPriority;
  /** What the score alone calls for (routine when nothing does). */
  readonly floor: ConsultPriority;
  /** Why: every rule that raised the floor, and the health worker's choice. */
  readonly reasons: readonly PriorityReason[];
  /** True when the score raised the priority above what the health worker chose. */
  readonly raisedByScore: boolean;
}

export const higherPriority = (a: ConsultPriority, b: ConsultPriority): ConsultPriority =>
  PRIORITY_RANK[a] >= PRIORITY_RANK[b] ? a : b;

/** The floor the early-warning results call for, with its reasons. */
export function scorePriorityFloor(assessment: RiskAssessment | undefined): {
  readonly floor: ConsultPriority;
  readonly reasons: readonly PriorityReason[];
} {
  const reasons: PriorityReason[] = [];
  if (assessment !== undefined) {
    const news2 = assessment.news2;
    if (news2 !== undefined) {
      const band = news2.complete ? news2.band : news2.bandAtLeast;
      const total = news2.complete ? news2.total : news2.totalAtLeast;
      const bound = news2.complete ? '' : ' at least';
      if (band === 'high')
        reasons.push({
          source: 'news2',
          priority: 'emergency',
          text: `NEWS2${bound} ${total}: high clinical risk (emergency response).`,
        });
      else if (band === 'medium')
        reasons.push({
          source: 'news2',
          priority: 'urgent',
          text: `NEWS2${bound} ${total}: medium clinical risk (urgent response).`,
        });
      else if (band === 'low-medium')
        reasons.push({
          source: 'news2',
          priority: 'urgent',
          text: 'NEWS2: one parameter in the red zone (urgent review).',
        });
    }
    if (assessment.imci?.urgentReferral === true)
      reasons.push({
        source: 'imci',
        priority: 'emergency',
        text: `IMCI general danger sign (${assessment.imci.dangerSignsPresent.join(', ')}): refer urgently.`,
      });
    if (assessment.maternal?.triggered === true)
      reasons.push({
        source: 'meows',
        priority: 'urgent',
        text: 'Maternal early-warning trigger: urgent medical review.',
      });
    if (assessment.qsofa?.positive === true)
      reasons.push({
        source: 'qsofa',
        priority: 'urgent',
        text: `qSOFA ${assessment.qsofa.score}: consider sepsis.`,
      });
    for (const trend of assessment.trends)
      if (trend.triggered)
        reasons.push({ source: 'trend', priority: 'urgent', text: trend.reason });
  }
  const floor = reasons.reduce<ConsultPriority>(
    (best, reason) => higherPriority(best, reason.priority),
    'routine',
  );
  return { floor, reasons };
}

/** The priority of a consult: the health worker's urgency, raised to the score's floor. */
export function consultPriority(
  assessment: RiskAssessment | undefined,
  urgency: ConsultPriority,
): ConsultPriorityResult {
  const { floor, reasons } = scorePriorityFloor(assessment);
  const priority = higherPriority(floor, urgency);
  return {
    priority,
    floor,
    reasons: [
      ...reasons,
      { source: 'health-worker', priority: urgency, text: `Health worker chose ${urgency}.` },
    ],
    raisedByScore: PRIORITY_RANK[floor] > PRIORITY_RANK[urgency],
  };
}

/** The app proposes "Ask a specialist" when the score alone calls for an urgent review or more. */
export function shouldProposeConsult(assessment: RiskAssessment | undefined): boolean {
  return PRIORITY_RANK[scorePriorityFloor(assessment).floor] >= PRIORITY_RANK.urgent;
}
