/**
 * Continuous monitoring in the record: a session (who started it, on which
 * device, in which visit), its per-minute summary (min, median, max of SpO2
 * and pulse over that minute's 1 Hz samples) and its end. The raw 1 Hz stream
 * stays on the tablet (web/src/lib/db `streams`); only this summary syncs.
 *
 * Stored in the patient root array `monitoring`, three entry shapes:
 *   start  {t:'start', id, enc, m0, dev:{id, name?}, at, by}
 *          `m0`: the session's first minute (epoch minutes).
 *   min    {t:'min', s, m, o?, p?, n}
 *          `s`: the session's reference (`sessionRef(id)`, the last 12 hex digits
 *          of its id), `m`: minutes since `m0`, `o`/`p`: SpO2 / pulse
 *          [min, median, max] (absent when no usable value that minute), `n`:
 *          1 Hz samples that minute. No `at`/`by`: a minute is authored by the
 *          session's author on the session's device (the op refuses any other
 *          device), and leaving them out keeps 8 hours under 50 KB on the wire.
 *   stop   {t:'stop', ses, at, by}
 *
 * Readers keep the first entry per (session, minute); minutes whose session
 * start has not arrived yet wait (updates may arrive in any order).
 */
import type * as Y from 'yjs';
import { z } from 'zod';
import { err, ok, type Result } from '../result';
import {
  checkContext,
  parseWith,
  storedActorSchema,
  toStoredActor,
  uuidSchema,
  type OpContext,
} from './context';
import { openForWrite, readMeta } from './document';
import { validationFailed, type DocumentProblem, type ModelError } from './errors';
import { scanPatient } from './patientView';
import { readEntries, rootArray, timeSchema } from './stored';
import { VITALS } from './vitals';

export const MINUTE_MS = 60_000;
/** Minutes a session may hold (48 h): beyond that, start a new one. */
export const MAX_SESSION_MINUTES = 48 * 60;
/** At most this many minutes per operation (a tablet catching up after a reload). */
export const MAX_MINUTES_PER_OP = 120;

export type Range3 = readonly [min: number, median: number, max: number];

/** One minute of a session, as callers pass it and readers return it. */
export interface MinuteSummary {
  /** Epoch minute (`Math.floor(ms / 60000)`). */
  readonly minute: number;
  readonly spo2?: Range3;
  readonly pulse?: Range3;
  /** 1 Hz samples in the minute (gaps excluded from the ranges, included here). */
  readonly samples: number;
}

export interface MonitoringSessionView {
  readonly id: string;
  readonly encounterId: string;
  readonly device: { readonly id: string; readonly name?: string };
  readonly startedAt: number;
  readonly startedBy: { readonly userId: string; readonly deviceId: string };
  readonly firstMinute: number;
  readonly stoppedAt?: number;
  /** In time order, one per minute. */
  readonly minutes: readonly MinuteSummary[];
}

export interface MonitoringView {
  readonly sessions: readonly MonitoringSessionView[];
  readonly problems: readonly DocumentProblem[];
}

/** The short reference minute entries use for their session. */
export function sessionRef(sessionId: string): string {
  return sessionId.slice(-12);
}

// ---------------------------------------------------------------------------
// Stored shapes

const oneDecimal = (v: number) => Math.round(v * 10) === v * 10;

function rangeSchema(limits: readonly [number, number]) {
  const value = z.number().min(limits[0]).max(limits[1]).refine(oneDecimal, 'one decimal at most');
  return z
    .tuple([value, value, value])
    .readonly()
    .refine(([min, median, max]) => min <= median && median <= max, 'must be min ≤ median ≤ max');
}
const spo2RangeSchema = rangeSchema(VITALS.spo2.possible);
const pulseRangeSchema = rangeSchema(VITALS.heartRate.possible);
const epochMinuteSchema = z
  .number()
  .int()
  .nonnegative()
  .max(8.64e15 / MINUTE_MS);

export const monitoringEntrySchema = z.discriminatedUnion('t', [
  z.looseObject({
    t: z.literal('start'),
    id: uuidSchema,
    enc: uuidSchema,
    m0: epochMinuteSchema,
    dev: z.looseObject({
      id: z.string().min(1).max(100),
      name: z.string().min(1).max(100).optional(),
    }),
    at: timeSchema,
    by: storedActorSchema,
  }),
  z.looseObject({
    t: z.literal('min'),
    s: z.string().regex(/^[0-9a-f]{12}$/),
    m: z.number().int().min(0).max(MAX_SESSION_MINUTES),
    o: spo2RangeSchema.optional(),
    p: pulseRangeSchema.optional(),
    n: z.number().int().min(1).max(600),
  }),
  z.looseObject({ t: z.literal('stop'), ses: uuidSchema, at: timeSchema, by: storedActorSchema }),
]);
export type MonitoringEntry = z.infer<typeof monitoringEntrySchema>;

// ---------------------------------------------------------------------------
// Projection

