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

/**
 * A plain-JSON copy for storage (the model stores JSON only). Each rule set's
 * metadata is kept as {id, version, verification}: its full citation is in the
 * code and docs/clinical-rules.md under that id and version, and repeating it
 * in every visit (about 1–2 KB of citations per score) made a long record
 * much larger, and every save and every opening of it slower.
 */
export function toStoredJson<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_key, field: unknown) => {
      if (
        field !== null &&
        typeof field === 'object' &&
        'source' in field &&
        'verification' in field &&
        'id' in field &&
        'version' in field
      ) {
        const meta = field as { id: unknown; version: unknown; verification: unknown };
        return { id: meta.id, version: meta.version, verification: meta.verification };
      }
      return field;
    }),
  ) as T;
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
    result: toStoredJson(assessment) as never,
    reasons: reasonsOf(assessment),
  });
  return stored.ok ? { ok: true, value: assessment } : stored;
}

/**
 * After a change to what chooses the chart (sex, date of birth, pregnancy, a
 * condition), every open visit that already has a stored score is scored
 * again, so the score kept with the visit follows the record. Earlier stored
 * scores stay as they are (each keeps the rule-set version that produced it);
 * closed visits are not touched. Returns how many visits were scored again.
 */
export function rescoreOpenVisits(doc: Y.Doc, ctx: OpContext): Result<number, ModelError> {
  const view = readPatient(doc);
  if (!view.ok) return view;
  let scored = 0;
  for (const encounter of view.value.encounters) {
    if (encounter.status !== 'open' || encounter.riskAssessments.length === 0) continue;
    const result = rescore(doc, ctx, encounter.id);
    if (!result.ok) return result;
    if (result.value) scored++;
  }
  return { ok: true, value: scored };
}

/**
 * `op`, then `rescoreOpenVisits`, in one saved change: for every op that may
 * change which chart scores her (sex, date of birth, pregnancy, a condition),
 * wherever on screen it is made.
 */
export function thenRescore<T>(
  op: (doc: Y.Doc, ctx: OpContext) => Result<T, ModelError>,
): (doc: Y.Doc, ctx: OpContext) => Result<number, ModelError> {
  return (doc, ctx) => {
    const done = op(doc, ctx);
    return done.ok ? rescoreOpenVisits(doc, ctx) : done;
  };
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
