/**
 * Patient projection: a pure read of a patient document into a plain, typed
 * view for read models, search, UI and FHIR export. Deterministic: replicas
 * with the same document state produce deep-equal views (everything is ordered
 * by converged array positions or by (time, id), never by Y.Map insertion order).
 * Never throws: malformed entries are skipped and listed in `problems`.
 */
import * as Y from 'yjs';
import type { ClinicId, EncounterId, ObservationId, PatientId } from '../ids';
import { err, ok, type Result } from '../result';
import { fromStoredActor, type Actor, type Json } from './context';
import { patientDocId, type PatientDocId } from './docId';
import { CURRENT_SCHEMA_VERSION, readMeta, type DocMeta } from './document';
import type { DocumentProblem, InvalidDocument, WrongDocumentKind } from './errors';
import {
  ACVPU,
  ASSESSMENTS,
  isObservationKey,
  observationCoding,
  type Acvpu,
  type ObservationKey,
} from './readings';
import {
  PROFILE_FIELDS,
  dangerSignsEntrySchema,
  encounterEventSchema,
  errataEntrySchema,
  factEntrySchema,
  listFactValueSchemas,
  observationItemSchema,
  type ObservationItem,
  observationSetSchema,
  profileFieldSchemas,
  readEntries,
  riskEntrySchema,
  rootArray,
  rootMap,
  singleFactValueSchemas,
  type DangerSigns,
  type EncounterEvent,
  type ErrataEntry,
  type FactEntry,
  type Indexed,
  type ListFact,
  type Profile,
  type Sex,
  type SingleFact,
  type StoredSource,
} from './stored';
import { VITALS, isVitalKey } from './vitals';

// ---------------------------------------------------------------------------
// View types

/** A value together with who asserted it and when (device time). */
export interface Attributed<T> {
  readonly id: string;
  readonly value: T;
  readonly by: Actor;
  readonly at: number;
}

/**
 * The current state of a single-valued clinical fact. `conflict`: concurrent
 * assertions with different values, none superseding the other; the record
 * needs review until someone asserts a value (which supersedes all candidates).
 */
export type FactState<T> =
  | { readonly status: 'unknown' }
  | { readonly status: 'known'; readonly current: Attributed<T> }
  | { readonly status: 'conflict'; readonly candidates: readonly Attributed<T>[] };

export interface DateOfBirth {
  /** YYYY-MM-DD; when estimated, derived from the stated age on the day it was stated. */
  readonly date: string;
  readonly estimated: boolean;
  readonly statedAge?: { readonly years: number; readonly months?: number };
}

export interface Pregnancy {
  /** `postpartum`: she has given birth, on `deliveredOn`. */
  readonly status: 'pregnant' | 'not-pregnant' | 'unknown' | 'postpartum';
  /** Gestational age in whole weeks on the day of the assertion (its `at`). */
  readonly gestationalWeeks?: number;
  /** With `postpartum`: the day she gave birth (YYYY-MM-DD). */
  readonly deliveredOn?: string;
}

export interface Allergy {
  readonly name: string;
  readonly reaction?: string;
  readonly severity?: 'mild' | 'moderate' | 'severe';
}

export interface Condition {
  readonly name: string;
  readonly icd10?: string;
  readonly since?: string;
}

export interface ListItem<T> extends Attributed<T> {
  readonly resolution?: {
    readonly id: string;
    readonly reason?: string;
    readonly by: Actor;
    readonly at: number;
  };
}

/**
 * An allergy or condition list. Observed-remove semantics: a resolution removes
 * only the entry it names, so an entry added concurrently with a resolution
 * stays active; resolved entries are kept here, never dropped.
 */
export interface ListView<T> {
  readonly active: readonly ListItem<T>[];
  readonly resolved: readonly ListItem<T>[];
}

export type ObservationSource =
  | { readonly kind: 'typed' }
  | {
      readonly kind: 'device';
      readonly deviceId: string;
      readonly deviceName?: string;
      readonly deviceTime?: number;
    };

