/**
 * A deterministic demo / benchmark workload: a whole clinic of records written
 * through the real domain operations, and a "clinic day" of new work on top.
 * Pure: the randomness is a seeded PRNG, the clock a manual one, the ids seeded
 * UUIDv7, so the same options always give byte-identical documents and updates.
 *
 * EVERY NAME HERE IS INVENTED. Given and family names are made-up syllable
 * combinations and villages are fictional places; no real person or patient
 * data is used or derived. Clinical values are plausible but random.
 *
 * Shape (defaults): 2,000 patients, each with ~3 encounters of 6 vitals; 5 % of
 * patients have a consult with 3 messages. A clinic day: 40 new patients, 120
 * new encounters with vitals, 10 new consults, 30 profile edits.
 */
import * as Y from 'yjs';
import { createManualClock } from '../deps';
import { createSeededIds, type DeviceId, type UserId } from '../ids';
import { getOrThrow } from '../result';
import { changeConsultStatus, createConsult, postConsultMessage } from './consult';
import type { OpContext } from './context';
import type { DocKind } from './document';
import { seededRandom } from './fixtures';
import {
  closeEncounter,
  createPatient,
  recordVitals,
  startEncounter,
  updateProfile,
  type ReadingInput,
} from './patient';
import type { Sex } from './stored';

export interface WorkloadOptions {
  readonly clinicId: string;
  readonly seed?: number;
  /** Default 2,000. */
  readonly patients?: number;
  /** Mean encounters per patient (1..2×mean−1, uniformly), default 3. */
  readonly encountersPerPatient?: number;
  /** Share of patients with a consult, default 0.05. */
  readonly consultShare?: number;
  /** Clock start (epoch ms) of the first record; default 2025-01-06T07:00Z. */
  readonly startMs?: number;
  /** The authoring tablet: one Yjs client id and one actor for everything. */
  readonly clientId?: number;
  readonly userId?: string;
  readonly deviceId?: string;
}

export interface WorkloadRecord {
  readonly docId: string;
  readonly kind: DocKind;
  /** The record as the authoring tablet holds it (its client id is the workload's). */
  readonly doc: Y.Doc;
}

/** One Yjs update as a tablet's outbox would hold it (one domain operation). */
export interface WorkloadChange {
  readonly docId: string;
  readonly update: Uint8Array;
  /** Device time of the operation (epoch ms). */
  readonly at: number;
}

export interface ClinicWorkload {
  readonly clinicId: string;
  /** Patients first (in creation order), then consults; grows with each clinic day. */
  readonly records: WorkloadRecord[];
  /** Every update, in the order made; grows with each clinic day. */
  readonly changes: WorkloadChange[];
  /** Continue authoring (clinic days) with the same clock, ids and randomness. */
  readonly ctx: OpContext & { readonly clock: ReturnType<typeof createManualClock> };
  readonly random: () => number;
  readonly clientId: number;
}

