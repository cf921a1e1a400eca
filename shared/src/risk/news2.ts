/**
 * NEWS2 — National Early Warning Score 2.
 *
 * Source: Royal College of Physicians. National Early Warning Score (NEWS) 2:
 * Standardising the assessment of acute-illness severity in the NHS. Updated
 * report of a working party. London: RCP, December 2017.
 *   - Chart 1 "The NEWS scoring system": every sub-score band below.
 *   - Chart 3 "NEWS thresholds and triggers": clinical risk bands.
 *   - Chart 4 "Clinical response to the NEWS trigger thresholds": monitoring
 *     frequency and response (paraphrased here for a community health worker).
 *
 * Population: adults aged 16 or over who are not pregnant (the report excludes
 * children under 16 and pregnant women). This function does not know the
 * patient's age: callers must gate it (see index.ts `assessRisk` and cli.ts).
 *
 * Band edges: the chart prints bands at recorded precision (whole numbers;
 * temperature to 0.1 °C). Each band's printed upper limit is inclusive and a
 * value above it belongs to the next band, so a value between two printed
 * bands (e.g. 91.5 %) is never left unscored.
 */
import { err, ok, type Result } from '../result';
import { VITALS, type VitalKey } from '../model/vitals';
import {
  CONSCIOUSNESS_LABEL,
  formatValue,
  type Consciousness,
  type ImplausibleVitalSign,
  type RuleSetMeta,
} from './meta';

export const NEWS2_META: RuleSetMeta = {
  id: 'news2',
  version: 'RCP-2017',
  source:
    'Royal College of Physicians. National Early Warning Score (NEWS) 2: Standardising the assessment of ' +
    'acute-illness severity in the NHS. Updated report of a working party. London: RCP, 2017. ' +
    'Chart 1 (scoring system), Chart 3 (thresholds and triggers), Chart 4 (clinical response).',
  verification: 'verified',
};

export const NEWS2_PARAMETERS = [
  'respiratoryRate',
  'spo2',
  'onOxygen',
  'systolicBP',
  'pulse',
  'consciousness',
  'temperature',
] as const;
export type News2Parameter = (typeof NEWS2_PARAMETERS)[number];

export type SubScore = 0 | 1 | 2 | 3;
export type Spo2Scale = 1 | 2;

/** Ordered from least to most urgent; `bandRank` gives the order. */
export type News2Band = 'low' | 'low-medium' | 'medium' | 'high';
export const NEWS2_BANDS: readonly News2Band[] = ['low', 'low-medium', 'medium', 'high'];

export interface News2Input {
  readonly respiratoryRatePerMin?: number;
  readonly spo2Percent?: number;
  /**
   * 1 (default) for most patients. 2 only for patients with hypercapnic
   * respiratory failure whose prescribed target is 88–92 %, and per the chart
   * only under the direction of a qualified clinician.
   */
  readonly spo2Scale?: Spo2Scale;
  /** true = on supplemental oxygen, false = breathing air. */
  readonly onOxygen?: boolean;
  readonly systolicMmHg?: number;
  readonly pulsePerMin?: number;
  /** ACVPU; new confusion is 'C'. */
  readonly consciousness?: Consciousness;
  readonly temperatureCel?: number;
}

export interface News2Reason {
  readonly parameter: News2Parameter;
  readonly value: number | boolean | string;
  readonly score: SubScore;
  /** Words a health worker can read, naming the value and the chart band it fell in. */
  readonly text: string;
}

export interface News2Response {
  /** Chart 4 row that applies. */
  readonly trigger:
    'score-0' | 'score-1-4' | 'single-parameter-3' | 'score-5-or-more' | 'score-7-or-more';
  readonly monitoring: string;
  readonly action: string;
}

interface News2Common {
  readonly ruleSet: RuleSetMeta;
  readonly spo2Scale: Spo2Scale;
  /** true when no scale was given and the chart default (Scale 1) was used. */
  readonly spo2ScaleDefaulted: boolean;
  readonly reasons: readonly News2Reason[];
  readonly response: News2Response;
}

