/**
 * A window of the monitoring raw stream for a consult (issue 6 must-have 5:
 * "the raw stream stays on the tablet unless a consult attaches a window of
 * it"): the last 15, 30 or 60 minutes of a session's 1 Hz samples, in the
 * compact form the consult document carries (`monitoringWindowSchema`,
 * shared/src/model/stored.ts), and its summary for the specialist.
 *
 * - The window ends at the session's last sample (a stopped session's last
 *   minutes are still the relevant ones) and starts no earlier than its first:
 *   a 10-minute session attached as "30 minutes" carries 10 minutes.
 * - A second with no sample, or a value outside the vital catalogue's possible
 *   range, is a gap (`null`), never an invented value.
 */
import { MONITORING_WINDOW_MAX_SECONDS, VITALS, median, type MonitoringWindow } from '../model';

/** What the health worker may attach, in minutes. */
export const MONITORING_WINDOW_MINUTES = [15, 30, 60] as const;
export type MonitoringWindowMinutes = (typeof MONITORING_WINDOW_MINUTES)[number];

export interface WindowSample {
  /** Epoch seconds. */
  readonly atSec: number;
  readonly spo2: number | null;
  readonly pulse: number | null;
}

const within = (value: number | null, possible: readonly [number, number]): number | null =>
  value !== null && Number.isInteger(value) && value >= possible[0] && value <= possible[1]
    ? value
    : null;

/**
 * The last `minutes` of `samples` (any order; a repeated second keeps the
 * later one in the input), or undefined when there is no sample at all.
 */
export function monitoringWindowOf(
  samples: readonly WindowSample[],
  minutes: MonitoringWindowMinutes,
): MonitoringWindow | undefined {
  if (samples.length === 0) return undefined;
  let firstSec = Infinity;
  let endSec = -Infinity;
  for (const sample of samples) {
    if (sample.atSec < firstSec) firstSec = sample.atSec;
    if (sample.atSec > endSec) endSec = sample.atSec;
  }
  const seconds = Math.min(minutes * 60, MONITORING_WINDOW_MAX_SECONDS);
  const startSec = Math.max(endSec - seconds + 1, firstSec);
  const length = endSec - startSec + 1;
  const spo2 = new Array<number | null>(length).fill(null);
  const pulse = new Array<number | null>(length).fill(null);
  for (const sample of samples) {
    const index = sample.atSec - startSec;
    if (index < 0 || index >= length || !Number.isInteger(index)) continue;
    spo2[index] = within(sample.spo2, VITALS.spo2.possible);
    pulse[index] = within(sample.pulse, VITALS.heartRate.possible);
  }
  return { v: 1, startSec, hz: 1, spo2, pulse };
}

export interface MonitoringWindowSummary {
  readonly startSec: number;
  /** Epoch seconds of the last second covered. */
  readonly endSec: number;
  /** Seconds covered, and of those, seconds with a usable value (either channel). */
  readonly seconds: number;
  readonly secondsWithReadings: number;
  /** [min, median, max], absent when the channel has no value at all. */
  readonly spo2?: readonly [number, number, number];
  readonly pulse?: readonly [number, number, number];
}

function range3(values: readonly (number | null)[]): [number, number, number] | undefined {
  const present = values.filter((value): value is number => value !== null);
  const med = median(present);
  if (med === undefined) return undefined;
  return [Math.min(...present), med, Math.max(...present)];
}

export function summariseMonitoringWindow(window: MonitoringWindow): MonitoringWindowSummary {
  const seconds = window.spo2.length;
  let secondsWithReadings = 0;
  for (let i = 0; i < seconds; i++)
    if (window.spo2[i] !== null || window.pulse[i] !== null) secondsWithReadings++;
  const spo2 = range3(window.spo2);
  const pulse = range3(window.pulse);
  return {
    startSec: window.startSec,
    endSec: window.startSec + seconds - 1,
    seconds,
    secondsWithReadings,
    ...(spo2 !== undefined && { spo2 }),
    ...(pulse !== undefined && { pulse }),
  };
}

/** The window as 1 Hz samples again (for the chart). */
export function monitoringWindowSamples(window: MonitoringWindow): WindowSample[] {
  return window.spo2.map((spo2, i) => ({
    atSec: window.startSec + i,
    spo2,
    pulse: window.pulse[i] ?? null,
  }));
}