export interface ClinicDayOptions {
  readonly newPatients?: number;
  readonly newEncounters?: number;
  readonly newConsults?: number;
  readonly profileEdits?: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const DEFAULT_START_MS = Date.UTC(2025, 0, 6, 7, 0, 0);
const WORKLOAD_USER = '01940000-0000-7000-8000-00000000a5e1';
const WORKLOAD_DEVICE = '01940000-0000-7000-8000-00000000de75';

// Invented syllables and places (fictional).
const GIVEN_START = [
  'Ama',
  'Bek',
  'Chi',
  'Dal',
  'Eno',
  'Fai',
  'Gor',
  'Hal',
  'Ilo',
  'Jen',
  'Kor',
  'Lum',
];
const GIVEN_END = ['ra', 'ni', 'to', 'la', 'mo', 'si', 'ku', 'dee', 'fa', 'ren'];
const FAMILY_START = ['Zan', 'Kil', 'Mor', 'Tes', 'Vul', 'Pim', 'Quo', 'Rast', 'Sul', 'Wob'];
const FAMILY_END = ['obi', 'varo', 'enko', 'udu', 'ama', 'ifa', 'otto', 'ezi'];
const VILLAGES = [
  'Fictionville',
  'Makeupton',
  'Imaginara',
  'Notreal Hill',
  'Pretendia',
  'Dreamwell',
];
const REASONS = ['Routine check', 'Fever', 'Cough', 'Blood pressure review', 'Antenatal visit'];
const MESSAGES = [
  'Vitals attached; patient is stable at the moment.',
  'Please advise on next steps.',
  'Thank you, we will follow this plan.',
];

export function generateClinicWorkload(options: WorkloadOptions): ClinicWorkload {
  const random = seededRandom(options.seed ?? 1);
  const clock = createManualClock(options.startMs ?? DEFAULT_START_MS);
  const ctx = {
    actor: {
      userId: (options.userId ?? WORKLOAD_USER) as UserId,
      deviceId: (options.deviceId ?? WORKLOAD_DEVICE) as DeviceId,
    },
    clock,
    ids: createSeededIds(() => clock.now(), random),
  };
  const workload: ClinicWorkload = {
    clinicId: options.clinicId,
    records: [],
    changes: [],
    ctx,
    random,
    clientId: options.clientId ?? 1 + Math.floor(random() * 0x7fff_fffe),
  };
  const patientCount = options.patients ?? 2_000;
  const meanEncounters = options.encountersPerPatient ?? 3;
  const consultShare = options.consultShare ?? 0.05;
  const patients: WorkloadRecord[] = [];
  for (let index = 0; index < patientCount; index++) {
    const patient = addPatient(workload);
    patients.push(patient);
    const encounters = 1 + Math.floor(random() * (2 * meanEncounters - 1));
    for (let visit = 0; visit < encounters; visit++) addEncounter(workload, patient);
    clock.advance(Math.floor(random() * 30) * MINUTE_MS);
  }
  const consultCount = Math.round(patientCount * consultShare);
  for (let index = 0; index < consultCount; index++) {
    const patient = patients[Math.floor((index * patientCount) / Math.max(consultCount, 1))]!;
    addConsult(workload, patient, MESSAGES.length);
  }
  return workload;
}

/**
 * One day of clinic work on top of the workload (mutates it); returns that
 * day's changes in the order made. Deterministic for a given workload.
 */
export function generateClinicDay(
  workload: ClinicWorkload,
  options: ClinicDayOptions = {},
): WorkloadChange[] {
  const first = workload.changes.length;
  const { ctx, random } = workload;
  const existing = workload.records.filter((record) => record.kind === 'patient');
  const pick = () => existing[Math.floor(random() * existing.length)]!;
  ctx.clock.advance(DAY_MS);
  for (let index = 0; index < (options.newPatients ?? 40); index++) {
    const patient = addPatient(workload);
    addEncounter(workload, patient);
  }
  if (existing.length > 0) {
    for (let index = 0; index < (options.newEncounters ?? 120); index++)
      addEncounter(workload, pick());
    for (let index = 0; index < (options.newConsults ?? 10); index++)
      addConsult(workload, pick(), 1);
    for (let index = 0; index < (options.profileEdits ?? 30); index++) {
      const patient = pick();
      run(workload, patient, () =>
        getOrThrow(
          updateProfile(patient.doc, ctx, {
            village: choose(random, VITALS_VILLAGE_EDITS),
            phone: phoneNumber(random),
          }),
        ),
      );
    }
  }
  return workload.changes.slice(first);
}

const VITALS_VILLAGE_EDITS = [...VILLAGES, 'Moved Away (fictional)'];

function choose<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function between(random: () => number, min: number, max: number, decimals = 0): number {
  const factor = 10 ** decimals;
  return Math.round((min + random() * (max - min)) * factor) / factor;
}

function phoneNumber(random: () => number): string {
  return `+255 7${String(Math.floor(random() * 100)).padStart(2, '0')} ${String(Math.floor(random() * 1_000_000)).padStart(6, '0')}`;
}

/** Runs one domain operation on a record and records the update it made. */
function run(workload: ClinicWorkload, record: WorkloadRecord, operation: () => void): void {
  const at = workload.ctx.clock.now();
  const updates: Uint8Array[] = [];
  const listener = (update: Uint8Array) => updates.push(update);
  record.doc.on('update', listener);
  try {
    operation();
  } finally {
    record.doc.off('update', listener);
  }
  for (const update of updates) workload.changes.push({ docId: record.docId, update, at });
  workload.ctx.clock.advance(MINUTE_MS);
}

function newDoc(workload: ClinicWorkload): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = workload.clientId;
  return doc;
}

