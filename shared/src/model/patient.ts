/**
 * Patient domain operations. Every operation:
 * 1. checks the context, the document (kind, schema version) and validates its
 *    input with zod — failures return `err` and leave the document untouched;
 * 2. checks the document state it depends on (encounter open, observation exists…);
 * 3. writes in exactly one `doc.transact(fn, origin)`, so one local change is one
 *    Yjs update (one outbox entry).
 * Immutable facts are plain JSON appended to arrays; nothing is ever edited in place.
 */
import * as Y from 'yjs';
import { z } from 'zod';
import type { EncounterId, ObservationId, PatientId } from '../ids';
import { err, ok, type Result } from '../result';
import {
  checkContext,
  jsonSchema,
  parseWith,
  toStoredActor,
  uuidSchema,
  type OpContext,
  type StoredActor,
} from './context';
import { openForWrite, CURRENT_SCHEMA_VERSION, type DocMeta } from './document';
import { validationFailed, type ModelError } from './errors';
import { factHeads, scanPatient, type PatientScan } from './patientView';
import { ACVPU, checkPlausibility, toCatalogueUnit } from './readings';
import {
  DANGER_SIGNS,
  PROFILE_FIELDS,
  RISK_RESULT_MAX_CHARS,
  allergySchema,
  conditionSchema,
  dangerSignsValueSchema,
  isoDateSchema,
  profileFieldSchemas,
  rootArray,
  rootMap,
  sexSchema,
  timeSchema,
  type ListFact,
  type ObservationItem,
  type ObservationSetEntry,
  type SingleFact,
  type StoredDob,
  type StoredPregnancy,
} from './stored';
import { VITALS, VITAL_KEYS } from './vitals';

/** Tolerated clock skew for effective times "in the future". */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
export const NOTE_MAX_CHARS = 20_000;

// ---------------------------------------------------------------------------
// Input schemas (exported types are what callers pass)

const dobInputSchema = z.union([
  z.strictObject({ date: isoDateSchema }),
  z.strictObject({
    ageYears: z.number().int().min(0).max(130),
    ageMonths: z.number().int().min(0).max(11).optional(),
  }),
]);
export type DateOfBirthInput = z.input<typeof dobInputSchema>;

const pregnancyInputSchema = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('pregnant'),
    gestationalWeeks: z.number().int().min(1).max(45).optional(),
  }),
  z.strictObject({ status: z.literal('not-pregnant') }),
  z.strictObject({ status: z.literal('unknown') }),
  /** She has given birth: `deliveredOn` is the baby's date of birth (YYYY-MM-DD). */
  z.strictObject({ status: z.literal('postpartum'), deliveredOn: isoDateSchema }),
]);
export type PregnancyInput = z.input<typeof pregnancyInputSchema>;

const profileInputSchema = z.strictObject({
  givenName: profileFieldSchemas.givenName,
  familyName: profileFieldSchemas.familyName.optional(),
  phone: profileFieldSchemas.phone.optional(),
  village: profileFieldSchemas.village.optional(),
  nationalId: profileFieldSchemas.nationalId.optional(),
  clinicNumber: profileFieldSchemas.clinicNumber.optional(),
  guardian: z
    .strictObject({
      name: z.string().trim().min(1).max(100),
      relationship: z.string().trim().min(1).max(40).optional(),
      phone: profileFieldSchemas.phone.optional(),
    })
    .optional(),
});

const createPatientSchema = z.strictObject({
  homeClinicId: uuidSchema,
  profile: profileInputSchema,
  sex: sexSchema.optional(),
  dateOfBirth: dobInputSchema.optional(),
});
export type CreatePatientInput = z.input<typeof createPatientSchema>;

/** A partial profile; `null` clears a field. Last writer wins per field. */
const updateProfileSchema = profileInputSchema
  .partial()
  .extend({
    familyName: profileFieldSchemas.familyName.nullable().optional(),
    phone: profileFieldSchemas.phone.nullable().optional(),
    village: profileFieldSchemas.village.nullable().optional(),
    nationalId: profileFieldSchemas.nationalId.nullable().optional(),
    clinicNumber: profileFieldSchemas.clinicNumber.nullable().optional(),
    guardian: profileInputSchema.shape.guardian.unwrap().nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'at least one field is required' });
