/**
 * The stored shape of every document: root names, meta, and the zod schemas of
 * the plain-JSON entries appended to arrays. Readers parse every entry with
 * these schemas and skip (and report) what does not parse, so a malformed entry
 * from a hostile or buggy peer can never break a projection.
 *
 * Entry objects are parsed loosely (unknown keys kept, ignored): a newer
 * additive revision of the same schema version may add optional fields.
 * JSON keys are short but readable; every entry carries `at` (device time, epoch
 * ms, from the injected clock) and `by` ({u: userId, d: deviceId}).
 */
import type * as Y from 'yjs';
import { z } from 'zod';
import { isJson, jsonSchema, storedActorSchema, uuidSchema, type StoredActor } from './context';
import type { DocumentProblem } from './errors';
import { VITALS } from './vitals';

export const timeSchema = z.number().int().nonnegative().max(8.64e15);
export const isoDateSchema = z.iso.date();

/** Root types of a patient document and their Yjs kinds. */
export const PATIENT_ROOTS = {
  meta: 'map',
  profile: 'map',
  facts: 'array',
  encounters: 'array',
  observations: 'array',
  errata: 'array',
  notes: 'map',
  dangerSigns: 'array',
  risk: 'array',
  /** Record links (merge of duplicates and its undo): merge.ts. */
  links: 'array',
  /** Continuous-monitoring sessions and their per-minute summaries: monitoring.ts. */
  monitoring: 'array',
} as const;

/** Root types of a consult document and their Yjs kinds. */
export const CONSULT_ROOTS = {
  meta: 'map',
  head: 'map',
  messages: 'array',
  transitions: 'array',
} as const;

export type PatientRoot = keyof typeof PATIENT_ROOTS;
export type ConsultRoot = keyof typeof CONSULT_ROOTS;

// Accessors: the only place that names root types. Unknown or wrongly typed
// roots from a hostile peer are detected by validateDocument.
export const rootMap = (doc: Y.Doc, name: 'meta' | 'profile' | 'notes' | 'head'): Y.Map<unknown> =>
  doc.getMap(name);
export const rootArray = (
  doc: Y.Doc,
  name:
    | 'facts'
    | 'encounters'
    | 'observations'
    | 'errata'
    | 'dangerSigns'
    | 'risk'
    | 'links'
    | 'monitoring'
    | 'messages'
    | 'transitions',
): Y.Array<unknown> => doc.getArray(name);

// ---------------------------------------------------------------------------
// Meta

export const META_KEYS = [
  'kind',
  'id',
  'homeClinicId',
  'createdAt',
  'createdBy',
  'schemaVersion',
] as const;

export const storedMetaSchema = z.object({
  kind: z.enum(['patient', 'consult']),
  id: uuidSchema,
  homeClinicId: uuidSchema,
  createdAt: timeSchema,
  createdBy: storedActorSchema,
  /** Missing means 0: written before schema versions existed. */
  schemaVersion: z.number().int().nonnegative().default(0),
});
export type StoredMeta = z.infer<typeof storedMetaSchema>;

// ---------------------------------------------------------------------------
// Patient values (also the normalised form of op inputs)

export const SEXES = ['female', 'male', 'other', 'unknown'] as const;
export const sexSchema = z.enum(SEXES);
export type Sex = z.infer<typeof sexSchema>;

/** Date of birth: exact, or estimated from a stated age (`age`) on the day it was stated. */
export const dobSchema = z.looseObject({
  date: isoDateSchema,
  est: z.boolean(),
  age: z
    .object({ y: z.number().int().min(0).max(130), m: z.number().int().min(0).max(11).optional() })
    .optional(),
});
export type StoredDob = z.infer<typeof dobSchema>;

