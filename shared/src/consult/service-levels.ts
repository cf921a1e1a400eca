/**
 * Service levels that keep a consult from silently stalling (issue 7,
 * "patient safety"). These are Outpost operating targets, not clinical
 * thresholds (local policy, versioned): a district may tighten them.
 *
 * - Answer within: emergency 1 h, urgent 4 h, routine 24 h after it was sent.
 * - Unsent: a consult the tablet has not handed to the server 1 h after it was
 *   sent while the tablet was online.
 * - Waiting badges in the specialist's queue: over 4 h and over 24 h.
 * Times are the server's where it has them (received), else the sender's clock.
 */
import type { ConsultPriority, ConsultStatus } from '../model';
import { PRIORITY_RANK } from './priority';

const HOUR_MS = 60 * 60 * 1000;

export const CONSULT_SERVICE_LEVELS = {
  id: 'outpost-consult-service-levels',
  version: '2026.1',
  verification: 'local-policy',
  answerWithinMs: {
    emergency: 1 * HOUR_MS,
    urgent: 4 * HOUR_MS,
    routine: 24 * HOUR_MS,
  } satisfies Record<ConsultPriority, number>,
  unsentWarningMs: 1 * HOUR_MS,
  badgesMs: { over4h: 4 * HOUR_MS, over24h: 24 * HOUR_MS },
} as const;

/** Statuses in which the specialist side owes an answer. */
export const AWAITING_SPECIALIST: ReadonlySet<ConsultStatus> = new Set<ConsultStatus>([
  'sent',
  'received',
  'opened',
]);

export type WaitingBadge = 'over-24h' | 'over-4h';

/** The queue's waiting badge for a consult waiting `waitingMs`. */
export function waitingBadge(waitingMs: number): WaitingBadge | undefined {
  if (waitingMs > CONSULT_SERVICE_LEVELS.badgesMs.over24h) return 'over-24h';
  if (waitingMs > CONSULT_SERVICE_LEVELS.badgesMs.over4h) return 'over-4h';
  return undefined;
}

export type ConsultWarning =
  | { readonly kind: 'unsent'; readonly sinceMs: number }
  | { readonly kind: 'unanswered'; readonly overdueByMs: number; readonly limitMs: number };

export interface ConsultTiming {
  readonly status: ConsultStatus;
  readonly priority: ConsultPriority;
  /** When it was (last) sent; undefined while a draft. */
  readonly sentAt?: number;
  /** When the server received it; undefined until the tablet hears back. */
  readonly receivedAt?: number;
}

/**
 * Warnings a consult shows to both sides and to the district admin.
 * `online`: whether the tablet has been able to reach the server (tablet side
 * only; the server passes true for `unanswered` and never sees `unsent`).
 */
export function consultWarnings(
  consult: ConsultTiming,
  now: number,
  options: { readonly online: boolean } = { online: true },
): ConsultWarning[] {
  const warnings: ConsultWarning[] = [];
  if (consult.sentAt === undefined) return warnings;
  if (
    options.online &&
    consult.receivedAt === undefined &&
    consult.status === 'sent' &&
    now - consult.sentAt > CONSULT_SERVICE_LEVELS.unsentWarningMs
  )
    warnings.push({ kind: 'unsent', sinceMs: now - consult.sentAt });
  if (AWAITING_SPECIALIST.has(consult.status)) {
    const limitMs = CONSULT_SERVICE_LEVELS.answerWithinMs[consult.priority];
    const waited = now - (consult.receivedAt ?? consult.sentAt);
    if (waited > limitMs)
      warnings.push({ kind: 'unanswered', overdueByMs: waited - limitMs, limitMs });
  }
  return warnings;
}

export interface QueueItem {
  readonly id: string;
  readonly priority: ConsultPriority;
  /** Since when the specialist side owes an answer (ms). */
  readonly waitingSince: number;
}

/** Queue order: most urgent first, then longest waiting, then id (stable). */
export function compareQueue(a: QueueItem, b: QueueItem): number {
  return (
    PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] ||
    a.waitingSince - b.waitingSince ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
