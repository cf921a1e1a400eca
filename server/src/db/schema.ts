/**
 * The one PostgreSQL schema, shared by the embedded database (PGlite) and a real
 * PostgreSQL server. Migrations are generated from this file by drizzle-kit into
 * ../../drizzle and never edited once landed.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** Binary column: Yjs updates and states travel as they are, never base64. */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  // postgres-js hands back a Buffer, PGlite a Uint8Array: normalise to a plain Uint8Array.
  fromDriver: (value) => new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
});

export const districts = pgTable('districts', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});

export const clinics = pgTable('clinics', {
  id: uuid('id').primaryKey(),
  districtId: uuid('district_id')
    .notNull()
    .references(() => districts.id),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});

/** Server-wide facts: the instance id, when the demo seed ran, … */
export const serverMeta = pgTable('server_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});

// ---------------------------------------------------------------------------
// Record sync (SPEC S2–S14). The update log is the source of truth; documents
// and read models are derived from it in the same transaction as each append.

/**
 * Append-only log of every accepted Yjs update. `seq` is assigned under the
 * clinic's transaction-scoped advisory lock, so per clinic seq order = commit
 * order (S8). `(device_id, local_seq)` is a pushed update's idempotency key
 * (S3); live-channel updates have no local_seq.
 */
export const updateLog = pgTable(
  'update_log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    docId: text('doc_id').notNull(),
    clinicId: uuid('clinic_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    localSeq: bigint('local_seq', { mode: 'number' }),
    /** The Yjs client id the pushing tablet declared (S12); null on the live channel. */
    clientId: bigint('client_id', { mode: 'number' }),
    update: bytea('update').notNull(),
    deviceTime: timestamp('device_time', { withTimezone: true, mode: 'date' }),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .default(sql`now()`),
    userId: uuid('user_id'),
  },
  (table) => [
    uniqueIndex('update_log_device_local_seq')
      .on(table.deviceId, table.localSeq)
      .where(sql`${table.localSeq} is not null`),
    index('update_log_clinic_seq').on(table.clinicId, table.seq),
    index('update_log_doc_seq').on(table.docId, table.seq),
  ],
);

/** The compacted state of each document (all its accepted updates merged) and its home clinic. */
export const documents = pgTable(
  'documents',
  {
    docId: text('doc_id').primaryKey(),
    kind: text('kind').notNull(),
    /** The home clinic, fixed by the first accepted update and never changed (S7). */
    clinicId: uuid('clinic_id').notNull(),
    state: bytea('state').notNull(),
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [index('documents_clinic_doc').on(table.clinicId, table.docId)],
);

/** Read model: one row per patient document, rebuilt from readPatient on every accepted update. */
export const patients = pgTable(
  'patients',
  {
    docId: text('doc_id').primaryKey(),
    clinicId: uuid('clinic_id').notNull(),
    givenName: text('given_name'),
    familyName: text('family_name'),
    displayName: text('display_name').notNull(),
    village: text('village'),
    /** Current sex, or null when unknown or in conflict (see needs_review). */
    sex: text('sex'),
    birthDate: text('birth_date'),
    birthDateEstimated: boolean('birth_date_estimated'),
    phone: text('phone'),
    needsReview: boolean('needs_review').notNull(),
    /** Latest final observation per key: {key: {value, unit?, effectiveAt}}. */
    latestVitals: jsonb('latest_vitals').notNull(),
    encounterCount: integer('encounter_count').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [index('patients_clinic').on(table.clinicId, table.displayName)],
);

/**
 * Read model: every observation of every patient document. Keyed by (doc_id, id):
 * observation ids are UUIDs, but a hostile document could repeat another
 * document's id, and that must not make an unrelated push fail.
 */
export const observations = pgTable(
  'observations',
  {
    docId: text('doc_id').notNull(),
    id: text('id').notNull(),
    clinicId: uuid('clinic_id').notNull(),
    encounterId: text('encounter_id').notNull(),
    key: text('key').notNull(),
    system: text('system').notNull(),
    code: text('code').notNull(),
    valueNumber: doublePrecision('value_number'),
    /** Coded or boolean values as text (ACVPU letter, 'true'/'false'). */
    valueText: text('value_text'),
    unit: text('unit'),
    effectiveAt: timestamp('effective_at', { withTimezone: true, mode: 'date' }).notNull(),
    status: text('status').notNull(),
    sourceKind: text('source_kind').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.docId, table.id] }),
    index('observations_clinic_code').on(table.clinicId, table.code, table.effectiveAt),
  ],
);

/** Read model: one row per consult document, rebuilt from readConsult on every accepted update. */
export const consults = pgTable(
  'consults',
  {
    docId: text('doc_id').primaryKey(),
    clinicId: uuid('clinic_id').notNull(),
    patientDocId: text('patient_doc_id').notNull(),
    status: text('status').notNull(),
    priority: text('priority').notNull(),
    specialty: text('specialty'),
    assigneeUserId: uuid('assignee_user_id'),
    messageCount: integer('message_count').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [
    index('consults_clinic_status').on(table.clinicId, table.status),
    index('consults_queue').on(table.status, table.priority, table.createdAt),
  ],
);
