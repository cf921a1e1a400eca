/**
 * Consult documents: a question from a clinic to a specialist, with a frozen
 * snapshot of what the specialist needs (data minimisation: never the whole
 * patient record), messages, and an attributed status lifecycle.
 *
 * Layout: `meta` (as every record), `head` (map, written once at creation:
 * patientId, encounterId?, priority, routing, question, snapshot, monitoring?), `messages`
 * and `transitions` (arrays of plain JSON entries).
 *
 * Status is derived, never stored: each transition records `from`, `to` and
 * `prev` (the transition ids its author saw as current). Status rule:
 * 1. a transition counts only if its edge is allowed (`CONSULT_TRANSITIONS`) and
 *    its `from` equals the status derived from its `prev` (draft when empty);
 * 2. the heads are the counted transitions no later counted transition lists in `prev`;
 * 3. status = the head status of highest precedence, `STATUS_PRECEDENCE`:
 *    closed > answered > more-info-needed > opened > received > sent > draft.
 * So concurrent transitions converge to the same status on every replica:
 * a close wins (it is terminal); an answer wins over a concurrent request for
 * more information (both stay in the history, and `concurrentStatuses` shows
 * the other); otherwise the furthest-along status wins.
 * Who may make which transition (role checks) is enforced by the server, not here.
 */
import type * as Y from 'yjs';
import { z } from 'zod';
import type { ClinicId, ConsultId, EncounterId, PatientId } from '../ids';
import { err, ok, type Result } from '../result';
import {
  checkContext,
  fromStoredActor,
  jsonSchema,
  parseWith,
  toStoredActor,
  uuidSchema,
  type Actor,
  type Json,
  type OpContext,
} from './context';
import { consultDocId, type ConsultDocId } from './docId';
import { CURRENT_SCHEMA_VERSION, openForWrite, readMeta } from './document';
import type { DocumentProblem, InvalidDocument, ModelError, WrongDocumentKind } from './errors';
import {
  CONSULT_STATUSES,
  DISPOSITIONS,
  PRIORITIES,
  SNAPSHOT_MAX_CHARS,
  consultHeadSchema,
  messageEntrySchema,
  monitoringWindowSchema,
  readEntries,
  rootArray,
  rootMap,
  routingSchema,
  sha256Schema,
  transitionEntrySchema,
  type ConsultAnswer,
  type ConsultPriority,
  type ConsultRouting,
  type ConsultStatus,
  type MonitoringWindow,
} from './stored';

/** Allowed transitions. 'more-info-needed' goes back to the health worker, who re-sends. */
export const CONSULT_TRANSITIONS: Readonly<Record<ConsultStatus, readonly ConsultStatus[]>> = {
  draft: ['sent', 'closed'],
  sent: ['received', 'opened', 'closed'],
  received: ['opened', 'closed'],
  opened: ['answered', 'more-info-needed', 'closed'],
  'more-info-needed': ['sent', 'closed'],
  answered: ['sent', 'closed'],
  closed: [],
};

/** Higher wins among concurrent heads (see the status rule above). */
export const STATUS_PRECEDENCE: Readonly<Record<ConsultStatus, number>> = {
  draft: 0,
  sent: 1,
  received: 2,
  opened: 3,
  'more-info-needed': 4,
  answered: 5,
  closed: 6,
};

export function canTransition(from: ConsultStatus, to: ConsultStatus): boolean {
  return CONSULT_TRANSITIONS[from].includes(to);
}

// ---------------------------------------------------------------------------
// Views

export interface TransitionView {
  readonly id: string;
  readonly from: ConsultStatus;
  readonly to: ConsultStatus;
  readonly note?: string;
  /** The signed answer (transitions to `answered` only). */
  readonly answer?: ConsultAnswer;
  readonly by: Actor;
  readonly at: number;
}

export interface MessageView {
  readonly id: string;
  readonly text: string;
  /** SHA-256 of content-addressed attachments (photos). */
  readonly attachments: readonly string[];
  readonly by: Actor;
  readonly at: number;
}

