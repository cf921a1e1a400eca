/**
 * Record-access auditing: one row per record read or written, with the patient
 * it concerns (a consult's patient comes from the consults read model) and the
 * record's home clinic — a specialist answering another clinic's consult is
 * audited under that clinic, so its admin finds the access.
 */
import { inArray } from 'drizzle-orm';
import type { Caller } from '../auth/caller';
import type { Db } from '../db/database';
import { consults } from '../db/schema';
import type { AuditOutcome, AuditRepository } from './audit-repository';

export interface RecordAudit {
  /** Audits access to records (no-op for an empty list). */
  records(
    caller: Caller,
    action: string,
    entries: readonly { docId: string; outcome: AuditOutcome; details?: Record<string, unknown> }[],
  ): Promise<void>;
}

export function createRecordAudit(db: Db, audit: AuditRepository): RecordAudit {
  return {
    async records(caller, action, entries) {
      if (entries.length === 0) return;
      const consultIds = [
        ...new Set(entries.map((e) => e.docId).filter((id) => id.startsWith('consult/'))),
      ];
      const consultOf = new Map<string, { patientDocId: string; clinicId: string }>();
      for (let start = 0; start < consultIds.length; start += 500) {
        const rows = await db
          .select({
            docId: consults.docId,
            patientDocId: consults.patientDocId,
            clinicId: consults.clinicId,
          })
          .from(consults)
          .where(inArray(consults.docId, consultIds.slice(start, start + 500)));
        for (const row of rows) consultOf.set(row.docId, row);
      }
      await audit.append(
        entries.map((entry) => {
          const consult = consultOf.get(entry.docId);
          const clinicId = consult?.clinicId ?? caller.clinicId;
          return {
            action,
            outcome: entry.outcome,
            userId: caller.userId,
            deviceId: caller.deviceId,
            clinicId,
            docId: entry.docId,
            patientDocId: entry.docId.startsWith('patient/')
              ? entry.docId
              : (consult?.patientDocId ?? null),
            details: {
              ...(entry.details ?? {}),
              ...(clinicId !== caller.clinicId && { deviceClinicId: caller.clinicId }),
            },
          };
        }),
      );
    },
  };
}