export interface ObservationView {
  readonly id: ObservationId;
  readonly encounterId: EncounterId;
  readonly key: ObservationKey;
  readonly system: string;
  readonly code: string;
  readonly display: string;
  /** Number in `unit` for vitals; ACVPU letter for consciousness; boolean for supplemental oxygen. */
  readonly value: number | boolean | string;
  /** UCUM unit of numeric values. */
  readonly unit?: string;
  /** LOINC answer code of coded values (consciousness). */
  readonly valueCode?: string;
  /** The value and unit as entered, when a unit conversion was applied. */
  readonly entered?: { readonly value: number; readonly unit: string };
  /** True when the value was outside the usual range and the health worker confirmed it. */
  readonly confirmedUnusual: boolean;
  readonly effectiveAt: number;
  readonly recordedAt: number;
  readonly recordedBy: Actor;
  readonly source: ObservationSource;
  readonly status: 'final' | 'entered-in-error';
  readonly error?: {
    readonly reason: string;
    readonly by: Actor;
    readonly at: number;
    readonly replacedBy?: ObservationId;
  };
}

export interface DangerSignsView {
  readonly id: string;
  readonly signs: DangerSigns;
  readonly anyPresent: boolean;
  readonly at: number;
  readonly by: Actor;
}

export interface RiskAssessmentView {
  readonly id: string;
  readonly encounterId: EncounterId;
  readonly score: string;
  readonly rulesetVersion: string;
  readonly result: Json;
  readonly reasons: readonly Json[];
  readonly at: number;
  readonly by: Actor;
}

export interface EncounterView {
  readonly id: EncounterId;
  readonly status: 'open' | 'closed';
  readonly reason?: string;
  readonly startedAt: number;
  readonly startedBy: Actor;
  readonly closedAt?: number;
  readonly closedBy?: Actor;
  /** In recording order; entered-in-error ones included (marked). */
  readonly observations: readonly ObservationView[];
  readonly note: string;
  /** The most recent checklist (by device time, then position); earlier ones in `dangerSignsHistory`. */
  readonly dangerSigns: DangerSignsView | null;
  readonly dangerSignsHistory: readonly DangerSignsView[];
  readonly riskAssessments: readonly RiskAssessmentView[];
}

export interface ReviewReason {
  readonly field: 'sex' | 'dateOfBirth' | 'pregnancy';
  readonly message: string;
}

export interface PatientView {
  readonly docId: PatientDocId;
  readonly id: PatientId;
  readonly homeClinicId: ClinicId;
  readonly createdAt: number;
  readonly createdBy: Actor;
  readonly schemaVersion: number;
  readonly profile: Profile;
  readonly sex: FactState<Sex>;
  readonly dateOfBirth: FactState<DateOfBirth>;
  readonly pregnancy: FactState<Pregnancy>;
  readonly allergies: ListView<Allergy>;
  readonly conditions: ListView<Condition>;
  /** True while any clinical fact is in conflict; `reviewReasons` says which. */
  readonly needsReview: boolean;
  readonly reviewReasons: readonly ReviewReason[];
  /** In start order (converged array order). */
  readonly encounters: readonly EncounterView[];
  /** Latest final (not entered-in-error) observation per key, by effective time. */
  readonly latest: { readonly [K in ObservationKey]?: ObservationView };
  /** Observations whose encounter is not (yet) in this replica; normally empty. */
  readonly unfiledObservations: readonly ObservationView[];
  /** Entries skipped as malformed, and other anomalies. Empty for well-behaved documents. */
  readonly problems: readonly DocumentProblem[];
}

// ---------------------------------------------------------------------------
// Scan: parse every root once; shared by projections and by operations.