export interface ConsultView {
  readonly docId: ConsultDocId;
  readonly id: ConsultId;
  readonly homeClinicId: ClinicId;
  readonly createdAt: number;
  readonly createdBy: Actor;
  readonly schemaVersion: number;
  readonly patientId: PatientId;
  readonly encounterId?: EncounterId;
  readonly priority: ConsultPriority;
  readonly routing: ConsultRouting;
  readonly question: string;
  readonly snapshot: Json;
  /** A window of the monitoring stream the asker attached (head `monitoring`), if any. */
  readonly monitoring?: MonitoringWindow;
  readonly status: ConsultStatus;
  /** Other statuses reached concurrently and outranked (see the status rule); usually empty. */
  readonly concurrentStatuses: readonly ConsultStatus[];
  /** Counted transitions in converged order. */
  readonly transitions: readonly TransitionView[];
  /** By device time, then id. */
  readonly messages: readonly MessageView[];
  /** Signed answers (counted transitions to `answered` with their advice), oldest first. */
  readonly answers: readonly AnswerView[];
  /** When it was last sent (the latest counted transition to `sent`). */
  readonly sentAt?: number;
  /** When the server received it after that (its `received` transition). */
  readonly receivedAt?: number;
  readonly problems: readonly DocumentProblem[];
}

export interface AnswerView extends ConsultAnswer {
  readonly transitionId: string;
  readonly by: Actor;
  readonly at: number;
}

interface StatusState {
  readonly status: ConsultStatus;
  readonly heads: readonly string[];
  readonly concurrent: readonly ConsultStatus[];
  readonly transitions: readonly TransitionView[];
}

const highest = (statuses: readonly ConsultStatus[]): ConsultStatus =>
  statuses.reduce<ConsultStatus>(
    (best, status) => (STATUS_PRECEDENCE[status] > STATUS_PRECEDENCE[best] ? status : best),
    'draft',
  );

function deriveStatus(doc: Y.Doc, problems: DocumentProblem[]): StatusState {
  const counted = new Map<string, { to: ConsultStatus; index: number }>();
  const referenced = new Set<string>();
  const transitions: TransitionView[] = [];
  for (const { entry, index } of readEntries(
    rootArray(doc, 'transitions'),
    transitionEntrySchema,
    'transitions',
    problems,
  )) {
    // Only earlier counted transitions can be predecessors (an honest author's are always to its left).
    const prevIds = entry.prev.filter((id) => (counted.get(id)?.index ?? Infinity) < index);
    const expectedFrom =
      prevIds.length === 0 ? 'draft' : highest(prevIds.map((id) => counted.get(id)!.to));
    if (entry.from !== expectedFrom || !canTransition(entry.from, entry.to)) {
      problems.push({
        path: `transitions[${index}]`,
        message: `transition ${entry.from} → ${entry.to} does not follow ${expectedFrom}`,
      });
      continue;
    }
    counted.set(entry.id, { to: entry.to, index });
    for (const id of prevIds) referenced.add(id);
    transitions.push({
      id: entry.id,
      from: entry.from,
      to: entry.to,
      ...(entry.note !== undefined && { note: entry.note }),
      ...(entry.to === 'answered' && entry.answer !== undefined && { answer: entry.answer }),
      by: fromStoredActor(entry.by),
      at: entry.at,
    });
  }
  const heads = [...counted.entries()].filter(([id]) => !referenced.has(id));
  const headStatuses = heads.map(([, head]) => head.to);
  const status = highest(headStatuses);
  const concurrent = [...new Set(headStatuses.filter((s) => s !== status))].sort(
    (a, b) => STATUS_PRECEDENCE[b] - STATUS_PRECEDENCE[a],
  );
  return { status, heads: heads.map(([id]) => id), concurrent, transitions };
}

function sendTimes(transitions: readonly TransitionView[]): {
  sentAt?: number;
  receivedAt?: number;
} {
  let sentAt: number | undefined;
  let receivedAt: number | undefined;
  for (const t of transitions) {
    if (t.to === 'sent') {
      sentAt = t.at;
      receivedAt = undefined;
    } else if (t.to === 'received' && sentAt !== undefined) receivedAt = t.at;
  }
  return {
    ...(sentAt !== undefined && { sentAt }),
    ...(receivedAt !== undefined && { receivedAt }),
  };
}

