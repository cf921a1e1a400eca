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
  smallint,
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

/**
 * Read model: one row per consult document, rebuilt from readConsult on every
 * accepted update; it backs the specialist queue (docs/consults.md).
 *
 * Queue order is ascending on (priority_rank, waiting_since, doc_id): most
 * urgent first, then longest waiting, then id, so keyset paging is a plain row
 * comparison that the `*_queue` indexes serve as a range bound.
 */
export const consults = pgTable(
  'consults',
  {
    docId: text('doc_id').primaryKey(),
    clinicId: uuid('clinic_id').notNull(),
    /** The home clinic's district (district admins' scope). Null only for rows older than migration 0003. */
    districtId: uuid('district_id'),
    patientDocId: text('patient_doc_id').notNull(),
    status: text('status').notNull(),
    priority: text('priority').notNull(),
    /** 0 emergency, 1 urgent, 2 routine: ascending is most urgent first. */
    priorityRank: smallint('priority_rank').notNull().default(2),
    specialty: text('specialty'),
    assigneeUserId: uuid('assignee_user_id'),
    messageCount: integer('message_count').notNull(),
    /** The first `sent` transition (the sender's clock). */
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    /** The server's latest `received` transition (server clock). */
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }),
    /**
     * Since when the specialist side owes an answer: the server's `received` time
     * of the latest sending (server clock), else the latest `sent`, else creation.
     */
    waitingSince: timestamp('waiting_since', { withTimezone: true, mode: 'date' }).notNull(),
    /** The latest `answered` transition. */
    answeredAt: timestamp('answered_at', { withTimezone: true, mode: 'date' }),
    /** The latest transition or message (authors' clocks, never later than the server's). */
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true, mode: 'date' }),
    /** waiting_since + the priority's answer limit while the specialist side owes an answer, else null. */
    answerDueAt: timestamp('answer_due_at', { withTimezone: true, mode: 'date' }),
    /** From the frozen snapshot: never a name, a date of birth or anything identifying. */
    patientAgeYears: integer('patient_age_years'),
    patientAgeMonths: integer('patient_age_months'),
    patientSex: text('patient_sex'),
    /** The question's first characters (the queue shows no more). */
    questionExcerpt: text('question_excerpt').notNull().default(''),
    /** Distinct photos the consult references (messages and snapshot). */
    photoCount: integer('photo_count').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [
    index('consults_clinic_status').on(table.clinicId, table.status),
    index('consults_queue').on(table.priorityRank, table.waitingSince, table.docId),
    index('consults_clinic_queue').on(
      table.clinicId,
      table.priorityRank,
      table.waitingSince,
      table.docId,
    ),
    index('consults_district_queue').on(
      table.districtId,
      table.priorityRank,
      table.waitingSince,
      table.docId,
    ),
    index('consults_district_due')
      .on(table.districtId, table.answerDueAt)
      .where(sql`${table.answerDueAt} is not null`),
  ],
);

/** Read model: which photos (SHA-256) each consult references; who may fetch a photo follows from it. */
export const consultAttachments = pgTable(
  'consult_attachments',
  {
    docId: text('doc_id').notNull(),
    sha256: text('sha256').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.docId, table.sha256] }),
    index('consult_attachments_sha').on(table.sha256),
  ],
);

// ---------------------------------------------------------------------------
// Identity, sessions and audit (docs/security.md). Secrets are never stored:
// passwords as scrypt hashes with their parameters, device secrets, refresh
// tokens and enrollment codes as SHA-256 digests of high-entropy values.

