/**
 * The demo clinic a newcomer opens: a district, a clinic, and a small clinic of
 * fictional patients from the shared workload, stored through the same sync
 * repository code path as a tablet's pushes (device `DEMO_SEED_DEVICE`, one push
 * per record, localSeq = its position). Idempotent: the clinic rows use fixed
 * ids and `on conflict do nothing`, and a repeated push is answered from the log
 * (S3), so running it again changes nothing. Everything here is fictional.
 */
import * as Y from 'yjs';
import type { ClinicId, DeviceId, UserId } from '@outpost/shared/ids';
import { generateClinicWorkload } from '@outpost/shared/model/workload';
import type { PushedUpdate } from '@outpost/shared/sync';
import type { Caller } from '../auth/caller';
import { uuidv7 } from 'uuidv7';
import { hashPassword, type ScryptParams } from '../auth/passwords';
import { newEnrollmentCode, randomToken, sha256 } from '../auth/secrets';
import type { Db } from '../db/database';
import { clinics, districts, serverMeta, type Role } from '../db/schema';
import { createIdentityRepository } from '../repositories/identity-repository';
import { createSyncRepository } from '../repositories/sync-repository';

export const DEMO_DISTRICT = {
  id: '01930000-0000-7000-8000-00000000d157',
  name: 'Demo District (fictional)',
};
export const DEMO_CLINIC = {
  id: '01930000-0000-7000-8000-0000000c1c01',
  districtId: DEMO_DISTRICT.id,
  name: 'Kijiji Demo Clinic (fictional)',
};
/** The device the demo records are pushed from (a fixed id, not an enrolled tablet). */
export const DEMO_SEED_DEVICE = '01930000-0000-7000-8000-0000de5eed01';
export const DEMO_SEED_USER = '01930000-0000-7000-8000-0000de5eed02';
export const DEMO_PATIENTS = 60;
/** Fixed, so every run generates the same records (and the same bytes). */
const DEMO_WORKLOAD_SEED = 2025;
const DEMO_START_MS = Date.UTC(2025, 0, 6, 7, 0, 0);

/** One demo user per role. Clearly fictional; passwords are random per installation. */
export const DEMO_USERS: readonly {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  specialties?: string[];
}[] = [
  {
    id: '01930000-0000-7000-8000-0000de3a0001',
    username: 'demo.healthworker',
    displayName: 'Asha Demo (fictional health worker)',
    role: 'health-worker',
  },
  {
    id: '01930000-0000-7000-8000-0000de3a0002',
    username: 'demo.clinician',
    displayName: 'Baraka Demo (fictional clinician)',
    role: 'clinician',
  },
  {
    id: '01930000-0000-7000-8000-0000de3a0003',
    username: 'demo.specialist',
    displayName: 'Chiku Demo (fictional specialist)',
    role: 'specialist',
    specialties: ['general-medicine', 'cardiology', 'paediatrics', 'maternal-health'],
  },
  {
    id: '01930000-0000-7000-8000-0000de3a0004',
    username: 'demo.districtadmin',
    displayName: 'Dalia Demo (fictional district admin)',
    role: 'district-admin',
  },
  {
    id: '01930000-0000-7000-8000-0000de3a0005',
    username: 'demo.sysadmin',
    displayName: 'Eli Demo (fictional system admin)',
    role: 'system-admin',
  },
];

export interface DemoCredentials {
  readonly users: readonly { username: string; role: Role; password: string }[];
  readonly enrollmentCode: string;
  readonly enrollmentCodeExpiresAt: string;
}

export interface SeedResult {
  /** False when the demo data was already there (nothing changed). */
  created: boolean;
  /**
   * The demo passwords and enrollment code, only the first time they exist:
   * they are stored hashed, so they can be shown once (then
   * `pnpm outpost user reset` / `device enroll-code`).
   */
  credentials?: DemoCredentials;
}

export interface SeedOptions {
  readonly now?: () => number;
  readonly patients?: number;
  readonly scrypt?: ScryptParams;
}

/** Demo enrollment codes last a week (the longest an admin can issue). */
const DEMO_CODE_TTL_MS = 7 * 24 * 3600_000;