/** Reads a consult document. Err only when meta or head is missing/garbled or the kind is wrong. */
export function readConsult(doc: Y.Doc): Result<ConsultView, WrongDocumentKind | InvalidDocument> {
  const meta = readMeta(doc);
  if (!meta.ok) return meta;
  if (meta.value.kind !== 'consult')
    return err({ type: 'WrongDocumentKind', expected: 'consult', actual: meta.value.kind });
  const problems: DocumentProblem[] = [];
  if (meta.value.schemaVersion > CURRENT_SCHEMA_VERSION) {
    problems.push({
      path: 'meta.schemaVersion',
      message: `written by schema version ${meta.value.schemaVersion}; read best-effort by version ${CURRENT_SCHEMA_VERSION}`,
    });
  }
  const head = consultHeadSchema.safeParse(rootMap(doc, 'head').toJSON());
  if (!head.success) {
    return err({
      type: 'InvalidDocument',
      problems: head.error.issues.map((issue) => ({
        path: ['head', ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    });
  }
  // Parsed on its own: a malformed window is a problem (the server refuses it), not an unreadable consult.
  const rawMonitoring: unknown = rootMap(doc, 'head').get('monitoring');
  let monitoring: MonitoringWindow | undefined;
  if (rawMonitoring !== undefined) {
    const parsed = monitoringWindowSchema.safeParse(rawMonitoring);
    if (parsed.success) monitoring = parsed.data;
    else {
      const issue = parsed.error.issues[0];
      problems.push({
        path: ['head', 'monitoring', ...(issue?.path ?? []).map(String)].join('.'),
        message: `malformed monitoring window: ${issue?.message ?? 'invalid'}`,
      });
    }
  }
  const state = deriveStatus(doc, problems);
  const messages = readEntries(rootArray(doc, 'messages'), messageEntrySchema, 'messages', problems)
    .map(({ entry }): MessageView => ({
      id: entry.id,
      text: entry.text,
      attachments: entry.att ?? [],
      by: fromStoredActor(entry.by),
      at: entry.at,
    }))
    .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const { patientId, encounterId, priority, routing, question, snapshot } = head.data;
  return ok({
    docId: consultDocId(meta.value.id as ConsultId),
    id: meta.value.id as ConsultId,
    homeClinicId: meta.value.homeClinicId,
    createdAt: meta.value.createdAt,
    createdBy: meta.value.createdBy,
    schemaVersion: meta.value.schemaVersion,
    patientId: patientId as PatientId,
    ...(encounterId !== undefined && { encounterId: encounterId as EncounterId }),
    priority,
    routing,
    question,
    snapshot,
    ...(monitoring !== undefined && { monitoring }),
    status: state.status,
    concurrentStatuses: state.concurrent,
    transitions: state.transitions,
    messages,
    answers: state.transitions.flatMap((t) =>
      t.answer === undefined ? [] : [{ ...t.answer, transitionId: t.id, by: t.by, at: t.at }],
    ),
    ...sendTimes(state.transitions),
    problems,
  });
}

// ---------------------------------------------------------------------------
// Operations

const createConsultSchema = z.strictObject({
  homeClinicId: uuidSchema,
  patientId: uuidSchema,
  encounterId: uuidSchema.optional(),
  priority: z.enum(PRIORITIES),
  routing: routingSchema,
  question: z.string().trim().min(1).max(4000),
  /** What the specialist sees of the patient, frozen now (demographics summary, vitals, risk, photo hashes). */
  snapshot: jsonSchema(SNAPSHOT_MAX_CHARS).refine(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    {
      message: 'must be a JSON object',
    },
  ),
  /** A window of the monitoring raw stream (at most 60 minutes at 1 Hz), frozen now. */
  monitoring: monitoringWindowSchema.optional(),
});
export type CreateConsultInput = z.input<typeof createConsultSchema>;

const postMessageSchema = z.strictObject({
  text: z.string().trim().min(1).max(4000),
  attachments: z.array(sha256Schema).max(10).optional(),
});
export type PostConsultMessageInput = z.input<typeof postMessageSchema>;

const answerInputSchema = z.strictObject({
  advice: z.string().trim().min(1).max(4000),
  disposition: z.enum(DISPOSITIONS),
  template: z.string().trim().min(1).max(60).optional(),
});
export type AnswerConsultInput = z.input<typeof answerInputSchema>;

const changeStatusSchema = z.strictObject({
  to: z.enum(CONSULT_STATUSES),
  note: z.string().trim().min(1).max(1000).optional(),
});
export type ChangeConsultStatusInput = z.input<typeof changeStatusSchema>;

const origin = (ctx: OpContext, op: string) =>
  ctx.origin ?? { source: 'outpost/model', op, actor: ctx.actor };

/** Initialises an empty Y.Doc as a consult in status draft; returns its id. */
export function createConsult(
  doc: Y.Doc,
  ctx: OpContext,
  input: CreateConsultInput,
): Result<ConsultId, ModelError> {
  const now = checkContext(ctx);
  if (!now.ok) return now;
  if (rootMap(doc, 'meta').size > 0) return err({ type: 'DocumentAlreadyInitialised' });
  const parsed = parseWith(createConsultSchema, input);
  if (!parsed.ok) return parsed;
  const id = ctx.ids.newId() as ConsultId;
  const { homeClinicId, ...head } = parsed.value;
  doc.transact(
    () => {
      const meta = rootMap(doc, 'meta');
      meta.set('kind', 'consult');
      meta.set('id', id);
      meta.set('homeClinicId', homeClinicId);
      meta.set('createdAt', now.value);
      meta.set('createdBy', toStoredActor(ctx.actor));
      meta.set('schemaVersion', CURRENT_SCHEMA_VERSION);
      const headMap = rootMap(doc, 'head');
      for (const [key, value] of Object.entries(head))
        if (value !== undefined) headMap.set(key, value);
    },
    origin(ctx, 'createConsult'),
  );
  return ok(id);
}

function prepare(doc: Y.Doc, ctx: OpContext) {
  const now = checkContext(ctx);
  if (!now.ok) return now;
  const meta = openForWrite(doc, 'consult');
  if (!meta.ok) return meta;
  const state = deriveStatus(doc, []);
  return ok({ now: now.value, state });
}

/** Posts a message (health worker or specialist); returns its id. Refused once closed. */
export function postConsultMessage(
  doc: Y.Doc,
  ctx: OpContext,
  input: PostConsultMessageInput,
): Result<string, ModelError> {
  const prepared = prepare(doc, ctx);
  if (!prepared.ok) return prepared;
  const parsed = parseWith(postMessageSchema, input);
  if (!parsed.ok) return parsed;
  if (prepared.value.state.status === 'closed') return err({ type: 'ConsultClosed' });
  const id = ctx.ids.newId();
  const { text, attachments } = parsed.value;
  doc.transact(
    () => {
      rootArray(doc, 'messages').push([
        {
          id,
          text,
          ...(attachments !== undefined && attachments.length > 0 && { att: attachments }),
          at: prepared.value.now,
          by: toStoredActor(ctx.actor),
        },
      ]);
    },
    origin(ctx, 'postConsultMessage'),
  );
  return ok(id);
}

/**
 * Moves the consult to `to`, from the status this replica currently derives.
 * Invalid transitions are refused. Returns the new status as derived here.
 */
export function changeConsultStatus(
  doc: Y.Doc,
  ctx: OpContext,
  input: ChangeConsultStatusInput,
): Result<ConsultStatus, ModelError> {
  const prepared = prepare(doc, ctx);
  if (!prepared.ok) return prepared;
  const parsed = parseWith(changeStatusSchema, input);
  if (!parsed.ok) return parsed;
  const { state, now } = prepared.value;
  const { to, note } = parsed.value;
  if (state.status === 'closed') return err({ type: 'ConsultClosed' });
  if (!canTransition(state.status, to))
    return err({ type: 'InvalidStatusTransition', from: state.status, to });
  const id = ctx.ids.newId();
  doc.transact(
    () => {
      rootArray(doc, 'transitions').push([
        {
          id,
          prev: [...state.heads],
          from: state.status,
          to,
          ...(note !== undefined && { note }),
          at: now,
          by: toStoredActor(ctx.actor),
        },
      ]);
    },
    origin(ctx, 'changeConsultStatus'),
  );
  return ok(to);
}

/**
 * The specialist signs an answer: advice and a disposition, carried by the
 * transition to `answered` (so the health worker sees it only once signed).
 * From `sent` or `received` the consult is marked `opened` first, in the same
 * change. Refused from any other status (a request for more information must be
 * re-sent by the health worker first).
 */
export function answerConsult(
  doc: Y.Doc,
  ctx: OpContext,
  input: AnswerConsultInput,
): Result<'answered', ModelError> {
  const prepared = prepare(doc, ctx);
  if (!prepared.ok) return prepared;
  const parsed = parseWith(answerInputSchema, input);
  if (!parsed.ok) return parsed;
  const { state, now } = prepared.value;
  if (state.status === 'closed') return err({ type: 'ConsultClosed' });
  const opensFirst = state.status === 'sent' || state.status === 'received';
  if (!opensFirst && state.status !== 'opened')
    return err({ type: 'InvalidStatusTransition', from: state.status, to: 'answered' });
  const by = toStoredActor(ctx.actor);
  const openedId = opensFirst ? ctx.ids.newId() : undefined;
  const answeredId = ctx.ids.newId();
  const { advice, disposition, template } = parsed.value;
  doc.transact(
    () => {
      const transitions = rootArray(doc, 'transitions');
      if (openedId !== undefined)
        transitions.push([
          { id: openedId, prev: [...state.heads], from: state.status, to: 'opened', at: now, by },
        ]);
      transitions.push([
        {
          id: answeredId,
          prev: openedId !== undefined ? [openedId] : [...state.heads],
          from: 'opened',
          to: 'answered',
          answer: { advice, disposition, ...(template !== undefined && { template }) },
          at: now,
          by,
        },
      ]);
    },
    origin(ctx, 'answerConsult'),
  );
  return ok('answered');
}