export type ProfilePatch = z.input<typeof updateProfileSchema>;

const assertFactSchema = z.discriminatedUnion('field', [
  z.strictObject({ field: z.literal('sex'), value: sexSchema }),
  z.strictObject({ field: z.literal('dateOfBirth'), value: dobInputSchema }),
  z.strictObject({ field: z.literal('pregnancy'), value: pregnancyInputSchema }),
]);
export type AssertFactInput = z.input<typeof assertFactSchema>;

const addAllergySchema = z.strictObject({
  name: allergySchema.shape.name,
  reaction: allergySchema.shape.reaction,
  severity: allergySchema.shape.severity,
});
export type AddAllergyInput = z.input<typeof addAllergySchema>;
const addConditionSchema = z.strictObject({
  name: conditionSchema.shape.name,
  icd10: conditionSchema.shape.icd10,
  since: conditionSchema.shape.since,
});
export type AddConditionInput = z.input<typeof addConditionSchema>;
const resolveSchema = z.strictObject({
  id: uuidSchema,
  reason: z.string().trim().min(1).max(500).optional(),
});
export type ResolveInput = z.input<typeof resolveSchema>;

const startEncounterSchema = z.strictObject({
  reason: z.string().trim().min(1).max(500).optional(),
});
export type StartEncounterInput = z.input<typeof startEncounterSchema>;
const encounterRefSchema = z.strictObject({ encounterId: uuidSchema });

/** One reading. Vitals take a number in an accepted unit (default: the catalogue unit). */
export const readingSchema = z.discriminatedUnion('key', [
  z.strictObject({
    key: z.enum(VITAL_KEYS),
    value: z.number(),
    unit: z.string().min(1).max(20).optional(),
    /** Required to store a value outside the usual range. */
    confirmed: z.boolean().optional(),
  }),
  z.strictObject({ key: z.literal('consciousness'), value: z.enum(ACVPU) }),
  z.strictObject({ key: z.literal('supplementalOxygen'), value: z.boolean() }),
]);
export type ReadingInput = z.input<typeof readingSchema>;

const sourceInputSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('typed') }),
  z.strictObject({
    kind: z.literal('device'),
    deviceId: z.string().min(1).max(100),
    deviceName: z.string().min(1).max(100).optional(),
    deviceTime: timeSchema.optional(),
  }),
]);
export type SourceInput = z.input<typeof sourceInputSchema>;

const recordVitalsSchema = z.strictObject({
  encounterId: uuidSchema,
  /** When the readings were taken (epoch ms); defaults to now. */
  effectiveAt: timeSchema.optional(),
  source: sourceInputSchema,
  readings: z.array(readingSchema).min(1).max(20),
});
export type RecordVitalsInput = z.input<typeof recordVitalsSchema>;

const markEnteredInErrorSchema = z.strictObject({
  observationId: uuidSchema,
  reason: z.string().trim().min(1).max(500),
  /** A corrected reading of the same key, recorded in the same encounter with the original's effective time. */
  replacement: readingSchema.optional(),
});
export type MarkEnteredInErrorInput = z.input<typeof markEnteredInErrorSchema>;

const setNoteSchema = z.strictObject({
  encounterId: uuidSchema,
  text: z.string().max(NOTE_MAX_CHARS),
});
export type SetEncounterNoteInput = z.input<typeof setNoteSchema>;

const dangerSignsInputSchema = z.strictObject({
  encounterId: uuidSchema,
  signs: dangerSignsValueSchema,
});
export type RecordDangerSignsInput = z.input<typeof dangerSignsInputSchema>;

const riskInputSchema = z.strictObject({
  encounterId: uuidSchema,
  /** Score name, e.g. 'NEWS2'. */
  score: z.string().min(1).max(40),
  rulesetVersion: z.string().min(1).max(40),
  result: jsonSchema(RISK_RESULT_MAX_CHARS),
  reasons: z.array(jsonSchema(RISK_RESULT_MAX_CHARS)).max(50),
});
export type StoreRiskAssessmentInput = z.input<typeof riskInputSchema>;