function addPatient(workload: ClinicWorkload): WorkloadRecord {
  const { ctx, random } = workload;
  const doc = newDoc(workload);
  const sex: Sex = random() < 0.52 ? 'female' : 'male';
  const at = ctx.clock.now();
  const updates: Uint8Array[] = [];
  const collect = (update: Uint8Array) => updates.push(update);
  doc.on('update', collect);
  const id = getOrThrow(
    createPatient(doc, ctx, {
      homeClinicId: workload.clinicId,
      profile: {
        givenName: choose(random, GIVEN_START) + choose(random, GIVEN_END),
        familyName: choose(random, FAMILY_START) + choose(random, FAMILY_END),
        village: choose(random, VILLAGES),
        ...(random() < 0.6 && { phone: phoneNumber(random) }),
      },
      sex,
      dateOfBirth: { ageYears: Math.floor(random() * 85) },
    }),
  );
  doc.off('update', collect);
  const record: WorkloadRecord = { docId: `patient/${id}`, kind: 'patient', doc };
  workload.records.push(record);
  workload.changes.push({ docId: record.docId, update: Y.mergeUpdates(updates), at });
  ctx.clock.advance(MINUTE_MS);
  return record;
}

function addEncounter(workload: ClinicWorkload, patient: WorkloadRecord): void {
  const { ctx, random } = workload;
  ctx.clock.advance(Math.floor(random() * 120) * MINUTE_MS);
  let encounterId = '';
  run(workload, patient, () => {
    encounterId = getOrThrow(startEncounter(patient.doc, ctx, { reason: choose(random, REASONS) }));
  });
  const readings: ReadingInput[] = [
    { key: 'heartRate', value: between(random, 55, 115) },
    { key: 'respiratoryRate', value: between(random, 12, 26) },
    { key: 'spo2', value: between(random, 92, 100) },
    { key: 'systolicBP', value: between(random, 95, 165) },
    { key: 'diastolicBP', value: between(random, 55, 95) },
    { key: 'temperature', value: between(random, 36, 38.9, 1) },
  ];
  run(workload, patient, () =>
    getOrThrow(
      recordVitals(patient.doc, ctx, { encounterId, source: { kind: 'typed' }, readings }),
    ),
  );
  run(workload, patient, () => getOrThrow(closeEncounter(patient.doc, ctx, { encounterId })));
}

function addConsult(workload: ClinicWorkload, patient: WorkloadRecord, messages: number): void {
  const { ctx, random } = workload;
  const doc = newDoc(workload);
  const patientId = patient.docId.slice('patient/'.length);
  const at = ctx.clock.now();
  const updates: Uint8Array[] = [];
  const collect = (update: Uint8Array) => updates.push(update);
  doc.on('update', collect);
  const id = getOrThrow(
    createConsult(doc, ctx, {
      homeClinicId: workload.clinicId,
      patientId,
      priority: choose(random, ['routine', 'urgent', 'emergency'] as const),
      routing: {
        kind: 'specialty',
        specialty: choose(random, ['cardiology', 'paediatrics', 'obstetrics']),
      },
      question: 'Fictional demo question: please review the attached vitals.',
      snapshot: { summary: 'Fictional demo patient', patientId },
    }),
  );
  doc.off('update', collect);
  const record: WorkloadRecord = { docId: `consult/${id}`, kind: 'consult', doc };
  workload.records.push(record);
  workload.changes.push({ docId: record.docId, update: Y.mergeUpdates(updates), at });
  ctx.clock.advance(MINUTE_MS);
  run(workload, record, () => getOrThrow(changeConsultStatus(doc, ctx, { to: 'sent' })));
  for (let index = 0; index < messages; index++) {
    run(workload, record, () =>
      getOrThrow(postConsultMessage(doc, ctx, { text: MESSAGES[index % MESSAGES.length]! })),
    );
  }
}
