/**
 * Pure core of `pnpm -s outpost score`: parsed JSON in, score out. The wrapper
 * that reads stdin and prints lives elsewhere; this file does no I/O.
 *
 * Input fields (all optional; absent or null → named in `missing`):
 *   respiratoryRate (/min), spo2 (%), spo2Scale (1|2, default 1), onOxygen (boolean),
 *   systolicBP, diastolicBP (mmHg), pulse (/min), consciousness ('A'|'C'|'V'|'P'|'U'),
 *   temperature (°C), ageYears (years, may be fractional), pregnant (boolean).
 * Unknown fields, wrong types and physiologically impossible values (outside
 * the vital catalogue's `possible` range) are refused with the field named.
 *
 * Populations (the output never shows a score for a population its chart excludes):
 *   - news2 is null unless ageYears ≥16 and pregnant === false; qsofa is null
 *     unless ageYears ≥18 and pregnant === false. `notApplicable` says why.
 *   - ageYears or pregnant absent → both null (cannot confirm the chart applies).
 *   - When news2.complete is false, `total` and `band` are lower bounds ("at least").
 */
import { z } from 'zod';
import { err, ok, type Result } from '../result';
import { VITALS, type VitalKey } from '../model/vitals';
import { CONSCIOUSNESS_LEVELS, RULESET_VERSION, type RulesetVersion } from './meta';
import { NEWS2_MIN_AGE_YEARS, QSOFA_MIN_AGE_YEARS } from './index';
import { scoreNews2, type News2Band, type News2Parameter, type SubScore } from './news2';
import { scoreQsofa, type QsofaCriterion } from './qsofa';

export const CLI_INPUT_FIELDS = [
  'respiratoryRate',
  'spo2',
  'spo2Scale',
  'onOxygen',
  'systolicBP',
  'diastolicBP',
  'pulse',
  'consciousness',
  'temperature',
  'ageYears',
  'pregnant',
] as const;
export type CliInputField = (typeof CLI_INPUT_FIELDS)[number];

export interface InvalidInput {
  readonly type: 'InvalidInput';
  /** The input field at fault; '(input)' when the whole input is not an object. */
  readonly field: string;
  readonly message: string;
}

export interface CliNews2 {
  /** false: some parameters are missing and total/band are lower bounds ("at least"). */
  readonly complete: boolean;
  readonly total: number;
  readonly band: News2Band;
  /** Sub-scores; null when the parameter is missing. */
  readonly parameters: Readonly<Record<News2Parameter, SubScore | null>>;
  readonly response: { readonly monitoring: string; readonly action: string };
  readonly reasons: readonly string[];
}

export interface CliQsofa {
  readonly score: number;
  /** null: cannot tell until the missing criteria are measured. */
  readonly positive: boolean | null;
  readonly criteria: Readonly<Record<QsofaCriterion, boolean | null>>;
}

export interface CliOutput {
  readonly news2: CliNews2 | null;
  readonly qsofa: CliQsofa | null;
  /** Why a score is null. */
  readonly notApplicable: { readonly news2?: string; readonly qsofa?: string };
  /** Input fields that were absent, in input-field order. */
  readonly missing: readonly CliInputField[];
  readonly ruleset: RulesetVersion;
}

const vital = (key: VitalKey, label: string) => {
  const [min, max] = VITALS[key].possible;
  return z
    .number({ error: `${label} must be a number (${VITALS[key].ucum})` })
    .min(min, { error: `${label} must be between ${min} and ${max} ${VITALS[key].ucum}` })
    .max(max, { error: `${label} must be between ${min} and ${max} ${VITALS[key].ucum}` })
    .nullish();
};

const cliInputSchema = z.strictObject({
  respiratoryRate: vital('respiratoryRate', 'respiratoryRate'),
  spo2: vital('spo2', 'spo2'),
  spo2Scale: z.union([z.literal(1), z.literal(2)], { error: 'spo2Scale must be 1 or 2' }).nullish(),
  onOxygen: z.boolean({ error: 'onOxygen must be true or false' }).nullish(),
  systolicBP: vital('systolicBP', 'systolicBP'),
  diastolicBP: vital('diastolicBP', 'diastolicBP'),
  pulse: vital('heartRate', 'pulse'),
  consciousness: z
    .enum(CONSCIOUSNESS_LEVELS as ['A', 'C', 'V', 'P', 'U'], {
      error: "consciousness must be one of 'A', 'C', 'V', 'P', 'U'",
    })
    .nullish(),
  temperature: vital('temperature', 'temperature'),
  ageYears: z
    .number({ error: 'ageYears must be a number' })
    .min(0, { error: 'ageYears must be between 0 and 130' })
    .max(130, { error: 'ageYears must be between 0 and 130' })
    .nullish(),
  pregnant: z.boolean({ error: 'pregnant must be true or false' }).nullish(),
});