// ---------------------------------------------------------------------------
// Operation runner

interface Planned<T> {
  readonly apply: (stamp: { at: number; by: StoredActor }) => T;
}

interface PlanArgs<I> {
  readonly doc: Y.Doc;
  readonly ctx: OpContext;
  readonly input: I;
  readonly now: number;
  readonly scan: PatientScan;
  readonly meta: DocMeta;
}

function transact<T>(doc: Y.Doc, ctx: OpContext, op: string, fn: () => T): T {
  let value!: T;
  doc.transact(
    () => {
      value = fn();
    },
    ctx.origin ?? { source: 'outpost/model', op, actor: ctx.actor },
  );
  return value;
}

function patientOp<S extends z.ZodType, T>(
  op: string,
  schema: S,
  plan: (args: PlanArgs<z.output<S>>) => Result<Planned<T>, ModelError>,
) {
  return (doc: Y.Doc, ctx: OpContext, input: z.input<S>): Result<T, ModelError> => {
    const now = checkContext(ctx);
    if (!now.ok) return now;
    const meta = openForWrite(doc, 'patient');
    if (!meta.ok) return meta;
    const parsed = parseWith(schema as z.ZodType<z.output<S>>, input);
    if (!parsed.ok) return parsed;
    const scan = scanPatient(doc);
    if (!scan.ok) return scan;
    const planned = plan({
      doc,
      ctx,
      input: parsed.value,
      now: now.value,
      scan: scan.value,
      meta: meta.value,
    });
    if (!planned.ok) return planned;
    const stamp = { at: now.value, by: toStoredActor(ctx.actor) };
    return ok(transact(doc, ctx, op, () => planned.value.apply(stamp)));
  };
}

const planned = <T>(apply: Planned<T>['apply']): Result<Planned<T>, never> => ok({ apply });

// ---------------------------------------------------------------------------
// Dates

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The date `years` and `months` before `asOfMs` (UTC), the day clamped to the month's length. */
function dateFromAge(asOfMs: number, years: number, months: number): string {
  const asOf = new Date(asOfMs);
  const totalMonths = asOf.getUTCFullYear() * 12 + asOf.getUTCMonth() - years * 12 - months;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(asOf.getUTCDate(), daysInMonth);
  return new Date(Date.UTC(year, month, day)).toISOString().slice(0, 10);
}

/**
 * Normalises a date-of-birth input. An age is turned into an estimated date
 * (the stated age is exact on the day it was stated) and kept alongside.
 */
function toStoredDob(
  value: DateOfBirthInput,
  now: number,
  field: string,
): Result<StoredDob, ModelError> {
  if ('date' in value) {
    if (value.date > isoDay(now))
      return err(validationFailed(`${field}.date`, 'date of birth is in the future'));
    if (value.date < dateFromAge(now, 130, 0))
      return err(validationFailed(`${field}.date`, 'date of birth is more than 130 years ago'));
    return ok({ date: value.date, est: false });
  }
  const months = value.ageMonths ?? 0;
  return ok({
    date: dateFromAge(now, value.ageYears, months),
    est: true,
    age: { y: value.ageYears, ...(value.ageMonths !== undefined && { m: value.ageMonths }) },
  });
}

/**
 * A date typed as "today" on a tablet east of Greenwich is already tomorrow
 * in UTC: a delivery date is accepted up to today in the easternmost time
 * zone (UTC+14), plus the tolerated clock skew.
 */
const EARLIEST_TIME_ZONE_AHEAD_MS = 14 * 3_600_000;