/** Every monitoring session of a patient document, oldest first. Never throws. */
export function readMonitoring(doc: Y.Doc): MonitoringView {
  const problems: DocumentProblem[] = [];
  const entries = readEntries(
    rootArray(doc, 'monitoring'),
    monitoringEntrySchema,
    'monitoring',
    problems,
  );
  type Start = Extract<MonitoringEntry, { t: 'start' }>;
  const starts: Start[] = [];
  const stops = new Map<string, number>();
  const minutes = new Map<string, Map<number, MinuteSummary>>();
  const pending: Array<Extract<MonitoringEntry, { t: 'min' }>> = [];
  for (const { entry } of entries) {
    if (entry.t === 'start') starts.push(entry);
    else if (entry.t === 'stop') {
      if (!stops.has(entry.ses)) stops.set(entry.ses, entry.at);
    } else pending.push(entry);
  }
  const byRef = new Map<string, Start>();
  for (const start of starts) {
    const ref = sessionRef(start.id);
    if (!byRef.has(ref)) byRef.set(ref, start);
  }
  for (const entry of pending) {
    const start = byRef.get(entry.s);
    if (start === undefined) continue; // its session start has not arrived yet
    let map = minutes.get(start.id);
    if (map === undefined) {
      map = new Map<number, MinuteSummary>();
      minutes.set(start.id, map);
    }
    const minute = start.m0 + entry.m;
    if (map.has(minute)) continue;
    map.set(minute, {
      minute,
      ...(entry.o !== undefined && { spo2: entry.o }),
      ...(entry.p !== undefined && { pulse: entry.p }),
      samples: entry.n,
    });
  }
  const sessions = [...byRef.values()]
    .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
    .map((start): MonitoringSessionView => {
      const stoppedAt = stops.get(start.id);
      return {
        id: start.id,
        encounterId: start.enc,
        device: { id: start.dev.id, ...(start.dev.name !== undefined && { name: start.dev.name }) },
        startedAt: start.at,
        startedBy: { userId: start.by.u, deviceId: start.by.d },
        firstMinute: start.m0,
        ...(stoppedAt !== undefined && { stoppedAt }),
        minutes: [...(minutes.get(start.id)?.values() ?? [])].sort((a, b) => a.minute - b.minute),
      };
    });
  return { sessions, problems };
}

// ---------------------------------------------------------------------------
// Summaries

/** Median of numbers, to one decimal (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const value = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Math.round(value * 10) / 10;
}

function range3(values: readonly number[]): Range3 | undefined {
  const med = median(values);
  if (med === undefined) return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return [min, med, max];
}

/**
 * The summary of one minute's 1 Hz samples (`atSec` epoch seconds; null = gap).
 * Samples outside the minute are ignored; undefined when none is inside it.
 */
export function summariseMinute(
  minute: number,
  samples: ReadonlyArray<{
    readonly atSec: number;
    readonly spo2: number | null;
    readonly pulse: number | null;
  }>,
): MinuteSummary | undefined {
  const inside = samples.filter((s) => Math.floor(s.atSec / 60) === minute);
  if (inside.length === 0) return undefined;
  const spo2 = range3(inside.flatMap((s) => (s.spo2 === null ? [] : [s.spo2])));
  const pulse = range3(inside.flatMap((s) => (s.pulse === null ? [] : [s.pulse])));
  return {
    minute,
    ...(spo2 !== undefined && { spo2 }),
    ...(pulse !== undefined && { pulse }),
    samples: inside.length,
  };
}

// ---------------------------------------------------------------------------
// Operations

const deviceSchema = z.strictObject({
  id: z.string().trim().min(1).max(100),
  name: z.string().trim().min(1).max(100).optional(),
});

const startSchema = z.strictObject({
  encounterId: uuidSchema,
  device: deviceSchema,
  /** When the first sample was (or will be) taken; default now. */
  startedAt: timeSchema.optional(),
});
export type StartMonitoringInput = z.input<typeof startSchema>;

const minuteInputSchema = z.strictObject({
  minute: epochMinuteSchema,
  spo2: spo2RangeSchema.optional(),
  pulse: pulseRangeSchema.optional(),
  samples: z.number().int().min(1).max(600),
});
const recordMinutesSchema = z.strictObject({
  sessionId: uuidSchema,
  minutes: z.array(minuteInputSchema).min(1).max(MAX_MINUTES_PER_OP),
});
export type RecordMonitoringMinutesInput = z.input<typeof recordMinutesSchema>;

const stopSchema = z.strictObject({ sessionId: uuidSchema });
export type StopMonitoringInput = z.input<typeof stopSchema>;

function transact(doc: Y.Doc, ctx: OpContext, op: string, fn: () => void): void {
  doc.transact(fn, ctx.origin ?? { source: 'outpost/model', op, actor: ctx.actor });
}

function prepare<S extends z.ZodType>(
  doc: Y.Doc,
  ctx: OpContext,
  schema: S,
  input: unknown,
): Result<{ now: number; input: z.output<S> }, ModelError> {
  const now = checkContext(ctx);
  if (!now.ok) return now;
  const meta = openForWrite(doc, 'patient');
  if (!meta.ok) return meta;
  const parsed = parseWith(schema as z.ZodType<z.output<S>>, input);
  if (!parsed.ok) return parsed;
  return ok({ now: now.value, input: parsed.value });
}