export interface ObservationRecord {
  readonly id: string;
  readonly key: ObservationKey;
  readonly value: number | boolean | string;
  readonly unit?: string;
  readonly confirmed: boolean;
  readonly entered?: { readonly value: number; readonly unit: string };
  readonly enc: string;
  readonly eff: number;
  readonly at: number;
  readonly by: Actor;
  readonly src: StoredSource;
  /** (set index, item index): a total, replica-independent order. */
  readonly order: readonly [number, number];
}

export interface EncounterRecord {
  readonly start: Indexed<EncounterEvent>;
  readonly close?: Indexed<EncounterEvent>;
}

export interface PatientScan {
  readonly meta: DocMeta;
  readonly problems: DocumentProblem[];
  readonly facts: ReadonlyArray<Indexed<FactEntry>>;
  readonly encounters: ReadonlyMap<string, EncounterRecord>;
  readonly observations: readonly ObservationRecord[];
  readonly observationsById: ReadonlyMap<string, ObservationRecord>;
  /** The first errata entry per observation id (later ones are redundant). */
  readonly errata: ReadonlyMap<string, ErrataEntry>;
  readonly dangerSigns: ReadonlyArray<
    Indexed<{
      id: string;
      enc: string;
      signs: DangerSigns;
      at: number;
      by: { u: string; d: string };
    }>
  >;
  readonly risk: ReadonlyArray<
    Indexed<{
      id: string;
      enc: string;
      score: string;
      ver: string;
      result: Json;
      reasons: Json[];
      at: number;
      by: { u: string; d: string };
    }>
  >;
}

type CheckedItem = { readonly problem: string } | { readonly item: ObservationItemView };
type ObservationItemView = ObservationItem & { k: ObservationKey };

/**
 * Observation items, like entries (stored.ts `readEntries`), are immutable:
 * each item object of a document is checked once, not on every read.
 */
const checkedItems = new WeakMap<object, CheckedItem>();

function checkObservationItem(raw: unknown, path: string, problems: DocumentProblem[]) {
  const cacheable = typeof raw === 'object' && raw !== null;
  let checked = cacheable ? checkedItems.get(raw) : undefined;
  if (checked === undefined) {
    checked = checkItem(raw);
    if (cacheable) checkedItems.set(raw, checked);
  }
  if ('problem' in checked) {
    problems.push({ path, message: checked.problem });
    return undefined;
  }
  return checked.item;
}

function checkItem(raw: unknown): CheckedItem {
  const parsed = observationItemSchema.safeParse(raw);
  if (!parsed.success) return { problem: 'malformed observation item' };
  const item = parsed.data;
  if (!isObservationKey(item.k)) return { problem: `unknown observation key ${item.k}` };
  if (isVitalKey(item.k)) {
    const vital = VITALS[item.k];
    if (typeof item.v !== 'number' || !Number.isFinite(item.v) || item.u !== vital.ucum)
      return { problem: `${item.k} must be a number in ${vital.ucum}` };
    if (item.v < vital.possible[0] || item.v > vital.possible[1])
      return { problem: `${item.k} ${item.v} outside possible range` };
  } else if (item.k === 'consciousness') {
    if (typeof item.v !== 'string' || !(ACVPU as readonly string[]).includes(item.v))
      return { problem: 'consciousness must be one of A, C, V, P, U' };
  } else if (typeof item.v !== 'boolean') {
    return { problem: `${item.k} must be a boolean` };
  }
  return { item: { ...item, k: item.k } };
}