function toStoredPregnancy(
  value: PregnancyInput,
  now: number,
): Result<StoredPregnancy, ModelError> {
  switch (value.status) {
    case 'pregnant':
      return ok(
        value.gestationalWeeks === undefined
          ? { status: 'pregnant' }
          : { status: 'pregnant', weeks: value.gestationalWeeks },
      );
    case 'postpartum':
      if (value.deliveredOn > isoDay(now + EARLIEST_TIME_ZONE_AHEAD_MS + MAX_FUTURE_SKEW_MS))
        return err(validationFailed('value.deliveredOn', 'the date of delivery is in the future'));
      if (value.deliveredOn < dateFromAge(now, 1, 0))
        return err(
          validationFailed('value.deliveredOn', 'the date of delivery is more than a year ago'),
        );
      return ok({ status: 'postpartum', deliveredOn: value.deliveredOn });
    default:
      return ok({ status: value.status });
  }
}

function setFactEntry(
  ctx: OpContext,
  scan: PatientScan,
  field: SingleFact,
  value: unknown,
  stamp: { at: number; by: StoredActor },
) {
  // Supersedes exactly the assertions this replica currently sees as current.
  const sup = factHeads(scan, field).map((head) => head.entry.id);
  return { id: ctx.ids.newId(), op: 'set' as const, f: field, v: value, sup, ...stamp };
}

// ---------------------------------------------------------------------------
// Operations

/**
 * Initialises an empty Y.Doc as a new patient record. Pass the doc so storage
 * controls its clientID (a tablet keeps one stable id across restarts).
 * Initial sex / date of birth become the first attributed assertions.
 */
export function createPatient(
  doc: Y.Doc,
  ctx: OpContext,
  input: CreatePatientInput,
): Result<PatientId, ModelError> {
  const now = checkContext(ctx);
  if (!now.ok) return now;
  if (rootMap(doc, 'meta').size > 0) return err({ type: 'DocumentAlreadyInitialised' });
  const parsed = parseWith(createPatientSchema, input);
  if (!parsed.ok) return parsed;
  const { homeClinicId, profile, sex, dateOfBirth } = parsed.value;
  let dob: StoredDob | undefined;
  if (dateOfBirth !== undefined) {
    const stored = toStoredDob(dateOfBirth, now.value, 'dateOfBirth');
    if (!stored.ok) return stored;
    dob = stored.value;
  }
  const id = ctx.ids.newId() as PatientId;
  const by = toStoredActor(ctx.actor);
  const at = now.value;
  const factIds = [sex, dob].map((value) => (value === undefined ? undefined : ctx.ids.newId()));
  transact(doc, ctx, 'createPatient', () => {
    const meta = rootMap(doc, 'meta');
    meta.set('kind', 'patient');
    meta.set('id', id);
    meta.set('homeClinicId', homeClinicId);
    meta.set('createdAt', at);
    meta.set('createdBy', by);
    meta.set('schemaVersion', CURRENT_SCHEMA_VERSION);
    const profileMap = rootMap(doc, 'profile');
    for (const field of PROFILE_FIELDS) {
      const value = profile[field];
      if (value !== undefined) profileMap.set(field, value);
    }
    const facts = rootArray(doc, 'facts');
    if (sex !== undefined)
      facts.push([{ id: factIds[0], op: 'set', f: 'sex', v: sex, sup: [], at, by }]);
    if (dob !== undefined)
      facts.push([{ id: factIds[1], op: 'set', f: 'dob', v: dob, sup: [], at, by }]);
  });
  return ok(id);
}

/** Sets or clears (`null`) profile fields; each field is last-writer-wins. */
export const updateProfile = patientOp('updateProfile', updateProfileSchema, ({ doc, input }) =>
  planned(() => {
    const profile = rootMap(doc, 'profile');
    for (const field of PROFILE_FIELDS) {
      const value = (input as Record<string, unknown>)[field];
      if (value === null) profile.delete(field);
      else if (value !== undefined) profile.set(field, value);
    }
  }),
);

/**
 * Asserts sex, date of birth or pregnancy status. The assertion supersedes the
 * assertions this replica currently sees as current (resolving any conflict);
 * concurrent assertions elsewhere survive and show as a conflict.
 * Returns the assertion id.
 */