/** Roles, least to most administrative. See auth/policy.ts for what each may do. */
export const ROLES = [
  'health-worker',
  'clinician',
  'specialist',
  'district-admin',
  'system-admin',
] as const;
export type Role = (typeof ROLES)[number];

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    /** Lower-case sign-in name, unique. */
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    role: text('role').$type<Role>().notNull(),
    /** A district admin's district; a specialist's home district (optional). */
    districtId: uuid('district_id').references(() => districts.id),
    /** Specialties a specialist answers consults for (e.g. 'cardiology'). */
    specialties: jsonb('specialties').$type<string[]>().notNull().default([]),
    /** `scrypt$N$r$p$salt-b64$hash-b64`: the parameters travel with the hash. */
    passwordHash: text('password_hash').notNull(),
    /** Set by an admin reset: the user must choose a new password (tablet half). */
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .default(sql`now()`),
  },
  (table) => [uniqueIndex('users_username').on(table.username)],
);

/** Which clinics a user works at (health workers, clinicians). */
export const userClinics = pgTable(
  'user_clinics',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    clinicId: uuid('clinic_id')
      .notNull()
      .references(() => clinics.id),
  },
  (table) => [primaryKey({ columns: [table.userId, table.clinicId] })],
);

/** An enrolled tablet or browser. Its secret is shown once at enrollment. */
export const devices = pgTable(
  'devices',
  {
    id: uuid('id').primaryKey(),
    clinicId: uuid('clinic_id')
      .notNull()
      .references(() => clinics.id),
    label: text('label').notNull(),
    secretHash: text('secret_hash').notNull(),
    enrolledAt: timestamp('enrolled_at', { withTimezone: true, mode: 'date' }).notNull(),
    enrolledWithCodeId: uuid('enrolled_with_code_id'),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    revokedBy: uuid('revoked_by'),
  },
  (table) => [index('devices_clinic').on(table.clinicId)],
);

/** One-time enrollment codes: single use, short expiry, stored hashed. */
export const enrollmentCodes = pgTable(
  'enrollment_codes',
  {
    id: uuid('id').primaryKey(),
    codeHash: text('code_hash').notNull(),
    clinicId: uuid('clinic_id')
      .notNull()
      .references(() => clinics.id),
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
    usedByDeviceId: uuid('used_by_device_id'),
  },
  (table) => [uniqueIndex('enrollment_codes_hash').on(table.codeHash)],
);

/** A sign-in of one user on one device: the refresh-token family. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    deviceId: uuid('device_id')
      .notNull()
      .references(() => devices.id),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Absolute end: refreshing never extends a session past it. */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    revokedReason: text('revoked_reason'),
  },
  (table) => [index('sessions_user').on(table.userId), index('sessions_device').on(table.deviceId)],
);

/** Refresh tokens, rotated on every use; `replacedById` links a used token to its successor. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
    replacedById: uuid('replaced_by_id'),
  },
  (table) => [
    uniqueIndex('refresh_tokens_hash').on(table.tokenHash),
    index('refresh_tokens_session').on(table.sessionId),
  ],
);

/**
 * Append-only audit trail. A trigger (migration 0002) raises on UPDATE, DELETE
 * and TRUNCATE; each row carries the SHA-256 of the previous row's hash and its
 * own content, so a row changed or removed by someone with table-owner rights
 * breaks the chain (repositories/audit-repository.ts `verifyChain`).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    serverTime: timestamp('server_time', { withTimezone: true, mode: 'date' }).notNull(),
    deviceTime: timestamp('device_time', { withTimezone: true, mode: 'date' }),
    userId: uuid('user_id'),
    deviceId: uuid('device_id'),
    clinicId: uuid('clinic_id'),
    /** `patient/<uuid>` or `consult/<uuid>` when the action touched a record. */
    docId: text('doc_id'),
    /** The patient concerned: the patient doc id itself or a consult's patient. */
    patientDocId: text('patient_doc_id'),
    action: text('action').notNull(),
    /** success | failure | denied | quarantined | legacy */
    outcome: text('outcome').notNull(),
    /** Never patient data: ids, codes, counts, the requester's address. */
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (table) => [
    index('audit_log_patient').on(table.patientDocId, table.id),
    index('audit_log_user').on(table.userId, table.id),
    index('audit_log_device').on(table.deviceId, table.id),
    index('audit_log_time').on(table.serverTime),
  ],
);