/**
 * `postpartum`: she has given birth (on `deliveredOn`). Added after the first
 * three: a reader that predates it fails to parse the entry, counts it as a
 * problem and skips it (never throws), so it shows the assertion the
 * postpartum one superseded — for the usual "pregnant → gave birth" that is
 * still the maternal chart. Such a reader's next assertion does not supersede
 * the skipped one, so an up-to-date reader then shows a conflict to review.
 */
export const PREGNANCY_STATUSES = ['pregnant', 'not-pregnant', 'unknown', 'postpartum'] as const;
/**
 * `weeks`: gestational age in whole weeks on the day of the assertion (`at`).
 * `deliveredOn`: the day she gave birth; present exactly when `postpartum`.
 */
export const pregnancySchema = z
  .looseObject({
    status: z.enum(PREGNANCY_STATUSES),
    weeks: z.number().int().min(1).max(45).optional(),
    deliveredOn: isoDateSchema.optional(),
  })
  .refine((value) => (value.status === 'postpartum') === (value.deliveredOn !== undefined), {
    message: 'deliveredOn is required with postpartum and only with it',
    path: ['deliveredOn'],
  });
export type StoredPregnancy = z.infer<typeof pregnancySchema>;

export const ALLERGY_SEVERITIES = ['mild', 'moderate', 'severe'] as const;
export const allergySchema = z.looseObject({
  name: z.string().trim().min(1).max(100),
  reaction: z.string().trim().min(1).max(200).optional(),
  severity: z.enum(ALLERGY_SEVERITIES).optional(),
});
export type StoredAllergy = z.infer<typeof allergySchema>;

export const conditionSchema = z.looseObject({
  name: z.string().trim().min(1).max(100),
  icd10: z
    .string()
    .regex(/^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$/, 'must be an ICD-10 code like I10 or E11.9')
    .optional(),
  since: isoDateSchema.optional(),
});
export type StoredCondition = z.infer<typeof conditionSchema>;

export const SINGLE_FACTS = ['sex', 'dob', 'pregnancy'] as const;
export type SingleFact = (typeof SINGLE_FACTS)[number];
export const LIST_FACTS = ['allergy', 'condition'] as const;
export type ListFact = (typeof LIST_FACTS)[number];

export const singleFactValueSchemas = {
  sex: sexSchema,
  dob: dobSchema,
  pregnancy: pregnancySchema,
} as const;
export const listFactValueSchemas = { allergy: allergySchema, condition: conditionSchema } as const;

// ---------------------------------------------------------------------------
// Patient entries

const entryBase = { at: timeSchema, by: storedActorSchema };

/**
 * `facts` entries: attributed assertions.
 * - `set` (sex/dob/pregnancy): `sup` lists the assertion ids the author saw as
 *   current (they are superseded by this one).
 * - `add` / `resolve` (allergy/condition): an observed-remove set; `resolve.ref`
 *   is the `add` it resolves.
 */
export const factEntrySchema = z.discriminatedUnion('op', [
  z.looseObject({
    id: uuidSchema,
    op: z.literal('set'),
    f: z.enum(SINGLE_FACTS),
    v: z.unknown(),
    sup: z.array(uuidSchema).max(64),
    ...entryBase,
  }),
  z.looseObject({
    id: uuidSchema,
    op: z.literal('add'),
    f: z.enum(LIST_FACTS),
    v: z.unknown(),
    ...entryBase,
  }),
  z.looseObject({
    id: uuidSchema,
    op: z.literal('resolve'),
    f: z.enum(LIST_FACTS),
    ref: uuidSchema,
    why: z.string().max(500).optional(),
    ...entryBase,
  }),
]);
export type FactEntry = z.infer<typeof factEntrySchema>;

/** `encounters` entries: start and close events. */
export const encounterEventSchema = z.looseObject({
  t: z.enum(['start', 'close']),
  enc: uuidSchema,
  reason: z.string().max(500).optional(),
  ...entryBase,
});
export type EncounterEvent = z.infer<typeof encounterEventSchema>;

