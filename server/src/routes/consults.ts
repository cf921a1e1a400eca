/**
 * Consult routes (docs/consults.md): the specialist queue, stalled consults and
 * one consult's summary, all from the consults read model. Who may call them is
 * the route policy (RECORD_ROLES); which consults they see is decided here:
 * specialists those routed to them, district admins their district's, health
 * workers and clinicians their device clinic's. A consult outside that answers
 * 404, exactly like one that does not exist. Every consult shown is audited.
 */
import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import { isUuid } from '@outpost/shared/ids';
import { documentAccess, pullScope } from '../auth/policy';
import type { Caller } from '../auth/caller';
import {
  QUEUE_DEFAULT_LIMIT,
  WAITING_OVER_MS,
  decodeQueueCursor,
  decodeStalledCursor,
  encodeQueueCursor,
  encodeStalledCursor,
  parseStatuses,
  queueParamsSchema,
  stalledParamsSchema,
  toQueueItem,
} from '../consults/queue';
import { HttpError, badRequest, notFound } from '../http/errors';
import type { AuthVariables } from '../middleware/authorize';
import type { ConsultRepository, QueueScope } from '../repositories/consult-repository';
import type { RecordAudit } from '../repositories/record-audit';

export interface ConsultRouteDeps {
  readonly consults: ConsultRepository;
  readonly audit: RecordAudit;
  readonly now: () => number;
}

/** Whose consults the caller sees; 403 when the caller has no such scope on this device. */
export function queueScope(caller: Caller): QueueScope {
  switch (caller.role) {
    case 'health-worker':
    case 'clinician':
      if (pullScope(caller) !== 'clinic')
        throw new HttpError(403, 'forbidden', 'You are not a member of this device’s clinic.');
      return { kind: 'clinic', clinicId: caller.clinicId };
    case 'specialist':
      return { kind: 'routed', userId: caller.userId, specialties: caller.specialties ?? [] };
    case 'district-admin':
      if (caller.districtId == null)
        throw new HttpError(403, 'forbidden', 'Your account has no district.');
      return { kind: 'district', districtId: caller.districtId };
    case 'system-admin':
      throw new HttpError(403, 'forbidden', 'Your role may not see consults.');
  }
}

function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field =
      issue?.code === 'unrecognized_keys' ? issue.keys[0] : issue?.path.map(String).join('.');
    throw badRequest(
      'invalid_field',
      issue?.code === 'unrecognized_keys'
        ? 'Unknown query parameter.'
        : (issue?.message ?? 'Invalid query.'),
      field || undefined,
    );
  }
  return parsed.data;
}

export function consultRoutes(deps: ConsultRouteDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();

  app.get('/', async (c) => {
    const caller = c.get('caller');
    const scope = queueScope(caller);
    const params = parseQuery(c, queueParamsSchema);
    const statuses = parseStatuses(params.status);
    if (!statuses.ok) throw badRequest('invalid_field', statuses.error, 'status');
    const after = params.cursor === undefined ? undefined : decodeQueueCursor(params.cursor);
    if (params.cursor !== undefined && after === undefined)
      throw badRequest('invalid_cursor', 'The cursor is not one this server gave out.', 'cursor');
    const nowMs = deps.now();
    const limit = params.limit ?? QUEUE_DEFAULT_LIMIT;
    const rows = await deps.consults.queue({
      scope,
      statuses: statuses.value,
      ...(params.clinic === undefined ? {} : { clinicId: params.clinic }),
      ...(params.specialty === undefined ? {} : { specialty: params.specialty }),
      ...(params.waitingOver === undefined
        ? {}
        : { waitingBefore: new Date(nowMs - WAITING_OVER_MS[params.waitingOver]!) }),
      ...(after === undefined ? {} : { after }),
      limit,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    await deps.audit.records(
      caller,
      'record.read',
      page.map((row) => ({
        docId: row.docId,
        outcome: 'success' as const,
        details: { via: 'queue' },
      })),
    );
    return c.json({
      consults: page.map((row) => toQueueItem(row, nowMs)),
      nextCursor: rows.length > limit && last !== undefined ? encodeQueueCursor(last) : null,
      serverTime: nowMs,
    });
  });

  // Registered before `/:id`, which would otherwise match it.
  app.get('/stalled', async (c) => {
    const caller = c.get('caller');
    const scope = queueScope(caller);
    const params = parseQuery(c, stalledParamsSchema);
    const after = params.cursor === undefined ? undefined : decodeStalledCursor(params.cursor);
    if (params.cursor !== undefined && after === undefined)
      throw badRequest('invalid_cursor', 'The cursor is not one this server gave out.', 'cursor');
    const nowMs = deps.now();
    const limit = params.limit ?? QUEUE_DEFAULT_LIMIT;
    const rows = await deps.consults.stalled({
      scope,
      now: new Date(nowMs),
      ...(params.clinic === undefined ? {} : { clinicId: params.clinic }),
      ...(after === undefined ? {} : { after }),
      limit,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    await deps.audit.records(
      caller,
      'record.read',
      page.map((row) => ({
        docId: row.docId,
        outcome: 'success' as const,
        details: { via: 'stalled' },
      })),
    );
    return c.json({
      consults: page.map((row) => toQueueItem(row, nowMs)),
      nextCursor:
        rows.length > limit && last?.answerDueAt != null
          ? encodeStalledCursor({ answerDueAt: last.answerDueAt, docId: last.docId })
          : null,
      serverTime: nowMs,
    });
  });

  app.get('/:id', async (c) => {
    const caller = c.get('caller');
    const id = c.req.param('id');
    const missing = notFound('No such consult.');
    if (!isUuid(id)) throw missing;
    const docId = `consult/${id}`;
    const row = await deps.consults.get(docId);
    const access =
      row === undefined
        ? 'none'
        : documentAccess(caller, {
            kind: 'consult',
            exists: true,
            clinicId: row.clinicId,
            districtId: row.districtId,
            routing: { specialty: row.specialty, assigneeUserId: row.assigneeUserId },
          });
    if (row === undefined || access === 'none') {
      if (row !== undefined)
        await deps.audit.records(caller, 'record.read', [
          { docId, outcome: 'denied', details: { via: 'consult-summary' } },
        ]);
      throw missing;
    }
    await deps.audit.records(caller, 'record.read', [
      { docId, outcome: 'success', details: { via: 'consult-summary' } },
    ]);
    return c.json({ consult: toQueueItem(row, deps.now()) });
  });

  return app;
}