/** Parses a patient document. Err only when `meta` is missing/garbled or of another kind. */
export function scanPatient(doc: Y.Doc): Result<PatientScan, WrongDocumentKind | InvalidDocument> {
  const meta = readMeta(doc);
  if (!meta.ok) return meta;
  if (meta.value.kind !== 'patient')
    return err({ type: 'WrongDocumentKind', expected: 'patient', actual: meta.value.kind });
  const problems: DocumentProblem[] = [];
  if (meta.value.schemaVersion > CURRENT_SCHEMA_VERSION) {
    problems.push({
      path: 'meta.schemaVersion',
      message: `written by schema version ${meta.value.schemaVersion}; read best-effort by version ${CURRENT_SCHEMA_VERSION}`,
    });
  }

  const facts = readEntries(rootArray(doc, 'facts'), factEntrySchema, 'facts', problems);

  const encounters = new Map<
    string,
    { start: Indexed<EncounterEvent>; close?: Indexed<EncounterEvent> }
  >();
  const closes = new Map<string, Indexed<EncounterEvent>>();
  for (const event of readEntries(
    rootArray(doc, 'encounters'),
    encounterEventSchema,
    'encounters',
    problems,
  )) {
    const { enc, t } = event.entry;
    if (t === 'start') {
      if (encounters.has(enc))
        problems.push({
          path: `encounters[${event.index}]`,
          message: `encounter ${enc} started twice`,
        });
      else encounters.set(enc, { start: event });
    } else if (!closes.has(enc)) {
      closes.set(enc, event);
    }
  }
  for (const [enc, close] of closes) {
    const record = encounters.get(enc);
    if (record !== undefined) record.close = close;
  }

  const observations: ObservationRecord[] = [];
  const observationsById = new Map<string, ObservationRecord>();
  for (const set of readEntries(
    rootArray(doc, 'observations'),
    observationSetSchema,
    'observations',
    problems,
  )) {
    set.entry.obs.forEach((raw, itemIndex) => {
      const path = `observations[${set.index}].obs[${itemIndex}]`;
      const item = checkObservationItem(raw, path, problems);
      if (item === undefined) return;
      if (observationsById.has(item.id)) {
        problems.push({ path, message: `duplicate observation id ${item.id}` });
        return;
      }
      const record: ObservationRecord = {
        id: item.id,
        key: item.k,
        value: item.v,
        ...(item.u !== undefined && { unit: item.u }),
        confirmed: item.cf === true,
        ...(item.in !== undefined && { entered: { value: item.in.v, unit: item.in.u } }),
        enc: set.entry.enc,
        eff: set.entry.eff,
        at: set.entry.at,
        by: fromStoredActor(set.entry.by),
        src: set.entry.src,
        order: [set.index, itemIndex],
      };
      observations.push(record);
      observationsById.set(record.id, record);
    });
  }

  const errata = new Map<string, ErrataEntry>();
  for (const { entry } of readEntries(
    rootArray(doc, 'errata'),
    errataEntrySchema,
    'errata',
    problems,
  )) {
    // A second marking of the same observation (e.g. concurrent) is redundant; the first counts.
    if (!errata.has(entry.obs)) errata.set(entry.obs, entry);
  }

  const dangerSigns = readEntries(
    rootArray(doc, 'dangerSigns'),
    dangerSignsEntrySchema,
    'dangerSigns',
    problems,
  );
  const risk = readEntries(rootArray(doc, 'risk'), riskEntrySchema, 'risk', problems);

  return ok({
    meta: meta.value,
    problems,
    facts,
    encounters,
    observations,
    observationsById,
    errata,
    dangerSigns,
    risk,
  });
}

// ---------------------------------------------------------------------------
// Fact projections

type SetFactEntry = Extract<FactEntry, { op: 'set' }>;

const byTimeThenId = (a: { at: number; id: string }, b: { at: number; id: string }) =>
  a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Heads of a single-valued fact: its assertions not superseded by a later one.
 * A supersession counts only toward an entry earlier in the array: an honest
 * author only supersedes what it saw, which Yjs always keeps to the left of the
 * new entry, so forward or cyclic references (hostile) are ignored.
 */
