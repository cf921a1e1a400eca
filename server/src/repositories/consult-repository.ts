/**
 * The specialist queue over the consults read model (docs/consults.md): one
 * query per page, ordered by (priority_rank, waiting_since, doc_id) ascending —
 * most urgent, then longest waiting, then id — with keyset paging, so a page
 * is a range scan of a `*_queue` index and stays stable while consults arrive.
 */
import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database';
import { clinics, consults } from '../db/schema';

/** Whose consults a caller sees (auth/policy.ts; decided by the route). */
export type QueueScope =
  | { readonly kind: 'routed'; readonly userId: string; readonly specialties: readonly string[] }
  | { readonly kind: 'clinic'; readonly clinicId: string }
  | { readonly kind: 'district'; readonly districtId: string };

export interface QueuePosition {
  readonly priorityRank: number;
  readonly waitingSince: Date;
  readonly docId: string;
}

export interface QueueQuery {
  readonly scope: QueueScope;
  readonly statuses: readonly string[];
  readonly clinicId?: string;
  readonly specialty?: string;
  /** Only consults waiting since before this instant. */
  readonly waitingBefore?: Date;
  readonly after?: QueuePosition;
  readonly limit: number;
}

export interface StalledPosition {
  readonly answerDueAt: Date;
  readonly docId: string;
}

export interface StalledQuery {
  readonly scope: QueueScope;
  readonly clinicId?: string;
  readonly now: Date;
  readonly after?: StalledPosition;
  readonly limit: number;
}

export type ConsultRow = typeof consults.$inferSelect & { readonly clinicName: string | null };

export interface ConsultRepository {
  /** Up to `limit + 1` rows (the extra one says there is a next page). */
  queue(query: QueueQuery): Promise<ConsultRow[]>;
  /** Consults past their answer limit, most overdue first; up to `limit + 1` rows. */
  stalled(query: StalledQuery): Promise<ConsultRow[]>;
  get(docId: string): Promise<ConsultRow | undefined>;
  /** The plan PostgreSQL chooses for a queue page (EXPLAIN output, one line per row). */
  explainQueue(query: QueueQuery): Promise<string>;
}

const selection = {
  docId: consults.docId,
  clinicId: consults.clinicId,
  districtId: consults.districtId,
  patientDocId: consults.patientDocId,
  status: consults.status,
  priority: consults.priority,
  priorityRank: consults.priorityRank,
  specialty: consults.specialty,
  assigneeUserId: consults.assigneeUserId,
  messageCount: consults.messageCount,
  sentAt: consults.sentAt,
  receivedAt: consults.receivedAt,
  waitingSince: consults.waitingSince,
  answeredAt: consults.answeredAt,
  lastActivityAt: consults.lastActivityAt,
  answerDueAt: consults.answerDueAt,
  patientAgeYears: consults.patientAgeYears,
  patientAgeMonths: consults.patientAgeMonths,
  patientSex: consults.patientSex,
  questionExcerpt: consults.questionExcerpt,
  photoCount: consults.photoCount,
  createdAt: consults.createdAt,
  updatedAt: consults.updatedAt,
  clinicName: clinics.name,
};

function scopeCondition(scope: QueueScope): SQL | undefined {
  switch (scope.kind) {
    case 'clinic':
      return eq(consults.clinicId, scope.clinicId);
    case 'district':
      return eq(consults.districtId, scope.districtId);
    case 'routed': {
      // The same rule as auth/policy.ts isRoutedTo: by name, else by specialty.
      const byName = eq(consults.assigneeUserId, scope.userId);
      return scope.specialties.length === 0
        ? byName
        : or(
            byName,
            and(
              isNull(consults.assigneeUserId),
              inArray(consults.specialty, [...scope.specialties]),
            ),
          );
    }
  }
}

export function createConsultRepository(db: Db): ConsultRepository {
  function queueSelect(query: QueueQuery) {
    const conditions: (SQL | undefined)[] = [
      scopeCondition(query.scope),
      inArray(consults.status, [...query.statuses]),
    ];
    if (query.clinicId !== undefined) conditions.push(eq(consults.clinicId, query.clinicId));
    if (query.specialty !== undefined) conditions.push(eq(consults.specialty, query.specialty));
    if (query.waitingBefore !== undefined)
      conditions.push(lt(consults.waitingSince, query.waitingBefore));
    if (query.after !== undefined)
      conditions.push(
        sql`(${consults.priorityRank}, ${consults.waitingSince}, ${consults.docId}) > (${query.after.priorityRank}, ${query.after.waitingSince.toISOString()}::timestamptz, ${query.after.docId})`,
      );
    return db
      .select(selection)
      .from(consults)
      .leftJoin(clinics, eq(clinics.id, consults.clinicId))
      .where(and(...conditions))
      .orderBy(asc(consults.priorityRank), asc(consults.waitingSince), asc(consults.docId))
      .limit(query.limit + 1);
  }

  return {
    queue: (query) => queueSelect(query),

    async stalled(query) {
      const conditions: (SQL | undefined)[] = [
        scopeCondition(query.scope),
        isNotNull(consults.answerDueAt),
        lt(consults.answerDueAt, query.now),
      ];
      if (query.clinicId !== undefined) conditions.push(eq(consults.clinicId, query.clinicId));
      if (query.after !== undefined)
        conditions.push(
          or(
            gt(consults.answerDueAt, query.after.answerDueAt),
            and(
              eq(consults.answerDueAt, query.after.answerDueAt),
              gt(consults.docId, query.after.docId),
            ),
          ),
        );
      return db
        .select(selection)
        .from(consults)
        .leftJoin(clinics, eq(clinics.id, consults.clinicId))
        .where(and(...conditions))
        .orderBy(asc(consults.answerDueAt), asc(consults.docId))
        .limit(query.limit + 1);
    },

    async get(docId) {
      const [row] = await db
        .select(selection)
        .from(consults)
        .leftJoin(clinics, eq(clinics.id, consults.clinicId))
        .where(eq(consults.docId, docId))
        .limit(1);
      return row;
    },

    async explainQueue(query) {
      const result = await db.execute<Record<string, string>>(sql`explain ${queueSelect(query)}`);
      const rows = Array.isArray(result)
        ? (result as Record<string, string>[])
        : ((result as { rows: Record<string, string>[] }).rows ?? []);
      return rows.map((row) => Object.values(row)[0]).join('\n');
    },
  };
}
