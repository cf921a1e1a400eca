/** What authorisation needs to know about one record (auth/policy.ts `DocumentFacts`). */
import { eq } from 'drizzle-orm';
import { parseDocId } from '@outpost/shared/model';
import type { DocumentFacts } from '../auth/policy';
import type { Db } from '../db/database';
import { clinics, consults, documents } from '../db/schema';

type Reader = Pick<Db, 'select'>;

/**
 * Facts of a stored record, or of a creation in `actingClinicId` when the server
 * has none. Undefined for an invalid id.
 */
export async function documentFacts(
  db: Reader,
  docId: string,
  actingClinicId: string,
): Promise<DocumentFacts | undefined> {
  const parsed = parseDocId(docId);
  if (!parsed.ok) return undefined;
  const kind = docId.startsWith('consult/') ? 'consult' : 'patient';
  const [row] = await db
    .select({ clinicId: documents.clinicId, districtId: clinics.districtId })
    .from(documents)
    .innerJoin(clinics, eq(clinics.id, documents.clinicId))
    .where(eq(documents.docId, docId))
    .limit(1);
  const clinicId = row?.clinicId ?? actingClinicId;
  let districtId = row?.districtId ?? null;
  if (row === undefined) {
    const [clinic] = await db
      .select({ districtId: clinics.districtId })
      .from(clinics)
      .where(eq(clinics.id, actingClinicId))
      .limit(1);
    districtId = clinic?.districtId ?? null;
  }
  let routing: DocumentFacts['routing'] = null;
  if (kind === 'consult' && row !== undefined) {
    const [consult] = await db
      .select({ specialty: consults.specialty, assigneeUserId: consults.assigneeUserId })
      .from(consults)
      .where(eq(consults.docId, docId))
      .limit(1);
    routing = consult ?? null;
  }
  return { kind, exists: row !== undefined, clinicId, districtId, routing };
}