/** Every parameter was scored: total and band are the chart's. */
export interface News2Complete extends News2Common {
  readonly complete: true;
  readonly total: number;
  readonly band: News2Band;
  readonly subScores: Readonly<Record<News2Parameter, SubScore>>;
  readonly missing: readonly [];
}

/**
 * Some parameters could not be scored. Sub-scores are never negative, so the
 * sum of what was scored is a lower bound and so is its band: the true score
 * is *at least* this. It must never be shown as a complete NEWS2.
 */
export interface News2Partial extends News2Common {
  readonly complete: false;
  readonly totalAtLeast: number;
  readonly bandAtLeast: News2Band;
  readonly subScores: Readonly<Record<News2Parameter, SubScore | null>>;
  readonly missing: readonly [News2Parameter, ...News2Parameter[]];
}

export type News2Result = News2Complete | News2Partial;

// ---------------------------------------------------------------------------
// Chart 1 sub-scores. Each function is the chart row, top to bottom.

/** Chart 1, respiration rate (per minute): ≤8 →3, 9–11 →1, 12–20 →0, 21–24 →2, ≥25 →3. */
export function scoreRespiratoryRate(perMin: number): SubScore {
  if (perMin <= 8) return 3;
  if (perMin <= 11) return 1;
  if (perMin <= 20) return 0;
  if (perMin <= 24) return 2;
  return 3;
}

/** Chart 1, SpO2 Scale 1 (%): ≤91 →3, 92–93 →2, 94–95 →1, ≥96 →0. */
export function scoreSpo2Scale1(percent: number): SubScore {
  if (percent <= 91) return 3;
  if (percent <= 93) return 2;
  if (percent <= 95) return 1;
  return 0;
}

/**
 * Chart 1, SpO2 Scale 2 (%): ≤83 →3, 84–85 →2, 86–87 →1, 88–92 →0, ≥93 on air →0,
 * 93–94 on oxygen →1, 95–96 on oxygen →2, ≥97 on oxygen →3.
 * At 93 % or more the score depends on oxygen; `null` when that is unknown.
 */
export function scoreSpo2Scale2(percent: number, onOxygen: boolean | undefined): SubScore | null {
  if (percent <= 83) return 3;
  if (percent <= 85) return 2;
  if (percent <= 87) return 1;
  if (percent <= 92) return 0;
  if (onOxygen === undefined) return null;
  if (!onOxygen) return 0;
  if (percent <= 94) return 1;
  if (percent <= 96) return 2;
  return 3;
}

/** Chart 1, air or oxygen: oxygen →2, air →0. */
export function scoreAirOrOxygen(onOxygen: boolean): SubScore {
  return onOxygen ? 2 : 0;
}

/** Chart 1, systolic blood pressure (mmHg): ≤90 →3, 91–100 →2, 101–110 →1, 111–219 →0, ≥220 →3. */
export function scoreSystolic(mmHg: number): SubScore {
  if (mmHg <= 90) return 3;
  if (mmHg <= 100) return 2;
  if (mmHg <= 110) return 1;
  if (mmHg <= 219) return 0;
  return 3;
}

/** Chart 1, pulse (per minute): ≤40 →3, 41–50 →1, 51–90 →0, 91–110 →1, 111–130 →2, ≥131 →3. */
export function scorePulse(perMin: number): SubScore {
  if (perMin <= 40) return 3;
  if (perMin <= 50) return 1;
  if (perMin <= 90) return 0;
  if (perMin <= 110) return 1;
  if (perMin <= 130) return 2;
  return 3;
}

/** Chart 1, consciousness: Alert →0; new Confusion, Voice, Pain, Unresponsive →3. */
export function scoreConsciousness(level: Consciousness): SubScore {
  return level === 'A' ? 0 : 3;
}

/** Chart 1, temperature (°C): ≤35.0 →3, 35.1–36.0 →1, 36.1–38.0 →0, 38.1–39.0 →1, ≥39.1 →2. */
export function scoreTemperature(celsius: number): SubScore {
  if (celsius <= 35.0) return 3;
  if (celsius <= 36.0) return 1;
  if (celsius <= 38.0) return 0;
  if (celsius <= 39.0) return 1;
  return 2;
}

