/**
 * Trend rules over time-stamped series. Pure: `now` is passed in; readings
 * stamped after `now` (clock skew between devices) are ignored, never trusted.
 * Series may arrive in any order; they are sorted by time here.
 *
 * Which numbers are published and which are ours:
 *   (a) NEWS2 rise ≥2 within 24 h — LOCAL POLICY. The RCP 2017 report asks
 *       that the trend in NEWS2 be watched but publishes no rise threshold.
 *   (b) SpO2 below the target band — published: the band that scores 0 on
 *       NEWS2 Chart 1 (Scale 1: ≥96 %; Scale 2: 88–92 %).
 *   (c) Tachycardia >100/min — published adult definition (2015 ACC/AHA/HRS
 *       SVT guideline, definitions table: sinus tachycardia is a sinus rate
 *       exceeding 100 bpm). "Sustained" (how long, how many readings) is
 *       LOCAL POLICY, parameterised below.
 *   (d) Heart-failure weight gain of more than 2 kg in 3 days — published ESC
 *       self-care advice (ESC HF Guidelines 2008, non-pharmacological management,
 *       body weight; repeated in the 2016 guidelines' patient-education advice
 *       and the ESC/HFA heartfailurematters.org patient guidance).
 */
import type { RuleSetMeta } from './meta';
import { formatValue } from './meta';
import type { Spo2Scale } from './news2';

export interface TimedReading<T> {
  /** Milliseconds since the Unix epoch. */
  readonly atMs: number;
  readonly value: T;
}

export interface TrendResult {
  readonly rule: RuleSetMeta;
  readonly triggered: boolean;
  /** What was compared, with the values and times, so the alert shows its evidence. */
  readonly reason: string;
}

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;

function usable<T>(
  series: readonly TimedReading<T>[],
  nowMs: number,
  windowMs: number,
): TimedReading<T>[] {
  return series
    .filter((r) => Number.isFinite(r.atMs) && r.atMs <= nowMs && r.atMs >= nowMs - windowMs)
    .slice()
    .sort((a, b) => a.atMs - b.atMs);
}

function ago(nowMs: number, atMs: number): string {
  const minutes = Math.round((nowMs - atMs) / 60000);
  if (minutes < 120) return `${minutes} min ago`;
  return `${formatValue(Math.round((minutes / 60) * 10) / 10)} h ago`;
}

// (a) ------------------------------------------------------------------------

export interface News2RisePolicy {
  readonly windowMs: number;
  readonly minRise: number;
}
export const NEWS2_RISE_POLICY: News2RisePolicy = { windowMs: DAY_MS, minRise: 2 };

export const NEWS2_RISE_META: RuleSetMeta = {
  id: 'trend-news2-rise',
  version: 'outpost-local-2026.1',
  source:
    'Outpost local policy: a rise of 2 or more in the NEWS2 total within 24 h. Not an RCP threshold; the RCP ' +
    'NEWS2 report (2017) asks for the trend to be watched without publishing a rise threshold.',
  verification: 'local-policy',
};

/**
 * Triggers when the latest complete NEWS2 total (within the window) is at least
 * `minRise` above the lowest earlier total in the window. Feed only complete
 * totals: a partial total is a lower bound and would fake a rise.
 */
export function news2Rise(
  totals: readonly TimedReading<number>[],
  nowMs: number,
  policy: News2RisePolicy = NEWS2_RISE_POLICY,
): TrendResult {
  const readings = usable(totals, nowMs, policy.windowMs);
  const latest = readings.at(-1);
  const earlier = readings.slice(0, -1);
  if (latest === undefined || earlier.length === 0) {
    return {
      rule: NEWS2_RISE_META,
      triggered: false,
      reason: 'Fewer than two NEWS2 scores in the last 24 h: no trend.',
    };
  }
  const lowest = earlier.reduce((min, r) => (r.value < min.value ? r : min));
  const rise = latest.value - lowest.value;
  const triggered = rise >= policy.minRise;
  return {
    rule: NEWS2_RISE_META,
    triggered,
    reason:
      `NEWS2 ${latest.value} (${ago(nowMs, latest.atMs)}) vs lowest ${lowest.value} (${ago(nowMs, lowest.atMs)}): ` +
      `${rise >= 0 ? 'rise' : 'fall'} of ${Math.abs(rise)}${triggered ? ` — ${policy.minRise} or more within 24 h` : ''}`,
  };
}

