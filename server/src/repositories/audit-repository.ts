/**
 * The audit trail (C40): append-only rows, each chained to the previous by
 * SHA-256. Appends are serialised by a transaction-scoped advisory lock so the
 * chain never forks; the database refuses UPDATE, DELETE and TRUNCATE with a
 * trigger (migration 0002_security), and `verifyChain` finds a row that was
 * changed, removed or inserted out of order by anyone who got around it.
 *
 * Details never hold patient data: ids, codes, counts and addresses only.
 */
import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { auditLog } from '../db/schema';

export type AuditOutcome = 'success' | 'failure' | 'denied' | 'quarantined' | 'legacy';

export interface AuditEvent {
  readonly action: string;
  readonly outcome: AuditOutcome;
  readonly userId?: string | null;
  readonly deviceId?: string | null;
  readonly clinicId?: string | null;
  readonly docId?: string | null;
  readonly patientDocId?: string | null;
  readonly deviceTime?: Date | null;
  readonly details?: Record<string, unknown>;
}

export interface AuditRow {
  readonly id: number;
  readonly serverTime: Date;
  readonly deviceTime: Date | null;
  readonly userId: string | null;
  readonly deviceId: string | null;
  readonly clinicId: string | null;
  readonly docId: string | null;
  readonly patientDocId: string | null;
  readonly action: string;
  readonly outcome: string;
  readonly details: Record<string, unknown>;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditQuery {
  readonly patientDocId?: string;
  readonly userId?: string;
  readonly deviceId?: string;
  readonly from?: Date;
  readonly to?: Date;
  /** Rows with an id below this (paging backwards from the newest). */
  readonly before?: number;
  /** Only rows of these clinics (a district admin's view). */
  readonly clinicIds?: readonly string[];
  readonly limit: number;
}

export type ChainCheck =
  | { readonly ok: true; readonly rows: number }
  | { readonly ok: false; readonly brokenAtId: number; readonly reason: string };

const GENESIS = '0'.repeat(64);
const AUDIT_LOCK = 727_003;

/** The hashed content of a row: a fixed field order, so the hash is reproducible. */
function rowHash(prevHash: string, row: Omit<AuditRow, 'id' | 'prevHash' | 'hash'>): string {
  const canonical = JSON.stringify([
    prevHash,
    row.serverTime.toISOString(),
    row.deviceTime?.toISOString() ?? null,
    row.userId,
    row.deviceId,
    row.clinicId,
    row.docId,
    row.patientDocId,
    row.action,
    row.outcome,
    canonicalJson(row.details),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** JSON with object keys sorted (jsonb does not keep key order). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function createAuditRepository(db: Db, deps: { readonly now: () => number }) {
  return {
    /** Appends events in order, as one transaction. */
    async append(events: readonly AuditEvent[]): Promise<void> {
      if (events.length === 0) return;
      await db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
        const [last] = await tx
          .select({ hash: auditLog.hash })
          .from(auditLog)
          .orderBy(desc(auditLog.id))
          .limit(1);
        let prevHash = last?.hash ?? GENESIS;
        const serverTime = new Date(deps.now());
        const rows = events.map((event) => {
          const content = {
            serverTime,
            deviceTime: event.deviceTime ?? null,
            userId: event.userId ?? null,
            deviceId: event.deviceId ?? null,
            clinicId: event.clinicId ?? null,
            docId: event.docId ?? null,
            patientDocId: event.patientDocId ?? null,
            action: event.action,
            outcome: event.outcome,
            details: JSON.parse(JSON.stringify(event.details ?? {})) as Record<string, unknown>,
          };
          const hash = rowHash(prevHash, content);
          const row = { ...content, prevHash, hash };
          prevHash = hash;
          return row;
        });
        for (let start = 0; start < rows.length; start += 200)
          await tx.insert(auditLog).values(rows.slice(start, start + 200));
      });
    },

    /** Newest first. */
    async search(query: AuditQuery): Promise<AuditRow[]> {
      const conditions = [];
      if (query.patientDocId !== undefined)
        conditions.push(
          or(eq(auditLog.patientDocId, query.patientDocId), eq(auditLog.docId, query.patientDocId)),
        );
      if (query.userId !== undefined) conditions.push(eq(auditLog.userId, query.userId));
      if (query.deviceId !== undefined) conditions.push(eq(auditLog.deviceId, query.deviceId));
      if (query.from !== undefined) conditions.push(gte(auditLog.serverTime, query.from));
      if (query.to !== undefined) conditions.push(lte(auditLog.serverTime, query.to));
      if (query.before !== undefined) conditions.push(lt(auditLog.id, query.before));
      if (query.clinicIds !== undefined) {
        if (query.clinicIds.length === 0) return [];
        conditions.push(inArray(auditLog.clinicId, [...query.clinicIds]));
      }
      return db
        .select()
        .from(auditLog)
        .where(conditions.length > 0 ? and(...conditions) : undefined)
        .orderBy(desc(auditLog.id))
        .limit(query.limit);
    },

    /** Walks the whole chain in id order; the first row whose link or hash is wrong is reported. */
    async verifyChain(): Promise<ChainCheck> {
      let prevHash = GENESIS;
      let afterId = 0;
      let count = 0;
      for (;;) {
        const rows = await db
          .select()
          .from(auditLog)
          .where(sql`${auditLog.id} > ${afterId}`)
          .orderBy(asc(auditLog.id))
          .limit(1000);
        for (const row of rows) {
          if (row.prevHash !== prevHash)
            return {
              ok: false,
              brokenAtId: row.id,
              reason: 'the link to the previous row is broken (a row was removed or inserted)',
            };
          const { id: _id, prevHash: _prev, hash, ...content } = row;
          if (rowHash(prevHash, content) !== hash)
            return {
              ok: false,
              brokenAtId: row.id,
              reason: 'the row was changed after it was written',
            };
          prevHash = hash;
          afterId = row.id;
          count++;
        }
        if (rows.length < 1000) return { ok: true, rows: count };
      }
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