export const sourceSchema = z.discriminatedUnion('k', [
  z.looseObject({ k: z.literal('typed') }),
  z.looseObject({
    k: z.literal('device'),
    id: z.string().min(1).max(100),
    name: z.string().min(1).max(100).optional(),
    /** The measuring device's own clock, as reported; may be wrong. */
    time: timeSchema.optional(),
  }),
]);
export type StoredSource = z.infer<typeof sourceSchema>;

/**
 * `observations` entries: one set of readings taken together (same encounter,
 * effective time `eff`, author, source). Items are parsed one by one so one bad
 * item does not hide its neighbours. Each item has its own id (referenced by errata).
 */
export const observationSetSchema = z.looseObject({
  enc: uuidSchema,
  eff: timeSchema,
  src: sourceSchema,
  obs: z.array(z.unknown()).min(1).max(32),
  ...entryBase,
});
export type ObservationSetEntry = z.infer<typeof observationSetSchema>;

/**
 * One reading: `k` observation key, `v` value (catalogue unit `u` for numbers),
 * `cf: true` when an unusual value was confirmed, `in` the value and unit as
 * entered when a conversion was applied.
 */
export const observationItemSchema = z.looseObject({
  id: uuidSchema,
  k: z.string().min(1).max(40),
  v: z.union([z.number(), z.boolean(), z.string().max(10)]),
  u: z.string().max(20).optional(),
  cf: z.literal(true).optional(),
  in: z.object({ v: z.number(), u: z.string().max(20) }).optional(),
});
export type ObservationItem = z.infer<typeof observationItemSchema>;

/** `errata` entries: observation `obs` entered in error; `rep` the replacement's id. */
export const errataEntrySchema = z.looseObject({
  obs: uuidSchema,
  why: z.string().min(1).max(500),
  rep: uuidSchema.optional(),
  ...entryBase,
});
export type ErrataEntry = z.infer<typeof errataEntrySchema>;

export const DANGER_SIGNS = [
  'unableToDrinkOrBreastfeed',
  'vomitsEverything',
  'convulsions',
  'lethargicOrUnconscious',
] as const;
export type DangerSign = (typeof DANGER_SIGNS)[number];
export const dangerSignsValueSchema = z.strictObject({
  unableToDrinkOrBreastfeed: z.boolean(),
  vomitsEverything: z.boolean(),
  convulsions: z.boolean(),
  lethargicOrUnconscious: z.boolean(),
});
export type DangerSigns = z.infer<typeof dangerSignsValueSchema>;

/** `dangerSigns` entries: a completed IMCI general danger sign checklist. */
export const dangerSignsEntrySchema = z.looseObject({
  id: uuidSchema,
  enc: uuidSchema,
  signs: dangerSignsValueSchema,
  ...entryBase,
});

export const RISK_RESULT_MAX_CHARS = 8_000;
/** `risk` entries: a risk score result from shared/risk, stored opaquely with its ruleset version. */
export const riskEntrySchema = z.looseObject({
  id: uuidSchema,
  enc: uuidSchema,
  score: z.string().min(1).max(40),
  ver: z.string().min(1).max(40),
  result: jsonSchema(RISK_RESULT_MAX_CHARS),
  reasons: z.array(jsonSchema(RISK_RESULT_MAX_CHARS)).max(50),
  ...entryBase,
});

// ---------------------------------------------------------------------------
// Consult

export const CONSULT_STATUSES = [
  'draft',
  'sent',
  'received',
  'opened',
  'answered',
  'more-info-needed',
  'closed',
] as const;
export type ConsultStatus = (typeof CONSULT_STATUSES)[number];
export const PRIORITIES = ['routine', 'urgent', 'emergency'] as const;
export type ConsultPriority = (typeof PRIORITIES)[number];

export const routingSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('specialty'), specialty: z.string().trim().min(1).max(60) }),
  z.strictObject({
    kind: z.literal('specialist'),
    userId: uuidSchema,
    name: z.string().trim().min(1).max(100).optional(),
  }),
]);
export type ConsultRouting = z.infer<typeof routingSchema>;