// (b) ------------------------------------------------------------------------

export const SPO2_TARGET_META: RuleSetMeta = {
  id: 'trend-spo2-below-target',
  version: 'RCP-2017',
  source:
    'Royal College of Physicians. NEWS2, 2017, Chart 1: the SpO2 band scoring 0 — Scale 1 ≥96 %, ' +
    'Scale 2 88–92 % (target range for hypercapnic respiratory failure).',
  verification: 'verified',
};

/** Lower limit of the SpO2 band that scores 0 on NEWS2 Chart 1. */
export const SPO2_TARGET_LOWER_PERCENT: Readonly<Record<Spo2Scale, number>> = { 1: 96, 2: 88 };

export interface Spo2Reading {
  readonly percent: number;
  readonly scale: Spo2Scale;
}

/**
 * Triggers when the most recent SpO2 reading is below the lower limit of its
 * scale's zero-scoring band. `newlyBelow` is true when the reading before it
 * was at or above the limit (the fall has just happened).
 */
export function spo2BelowTarget(
  series: readonly TimedReading<Spo2Reading>[],
  nowMs: number,
  windowMs: number = DAY_MS,
): TrendResult & { readonly newlyBelow: boolean } {
  const readings = usable(series, nowMs, windowMs);
  const latest = readings.at(-1);
  if (latest === undefined) {
    return {
      rule: SPO2_TARGET_META,
      triggered: false,
      newlyBelow: false,
      reason: 'No SpO2 reading in the window.',
    };
  }
  const lower = SPO2_TARGET_LOWER_PERCENT[latest.value.scale];
  const triggered = latest.value.percent < lower;
  const previous = readings.at(-2);
  const newlyBelow =
    triggered &&
    previous !== undefined &&
    previous.value.percent >= SPO2_TARGET_LOWER_PERCENT[previous.value.scale];
  const band = latest.value.scale === 1 ? '≥96% (Scale 1)' : '88–92% (Scale 2)';
  return {
    rule: SPO2_TARGET_META,
    triggered,
    newlyBelow,
    reason:
      `SpO2 ${formatValue(latest.value.percent)}% (${ago(nowMs, latest.atMs)}) ${triggered ? 'is below' : 'is within or above'} ` +
      `the target band ${band}` +
      (previous
        ? `; previous ${formatValue(previous.value.percent)}% (${ago(nowMs, previous.atMs)})`
        : ''),
  };
}

// (c) ------------------------------------------------------------------------

/** Adult tachycardia: heart rate above this (per minute). Published definition. */
export const ADULT_TACHYCARDIA_ABOVE_PER_MIN = 100;

export interface SustainedTachycardiaPolicy {
  /** LOCAL POLICY: the run of readings must span at least this long. */
  readonly minDurationMs: number;
  /** LOCAL POLICY: and contain at least this many readings. */
  readonly minReadings: number;
}
/** LOCAL POLICY defaults (Outpost, not published): ≥3 readings spanning ≥60 minutes. */
export const SUSTAINED_TACHYCARDIA_POLICY: SustainedTachycardiaPolicy = {
  minDurationMs: HOUR_MS,
  minReadings: 3,
};

export const SUSTAINED_TACHYCARDIA_META: RuleSetMeta = {
  id: 'trend-sustained-tachycardia',
  version: 'outpost-local-2026.1',
  source:
    'Threshold: heart rate >100/min, the adult tachycardia definition (Page RL, et al. 2015 ACC/AHA/HRS Guideline ' +
    'for the Management of Adult Patients With Supraventricular Tachycardia, definitions table). "Sustained" ' +
    '(at least 3 readings spanning at least 60 minutes, all above 100) is Outpost local policy.',
  verification: 'local-policy',
};

/**
 * Triggers when the most recent run of consecutive readings all above
 * 100/min has at least `minReadings` readings spanning at least `minDurationMs`.
 * One reading at or below 100 breaks the run. For adults only.
 */