/** Data a revoked device pushed after its revocation: kept, never applied, for admin review (C11). */
export const quarantine = pgTable('quarantine', {
  id: uuid('id').primaryKey(),
  deviceId: uuid('device_id').notNull(),
  userId: uuid('user_id'),
  receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull(),
  contentType: text('content_type'),
  contentEncoding: text('content_encoding'),
  body: bytea('body').notNull(),
  /** What the body held, when it decoded (doc ids and local seqs; no content). */
  summary: jsonb('summary').$type<Record<string, unknown>>().notNull(),
  reviewedAt: timestamp('reviewed_at', { withTimezone: true, mode: 'date' }),
  reviewedBy: uuid('reviewed_by'),
});

// ---------------------------------------------------------------------------
// Consult photos (docs/consults.md). Content-addressed by the SHA-256 of the
// bytes the tablet uploaded; only the server's re-encoded JPEGs are kept.

/** A resumable upload in progress (or completed). Chunks are rows of attachment_chunks until completion. */
export const attachmentUploads = pgTable(
  'attachment_uploads',
  {
    id: uuid('id').primaryKey(),
    consultDocId: text('consult_doc_id').notNull(),
    clinicId: uuid('clinic_id').notNull(),
    sha256: text('sha256').notNull(),
    size: integer('size').notNull(),
    declaredType: text('declared_type').notNull(),
    /** Display only, sanitised: never used as a path. */
    fileName: text('file_name').notNull(),
    receivedBytes: integer('received_bytes').notNull(),
    userId: uuid('user_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    uniqueIndex('attachment_uploads_open')
      .on(table.consultDocId, table.sha256)
      .where(sql`${table.completedAt} is null`),
    index('attachment_uploads_device').on(table.deviceId, table.completedAt),
  ],
);

export const attachmentChunks = pgTable(
  'attachment_chunks',
  {
    uploadId: uuid('upload_id').notNull(),
    offset: integer('offset').notNull(),
    data: bytea('data').notNull(),
  },
  (table) => [primaryKey({ columns: [table.uploadId, table.offset] })],
);

/** One row per photo: the re-encoded full image (≤ 1600 px) and thumbnail (≤ 320 px), JPEG, no metadata. */
export const attachmentBlobs = pgTable('attachment_blobs', {
  sha256: text('sha256').primaryKey(),
  /** What the uploaded bytes were (sniffed): image/jpeg | image/png | image/webp. */
  originalType: text('original_type').notNull(),
  originalBytes: integer('original_bytes').notNull(),
  originalWidth: integer('original_width').notNull(),
  originalHeight: integer('original_height').notNull(),
  full: bytea('full').notNull(),
  fullWidth: integer('full_width').notNull(),
  fullHeight: integer('full_height').notNull(),
  thumb: bytea('thumb').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * Proof of possession: a clinic whose device uploaded these bytes (C20). A photo
 * is served for a consult only when the consult references it and its home
 * clinic holds a link, so knowing a hash is never enough to fetch a photo.
 */
export const attachmentLinks = pgTable(
  'attachment_links',
  {
    clinicId: uuid('clinic_id').notNull(),
    sha256: text('sha256').notNull(),
    /** The sanitised display name this clinic uploaded it under. */
    fileName: text('file_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.clinicId, table.sha256] })],
);

/** Web Push subscriptions of specialists (urgent consults). */
export const pushSubscriptions = pgTable(
  'push_subscriptions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').notNull(),
    endpoint: text('endpoint').notNull(),
    p256dh: text('p256dh').notNull(),
    auth: text('auth').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [
    uniqueIndex('push_subscriptions_endpoint').on(table.endpoint),
    index('push_subscriptions_user').on(table.userId),
  ],
);
