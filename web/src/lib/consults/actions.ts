/**
 * What the health worker and the specialist do to a consult, each one durable
 * local change (LocalStore: saved offline, synced later). Asking builds the
 * frozen snapshot and the priority from the visit's score, creates the consult
 * and marks it sent in the same change: it leaves with the next sync.
 */
import {
  answerConsult,
  changeConsultStatus,
  createConsult,
  postConsultMessage,
  type AnswerConsultInput,
  type ConsultPriority,
  type ConsultRouting,
  type ConsultStatus,
  type MonitoringWindow,
  type PatientView,
} from '@outpost/shared/model';
import {
  buildConsultSnapshot,
  consultPriority,
  snapshotJson,
  type ConsultSnapshot,
  type ConsultPriorityResult,
} from '@outpost/shared/consult';
import type { RiskAssessment } from '@outpost/shared/risk';
import type { ConsultId } from '@outpost/shared/ids';
import type { LocalStore } from '../db';
import { err, type Result } from '@outpost/shared/result';

export interface AskInput {
  readonly patient: PatientView;
  readonly encounterId?: string;
  readonly assessment?: RiskAssessment;
  /** The health worker's own urgency; raised to the score's floor. */
  readonly urgency: ConsultPriority;
  readonly routing: ConsultRouting;
  readonly question: string;
  readonly photos?: NonNullable<ConsultSnapshot['photos']>;
  /** A window of the monitoring raw stream (`monitoringWindowFor`), frozen with the consult. */
  readonly monitoring?: MonitoringWindow;
  readonly now: number;
}

export type AskError =
  { readonly type: 'EmptyQuestion' } | { readonly type: string; readonly message?: string };

/** The priority the consult will carry, for the form to show before sending. */
export function priorityFor(
  assessment: RiskAssessment | undefined,
  urgency: ConsultPriority,
): ConsultPriorityResult {
  return consultPriority(assessment, urgency);
}

/** Creates the consult, already sent; resolves once it is saved on the tablet. */
export async function askSpecialist(
  store: LocalStore,
  input: AskInput,
): Promise<Result<{ docId: string; id: ConsultId }, AskError>> {
  const question = input.question.trim();
  if (question === '') return err({ type: 'EmptyQuestion' });
  const priority = consultPriority(input.assessment, input.urgency);
  const snapshot = buildConsultSnapshot({
    patient: input.patient,
    ...(input.encounterId !== undefined && { encounterId: input.encounterId }),
    ...(input.assessment !== undefined && { assessment: input.assessment }),
    priorityReasons: priority.reasons,
    ...(input.photos !== undefined && { photos: input.photos }),
    now: input.now,
  });
  return store.createDocument('consult', (doc, ctx) => {
    const created = createConsult(doc, ctx, {
      homeClinicId: store.clinicId,
      patientId: input.patient.id,
      ...(input.encounterId !== undefined && { encounterId: input.encounterId }),
      priority: priority.priority,
      routing: input.routing,
      question,
      snapshot: snapshotJson(snapshot),
      ...(input.monitoring !== undefined && { monitoring: input.monitoring }),
    });
    if (!created.ok) return created;
    const sent = changeConsultStatus(doc, ctx, { to: 'sent' });
    return sent.ok ? created : sent;
  });
}

/** The specialist (or the health worker) writes in the consult's thread. */
export function postMessage(
  store: LocalStore,
  docId: string,
  text: string,
  attachments: readonly string[] = [],
) {
  return store.applyOp(docId, (doc, ctx) =>
    postConsultMessage(doc, ctx, {
      text,
      ...(attachments.length > 0 && { attachments: [...attachments] }),
    }),
  );
}

/** A status change with an optional note (opened, more-info-needed, re-sent, closed). */
export function changeStatus(store: LocalStore, docId: string, to: ConsultStatus, note?: string) {
  return store.applyOp(docId, (doc, ctx) =>
    changeConsultStatus(doc, ctx, { to, ...(note !== undefined && { note }) }),
  );
}

/**
 * The health worker answers a request for more information: her reply goes in
 * the thread and the consult is sent again, in one change.
 */
export function replyAndResend(store: LocalStore, docId: string, text: string) {
  return store.applyOp(docId, (doc, ctx) => {
    const posted = postConsultMessage(doc, ctx, { text });
    if (!posted.ok) return posted;
    return changeConsultStatus(doc, ctx, { to: 'sent' });
  });
}

/** The specialist signs an answer (advice + disposition). */
export function signAnswer(store: LocalStore, docId: string, answer: AnswerConsultInput) {
  return store.applyOp(docId, (doc, ctx) => answerConsult(doc, ctx, answer));
}