export async function seedDemo(db: Db, options: SeedOptions = {}): Promise<SeedResult> {
  const now = options.now ?? (() => Date.now());
  const created = await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(serverMeta)
      .values({ key: 'demo_seeded_at', value: new Date(now()).toISOString() })
      .onConflictDoNothing()
      .returning({ key: serverMeta.key });
    if (inserted.length === 0) return false;
    await tx.insert(districts).values(DEMO_DISTRICT).onConflictDoNothing();
    await tx.insert(clinics).values(DEMO_CLINIC).onConflictDoNothing();
    return true;
  });
  const credentials = await seedDemoAccounts(db, now, options.scrypt);

  // Always (re)pushed: a run interrupted half-way completes now; a complete one changes nothing (S3).
  const workload = generateClinicWorkload({
    clinicId: DEMO_CLINIC.id,
    patients: options.patients ?? DEMO_PATIENTS,
    seed: DEMO_WORKLOAD_SEED,
    startMs: DEMO_START_MS,
    userId: DEMO_SEED_USER,
    deviceId: DEMO_SEED_DEVICE,
  });
  const caller: Caller = {
    clinicId: DEMO_CLINIC.id as ClinicId,
    deviceId: DEMO_SEED_DEVICE as DeviceId,
    userId: DEMO_SEED_USER as UserId,
    role: 'health-worker',
    clinicIds: [DEMO_CLINIC.id],
  };
  const pushes: PushedUpdate[] = workload.records.map((record, index) => ({
    localSeq: index + 1,
    docId: record.docId,
    update: Y.encodeStateAsUpdate(record.doc),
    deviceTime: DEMO_START_MS,
  }));
  const repository = createSyncRepository(db, { now });
  const { receipts } = await repository.applyPushes(caller, pushes, {
    clientId: workload.clientId,
  });
  const rejected = receipts.filter((receipt) => receipt.status === 'rejected');
  if (rejected.length > 0)
    throw new Error(`the demo seed was refused: ${JSON.stringify(rejected[0])}`); // a programmer error
  return { created, ...(credentials === undefined ? {} : { credentials }) };
}

/**
 * The demo users and enrollment code, created once (a marker row in server_meta
 * claims the creation, so two concurrent seeds cannot both create and print).
 * Users with the fixed demo ids that already exist are left as they are.
 */
async function seedDemoAccounts(
  db: Db,
  now: () => number,
  scrypt: ScryptParams | undefined,
): Promise<DemoCredentials | undefined> {
  const claimed = await db
    .insert(serverMeta)
    .values({ key: 'demo_credentials_printed_at', value: new Date(now()).toISOString() })
    .onConflictDoNothing()
    .returning({ key: serverMeta.key });
  if (claimed.length === 0) return undefined;
  const identity = createIdentityRepository(db);
  // Hashed in parallel (scrypt runs on the thread pool), created in order.
  const passwords = DEMO_USERS.map(() => `demo-${randomToken(9)}`);
  const hashes = await Promise.all(passwords.map((password) => hashPassword(password, scrypt)));
  const users: { username: string; role: Role; password: string }[] = [];
  for (const [index, user] of DEMO_USERS.entries()) {
    const created = await identity.createUser({
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      role: user.role,
      districtId:
        user.role === 'district-admin' || user.role === 'specialist' ? DEMO_DISTRICT.id : null,
      specialties: user.specialties ?? [],
      clinicIds: user.role === 'health-worker' || user.role === 'clinician' ? [DEMO_CLINIC.id] : [],
      passwordHash: hashes[index]!,
    });
    if (created)
      users.push({ username: user.username, role: user.role, password: passwords[index]! });
  }
  const code = newEnrollmentCode();
  const expiresAt = new Date(now() + DEMO_CODE_TTL_MS);
  await identity.createEnrollmentCode({
    id: uuidv7(),
    codeHash: sha256(code),
    clinicId: DEMO_CLINIC.id,
    createdBy: null,
    createdAt: new Date(now()),
    expiresAt,
  });
  return { users, enrollmentCode: code, enrollmentCodeExpiresAt: expiresAt.toISOString() };
}