export const SNAPSHOT_MAX_CHARS = 32_000;
export const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256');

export const consultHeadSchema = z.object({
  patientId: uuidSchema,
  encounterId: uuidSchema.optional(),
  priority: z.enum(PRIORITIES),
  routing: routingSchema,
  question: z.string().min(1).max(4000),
  snapshot: jsonSchema(SNAPSHOT_MAX_CHARS),
});

/**
 * A window of the monitoring raw stream attached to a consult (head key
 * `monitoring`, written once by the asker before the consult is sent; the
 * server enforces who and when: server/src/consults/write-rules.ts). The raw
 * stream otherwise never leaves the tablet (issue 6).
 *
 * Compact on purpose: one start second and two arrays at 1 Hz — sample `i` is
 * at `startSec + i`; `null` is a gap (finger out, no usable value, or a second
 * with no sample). At most 60 minutes (3,600 samples a channel): ≈ 25 KB of
 * JSON at worst, ≈ 22 KB as a Yjs update before compression. The pleth wave is never attached: the tablet
 * does not keep it (display only, shared/devices/monitorStream.ts), and at
 * tens of samples a second it would cost far more than the clinical values.
 * Values within the vital catalogue's possible ranges, whole numbers.
 * Additive (optional key, old readers ignore it): the schema version stays.
 */
export const MONITORING_WINDOW_MAX_SECONDS = 3_600;
const channelSchema = (possible: readonly [number, number]) =>
  z
    .array(z.union([z.number().int().min(possible[0]).max(possible[1]), z.null()]))
    .min(1)
    .max(MONITORING_WINDOW_MAX_SECONDS);
export const monitoringWindowSchema = z
  .strictObject({
    /** Format version of this entry. */
    v: z.literal(1),
    /** Epoch seconds (the tablet's clock) of the first sample. */
    startSec: z.number().int().min(0).max(100_000_000_000),
    /** Samples per second. */
    hz: z.literal(1),
    spo2: channelSchema(VITALS.spo2.possible),
    pulse: channelSchema(VITALS.heartRate.possible),
  })
  .refine((window) => window.spo2.length === window.pulse.length, {
    message: 'spo2 and pulse must have one value per second each',
    path: ['pulse'],
  });
export type MonitoringWindow = z.infer<typeof monitoringWindowSchema>;

export const messageEntrySchema = z.looseObject({
  id: uuidSchema,
  text: z.string().min(1).max(4000),
  att: z.array(sha256Schema).max(10).optional(),
  ...entryBase,
});

