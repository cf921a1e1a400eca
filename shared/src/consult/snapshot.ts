/**
 * The frozen patient summary a consult carries (data minimisation, DESIGN.md):
 * what a specialist needs to answer — age, sex, pregnancy, conditions,
 * allergies, the visit's vitals and danger signs, each vital's recent trend and
 * the early-warning result with its reasons — and nothing that identifies the
 * patient (no name, phone, village, national or clinic number, exact date of
 * birth). Built once on the tablet when the consult is created; never updated.
 */
import { z } from 'zod';
import {
  SNAPSHOT_MAX_CHARS,
  VITALS,
  isVitalKey,
  type DangerSign,
  type EncounterView,
  type Json,
  type ObservationView,
  type PatientView,
} from '../model';
import type { RiskAssessment } from '../risk';
import type { PriorityReason } from './priority';

export const SNAPSHOT_VERSION = 1;
/** Trend points kept per vital (the most recent), and how far back. */
export const TREND_MAX_POINTS = 24;
export const TREND_WINDOW_MS = 365 * 24 * 60 * 60 * 1000;
const NOTE_MAX_CHARS = 2000;

const timed = z.tuple([z.number().int(), z.number()]);

export const consultSnapshotSchema = z.object({
  v: z.literal(SNAPSHOT_VERSION),
  takenAt: z.number().int(),
  patient: z.object({
    ageYears: z.number().int().min(0).optional(),
    ageMonths: z.number().int().min(0).optional(),
    ageEstimated: z.boolean(),
    sex: z.enum(['female', 'male', 'other', 'unknown', 'conflict']),
    pregnancy: z
      .object({
        status: z.enum(['pregnant', 'not-pregnant', 'unknown']),
        gestationalWeeks: z.number().int().min(0).max(50).optional(),
      })
      .optional(),
    /**
     * She has given birth: whole days since, when the snapshot was taken. A
     * field of its own (not a fourth `pregnancy.status`) so a reader that
     * predates it ignores it instead of failing the whole snapshot.
     */
    postpartum: z.object({ daysSinceDelivery: z.number().int().min(0) }).optional(),
    conditions: z.array(z.object({ name: z.string(), icd10: z.string().optional() })),
    allergies: z.array(
      z.object({
        name: z.string(),
        reaction: z.string().optional(),
        severity: z.string().optional(),
      }),
    ),
  }),
  visit: z
    .object({
      startedAt: z.number().int(),
      reason: z.string().optional(),
      note: z.string().optional(),
      dangerSigns: z.object({ present: z.array(z.string()), at: z.number().int() }).optional(),
    })
    .optional(),
  vitals: z.array(
    z.object({
      key: z.string(),
      code: z.string(),
      display: z.string(),
      value: z.union([z.number(), z.boolean(), z.string()]),
      unit: z.string().optional(),
      at: z.number().int(),
      source: z.enum(['typed', 'device']),
    }),
  ),
  trends: z.array(z.object({ key: z.string(), unit: z.string(), points: z.array(timed) })),
  risk: z.record(z.string(), z.unknown()).optional(),
  /** Photos taken for the question, by content address (uploaded after the text). */
  photos: z
    .array(
      z.object({
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
        bytes: z.number().int().positive(),
      }),
    )
    .max(10)
    .optional(),
  priorityReasons: z
    .array(z.object({ source: z.string(), priority: z.string(), text: z.string() }))
    .optional(),
});
export type ConsultSnapshot = z.infer<typeof consultSnapshotSchema>;

export interface SnapshotInput {
  readonly patient: PatientView;
  /** The visit the consult is asked from (its vitals and danger signs). */
  readonly encounterId?: string;
  /** The early-warning result shown to the health worker when she asked. */
  readonly assessment?: RiskAssessment;
  readonly priorityReasons?: readonly PriorityReason[];
  readonly photos?: NonNullable<ConsultSnapshot['photos']>;
  readonly now: number;
}

/** Completed months between an ISO date (YYYY-MM-DD) and `now` (UTC), or undefined. */
export function completedMonths(isoDate: string, now: number): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const today = new Date(now);
  let months = (today.getUTCFullYear() - year) * 12 + (today.getUTCMonth() + 1 - month);
  if (today.getUTCDate() < day) months -= 1;
  return months < 0 ? undefined : months;
}

function latestPerKey(observations: readonly ObservationView[]): ObservationView[] {
  const latest = new Map<string, ObservationView>();
  for (const obs of observations) {
    if (obs.status !== 'final') continue;
    const current = latest.get(obs.key);
    if (current === undefined || obs.effectiveAt >= current.effectiveAt) latest.set(obs.key, obs);
  }
  return [...latest.values()].sort((a, b) => a.key.localeCompare(b.key));
}

function trendsOf(patient: PatientView, now: number, maxPoints: number): ConsultSnapshot['trends'] {
  const series = new Map<string, Array<[number, number]>>();
  for (const encounter of patient.encounters)
    for (const obs of encounter.observations) {
      if (obs.status !== 'final' || typeof obs.value !== 'number' || !isVitalKey(obs.key)) continue;
      if (obs.effectiveAt < now - TREND_WINDOW_MS || obs.effectiveAt > now) continue;
      const points = series.get(obs.key) ?? [];
      points.push([obs.effectiveAt, obs.value]);
      series.set(obs.key, points);
    }
  return [...series.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, points]) => ({
      key,
      unit: isVitalKey(key) ? VITALS[key].ucum : '',
      points: points.sort((a, b) => a[0] - b[0]).slice(-maxPoints),
    }));
}

