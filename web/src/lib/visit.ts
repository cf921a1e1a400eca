/**
 * Saving a visit's readings: the readings and the score they produce are one
 * saved change, so the stored visit always keeps the score, its reasons and
 * the rule-set version that produced it (never a score without its readings).
 */
import {
  readPatient,
  recordVitals,
  storeRiskAssessment,
  type ModelError,
  type OpContext,
  type ReadingInput,
  type SourceInput,
} from '@outpost/shared/model';
import type { Result } from '@outpost/shared/result';
import type { RiskAssessment } from '@outpost/shared/risk';
import type * as Y from 'yjs';
import { assessEncounter } from './clinical';

/** A plain-JSON copy (the model stores JSON only: no undefined, no functions). */
function toJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function scoreName(assessment: RiskAssessment): string {
  if (assessment.news2) {
    return assessment.news2.complete
      ? `NEWS2 ${assessment.news2.total} (${assessment.news2.band})`
      : `NEWS2 ≥${assessment.news2.totalAtLeast} (incomplete)`;
  }
  if (assessment.maternal)
    return `MEOWS ${assessment.maternal.triggered ? 'triggered' : 'no trigger'}`;
  if (assessment.imci)
    return `IMCI ${assessment.imci.urgentReferral ? 'urgent referral' : 'assessed'}`;
  return 'not scored';
}

function reasonsOf(assessment: RiskAssessment): string[] {
  return [
    ...(assessment.news2?.reasons.map((reason) => reason.text) ?? []),
    ...(assessment.qsofa?.reasons ?? []),
    ...(assessment.maternal?.findings.map((finding) => finding.text) ?? []),
    ...(assessment.imci?.reasons ?? []),
    ...assessment.trends.filter((trend) => trend.triggered).map((trend) => trend.reason),
  ].slice(0, 50);
}

/** Re-scores the encounter from what the document now holds and stores the result. */
export function rescore(
  doc: Y.Doc,
  ctx: OpContext,
  encounterId: string,
): Result<RiskAssessment | undefined, ModelError> {
  const view = readPatient(doc);
  if (!view.ok) return view;
  const assessment = assessEncounter(view.value, encounterId, ctx.clock.now());
  if (!assessment) return { ok: true, value: undefined };
  const stored = storeRiskAssessment(doc, ctx, {
    encounterId,
    score: scoreName(assessment).slice(0, 40),
    rulesetVersion: assessment.ruleset,
    result: toJson(assessment) as never,
    reasons: reasonsOf(assessment),
  });
  return stored.ok ? { ok: true, value: assessment } : stored;
}

export function saveReadings(
  doc: Y.Doc,
  ctx: OpContext,
  input: {
    encounterId: string;
    readings: ReadingInput[];
    source: SourceInput;
    effectiveAt?: number;
  },
): Result<RiskAssessment | undefined, ModelError> {
  const recorded = recordVitals(doc, ctx, {
    encounterId: input.encounterId,
    source: input.source,
    readings: input.readings,
    ...(input.effectiveAt === undefined ? {} : { effectiveAt: input.effectiveAt }),
  });
  if (!recorded.ok) return recorded;
  return rescore(doc, ctx, input.encounterId);
}