export function factHeads(
  scan: PatientScan,
  field: SingleFact,
): Array<Indexed<SetFactEntry> & { value: unknown }> {
  const entries: Array<Indexed<SetFactEntry> & { value: unknown }> = [];
  for (const indexed of scan.facts) {
    const { entry } = indexed;
    if (entry.op !== 'set' || entry.f !== field) continue;
    const value = singleFactValueSchemas[field].safeParse(entry.v);
    if (!value.success) {
      scan.problems.push({ path: `facts[${indexed.index}]`, message: `malformed ${field} value` });
      continue;
    }
    entries.push({ entry, index: indexed.index, value: value.data });
  }
  const position = new Map(entries.map((e) => [e.entry.id, e.index]));
  const superseded = new Set<string>();
  for (const { entry, index } of entries) {
    for (const id of entry.sup) {
      const target = position.get(id);
      if (target !== undefined && target < index) superseded.add(id);
    }
  }
  return entries.filter((e) => !superseded.has(e.entry.id));
}

function projectFact<T>(
  scan: PatientScan,
  field: SingleFact,
  toView: (value: never) => T,
): FactState<T> {
  const heads = factHeads(scan, field)
    .map(({ entry, value }) => ({
      id: entry.id,
      value: toView(value as never),
      by: fromStoredActor(entry.by),
      at: entry.at,
    }))
    .sort(byTimeThenId);
  const last = heads[heads.length - 1];
  if (last === undefined) return { status: 'unknown' };
  const distinct = new Set(heads.map((head) => JSON.stringify(head.value)));
  // Concurrent assertions of the same value agree: no clinical conflict.
  if (distinct.size === 1) return { status: 'known', current: last };
  return { status: 'conflict', candidates: heads };
}

const dobToView = (value: {
  date: string;
  est: boolean;
  age?: { y: number; m?: number };
}): DateOfBirth => ({
  date: value.date,
  estimated: value.est,
  ...(value.age !== undefined && {
    statedAge: { years: value.age.y, ...(value.age.m !== undefined && { months: value.age.m }) },
  }),
});

const pregnancyToView = (value: {
  status: Pregnancy['status'];
  weeks?: number;
  deliveredOn?: string;
}): Pregnancy => ({
  status: value.status,
  ...(value.weeks !== undefined && { gestationalWeeks: value.weeks }),
  ...(value.deliveredOn !== undefined && { deliveredOn: value.deliveredOn }),
});

function stripUnknown<T extends object>(value: T, keys: readonly (keyof T)[]): T {
  const out: Partial<T> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out as T;
}

function projectList<T extends object>(
  scan: PatientScan,
  field: ListFact,
  keys: readonly (keyof T)[],
): ListView<T> {
  const adds = new Map<string, { item: ListItem<T>; index: number }>();
  const order: string[] = [];
  const resolutions = new Map<string, NonNullable<ListItem<T>['resolution']>>();
  for (const { entry, index } of scan.facts) {
    if (entry.f !== field) continue;
    if (entry.op === 'add') {
      const value = listFactValueSchemas[field].safeParse(entry.v);
      if (!value.success) {
        scan.problems.push({ path: `facts[${index}]`, message: `malformed ${field} value` });
        continue;
      }
      adds.set(entry.id, {
        item: {
          id: entry.id,
          value: stripUnknown(value.data as T, keys),
          by: fromStoredActor(entry.by),
          at: entry.at,
        },
        index,
      });
      order.push(entry.id);
    } else if (entry.op === 'resolve') {
      const target = adds.get(entry.ref);
      // Only an earlier add can be resolved (see factHeads); the first resolution counts.
      if (target === undefined || target.index > index || resolutions.has(entry.ref)) continue;
      resolutions.set(entry.ref, {
        id: entry.id,
        ...(entry.why !== undefined && { reason: entry.why }),
        by: fromStoredActor(entry.by),
        at: entry.at,
      });
    }
  }
  const active: ListItem<T>[] = [];
  const resolved: ListItem<T>[] = [];
  for (const id of order) {
    const { item } = adds.get(id)!;
    const resolution = resolutions.get(id);
    if (resolution === undefined) active.push(item);
    else resolved.push({ ...item, resolution });
  }
  return { active, resolved };
}

// ---------------------------------------------------------------------------
// Observations and encounters