function visitOf(encounter: EncounterView | undefined): ConsultSnapshot['visit'] {
  if (encounter === undefined) return undefined;
  const note = encounter.note.trim();
  const signs = encounter.dangerSigns;
  return {
    startedAt: encounter.startedAt,
    ...(encounter.reason !== undefined && { reason: encounter.reason }),
    ...(note !== '' && { note: note.slice(0, NOTE_MAX_CHARS) }),
    ...(signs !== null && {
      dangerSigns: {
        present: (Object.keys(signs.signs) as DangerSign[]).filter((sign) => signs.signs[sign]),
        at: signs.at,
      },
    }),
  };
}

/** Whole days from a YYYY-MM-DD date (UTC midnight) to `now`; never negative. */
function daysSince(isoDate: string, now: number): number {
  return Math.max(0, Math.floor((now - Date.parse(`${isoDate}T00:00:00Z`)) / 86_400_000));
}

/**
 * Builds the snapshot. Fits `SNAPSHOT_MAX_CHARS` by shortening the trends
 * (oldest points first) when a long record would not.
 */
export function buildConsultSnapshot(input: SnapshotInput): ConsultSnapshot {
  const { patient, now } = input;
  const dob =
    patient.dateOfBirth.status === 'known' ? patient.dateOfBirth.current.value : undefined;
  const months = dob === undefined ? undefined : completedMonths(dob.date, now);
  const pregnancy = patient.pregnancy.status === 'known' ? patient.pregnancy.current : undefined;
  const weeksSince = pregnancy ? Math.floor((now - pregnancy.at) / (7 * 24 * 60 * 60 * 1000)) : 0;
  const encounter =
    input.encounterId === undefined
      ? undefined
      : patient.encounters.find((e) => e.id === input.encounterId);
  const observations = encounter?.observations ?? Object.values(patient.latest);
  const base = {
    v: SNAPSHOT_VERSION,
    takenAt: now,
    patient: {
      ...(months !== undefined && { ageYears: Math.floor(months / 12), ageMonths: months }),
      ageEstimated: dob?.estimated ?? true,
      sex:
        patient.sex.status === 'known'
          ? patient.sex.current.value
          : patient.sex.status === 'conflict'
            ? 'conflict'
            : 'unknown',
      ...(pregnancy?.value.status === 'postpartum' &&
        pregnancy.value.deliveredOn !== undefined && {
          postpartum: { daysSinceDelivery: daysSince(pregnancy.value.deliveredOn, now) },
        }),
      ...(pregnancy !== undefined &&
        pregnancy.value.status !== 'postpartum' && {
          pregnancy: {
            status: pregnancy.value.status,
            ...(pregnancy.value.gestationalWeeks !== undefined && {
              gestationalWeeks: pregnancy.value.gestationalWeeks + weeksSince,
            }),
          },
        }),
      conditions: patient.conditions.active.map(({ value }) => ({
        name: value.name,
        ...(value.icd10 !== undefined && { icd10: value.icd10 }),
      })),
      allergies: patient.allergies.active.map(({ value }) => ({
        name: value.name,
        ...(value.reaction !== undefined && { reaction: value.reaction }),
        ...(value.severity !== undefined && { severity: value.severity }),
      })),
    },
    ...(encounter !== undefined && { visit: visitOf(encounter) }),
    vitals: latestPerKey(observations).map((obs) => ({
      key: obs.key,
      code: obs.code,
      display: obs.display,
      value: obs.value,
      ...(obs.unit !== undefined && { unit: obs.unit }),
      at: obs.effectiveAt,
      source: obs.source.kind,
    })),
    ...(input.assessment !== undefined && {
      risk: JSON.parse(JSON.stringify(input.assessment)) as Record<string, unknown>,
    }),
    ...(input.photos !== undefined &&
      input.photos.length > 0 && { photos: input.photos.map((p) => ({ ...p })) }),
    ...(input.priorityReasons !== undefined && {
      priorityReasons: input.priorityReasons.map((r) => ({ ...r })),
    }),
  } satisfies Omit<ConsultSnapshot, 'trends'>;
  for (let points = TREND_MAX_POINTS; ; points = Math.floor(points / 2)) {
    const snapshot: ConsultSnapshot = { ...base, trends: trendsOf(patient, now, points) };
    if (points <= 1 || JSON.stringify(snapshot).length <= SNAPSHOT_MAX_CHARS) return snapshot;
  }
}

/** Reads a snapshot from a consult document (older or newer versions: best effort). */
export function parseConsultSnapshot(value: unknown): ConsultSnapshot | undefined {
  const parsed = consultSnapshotSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The snapshot as the plain JSON a consult document stores. */
export function snapshotJson(snapshot: ConsultSnapshot): Json {
  return JSON.parse(JSON.stringify(snapshot)) as Json;
}
