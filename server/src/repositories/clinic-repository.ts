import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/database';
import { clinics } from '../db/schema';

export interface ClinicSummary {
  readonly id: string;
  readonly name: string;
  readonly districtId: string;
}

export interface ClinicRepository {
  exists(clinicId: string): Promise<boolean>;
  list(): Promise<ClinicSummary[]>;
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
    async list() {
      return db
        .select({ id: clinics.id, name: clinics.name, districtId: clinics.districtId })
        .from(clinics)
        .orderBy(asc(clinics.name));
    },
  };
}
