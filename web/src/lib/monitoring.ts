/**
 * Continuous monitoring, the pure parts: trend alerts over a session's
 * per-minute summary (rules from shared/risk, with the values behind them),
 * and the minute/chunk arithmetic the session manager uses.
 *
 * Alerts are computed over the per-minute MEDIANS of the record (never single
 * 1 Hz samples: one noisy second must not raise an alarm):
 * - SpO2 below the NEWS2 target band (shared/risk `spo2BelowTarget`, scale 1
 *   unless told otherwise); "falling" when the minute before was in the band —
 *   the readings are degrading now;
 * - sustained tachycardia (`sustainedTachycardia`, adults only as in
 *   shared/risk): per-minute pulse medians above 100/min, local-policy span.
 */
import type { MinuteSummary } from '@outpost/shared/model';
import {
  spo2BelowTarget,
  sustainedTachycardia,
  type RuleSetMeta,
  type Spo2Scale,
  type TimedReading,
} from '@outpost/shared/risk';
import { CHUNK_SECONDS, decodeChunk, type MonitorSample } from '@outpost/shared/devices';
import { MONITORING_WINDOW_MAX_SECONDS, type MonitoringWindow } from '@outpost/shared/model';
import { monitoringWindowOf, type MonitoringWindowMinutes } from '@outpost/shared/consult';
import type { LocalStore, StreamSessionRecord } from '$lib/db';

export const MINUTE_MS = 60_000;

export type MonitorAlertKind = 'spo2Below' | 'spo2Falling' | 'sustainedTachycardia';

export interface MonitorAlert {
  readonly kind: MonitorAlertKind;
  readonly rule: RuleSetMeta;
  /** The rule's own words, with the values and times compared. */
  readonly reason: string;
  /** The per-minute medians behind the alert (newest last, at most 5). */
  readonly values: readonly { readonly minute: number; readonly value: number }[];
}

export interface AlertOptions {
  readonly nowMs: number;
  /** Sustained tachycardia is an adult rule in shared/risk. */
  readonly adult: boolean;
  readonly spo2Scale?: Spo2Scale;
}

/** Minutes are placed at their start: always in the past once complete. */
const atMinute = (minute: number): number => minute * MINUTE_MS;

export function monitoringAlerts(
  minutes: readonly MinuteSummary[],
  options: AlertOptions,
): MonitorAlert[] {
  const alerts: MonitorAlert[] = [];
  const scale = options.spo2Scale ?? 1;
  const spo2 = minutes.flatMap((m) => (m.spo2 ? [{ minute: m.minute, value: m.spo2[1] }] : []));
  const spo2Series: TimedReading<{ percent: number; scale: Spo2Scale }>[] = spo2.map((m) => ({
    atMs: atMinute(m.minute),
    value: { percent: m.value, scale },
  }));
  const below = spo2BelowTarget(spo2Series, options.nowMs);
  if (below.triggered) {
    alerts.push({
      kind: below.newlyBelow ? 'spo2Falling' : 'spo2Below',
      rule: below.rule,
      reason: below.reason,
      values: spo2.slice(-5),
    });
  }
  if (options.adult) {
    const pulse = minutes.flatMap((m) =>
      m.pulse ? [{ minute: m.minute, value: m.pulse[1] }] : [],
    );
    const result = sustainedTachycardia(
      pulse.map((m) => ({ atMs: atMinute(m.minute), value: m.value })),
      options.nowMs,
    );
    if (result.triggered) {
      alerts.push({
        kind: 'sustainedTachycardia',
        rule: result.rule,
        reason: result.reason,
        values: pulse.slice(-5),
      });
    }
  }
  return alerts;
}

/** Epoch minute of a sample. */
export const minuteOf = (sample: MonitorSample): number => Math.floor(sample.atSec / 60);

/** The chunk a sample belongs to in a session whose chunks start at `startSec`. */
export const chunkOf = (startSec: number, atSec: number): number =>
  Math.floor((atSec - startSec) / CHUNK_SECONDS);

/** Chunks that can hold the last hour (a window never needs more). */
const WINDOW_CHUNKS = Math.ceil(MONITORING_WINDOW_MAX_SECONDS / CHUNK_SECONDS) + 1;

/**
 * The latest monitoring session of a patient that has samples on this tablet,
 * with its last hour of samples (decoded from its last chunks only). A chunk
 * that does not decode is left out (its seconds become gaps), never guessed.
 */
export async function latestMonitoringSamples(
  store: LocalStore,
  patientDocId: string,
): Promise<{ session: StreamSessionRecord; samples: MonitorSample[] } | undefined> {
  const sessions = await store.streamSessions(patientDocId);
  for (const session of [...sessions].reverse()) {
    const chunks = (await store.streamChunks(session.sessionId)).slice(-WINDOW_CHUNKS);
    const samples: MonitorSample[] = [];
    for (const chunk of chunks) {
      const decoded = decodeChunk(chunk.bytes);
      if (decoded.ok) samples.push(...decoded.value);
    }
    if (samples.length > 0) return { session, samples };
  }
  return undefined;
}

/** The last `minutes` of the patient's latest monitoring, ready to attach to a consult. */
export async function monitoringWindowFor(
  store: LocalStore,
  patientDocId: string,
  minutes: MonitoringWindowMinutes,
): Promise<MonitoringWindow | undefined> {
  const latest = await latestMonitoringSamples(store, patientDocId);
  return latest === undefined ? undefined : monitoringWindowOf(latest.samples, minutes);
}