export const assertFact = patientOp(
  'assertFact',
  assertFactSchema,
  ({ ctx, doc, input, now, scan }) => {
    let field: SingleFact;
    let value: unknown;
    switch (input.field) {
      case 'sex':
        field = 'sex';
        value = input.value;
        break;
      case 'dateOfBirth': {
        const dob = toStoredDob(input.value, now, 'value');
        if (!dob.ok) return dob;
        field = 'dob';
        value = dob.value;
        break;
      }
      case 'pregnancy': {
        const heads = factHeads(scan, 'sex');
        if (
          (input.value.status === 'pregnant' || input.value.status === 'postpartum') &&
          heads.length > 0 &&
          heads.every((head) => head.value === 'male')
        ) {
          return err(validationFailed('value.status', 'the patient is recorded as male'));
        }
        const pregnancy = toStoredPregnancy(input.value, now);
        if (!pregnancy.ok) return pregnancy;
        field = 'pregnancy';
        value = pregnancy.value;
        break;
      }
    }
    return planned((stamp) => {
      const entry = setFactEntry(ctx, scan, field, value, stamp);
      rootArray(doc, 'facts').push([entry]);
      return entry.id;
    });
  },
);

function addToList<S extends z.ZodType>(op: string, list: ListFact, schema: S) {
  return patientOp(op, schema, ({ ctx, doc, input }) =>
    planned((stamp) => {
      const id = ctx.ids.newId();
      const value = Object.fromEntries(
        Object.entries(input as object).filter(([, v]) => v !== undefined),
      );
      rootArray(doc, 'facts').push([{ id, op: 'add', f: list, v: value, ...stamp }]);
      return id;
    }),
  );
}

function resolveInList(op: string, list: ListFact) {
  return patientOp(op, resolveSchema, ({ ctx, doc, input, scan }) => {
    const added = scan.facts.some(
      ({ entry }) => entry.op === 'add' && entry.f === list && entry.id === input.id,
    );
    if (!added) return err(validationFailed('id', `no ${list} with this id`));
    const resolved = scan.facts.some(
      ({ entry }) => entry.op === 'resolve' && entry.ref === input.id,
    );
    if (resolved) return err(validationFailed('id', `this ${list} is already resolved`));
    return planned((stamp) => {
      const id = ctx.ids.newId();
      rootArray(doc, 'facts').push([
        {
          id,
          op: 'resolve',
          f: list,
          ref: input.id,
          ...(input.reason !== undefined && { why: input.reason }),
          ...stamp,
        },
      ]);
      return id;
    });
  });
}

/** Adds an allergy; returns its id. */
export const addAllergy = addToList('addAllergy', 'allergy', addAllergySchema);
/** Adds a condition (problem list entry); returns its id. */
export const addCondition = addToList('addCondition', 'condition', addConditionSchema);
/** Resolves (removes from the active list) the allergy with this id, keeping it in history. */
export const resolveAllergy = resolveInList('resolveAllergy', 'allergy');
/** Resolves the condition with this id, keeping it in history. */
export const resolveCondition = resolveInList('resolveCondition', 'condition');

function requireOpenEncounter(scan: PatientScan, encounterId: string): Result<void, ModelError> {
  const encounter = scan.encounters.get(encounterId);
  if (encounter === undefined) return err({ type: 'UnknownEncounter', encounterId });
  if (encounter.close !== undefined) return err({ type: 'EncounterClosed', encounterId });
  return ok(undefined);
}

/** Starts an encounter (a visit); returns its id. Its note (Y.Text) is created here, by one replica only. */
export const startEncounter = patientOp(
  'startEncounter',
  startEncounterSchema,
  ({ ctx, doc, input }) =>
    planned((stamp): EncounterId => {
      const enc = ctx.ids.newId();
      rootArray(doc, 'encounters').push([
        { t: 'start', enc, ...(input.reason !== undefined && { reason: input.reason }), ...stamp },
      ]);
      rootMap(doc, 'notes').set(enc, new Y.Text());
      return enc as EncounterId;
    }),
);

/** Closes an encounter. A closed encounter accepts only corrections (markEnteredInError). */
export const closeEncounter = patientOp(
  'closeEncounter',
  encounterRefSchema,
  ({ doc, input, scan }) => {
    const open = requireOpenEncounter(scan, input.encounterId);
    if (!open.ok) return open;
    return planned((stamp) => {
      rootArray(doc, 'encounters').push([{ t: 'close', enc: input.encounterId, ...stamp }]);
    });
  },
);

