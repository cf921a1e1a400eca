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
import type { Db } from '../db/database';
import { clinics, districts, serverMeta } from '../db/schema';
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

export interface SeedResult {
  /** False when the demo data was already there (nothing changed). */
  created: boolean;
}

export interface SeedOptions {
  readonly now?: () => number;
  readonly patients?: number;
}

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
  return { created };
}