export function scoreCliInput(input: unknown): Result<CliOutput, InvalidInput> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return err({ type: 'InvalidInput', field: '(input)', message: 'input must be a JSON object' });
  }
  const parsed = cliInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const unknownKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const field = unknownKey ?? (issue?.path[0] !== undefined ? String(issue.path[0]) : '(input)');
    const message =
      unknownKey !== undefined
        ? `unknown field '${unknownKey}'`
        : (issue?.message ?? 'invalid input');
    return err({ type: 'InvalidInput', field, message });
  }
  const d = parsed.data;
  const missing = CLI_INPUT_FIELDS.filter((f) => d[f] === undefined || d[f] === null);
  const opt = <T>(value: T | null | undefined): T | undefined =>
    value === null ? undefined : value;

  const notApplicable: { news2?: string; qsofa?: string } = {};
  const ageYears = opt(d.ageYears);
  const pregnant = opt(d.pregnant);
  let news2Applies = false;
  let qsofaApplies = false;
  if (ageYears === undefined || pregnant === undefined) {
    const why = `${ageYears === undefined ? 'ageYears' : 'pregnant'} not given: cannot confirm the chart applies to this patient`;
    notApplicable.news2 = why;
    notApplicable.qsofa = why;
  } else if (pregnant) {
    notApplicable.news2 =
      'NEWS2 is not validated in pregnancy (RCP 2017); use the maternal chart (assessRisk).';
    notApplicable.qsofa =
      'qSOFA is not applied in pregnancy in this rule set; use the maternal chart (assessRisk).';
  } else if (ageYears < 5) {
    notApplicable.news2 =
      'NEWS2 is for adults aged 16 or over; use the WHO IMCI rules for children under 5 (assessRisk).';
    notApplicable.qsofa = 'qSOFA is for adults aged 18 or over.';
  } else if (ageYears < NEWS2_MIN_AGE_YEARS) {
    notApplicable.news2 =
      'No validated score for ages 5–15 in this rule set: NEWS2 is for adults aged 16 or over.';
    notApplicable.qsofa = 'qSOFA is for adults aged 18 or over.';
  } else {
    news2Applies = true;
    if (ageYears >= QSOFA_MIN_AGE_YEARS) qsofaApplies = true;
    else notApplicable.qsofa = 'qSOFA is for adults aged 18 or over.';
  }

  let news2: CliNews2 | null = null;
  if (news2Applies) {
    const scored = scoreNews2({
      respiratoryRatePerMin: opt(d.respiratoryRate),
      spo2Percent: opt(d.spo2),
      spo2Scale: opt(d.spo2Scale),
      onOxygen: opt(d.onOxygen),
      systolicMmHg: opt(d.systolicBP),
      pulsePerMin: opt(d.pulse),
      consciousness: opt(d.consciousness),
      temperatureCel: opt(d.temperature),
    });
    // Ranges were checked by the schema with the same catalogue limits.
    if (!scored.ok) {
      return err({
        type: 'InvalidInput',
        field: scored.error.parameter,
        message: 'value outside the possible range',
      });
    }
    const r = scored.value;
    news2 = {
      complete: r.complete,
      total: r.complete ? r.total : r.totalAtLeast,
      band: r.complete ? r.band : r.bandAtLeast,
      parameters: r.subScores,
      response: { monitoring: r.response.monitoring, action: r.response.action },
      reasons: r.reasons.map((reason) => reason.text),
    };
  }

  let qsofa: CliQsofa | null = null;
  if (qsofaApplies) {
    const q = scoreQsofa({
      respiratoryRatePerMin: opt(d.respiratoryRate),
      systolicMmHg: opt(d.systolicBP),
      consciousness: opt(d.consciousness),
    });
    qsofa = { score: q.score, positive: q.positive, criteria: q.criteria };
  }

  return ok({ news2, qsofa, notApplicable, missing, ruleset: RULESET_VERSION });
}