type Reading = z.output<typeof readingSchema>;

/** Converts and checks one reading; `field` names it in errors. */
function toItem(
  ctx: OpContext,
  reading: Reading,
  field: string,
): Result<ObservationItem, ModelError> {
  if (reading.key === 'consciousness' || reading.key === 'supplementalOxygen') {
    return ok({ id: ctx.ids.newId(), k: reading.key, v: reading.value });
  }
  const unit = VITALS[reading.key].ucum;
  const converted = toCatalogueUnit(reading.key, reading.value, reading.unit);
  if (!converted.ok) return err(validationFailed(`${field}.unit`, converted.error.message));
  const plausibility = checkPlausibility(reading.key, converted.value, reading.confirmed === true);
  if (!plausibility.ok) return plausibility;
  return ok({
    id: ctx.ids.newId(),
    k: reading.key,
    v: converted.value,
    u: unit,
    ...(plausibility.value === 'unusual' && { cf: true as const }),
    ...(reading.unit !== undefined &&
      reading.unit !== unit && { in: { v: reading.value, u: reading.unit } }),
  });
}

function toStoredSource(source: z.output<typeof sourceInputSchema>): ObservationSetEntry['src'] {
  if (source.kind === 'typed') return { k: 'typed' };
  return {
    k: 'device',
    id: source.deviceId,
    ...(source.deviceName !== undefined && { name: source.deviceName }),
    ...(source.deviceTime !== undefined && { time: source.deviceTime }),
  };
}

/**
 * Records several readings taken together (vitals, ACVPU, supplemental oxygen)
 * as one entry. Numbers are converted from accepted input units to the catalogue
 * unit and rounded to its decimals; outside `possible` is refused, outside
 * `usual` is refused unless that reading has `confirmed: true`. All or nothing.
 * Returns the observation ids in input order.
 */
export const recordVitals = patientOp(
  'recordVitals',
  recordVitalsSchema,
  ({ ctx, doc, input, now, scan }) => {
    const open = requireOpenEncounter(scan, input.encounterId);
    if (!open.ok) return open;
    const effective = input.effectiveAt ?? now;
    if (effective > now + MAX_FUTURE_SKEW_MS)
      return err(validationFailed('effectiveAt', 'effective time is in the future'));
    const seen = new Set<string>();
    const items: ObservationItem[] = [];
    for (const [i, reading] of input.readings.entries()) {
      if (seen.has(reading.key))
        return err(validationFailed(`readings.${i}.key`, `${reading.key} appears twice`));
      seen.add(reading.key);
      const item = toItem(ctx, reading, `readings.${i}`);
      if (!item.ok) return item;
      items.push(item.value);
    }
    return planned((stamp) => {
      rootArray(doc, 'observations').push([
        {
          enc: input.encounterId,
          eff: effective,
          src: toStoredSource(input.source),
          obs: items,
          ...stamp,
        },
      ]);
      return items.map((item) => item.id as ObservationId);
    });
  },
);

/**
 * Marks an observation entered-in-error (it stays in the record, marked, and
 * leaves latest values). Optionally records a replacement reading of the same
 * key in the same encounter, with the original's effective time. Allowed in
 * closed encounters: corrections are always possible.
 */