// ---------------------------------------------------------------------------
// Chart 3 and Chart 4.

export function bandRank(band: News2Band): number {
  return NEWS2_BANDS.indexOf(band);
}

/**
 * Chart 3: aggregate 0–4 → low; a score of 3 in any single parameter (with an
 * aggregate below 5) → low–medium; aggregate 5–6 → medium; 7 or more → high.
 */
export function news2Band(total: number, anySingleParameterScored3: boolean): News2Band {
  if (total >= 7) return 'high';
  if (total >= 5) return 'medium';
  if (anySingleParameterScored3) return 'low-medium';
  return 'low';
}

/**
 * Chart 4 (monitoring frequency and clinical response), reworded for a
 * community health worker whose "medical team" is the clinician on call or a
 * teleconsult. The urgency of each row is the chart's; only the words differ.
 */
export function news2Response(total: number, anySingleParameterScored3: boolean): News2Response {
  if (total >= 7) {
    return {
      trigger: 'score-7-or-more',
      monitoring: 'Continuous monitoring of vital signs.',
      action:
        'Emergency response: the patient needs emergency assessment by a team with critical-care skills. ' +
        'Start an urgent consult now and arrange transfer to a facility with high-dependency or intensive care.',
    };
  }
  if (total >= 5) {
    return {
      trigger: 'score-5-or-more',
      monitoring: 'Observations at least every hour.',
      action:
        'Urgent response: tell the responsible clinician immediately and ask for urgent assessment by a ' +
        'clinician skilled in caring for acutely ill patients — start a consult now. Care should be where ' +
        'the patient can be monitored.',
    };
  }
  if (anySingleParameterScored3) {
    return {
      trigger: 'single-parameter-3',
      monitoring: 'Observations at least every hour.',
      action:
        'Urgent review: one measurement is in the red zone. Tell the clinician responsible for the patient ' +
        'now; they will review and decide whether care must be escalated — consider a consult.',
    };
  }
  if (total >= 1) {
    return {
      trigger: 'score-1-4',
      monitoring: 'Observations at least every 4–6 hours.',
      action:
        'Tell the nurse or clinician in charge: they should assess the patient and decide whether to observe ' +
        'more often or escalate care.',
    };
  }
  return {
    trigger: 'score-0',
    monitoring: 'Observations at least every 12 hours.',
    action: 'Continue routine NEWS2 monitoring.',
  };
}

// ---------------------------------------------------------------------------
// Scoring a set of observations.

function checkPlausible(
  parameter: string,
  vital: VitalKey,
  value: number | undefined,
): ImplausibleVitalSign | undefined {
  if (value === undefined) return undefined;
  const possible = VITALS[vital].possible;
  if (!Number.isFinite(value) || value < possible[0] || value > possible[1]) {
    return { type: 'ImplausibleVitalSign', parameter, value, possible };
  }
  return undefined;
}

/** Refuses values outside the vital catalogue's `possible` range (typos, unit mix-ups). */
export function validateNews2Input(input: News2Input): Result<News2Input, ImplausibleVitalSign> {
  const problem =
    checkPlausible('respiratoryRate', 'respiratoryRate', input.respiratoryRatePerMin) ??
    checkPlausible('spo2', 'spo2', input.spo2Percent) ??
    checkPlausible('systolicBP', 'systolicBP', input.systolicMmHg) ??
    checkPlausible('pulse', 'heartRate', input.pulsePerMin) ??
    checkPlausible('temperature', 'temperature', input.temperatureCel);
  return problem ? err(problem) : ok(input);
}

/**
 * Scores one set of observations on the NEWS2 chart. Missing parameters are
 * named and make the result partial (`complete: false`, totals "at least").
 * Values outside the physiologically possible range are refused, never scored.
 */
