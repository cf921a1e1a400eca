/**
 * The demo clinic a newcomer opens. Idempotent: fixed ids and `on conflict do
 * nothing`, so running it again changes nothing. Everything here is fictional.
 */
import type { Db } from '../db/database';
import { clinics, districts, serverMeta } from '../db/schema';

export const DEMO_DISTRICT = {
  id: '01930000-0000-7000-8000-00000000d157',
  name: 'Demo District (fictional)',
};
export const DEMO_CLINIC = {
  id: '01930000-0000-7000-8000-0000000c1c01',
  districtId: DEMO_DISTRICT.id,
  name: 'Kijiji Demo Clinic (fictional)',
};

export interface SeedResult {
  /** False when the demo data was already there (nothing changed). */
  created: boolean;
}

export async function seedDemo(db: Db): Promise<SeedResult> {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(serverMeta)
      .values({ key: 'demo_seeded_at', value: new Date().toISOString() })
      .onConflictDoNothing()
      .returning({ key: serverMeta.key });
    if (inserted.length === 0) return { created: false };
    await tx.insert(districts).values(DEMO_DISTRICT).onConflictDoNothing();
    await tx.insert(clinics).values(DEMO_CLINIC).onConflictDoNothing();
    return { created: true };
  });
}
