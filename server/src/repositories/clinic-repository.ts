import { eq } from 'drizzle-orm';
import type { Db } from '../db/database';
import { clinics } from '../db/schema';

export interface ClinicRepository {
  exists(clinicId: string): Promise<boolean>;
}

export function createClinicRepository(db: Db): ClinicRepository {
  return {
    async exists(clinicId) {
      const rows = await db
        .select({ id: clinics.id })
        .from(clinics)
        .where(eq(clinics.id, clinicId))
        .limit(1);
      return rows.length > 0;
    },
  };
}