/** Starts a monitoring session in an open visit; returns the session id. */
export function startMonitoring(
  doc: Y.Doc,
  ctx: OpContext,
  input: StartMonitoringInput,
): Result<string, ModelError> {
  const prepared = prepare(doc, ctx, startSchema, input);
  if (!prepared.ok) return prepared;
  const { now, input: parsed } = prepared.value;
  const scan = scanPatient(doc);
  if (!scan.ok) return scan;
  const encounter = scan.value.encounters.get(parsed.encounterId);
  if (encounter === undefined)
    return err({ type: 'UnknownEncounter', encounterId: parsed.encounterId });
  if (encounter.close !== undefined)
    return err({ type: 'EncounterClosed', encounterId: parsed.encounterId });
  const id = ctx.ids.newId();
  const sessionIds = new Set(readMonitoring(doc).sessions.map((s) => sessionRef(s.id)));
  if (sessionIds.has(sessionRef(id)))
    return err(validationFailed('sessionId', 'session reference already used'));
  transact(doc, ctx, 'startMonitoring', () => {
    rootArray(doc, 'monitoring').push([
      {
        t: 'start',
        id,
        enc: parsed.encounterId,
        m0: Math.floor((parsed.startedAt ?? now) / MINUTE_MS),
        dev: parsed.device,
        at: now,
        by: toStoredActor(ctx.actor),
      },
    ]);
  });
  return ok(id);
}

function findSession(doc: Y.Doc, sessionId: string): Result<MonitoringSessionView, ModelError> {
  const session = readMonitoring(doc).sessions.find((s) => s.id === sessionId);
  return session === undefined
    ? err(validationFailed('sessionId', 'no monitoring session with this id'))
    : ok(session);
}

/**
 * Appends minute summaries of a running session (one entry per minute, in
 * one change). Minutes already in the record are skipped (a tablet resuming
 * after a reload may offer them again); returns how many were added. Only the
 * device that started the session may add minutes, and not after it stopped.
 */
export function recordMonitoringMinutes(
  doc: Y.Doc,
  ctx: OpContext,
  input: RecordMonitoringMinutesInput,
): Result<number, ModelError> {
  const prepared = prepare(doc, ctx, recordMinutesSchema, input);
  if (!prepared.ok) return prepared;
  const { input: parsed } = prepared.value;
  const found = findSession(doc, parsed.sessionId);
  if (!found.ok) return found;
  const session = found.value;
  if (session.stoppedAt !== undefined)
    return err(validationFailed('sessionId', 'this monitoring session has stopped'));
  if (session.startedBy.deviceId !== ctx.actor.deviceId)
    return err(validationFailed('sessionId', 'only the tablet running the session adds minutes'));
  const known = new Set(session.minutes.map((m) => m.minute));
  const fresh: MinuteSummary[] = [];
  for (const [i, minute] of parsed.minutes.entries()) {
    const offset = minute.minute - session.firstMinute;
    if (offset < 0 || offset > MAX_SESSION_MINUTES)
      return err(validationFailed(`minutes.${i}.minute`, 'outside the session'));
    if (known.has(minute.minute)) continue;
    known.add(minute.minute);
    fresh.push(minute);
  }
  if (fresh.length === 0) return ok(0);
  const ref = sessionRef(session.id);
  transact(doc, ctx, 'recordMonitoringMinutes', () => {
    rootArray(doc, 'monitoring').push(
      fresh.map((minute) => ({
        t: 'min',
        s: ref,
        m: minute.minute - session.firstMinute,
        ...(minute.spo2 !== undefined && { o: [...minute.spo2] }),
        ...(minute.pulse !== undefined && { p: [...minute.pulse] }),
        n: minute.samples,
      })),
    );
  });
  return ok(fresh.length);
}

/** Ends a session. Stopping a stopped session is refused (nothing to do). */
export function stopMonitoring(
  doc: Y.Doc,
  ctx: OpContext,
  input: StopMonitoringInput,
): Result<void, ModelError> {
  const prepared = prepare(doc, ctx, stopSchema, input);
  if (!prepared.ok) return prepared;
  const { now, input: parsed } = prepared.value;
  const found = findSession(doc, parsed.sessionId);
  if (!found.ok) return found;
  if (found.value.stoppedAt !== undefined)
    return err(validationFailed('sessionId', 'this monitoring session has already stopped'));
  transact(doc, ctx, 'stopMonitoring', () => {
    rootArray(doc, 'monitoring').push([
      { t: 'stop', ses: parsed.sessionId, at: now, by: toStoredActor(ctx.actor) },
    ]);
  });
  return ok(undefined);
}

/** Problems in the monitoring entries, for `validateDocument`. */
export function monitoringProblems(doc: Y.Doc): readonly DocumentProblem[] {
  const meta = readMeta(doc);
  if (!meta.ok || meta.value.kind !== 'patient') return [];
  return readMonitoring(doc).problems;
}