export function scoreNews2(input: News2Input): Result<News2Result, ImplausibleVitalSign> {
  const valid = validateNews2Input(input);
  if (!valid.ok) return valid;

  const spo2Scale: Spo2Scale = input.spo2Scale ?? 1;
  const reasons: News2Reason[] = [];
  const missing: News2Parameter[] = [];
  const subScores: Record<News2Parameter, SubScore | null> = {
    respiratoryRate: null,
    spo2: null,
    onOxygen: null,
    systolicBP: null,
    pulse: null,
    consciousness: null,
    temperature: null,
  };

  const record = (
    parameter: News2Parameter,
    value: number | boolean | string,
    score: SubScore,
    text: string,
  ) => {
    subScores[parameter] = score;
    reasons.push({ parameter, value, score, text: `${text} scores ${score}` });
  };

  if (input.respiratoryRatePerMin === undefined) missing.push('respiratoryRate');
  else {
    const v = input.respiratoryRatePerMin;
    record('respiratoryRate', v, scoreRespiratoryRate(v), `Respiration rate ${formatValue(v)}/min`);
  }

  if (input.spo2Percent === undefined) missing.push('spo2');
  else {
    const v = input.spo2Percent;
    if (spo2Scale === 1) {
      record('spo2', v, scoreSpo2Scale1(v), `SpO2 ${formatValue(v)}% (Scale 1)`);
    } else {
      const score = scoreSpo2Scale2(v, input.onOxygen);
      if (score === null) missing.push('spo2');
      else {
        const air = v > 92 ? (input.onOxygen ? ' on oxygen' : ' on air') : '';
        record('spo2', v, score, `SpO2 ${formatValue(v)}%${air} (Scale 2, target 88–92%)`);
      }
    }
  }

  if (input.onOxygen === undefined) missing.push('onOxygen');
  else
    record(
      'onOxygen',
      input.onOxygen,
      scoreAirOrOxygen(input.onOxygen),
      input.onOxygen ? 'On oxygen' : 'Breathing air',
    );

  if (input.systolicMmHg === undefined) missing.push('systolicBP');
  else {
    const v = input.systolicMmHg;
    record('systolicBP', v, scoreSystolic(v), `Systolic blood pressure ${formatValue(v)} mmHg`);
  }

  if (input.pulsePerMin === undefined) missing.push('pulse');
  else {
    const v = input.pulsePerMin;
    record('pulse', v, scorePulse(v), `Pulse ${formatValue(v)}/min`);
  }

  if (input.consciousness === undefined) missing.push('consciousness');
  else {
    const v = input.consciousness;
    record(
      'consciousness',
      v,
      scoreConsciousness(v),
      `Consciousness: ${CONSCIOUSNESS_LABEL[v]} (${v})`,
    );
  }

  if (input.temperatureCel === undefined) missing.push('temperature');
  else {
    const v = input.temperatureCel;
    record('temperature', v, scoreTemperature(v), `Temperature ${formatValue(v)} °C`);
  }

  const scored = Object.values(subScores).filter((s): s is SubScore => s !== null);
  const total = scored.reduce<number>((sum, s) => sum + s, 0);
  const anyThree = scored.some((s) => s === 3);
  const band = news2Band(total, anyThree);
  const response = news2Response(total, anyThree);
  const common = {
    ruleSet: NEWS2_META,
    spo2Scale,
    spo2ScaleDefaulted: input.spo2Scale === undefined,
    reasons,
  };

  const [firstMissing, ...restMissing] = missing;
  if (firstMissing === undefined) {
    return ok({
      ...common,
      complete: true,
      total,
      band,
      subScores: subScores as Record<News2Parameter, SubScore>,
      missing: [],
      response,
    });
  }
  return ok({
    ...common,
    complete: false,
    totalAtLeast: total,
    bandAtLeast: band,
    subScores,
    missing: [firstMissing, ...restMissing],
    response: {
      ...response,
      action:
        `Incomplete: ${missing.join(', ')} not scored, so the score is at least ${total} (${band} or higher). ` +
        `Measure the missing signs now. Meanwhile: ${response.action}`,
    },
  });
}
