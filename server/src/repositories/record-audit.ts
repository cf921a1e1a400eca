/**
 * Record-access auditing: one row per record read or written, with the patient
 * it concerns (a consult's patient comes from the consults read model).
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
      const patientOf = new Map<string, string>();
      for (let start = 0; start < consultIds.length; start += 500) {
        const rows = await db
          .select({ docId: consults.docId, patientDocId: consults.patientDocId })
          .from(consults)
          .where(inArray(consults.docId, consultIds.slice(start, start + 500)));
        for (const row of rows) patientOf.set(row.docId, row.patientDocId);
      }
      await audit.append(
        entries.map((entry) => ({
          action,
          outcome: entry.outcome,
          userId: caller.userId,
          deviceId: caller.deviceId,
          clinicId: caller.clinicId,
          docId: entry.docId,
          patientDocId: entry.docId.startsWith('patient/')
            ? entry.docId
            : (patientOf.get(entry.docId) ?? null),
          details: { ...(entry.details ?? {}) },
        })),
      );
    },
  };
}