function sourceToView(src: StoredSource): ObservationSource {
  if (src.k === 'typed') return { kind: 'typed' };
  return {
    kind: 'device',
    deviceId: src.id,
    ...(src.name !== undefined && { deviceName: src.name }),
    ...(src.time !== undefined && { deviceTime: src.time }),
  };
}

function observationToView(
  record: ObservationRecord,
  errata: ReadonlyMap<string, ErrataEntry>,
): ObservationView {
  const coding = observationCoding(record.key);
  const error = errata.get(record.id);
  return {
    id: record.id as ObservationId,
    encounterId: record.enc as EncounterId,
    key: record.key,
    ...coding,
    value: record.value,
    ...(record.unit !== undefined && { unit: record.unit }),
    ...(record.key === 'consciousness' && {
      valueCode: ASSESSMENTS.consciousness.answers[record.value as Acvpu].code,
    }),
    ...(record.entered !== undefined && { entered: record.entered }),
    confirmedUnusual: record.confirmed,
    effectiveAt: record.eff,
    recordedAt: record.at,
    recordedBy: record.by,
    source: sourceToView(record.src),
    status: error === undefined ? 'final' : 'entered-in-error',
    ...(error !== undefined && {
      error: {
        reason: error.why,
        by: fromStoredActor(error.by),
        at: error.at,
        ...(error.rep !== undefined && { replacedBy: error.rep as ObservationId }),
      },
    }),
  };
}

function readNote(doc: Y.Doc, encounterId: string, problems: DocumentProblem[]): string {
  const value = rootMap(doc, 'notes').get(encounterId);
  if (value === undefined) return '';
  if (value instanceof Y.Text) return value.toJSON();
  problems.push({ path: `notes.${encounterId}`, message: 'note is not a Y.Text' });
  return '';
}

function readProfile(doc: Y.Doc, problems: DocumentProblem[]): Profile {
  const map = rootMap(doc, 'profile');
  const profile: Record<string, unknown> = {};
  for (const field of PROFILE_FIELDS) {
    const raw = map.get(field);
    if (raw === undefined) continue;
    const parsed = profileFieldSchemas[field].safeParse(raw);
    if (!parsed.success) {
      problems.push({ path: `profile.${field}`, message: 'malformed profile value' });
      continue;
    }
    const value: unknown = parsed.data;
    profile[field] =
      field === 'guardian'
        ? stripUnknown(value as Record<string, unknown>, ['name', 'relationship', 'phone'])
        : value;
  }
  return profile;
}