export function sustainedTachycardia(
  series: readonly TimedReading<number>[],
  nowMs: number,
  policy: SustainedTachycardiaPolicy = SUSTAINED_TACHYCARDIA_POLICY,
  windowMs: number = DAY_MS,
): TrendResult {
  const readings = usable(series, nowMs, windowMs);
  const run: TimedReading<number>[] = [];
  for (let i = readings.length - 1; i >= 0; i--) {
    const r = readings[i];
    if (r === undefined || r.value <= ADULT_TACHYCARDIA_ABOVE_PER_MIN) break;
    run.unshift(r);
  }
  const first = run[0];
  const last = run.at(-1);
  if (first === undefined || last === undefined) {
    const latest = readings.at(-1);
    return {
      rule: SUSTAINED_TACHYCARDIA_META,
      triggered: false,
      reason: latest
        ? `Latest heart rate ${formatValue(latest.value)}/min (${ago(nowMs, latest.atMs)}) is not above 100/min.`
        : 'No heart-rate reading in the window.',
    };
  }
  const spanMs = last.atMs - first.atMs;
  const triggered = run.length >= policy.minReadings && spanMs >= policy.minDurationMs;
  return {
    rule: SUSTAINED_TACHYCARDIA_META,
    triggered,
    reason:
      `${run.length} consecutive heart-rate readings above 100/min over ${Math.round(spanMs / 60000)} min ` +
      `(${run.map((r) => formatValue(r.value)).join(', ')}/min, latest ${ago(nowMs, last.atMs)}); ` +
      `sustained means at least ${policy.minReadings} readings over at least ${Math.round(policy.minDurationMs / 60000)} min (local policy)`,
  };
}

// (d) ------------------------------------------------------------------------

export const HF_WEIGHT_GAIN_META: RuleSetMeta = {
  id: 'trend-hf-weight-gain',
  version: 'ESC-HF-2008/2016',
  source:
    'European Society of Cardiology. Guidelines for the diagnosis and treatment of acute and chronic heart failure ' +
    '(Dickstein K, et al. Eur Heart J 2008;29:2388-2442, non-pharmacological management: body weight — weight gain ' +
    '>2 kg in 3 days; patient-education advice repeated in Ponikowski P, et al. Eur Heart J 2016;37:2129-2200) and ' +
    'ESC/HFA heartfailurematters.org: tell the doctor or nurse if weight rises by more than 2 kg in 3 days.',
  verification: 'verified',
};

export const HF_WEIGHT_GAIN_MORE_THAN_KG = 2;
export const HF_WEIGHT_GAIN_WINDOW_MS = 3 * DAY_MS;

/**
 * For a patient with heart failure: triggers when the latest weight is MORE
 * than 2 kg above the lowest weight in the 3 days before it. Compared in whole
 * grams so float noise (72.1 − 70.1) cannot invent a gain.
 */
export function heartFailureWeightGain(
  series: readonly TimedReading<number>[],
  nowMs: number,
): TrendResult {
  const readings = usable(series, nowMs, HF_WEIGHT_GAIN_WINDOW_MS);
  const latest = readings.at(-1);
  const earlier = readings.slice(0, -1);
  if (latest === undefined || earlier.length === 0) {
    return {
      rule: HF_WEIGHT_GAIN_META,
      triggered: false,
      reason: 'Fewer than two weights in the last 3 days: no trend.',
    };
  }
  const lowest = earlier.reduce((min, r) => (r.value < min.value ? r : min));
  const gainG = Math.round(latest.value * 1000) - Math.round(lowest.value * 1000);
  const triggered = gainG > HF_WEIGHT_GAIN_MORE_THAN_KG * 1000;
  return {
    rule: HF_WEIGHT_GAIN_META,
    triggered,
    reason:
      `Weight ${formatValue(latest.value)} kg (${ago(nowMs, latest.atMs)}) vs lowest ${formatValue(lowest.value)} kg ` +
      `(${ago(nowMs, lowest.atMs)}): ${gainG >= 0 ? 'gain' : 'loss'} of ${formatValue(Math.abs(gainG) / 1000)} kg` +
      (triggered
        ? ' — more than 2 kg in 3 days: tell the clinician (possible fluid build-up)'
        : ''),
  };
}
