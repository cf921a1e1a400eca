/**
 * The specialist queue's HTTP vocabulary (docs/consults.md): query parameters,
 * the opaque keyset cursor, and one consult as the queue shows it, with its
 * waiting time, badge and stall flag computed from the server's clock.
 */
import { z } from 'zod';
import { AWAITING_SPECIALIST, CONSULT_SERVICE_LEVELS, waitingBadge } from '@outpost/shared/consult';
import { CONSULT_STATUSES, type ConsultPriority, type ConsultStatus } from '@outpost/shared/model';
import { err, ok, type Result } from '@outpost/shared/result';
import type {
  ConsultRow,
  QueuePosition,
  StalledPosition,
} from '../repositories/consult-repository';

export const QUEUE_DEFAULT_LIMIT = 50;
export const QUEUE_MAX_LIMIT = 100;

/** Statuses a queue may list: a draft is the clinic's own business until it is sent. */
export const LISTED_STATUSES = CONSULT_STATUSES.filter((status) => status !== 'draft');

export const STATUS_ALIASES: Readonly<Record<string, readonly ConsultStatus[]>> = {
  /** The specialist side owes an answer (the default). */
  awaiting: [...AWAITING_SPECIALIST],
  /** Not closed. */
  open: ['sent', 'received', 'opened', 'more-info-needed', 'answered'],
  all: LISTED_STATUSES,
};

export const WAITING_OVER_MS: Readonly<Record<string, number>> = {
  '4h': CONSULT_SERVICE_LEVELS.badgesMs.over4h,
  '24h': CONSULT_SERVICE_LEVELS.badgesMs.over24h,
};

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
  message: 'must be a lowercase UUID',
});

export const queueParamsSchema = z.strictObject({
  status: z.string().max(200).optional(),
  clinic: uuid.optional(),
  specialty: z.string().trim().min(1).max(60).optional(),
  waitingOver: z.enum(['4h', '24h']).optional(),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(QUEUE_MAX_LIMIT).optional(),
});
export type QueueParams = z.infer<typeof queueParamsSchema>;

export const stalledParamsSchema = z.strictObject({
  clinic: uuid.optional(),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(QUEUE_MAX_LIMIT).optional(),
});

/** `awaiting` | `open` | `all` | a comma-separated list of statuses (no drafts). */
export function parseStatuses(value: string | undefined): Result<ConsultStatus[], string> {
  const raw = (value ?? 'awaiting').trim();
  const alias = STATUS_ALIASES[raw];
  if (alias !== undefined) return ok([...alias]);
  const statuses = raw.split(',').map((part) => part.trim());
  for (const status of statuses)
    if (!(LISTED_STATUSES as readonly string[]).includes(status))
      return err(
        `status must be awaiting, open, all or a comma-separated list of ${LISTED_STATUSES.join(', ')}`,
      );
  return ok(statuses as ConsultStatus[]);
}

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const unbase64url = (text: string) => Buffer.from(text, 'base64url').toString('utf8');

const queueCursorSchema = z.tuple([
  z.literal('q'),
  z.number().int().min(0).max(9),
  z.number().int().min(0).max(8.64e15),
  z.string().min(1).max(80),
]);
const stalledCursorSchema = z.tuple([
  z.literal('s'),
  z.number().int().min(0).max(8.64e15),
  z.string().min(1).max(80),
]);

export function encodeQueueCursor(position: QueuePosition): string {
  return base64url(
    JSON.stringify(['q', position.priorityRank, position.waitingSince.getTime(), position.docId]),
  );
}

export function decodeQueueCursor(cursor: string): QueuePosition | undefined {
  try {
    const parsed = queueCursorSchema.safeParse(JSON.parse(unbase64url(cursor)));
    if (!parsed.success) return undefined;
    const [, priorityRank, waitingSinceMs, docId] = parsed.data;
    return { priorityRank, waitingSince: new Date(waitingSinceMs), docId };
  } catch {
    return undefined;
  }
}

export function encodeStalledCursor(position: StalledPosition): string {
  return base64url(JSON.stringify(['s', position.answerDueAt.getTime(), position.docId]));
}

export function decodeStalledCursor(cursor: string): StalledPosition | undefined {
  try {
    const parsed = stalledCursorSchema.safeParse(JSON.parse(unbase64url(cursor)));
    if (!parsed.success) return undefined;
    const [, answerDueAtMs, docId] = parsed.data;
    return { answerDueAt: new Date(answerDueAtMs), docId };
  } catch {
    return undefined;
  }
}

/** One consult as the queue shows it. Times are epoch milliseconds. */
export interface QueueItem {
  readonly docId: string;
  readonly clinic: { readonly id: string; readonly name: string | null };
  readonly status: ConsultStatus;
  readonly priority: ConsultPriority;
  readonly routing:
    | { readonly kind: 'specialty'; readonly specialty: string }
    | { readonly kind: 'specialist'; readonly userId: string };
  readonly patient: {
    readonly ageYears: number | null;
    readonly ageMonths: number | null;
    readonly sex: string | null;
  };
  readonly questionExcerpt: string;
  readonly photoCount: number;
  readonly messageCount: number;
  readonly sentAt: number | null;
  readonly receivedAt: number | null;
  readonly waitingSince: number;
  readonly answeredAt: number | null;
  readonly lastActivityAt: number | null;
  readonly answerDueAt: number | null;
  /** While the specialist side owes an answer: how long it has waited (server clock); else null. */
  readonly waitingMs: number | null;
  readonly badge: 'over-4h' | 'over-24h' | null;
  /** Past its answer limit (emergency 1 h, urgent 4 h, routine 24 h) and still unanswered. */
  readonly stalled: boolean;
  readonly overdueByMs: number | null;
}

const ms = (date: Date | null) => (date === null ? null : date.getTime());

export function toQueueItem(row: ConsultRow, nowMs: number): QueueItem {
  const status = row.status as ConsultStatus;
  const awaiting = AWAITING_SPECIALIST.has(status);
  const waitingMs = awaiting ? Math.max(0, nowMs - row.waitingSince.getTime()) : null;
  const dueMs = ms(row.answerDueAt);
  const overdueByMs = dueMs !== null && awaiting && nowMs > dueMs ? nowMs - dueMs : null;
  return {
    docId: row.docId,
    clinic: { id: row.clinicId, name: row.clinicName },
    status,
    priority: row.priority as ConsultPriority,
    routing:
      row.assigneeUserId !== null
        ? { kind: 'specialist', userId: row.assigneeUserId }
        : { kind: 'specialty', specialty: row.specialty ?? '' },
    patient: {
      ageYears: row.patientAgeYears,
      ageMonths: row.patientAgeMonths,
      sex: row.patientSex,
    },
    questionExcerpt: row.questionExcerpt,
    photoCount: row.photoCount,
    messageCount: row.messageCount,
    sentAt: ms(row.sentAt),
    receivedAt: ms(row.receivedAt),
    waitingSince: row.waitingSince.getTime(),
    answeredAt: ms(row.answeredAt),
    lastActivityAt: ms(row.lastActivityAt),
    answerDueAt: dueMs,
    waitingMs,
    badge: waitingMs === null ? null : (waitingBadge(waitingMs) ?? null),
    stalled: overdueByMs !== null,
    overdueByMs,
  };
}