/** Projects a scanned patient document. */
export function projectPatient(doc: Y.Doc, scan: PatientScan): PatientView {
  const { meta, problems } = scan;
  const sex = projectFact<Sex>(scan, 'sex', (value: Sex) => value);
  const dateOfBirth = projectFact(scan, 'dob', dobToView);
  const pregnancy = projectFact(scan, 'pregnancy', pregnancyToView);
  const reviewReasons: ReviewReason[] = [];
  const conflictReason = (field: ReviewReason['field'], state: FactState<unknown>) => {
    if (state.status === 'conflict')
      reviewReasons.push({
        field,
        message: `${state.candidates.length} concurrent assertions disagree`,
      });
  };
  conflictReason('sex', sex);
  conflictReason('dateOfBirth', dateOfBirth);
  conflictReason('pregnancy', pregnancy);

  const views = scan.observations.map((record) => observationToView(record, scan.errata));
  const byEncounter = new Map<string, ObservationView[]>();
  const unfiled: ObservationView[] = [];
  const latest: { [K in ObservationKey]?: ObservationView } = {};
  const latestOrder = new Map<ObservationKey, readonly [number, number]>();
  views.forEach((view, i) => {
    const record = scan.observations[i]!;
    if (scan.encounters.has(view.encounterId)) {
      const list = byEncounter.get(view.encounterId) ?? [];
      list.push(view);
      byEncounter.set(view.encounterId, list);
    } else {
      unfiled.push(view);
    }
    if (view.status !== 'final') return;
    const current = latest[view.key];
    const currentOrder = latestOrder.get(view.key);
    // Later effective time wins; equal times: the later position (deterministic on every replica).
    const newer =
      current === undefined ||
      currentOrder === undefined ||
      view.effectiveAt > current.effectiveAt ||
      (view.effectiveAt === current.effectiveAt &&
        (record.order[0] > currentOrder[0] ||
          (record.order[0] === currentOrder[0] && record.order[1] > currentOrder[1])));
    if (newer) {
      latest[view.key] = view;
      latestOrder.set(view.key, record.order);
    }
  });

  const dangerByEncounter = new Map<string, Array<{ view: DangerSignsView; index: number }>>();
  for (const { entry, index } of scan.dangerSigns) {
    const list = dangerByEncounter.get(entry.enc) ?? [];
    list.push({
      view: {
        id: entry.id,
        signs: entry.signs,
        anyPresent: Object.values(entry.signs).some(Boolean),
        at: entry.at,
        by: fromStoredActor(entry.by),
      },
      index,
    });
    dangerByEncounter.set(entry.enc, list);
  }
  const riskByEncounter = new Map<string, RiskAssessmentView[]>();
  for (const { entry } of scan.risk) {
    const list = riskByEncounter.get(entry.enc) ?? [];
    list.push({
      id: entry.id,
      encounterId: entry.enc as EncounterId,
      score: entry.score,
      rulesetVersion: entry.ver,
      result: entry.result,
      reasons: entry.reasons,
      at: entry.at,
      by: fromStoredActor(entry.by),
    });
    riskByEncounter.set(entry.enc, list);
  }

  const encounters = [...scan.encounters.entries()]
    .sort(([, a], [, b]) => a.start.index - b.start.index)
    .map(([id, record]): EncounterView => {
      const checklists = (dangerByEncounter.get(id) ?? [])
        .sort((a, b) => a.view.at - b.view.at || a.index - b.index)
        .map((c) => c.view);
      const { start, close } = record;
      return {
        id: id as EncounterId,
        status: close === undefined ? 'open' : 'closed',
        ...(start.entry.reason !== undefined && { reason: start.entry.reason }),
        startedAt: start.entry.at,
        startedBy: fromStoredActor(start.entry.by),
        ...(close !== undefined && {
          closedAt: close.entry.at,
          closedBy: fromStoredActor(close.entry.by),
        }),
        observations: byEncounter.get(id) ?? [],
        note: readNote(doc, id, problems),
        dangerSigns: checklists[checklists.length - 1] ?? null,
        dangerSignsHistory: checklists.slice(0, -1),
        riskAssessments: riskByEncounter.get(id) ?? [],
      };
    });

  const allergies = projectList<Allergy>(scan, 'allergy', ['name', 'reaction', 'severity']);
  const conditions = projectList<Condition>(scan, 'condition', ['name', 'icd10', 'since']);
  const profile = readProfile(doc, problems);

  return {
    docId: patientDocId(meta.id as PatientId),
    id: meta.id as PatientId,
    homeClinicId: meta.homeClinicId,
    createdAt: meta.createdAt,
    createdBy: meta.createdBy,
    schemaVersion: meta.schemaVersion,
    profile,
    sex,
    dateOfBirth,
    pregnancy,
    allergies,
    conditions,
    needsReview: reviewReasons.length > 0,
    reviewReasons,
    encounters,
    latest,
    unfiledObservations: unfiled,
    problems,
  };
}

/**
 * Reads a patient document into a `PatientView`. Err only when the document
 * has no valid `meta` or is not a patient document; otherwise never fails.
 */
export function readPatient(doc: Y.Doc): Result<PatientView, WrongDocumentKind | InvalidDocument> {
  const scan = scanPatient(doc);
  if (!scan.ok) return scan;
  return ok(projectPatient(doc, scan.value));
}
