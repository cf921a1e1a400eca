/**
 * Devices and sessions: enrollment, sign-in, refresh, sign-out, `me`, live
 * tickets and tablet audit events. Shapes are documented in docs/security.md.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { parseDocId } from '@outpost/shared/model';
import type { Caller } from '../auth/caller';
import { actingCaller, documentAccess } from '../auth/policy';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../auth/passwords';
import { readJson } from '../http/body';
import { HttpError } from '../http/errors';
import { unauthorized, type AuthVariables } from '../middleware/authorize';
import type { AuditRepository } from '../repositories/audit-repository';
import type { IdentityRepository } from '../repositories/identity-repository';
import type { SyncRepository } from '../repositories/sync-repository';
import type { BackoffLimiter } from '../security/rate-limit';
import type { LiveTickets } from '../security/live-tickets';
import type { AuthService } from '../services/auth-service';
import { documentFacts } from '../repositories/document-facts';
import type { Db } from '../db/database';

export interface AuthRouteDeps {
  readonly auth: AuthService;
  readonly identity: IdentityRepository;
  readonly audit: AuditRepository;
  readonly sync: SyncRepository;
  readonly db: Db;
  readonly tickets: LiveTickets;
  readonly limits: { account: BackoffLimiter; address: BackoffLimiter; enroll: BackoffLimiter };
  readonly now: () => number;
}

const enrollBody = z.object({
  code: z.string().min(1, 'code is required').max(64),
  label: z.string().trim().min(1, 'label is required').max(80),
});
const signInBody = z.object({
  username: z.string().trim().min(1, 'username is required').max(64),
  password: z.string().min(1, 'password is required').max(256),
});
const changePasswordBody = z.object({
  currentPassword: z.string().min(1, 'currentPassword is required').max(MAX_PASSWORD_LENGTH),
  newPassword: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `newPassword: at least ${MIN_PASSWORD_LENGTH} characters`)
    .max(MAX_PASSWORD_LENGTH, `newPassword: at most ${MAX_PASSWORD_LENGTH} characters`),
});
const refreshBody = z.object({
  refreshToken: z.string().min(1, 'refreshToken is required').max(100),
});
const ticketBody = z.object({ docId: z.string().max(64) });
const auditEventsBody = z.object({
  events: z
    .array(
      z.object({
        action: z.enum([
          'record.open',
          'record.print',
          'record.export',
          'unlock',
          'unlock_failed',
          'lock',
          'user_switch',
          'wipe',
        ]),
        outcome: z.enum(['success', 'failure', 'denied']),
        userId: z.uuid().nullable(),
        docId: z
          .string()
          .max(64)
          .refine((value) => parseDocId(value).ok, 'docId must be patient/<uuid> or consult/<uuid>')
          .nullable(),
        deviceTime: z.number().int().nonnegative(),
        details: z
          .record(z.string().max(40), z.union([z.string().max(200), z.number(), z.boolean()]))
          .optional(),
      }),
    )
    .min(1)
    .max(500),
});

function tooMany(retryAfterMs: number): HttpError {
  const seconds = Math.ceil(retryAfterMs / 1000);
  return new HttpError(429, 'too_many_attempts', `Too many attempts. Try again in ${seconds} s.`);
}

export function authRoutes(deps: AuthRouteDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();

  app.post('/devices/enroll', async (c) => {
    const address = c.get('address');
    const wait = deps.limits.enroll.retryAfterMs(address);
    if (wait > 0) {
      c.header('Retry-After', String(Math.ceil(wait / 1000)));
      throw tooMany(wait);
    }
    const body = await readJson(c, enrollBody);
    const result = await deps.auth.enroll({ code: body.code, label: body.label, address });
    if (!result.ok) {
      deps.limits.enroll.fail(address);
      throw new HttpError(
        400,
        'invalid_enrollment_code',
        'This enrollment code is not valid, already used or expired. Ask your administrator for a new one.',
        'code',
      );
    }
    deps.limits.enroll.succeed(address);
    return c.json(result.value, 201);
  });

  app.post('/auth/sign-in', async (c) => {
    const address = c.get('address');
    const body = await readJson(c, signInBody);
    const account = body.username.toLowerCase();
    const wait = Math.max(
      deps.limits.account.retryAfterMs(account),
      deps.limits.address.retryAfterMs(address),
    );
    if (wait > 0) {
      c.header('Retry-After', String(Math.ceil(wait / 1000)));
      throw tooMany(wait);
    }
    const result = await deps.auth.signIn({ ...body, device: c.get('device'), address });
    if (!result.ok) {
      if (result.error === 'invalid_credentials') {
        deps.limits.account.fail(account);
        deps.limits.address.fail(address);
        throw new HttpError(401, 'invalid_credentials', 'The username or password is wrong.');
      }
      if (result.error === 'account_disabled')
        throw new HttpError(403, 'account_disabled', 'This account has been disabled.');
      throw new HttpError(
        403,
        'not_a_member',
        'You do not work at the clinic this device is enrolled to.',
      );
    }
    deps.limits.account.succeed(account);
    return c.json(result.value);
  });

  app.post('/auth/refresh', async (c) => {
    const body = await readJson(c, refreshBody);
    const result = await deps.auth.refresh({
      refreshToken: body.refreshToken,
      device: c.get('device'),
    });
    if (!result.ok) throw unauthorized(result.error);
    return c.json(result.value);
  });

  /** The signed-in user chooses a new password (first of all to replace an administrator's one-time password). */
  app.post('/auth/password', async (c) => {
    const caller = c.get('caller');
    const address = c.get('address');
    const body = await readJson(c, changePasswordBody);
    const wait = deps.limits.account.retryAfterMs(caller.userId);
    if (wait > 0) {
      c.header('Retry-After', String(Math.ceil(wait / 1000)));
      throw tooMany(wait);
    }
    const result = await deps.auth.changePassword({ caller, ...body, address });
    if (!result.ok) {
      if (result.error === 'same_password')
        throw new HttpError(
          400,
          'same_password',
          'The new password must differ from the current one.',
          'newPassword',
        );
      deps.limits.account.fail(caller.userId);
      throw new HttpError(
        400,
        'invalid_credentials',
        'The current password is wrong.',
        'currentPassword',
      );
    }
    deps.limits.account.succeed(caller.userId);
    return c.json({ changed: true, endedSessions: result.value.endedSessions });
  });

  app.post('/auth/sign-out', async (c) => {
    await deps.auth.signOut(c.get('caller'));
    return c.json({ signedOut: true });
  });

  app.post('/auth/sign-out-everywhere', async (c) => {
    const sessions = await deps.auth.signOutEverywhere(c.get('caller'));
    return c.json({ signedOut: true, sessions });
  });

  app.get('/me', async (c) => {
    const caller = c.get('caller');
    const user = await deps.identity.getUser(caller.userId);
    const device = await deps.identity.getDevice(caller.deviceId);
    return c.json({
      user: user && {
        id: user.id,
        name: user.displayName,
        role: user.role,
        clinicIds: user.clinicIds,
        districtId: user.districtId,
        specialties: user.specialties,
        mustChangePassword: user.mustChangePassword,
      },
      device: device && { id: device.id, clinicId: device.clinicId, label: device.label },
    });
  });

  app.post('/live/ticket', async (c) => {
    const caller = c.get('caller');
    const body = await readJson(c, ticketBody);
    if (!parseDocId(body.docId).ok)
      throw new HttpError(
        400,
        'invalid_document_id',
        'docId must be patient/<uuid> or consult/<uuid>.',
        'docId',
      );
    const access = await liveAccess(deps, caller, body.docId);
    if (access === 'none') {
      await deps.audit.append([
        {
          action: 'live.ticket',
          outcome: 'denied',
          userId: caller.userId,
          deviceId: caller.deviceId,
          docId: body.docId,
        },
      ]);
      throw new HttpError(403, 'forbidden', 'You may not open this record.', 'docId');
    }
    const { ticket, expiresAt } = deps.tickets.mint({
      userId: caller.userId,
      deviceId: caller.deviceId,
      sessionId: caller.sessionId!,
      docId: body.docId,
    });
    return c.json({
      ticket,
      expiresAt,
      url: `/ws/${body.docId}?ticket=${encodeURIComponent(ticket)}`,
    });
  });

  app.post('/audit/events', async (c) => {
    const device = c.get('device');
    const body = await readJson(c, auditEventsBody);
    await deps.audit.append(
      body.events.map((event) => ({
        action: `tablet.${event.action}`,
        outcome: event.outcome,
        userId: event.userId,
        deviceId: device.id,
        clinicId: device.clinicId,
        docId: event.docId,
        patientDocId: event.docId?.startsWith('patient/') ? event.docId : null,
        deviceTime: new Date(event.deviceTime),
        details: { ...(event.details ?? {}), reportedBy: 'device' },
      })),
    );
    return c.json({ accepted: body.events.length });
  });

  return app;
}

/** The access a caller would have on the live channel for this record (its home clinic, or theirs for a new one). */
export async function liveAccess(
  deps: { db: Db; sync: SyncRepository },
  caller: Caller,
  docId: string,
) {
  const facts = await documentFacts(deps.db, docId, caller.clinicId);
  if (facts === undefined) return 'none' as const;
  return documentAccess(actingCaller(caller, facts), facts);
}