/** What the specialist advises the clinic to do with the patient. */
export const DISPOSITIONS = ['manage-here', 'refer', 'urgent-transfer'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/**
 * A specialist's signed answer: carried by the transition to `answered`, so it is
 * attributed and timestamped with it and visible only once signed (drafts never
 * enter the document).
 */
export const answerSchema = z.strictObject({
  advice: z.string().min(1).max(4000),
  disposition: z.enum(DISPOSITIONS),
  /** The template the advice started from, if any (for reporting). */
  template: z.string().min(1).max(60).optional(),
});
export type ConsultAnswer = z.infer<typeof answerSchema>;

/** `transitions` entries: `prev` = the transition ids the author saw as current. */
export const transitionEntrySchema = z.looseObject({
  id: uuidSchema,
  prev: z.array(uuidSchema).max(16),
  from: z.enum(CONSULT_STATUSES),
  to: z.enum(CONSULT_STATUSES),
  note: z.string().max(1000).optional(),
  answer: answerSchema.optional(),
  ...entryBase,
});
export type TransitionEntry = z.infer<typeof transitionEntrySchema>;

// ---------------------------------------------------------------------------
// Reading entries

export interface Indexed<T> {
  readonly entry: T;
  /** Position in the root array: identical on every converged replica. */
  readonly index: number;
}

/** What reading one entry value with one schema gave (see `parsedEntries`). */
type EntryOutcome =
  { readonly ok: true; readonly data: unknown } | { readonly ok: false; readonly message: string };

/**
 * Entry values are immutable once in a document (appended, never edited), and
 * a record is read many times: every change checks it, scores it and derives
 * its list row, and every screen showing it projects it again. So each entry
 * value is checked once per schema, keyed by the very object the Y.Doc holds
 * (a document decoded again holds new objects and is checked again). The
 * parsed values are shared between reads: never mutate a projection.
 */
const parsedEntries = new WeakMap<object, Map<z.ZodType, EntryOutcome>>();

function readEntry(raw: unknown, schema: z.ZodType): EntryOutcome {
  const cacheable = typeof raw === 'object' && raw !== null;
  const cached = cacheable ? parsedEntries.get(raw)?.get(schema) : undefined;
  if (cached !== undefined) return cached;
  let outcome: EntryOutcome;
  if (!isJson(raw, 24)) outcome = { ok: false, message: 'not a plain JSON entry' };
  else {
    const parsed = schema.safeParse(raw);
    if (parsed.success) outcome = { ok: true, data: parsed.data };
    else {
      const issue = parsed.error.issues[0];
      outcome = {
        ok: false,
        message: `malformed entry: ${issue ? `${issue.path.join('.')} ${issue.message}` : 'invalid'}`,
      };
    }
  }
  if (cacheable) {
    let bySchema = parsedEntries.get(raw);
    if (bySchema === undefined)
      parsedEntries.set(raw, (bySchema = new Map<z.ZodType, EntryOutcome>()));
    bySchema.set(schema, outcome);
  }
  return outcome;
}

/**
 * Parses every entry of a root array. Non-JSON values (e.g. a nested Y type
 * inserted by a hostile peer) and entries failing the schema are skipped and
 * reported; a repeated `id` keeps the first occurrence.
 */
export function readEntries<S extends z.ZodType>(
  array: Y.Array<unknown>,
  schema: S,
  root: string,
  problems: DocumentProblem[],
): Array<Indexed<z.infer<S>>> {
  const out: Array<Indexed<z.infer<S>>> = [];
  const seen = new Set<string>();
  array.toArray().forEach((raw, index) => {
    const path = `${root}[${index}]`;
    const read = readEntry(raw, schema);
    if (!read.ok) {
      problems.push({ path, message: read.message });
      return;
    }
    const data = read.data as z.infer<S>;
    const id = (data as { id?: unknown }).id;
    if (typeof id === 'string') {
      if (seen.has(id)) {
        problems.push({ path, message: `duplicate id ${id}` });
        return;
      }
      seen.add(id);
    }
    out.push({ entry: data, index });
  });
  return out;
}

export type { StoredActor };

// ---------------------------------------------------------------------------
// Profile: last-writer-wins keys of the `profile` map (plain values).

export const phoneSchema = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()-]{2,24}$/, 'must be a phone number (digits, spaces, +, -, parentheses)');

export const guardianSchema = z.looseObject({
  name: z.string().trim().min(1).max(100),
  relationship: z.string().trim().min(1).max(40).optional(),
  phone: phoneSchema.optional(),
});

export const profileFieldSchemas = {
  givenName: z.string().trim().min(1).max(100),
  familyName: z.string().trim().min(1).max(100),
  phone: phoneSchema,
  village: z.string().trim().min(1).max(100),
  nationalId: z.string().trim().min(1).max(50),
  clinicNumber: z.string().trim().min(1).max(50),
  guardian: guardianSchema,
} as const;
export type ProfileField = keyof typeof profileFieldSchemas;
export const PROFILE_FIELDS = Object.keys(profileFieldSchemas) as ProfileField[];
export type Profile = { readonly [K in ProfileField]?: z.infer<(typeof profileFieldSchemas)[K]> };
