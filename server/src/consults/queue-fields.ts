/**
 * What the specialist queue needs from a consult, derived from its document
 * (consults read model, repositories/read-models.ts). Pure: the server's clock
 * is passed in. Device clocks are trusted for nothing the server can measure
 * itself: the waiting time starts at the server's own `received` transition.
 */
import {
  AWAITING_SPECIALIST,
  CONSULT_SERVICE_LEVELS,
  PRIORITY_RANK,
} from '@outpost/shared/consult';
import type { ConsultPriority, ConsultView } from '@outpost/shared/model';

export const QUESTION_EXCERPT_CHARS = 160;

/** 0 emergency, 1 urgent, 2 routine: ascending is most urgent first (the queue's index order). */
export const queueRank = (priority: ConsultPriority): number =>
  PRIORITY_RANK.emergency - PRIORITY_RANK[priority];

export interface ConsultQueueFields {
  readonly priorityRank: number;
  readonly sentAt: Date | null;
  readonly receivedAt: Date | null;
  readonly waitingSince: Date;
  readonly answeredAt: Date | null;
  readonly lastActivityAt: Date;
  readonly answerDueAt: Date | null;
  readonly patientAgeYears: number | null;
  readonly patientAgeMonths: number | null;
  readonly patientSex: string | null;
  readonly questionExcerpt: string;
  /** Distinct SHA-256 of photos the consult references. */
  readonly attachments: readonly string[];
}

const SHA256 = /^[0-9a-f]{64}$/;
const SEX_VALUES = new Set(['female', 'male', 'other', 'unknown', 'conflict']);

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function wholeNumber(value: unknown, max: number): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max
    ? value
    : null;
}

export function questionExcerpt(question: string): string {
  const flat = question.replace(/\s+/g, ' ').trim();
  return flat.length <= QUESTION_EXCERPT_CHARS
    ? flat
    : `${flat.slice(0, QUESTION_EXCERPT_CHARS - 1).trimEnd()}…`;
}

/** Photos named by the snapshot (`photos: [sha256 | {sha256}]`, when the tablet puts them there). */
function snapshotPhotos(snapshot: unknown): string[] {
  const photos = record(snapshot)?.photos;
  if (!Array.isArray(photos)) return [];
  return photos.flatMap((photo: unknown) => {
    const sha = typeof photo === 'string' ? photo : record(photo)?.sha256;
    return typeof sha === 'string' && SHA256.test(sha) ? [sha] : [];
  });
}

export function consultQueueFields(view: ConsultView, serverNowMs: number): ConsultQueueFields {
  const clamp = (ms: number) => new Date(Math.min(ms, serverNowMs));
  const firstSent = view.transitions.find((t) => t.to === 'sent');
  const answered = view.transitions.filter((t) => t.to === 'answered').at(-1);
  const waitingSinceMs = view.receivedAt ?? view.sentAt ?? view.createdAt;
  const waitingSince = clamp(waitingSinceMs);
  const activity = Math.max(
    view.createdAt,
    ...view.transitions.map((t) => t.at),
    ...view.messages.map((m) => m.at),
  );
  const patient = record(record(view.snapshot)?.patient);
  const sex = patient?.sex;
  const attachments = [
    ...new Set([...view.messages.flatMap((m) => m.attachments), ...snapshotPhotos(view.snapshot)]),
  ].sort();
  return {
    priorityRank: queueRank(view.priority),
    sentAt: firstSent === undefined ? null : clamp(firstSent.at),
    receivedAt: view.receivedAt === undefined ? null : clamp(view.receivedAt),
    waitingSince,
    answeredAt: answered === undefined ? null : clamp(answered.at),
    lastActivityAt: clamp(activity),
    answerDueAt: AWAITING_SPECIALIST.has(view.status)
      ? new Date(waitingSince.getTime() + CONSULT_SERVICE_LEVELS.answerWithinMs[view.priority])
      : null,
    patientAgeYears: wholeNumber(patient?.ageYears, 150),
    patientAgeMonths: wholeNumber(patient?.ageMonths, 11 + 12 * 150),
    patientSex: typeof sex === 'string' && SEX_VALUES.has(sex) ? sex : null,
    questionExcerpt: questionExcerpt(view.question),
    attachments,
  };
}