export const markEnteredInError = patientOp(
  'markEnteredInError',
  markEnteredInErrorSchema,
  ({ ctx, doc, input, scan }) => {
    const original = scan.observationsById.get(input.observationId);
    if (original === undefined)
      return err({ type: 'UnknownObservation', observationId: input.observationId });
    if (scan.errata.has(input.observationId))
      return err({ type: 'AlreadyEnteredInError', observationId: input.observationId });
    let replacement: ObservationItem | undefined;
    if (input.replacement !== undefined) {
      if (input.replacement.key !== original.key)
        return err(
          validationFailed(
            'replacement.key',
            `must be ${original.key}, the key of the observation replaced`,
          ),
        );
      const item = toItem(ctx, input.replacement, 'replacement');
      if (!item.ok) return item;
      replacement = item.value;
    }
    return planned((stamp) => {
      if (replacement !== undefined) {
        rootArray(doc, 'observations').push([
          {
            enc: original.enc,
            eff: original.eff,
            src: { k: 'typed' },
            obs: [replacement],
            ...stamp,
          },
        ]);
      }
      rootArray(doc, 'errata').push([
        {
          obs: input.observationId,
          why: input.reason,
          ...(replacement !== undefined && { rep: replacement.id }),
          ...stamp,
        },
      ]);
      return { replacementId: replacement?.id as ObservationId | undefined };
    });
  },
);

/** Index pairs that avoid splitting a UTF-16 surrogate pair. */
function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Sets an encounter note to `text` by applying the minimal single-range edit
 * (common prefix and suffix kept), so concurrent edits of different parts merge.
 */
export const setEncounterNote = patientOp(
  'setEncounterNote',
  setNoteSchema,
  ({ doc, input, scan }) => {
    const open = requireOpenEncounter(scan, input.encounterId);
    if (!open.ok) return open;
    const notes = rootMap(doc, 'notes');
    const existing = notes.get(input.encounterId);
    const current = existing instanceof Y.Text ? existing.toJSON() : '';
    const next = input.text;
    return planned(() => {
      if (current === next) return;
      let text: Y.Text;
      if (existing instanceof Y.Text) {
        text = existing;
      } else {
        // Only a damaged document lacks the note created by startEncounter.
        text = new Y.Text();
        notes.set(input.encounterId, text);
      }
      let prefix = 0;
      const maxPrefix = Math.min(current.length, next.length);
      while (prefix < maxPrefix && current[prefix] === next[prefix]) prefix++;
      if (prefix > 0 && (isLowSurrogate(current, prefix) || isLowSurrogate(next, prefix))) prefix--;
      let suffix = 0;
      const maxSuffix = maxPrefix - prefix;
      while (
        suffix < maxSuffix &&
        current[current.length - 1 - suffix] === next[next.length - 1 - suffix]
      )
        suffix++;
      if (
        suffix > 0 &&
        (isLowSurrogate(current, current.length - suffix) ||
          isLowSurrogate(next, next.length - suffix))
      )
        suffix--;
      const deleteCount = current.length - prefix - suffix;
      if (deleteCount > 0) text.delete(prefix, deleteCount);
      const insert = next.slice(prefix, next.length - suffix);
      if (insert.length > 0) text.insert(prefix, insert);
    });
  },
);

/**
 * Records the IMCI general danger sign checklist (for children 2 months–5 years;
 * not enforced here, as age may be unknown). Every sign must be answered.
 */
export const recordDangerSigns = patientOp(
  'recordDangerSigns',
  dangerSignsInputSchema,
  ({ ctx, doc, input, scan }) => {
    const open = requireOpenEncounter(scan, input.encounterId);
    if (!open.ok) return open;
    return planned((stamp) => {
      const id = ctx.ids.newId();
      const signs = Object.fromEntries(DANGER_SIGNS.map((sign) => [sign, input.signs[sign]]));
      rootArray(doc, 'dangerSigns').push([{ id, enc: input.encounterId, signs, ...stamp }]);
      return id;
    });
  },
);

/**
 * Attaches a risk score result (computed by shared/risk) to an encounter, with
 * its reasons and ruleset version, as opaque validated JSON. Returns its id.
 */
export const storeRiskAssessment = patientOp(
  'storeRiskAssessment',
  riskInputSchema,
  ({ ctx, doc, input, scan }) => {
    const open = requireOpenEncounter(scan, input.encounterId);
    if (!open.ok) return open;
    return planned((stamp) => {
      const id = ctx.ids.newId();
      rootArray(doc, 'risk').push([
        {
          id,
          enc: input.encounterId,
          score: input.score,
          ver: input.rulesetVersion,
          result: input.result,
          reasons: input.reasons,
          ...stamp,
        },
      ]);
      return id;
    });
  },
);
