/**
 * Administration: users, clinics, enrollment codes, devices, the audit trail
 * and the quarantine. A system admin administers everything; a district admin
 * only their district's clinics, devices and non-admin users (policy.ts
 * `administersClinic`). Every change is audited.
 */
import { Hono } from 'hono';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import type { Caller } from '../auth/caller';
import {
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type ScryptParams,
} from '../auth/passwords';
import { administersClinic } from '../auth/policy';
import { newEnrollmentCode, randomToken, sha256 } from '../auth/secrets';
import { ROLES, type Role } from '../db/schema';
import { readJson } from '../http/body';
import { HttpError, badRequest } from '../http/errors';
import type { AuthVariables } from '../middleware/authorize';
import type { AuditRepository } from '../repositories/audit-repository';
import type { IdentityRepository, UserRecord } from '../repositories/identity-repository';

export interface AdminRouteDeps {
  readonly identity: IdentityRepository;
  readonly audit: AuditRepository;
  readonly now: () => number;
  readonly scrypt?: ScryptParams;
  /** Called after a device is revoked or a user disabled (closes live connections at once). */
  readonly onRevoked?: () => void;
}

const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH);
const createUserBody = z.object({
  username: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9._-]{3,40}$/, 'username: 3–40 of a–z, 0–9, . _ -'),
  name: z.string().trim().min(1, 'name is required').max(100),
  role: z.enum(ROLES),
  password: password.optional(),
  clinicIds: z.array(z.uuid()).max(50).default([]),
  districtId: z.uuid().nullable().default(null),
  specialties: z.array(z.string().trim().min(1).max(40)).max(20).default([]),
});
const resetBody = z.object({ password: password.optional() });
const clinicBody = z.object({
  name: z.string().trim().min(1, 'name is required').max(100),
  districtId: z.uuid(),
  /** Creates the district too (system admins only). */
  districtName: z.string().trim().min(1).max(100).optional(),
});
const codeBody = z.object({
  clinicId: z.uuid(),
  expiresInMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
});
const auditQuery = z.object({
  patient: z.string().max(64).optional(),
  user: z.uuid().optional(),
  device: z.uuid().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const uuidParam = z.uuid();

function parseQuery<S extends z.ZodType>(schema: S, query: Record<string, string>): z.infer<S> {
  const result = schema.safeParse(query);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw badRequest('invalid_field', issue?.message ?? 'Invalid query.', issue?.path.join('.'));
  }
  return result.data;
}

function idParam(value: string | undefined): string {
  const parsed = uuidParam.safeParse(value);
  if (!parsed.success) throw new HttpError(404, 'not_found', 'No such item.');
  return parsed.data;
}

const ADMIN_ONLY_ROLES: readonly Role[] = ['district-admin', 'system-admin'];

function publicUser(user: UserRecord) {
  return {
    id: user.id,
    username: user.username,
    name: user.displayName,
    role: user.role,
    districtId: user.districtId,
    clinicIds: user.clinicIds,
    specialties: user.specialties,
    disabled: user.disabledAt !== null,
    mustChangePassword: user.mustChangePassword,
  };
}

export function adminRoutes(deps: AdminRouteDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();
  const { identity, audit } = deps;
  const at = () => new Date(deps.now());

  async function districtClinicIds(districtId: string | null | undefined): Promise<Set<string>> {
    if (districtId == null) return new Set();
    return new Set((await identity.listClinics({ districtId })).map((clinic) => clinic.id));
  }

  /** May this admin manage this user? District admins: non-admins of their district only. */
  async function managesUser(caller: Caller, user: UserRecord): Promise<boolean> {
    if (caller.role === 'system-admin') return true;
    if (ADMIN_ONLY_ROLES.includes(user.role)) return false;
    const mine = await districtClinicIds(caller.districtId);
    return (
      (user.districtId !== null && user.districtId === caller.districtId) ||
      user.clinicIds.some((id) => mine.has(id))
    );
  }

  async function adminAudit(
    caller: Caller,
    action: string,
    details: Record<string, unknown>,
    extra: { deviceId?: string; clinicId?: string; userId?: string } = {},
  ) {
    await audit.append([
      {
        action,
        outcome: 'success',
        userId: caller.userId,
        deviceId: caller.deviceId,
        clinicId: extra.clinicId ?? null,
        details: {
          ...details,
          ...(extra.userId ? { targetUserId: extra.userId } : {}),
          ...(extra.deviceId ? { targetDeviceId: extra.deviceId } : {}),
        },
      },
    ]);
  }

  const forbidden = () => new HttpError(403, 'forbidden', 'This is outside what you administer.');

  app.get('/users', async (c) => {
    const caller = c.get('caller');
    const all = await identity.listUsers();
    const visible = [];
    for (const user of all) if (await managesUser(caller, user)) visible.push(publicUser(user));
    return c.json({ users: visible });
  });

  app.post('/users', async (c) => {
    const caller = c.get('caller');
    const parsed = await readJson(c, createUserBody);
    // A specialist created by a district admin belongs to that district (so the admin can manage them).
    const body =
      caller.role === 'district-admin' && parsed.role === 'specialist' && parsed.districtId === null
        ? { ...parsed, districtId: caller.districtId ?? null }
        : parsed;
    if (caller.role !== 'system-admin') {
      if (ADMIN_ONLY_ROLES.includes(body.role)) throw forbidden();
      const mine = await districtClinicIds(caller.districtId);
      if (!body.clinicIds.every((id) => mine.has(id))) throw forbidden();
      if (body.districtId !== null && body.districtId !== caller.districtId) throw forbidden();
    }
    for (const clinicId of body.clinicIds)
      if ((await identity.getClinic(clinicId)) === undefined)
        throw badRequest('unknown_clinic', `No clinic ${clinicId}.`, 'clinicIds');
    if (body.districtId !== null && !(await identity.districtExists(body.districtId)))
      throw badRequest('unknown_district', `No district ${body.districtId}.`, 'districtId');
    if ((body.role === 'health-worker' || body.role === 'clinician') && body.clinicIds.length === 0)
      throw badRequest(
        'invalid_field',
        'A health worker or clinician needs at least one clinic.',
        'clinicIds',
      );
    if (body.role === 'district-admin' && body.districtId === null)
      throw badRequest('invalid_field', 'A district admin needs a district.', 'districtId');
    const temporary = body.password === undefined ? randomToken(12) : undefined;
    const id = uuidv7();
    const created = await identity.createUser({
      id,
      username: body.username,
      displayName: body.name,
      role: body.role,
      districtId: body.districtId,
      specialties: body.specialties,
      clinicIds: body.clinicIds,
      passwordHash: await hashPassword(body.password ?? temporary!, deps.scrypt),
      mustChangePassword: temporary !== undefined,
    });
    if (!created) throw new HttpError(409, 'username_taken', 'That username is taken.', 'username');
    await adminAudit(caller, 'admin.user_add', { role: body.role }, { userId: id });
    const user = (await identity.getUser(id))!;
    return c.json(
      {
        user: publicUser(user),
        ...(temporary === undefined ? {} : { temporaryPassword: temporary }),
      },
      201,
    );
  });

  app.post('/users/:id/reset', async (c) => {
    const caller = c.get('caller');
    const user = await identity.getUser(idParam(c.req.param('id')));
    if (user === undefined || !(await managesUser(caller, user)))
      throw new HttpError(404, 'not_found', 'No such user.');
    const body = await readJson(c, resetBody);
    const temporary = body.password === undefined ? randomToken(12) : undefined;
    await identity.setPassword(
      user.id,
      await hashPassword(body.password ?? temporary!, deps.scrypt),
      temporary !== undefined,
    );
    const sessions = await identity.revokeUserSessions(user.id, 'password_reset', at());
    deps.onRevoked?.();
    await adminAudit(caller, 'admin.user_reset', { sessionsEnded: sessions }, { userId: user.id });
    return c.json({
      reset: true,
      ...(temporary === undefined ? {} : { temporaryPassword: temporary }),
    });
  });

  app.post('/users/:id/disable', async (c) => {
    const caller = c.get('caller');
    const user = await identity.getUser(idParam(c.req.param('id')));
    if (user === undefined || !(await managesUser(caller, user)))
      throw new HttpError(404, 'not_found', 'No such user.');
    if (user.id === caller.userId)
      throw badRequest('cannot_disable_self', 'You cannot disable your own account.');
    await identity.disableUser(user.id, at());
    const sessions = await identity.revokeUserSessions(user.id, 'user_disabled', at());
    deps.onRevoked?.();
    await adminAudit(
      caller,
      'admin.user_disable',
      { sessionsEnded: sessions },
      { userId: user.id },
    );
    return c.json({ disabled: true });
  });

  app.post('/clinics', async (c) => {
    const caller = c.get('caller');
    const body = await readJson(c, clinicBody);
    if (body.districtName !== undefined) {
      if (caller.role !== 'system-admin') throw forbidden();
      await identity.ensureDistrict(body.districtId, body.districtName);
    } else if (!(await identity.districtExists(body.districtId))) {
      throw badRequest(
        'unknown_district',
        `No district ${body.districtId}; give districtName to create it.`,
        'districtId',
      );
    }
    if (!administersClinic(caller, body.districtId)) throw forbidden();
    const clinic = { id: uuidv7(), name: body.name, districtId: body.districtId };
    await identity.createClinic(clinic);
    await adminAudit(caller, 'admin.clinic_add', { name: clinic.name }, { clinicId: clinic.id });
    return c.json({ clinic }, 201);
  });

  app.post('/enrollment-codes', async (c) => {
    const caller = c.get('caller');
    const body = await readJson(c, codeBody);
    const clinic = await identity.getClinic(body.clinicId);
    if (clinic === undefined)
      throw badRequest('unknown_clinic', `No clinic ${body.clinicId}.`, 'clinicId');
    if (!administersClinic(caller, clinic.districtId)) throw forbidden();
    const code = newEnrollmentCode();
    const id = uuidv7();
    const expiresAt = new Date(deps.now() + body.expiresInMinutes * 60_000);
    await identity.createEnrollmentCode({
      id,
      codeHash: sha256(code),
      clinicId: clinic.id,
      createdBy: caller.userId,
      createdAt: at(),
      expiresAt,
    });
    await adminAudit(
      caller,
      'admin.enrollment_code',
      { codeId: id, expiresAt: expiresAt.toISOString() },
      { clinicId: clinic.id },
    );
    return c.json({ code, clinicId: clinic.id, expiresAt: expiresAt.toISOString() }, 201);
  });

  app.get('/devices', async (c) => {
    const caller = c.get('caller');
    const devices = await identity.listDevices(
      caller.role === 'system-admin'
        ? {}
        : { districtId: caller.districtId ?? '00000000-0000-0000-0000-000000000000' },
    );
    return c.json({
      devices: devices.map((device) => ({
        id: device.id,
        clinicId: device.clinicId,
        label: device.label,
        enrolledAt: device.enrolledAt.toISOString(),
        lastSeenAt: device.lastSeenAt?.toISOString() ?? null,
        revokedAt: device.revokedAt?.toISOString() ?? null,
      })),
    });
  });

  app.post('/devices/:id/revoke', async (c) => {
    const caller = c.get('caller');
    const device = await identity.getDevice(idParam(c.req.param('id')));
    if (device === undefined || !administersClinic(caller, device.districtId))
      throw new HttpError(404, 'not_found', 'No such device.');
    const revoked = await identity.revokeDevice(device.id, caller.userId, at());
    deps.onRevoked?.();
    await adminAudit(
      caller,
      'admin.device_revoke',
      { alreadyRevoked: !revoked },
      { deviceId: device.id, clinicId: device.clinicId },
    );
    return c.json({ revoked: true });
  });

  app.get('/audit', async (c) => {
    const caller = c.get('caller');
    const query = parseQuery(auditQuery, c.req.query());
    const rows = await audit.search({
      ...(query.patient === undefined ? {} : { patientDocId: query.patient }),
      ...(query.user === undefined ? {} : { userId: query.user }),
      ...(query.device === undefined ? {} : { deviceId: query.device }),
      ...(query.from === undefined ? {} : { from: new Date(query.from) }),
      ...(query.to === undefined ? {} : { to: new Date(query.to) }),
      ...(query.before === undefined ? {} : { before: query.before }),
      ...(caller.role === 'system-admin'
        ? {}
        : { clinicIds: [...(await districtClinicIds(caller.districtId))] }),
      limit: query.limit,
    });
    await adminAudit(caller, 'admin.audit_search', {
      filters: Object.keys(c.req.query()).sort(),
      rows: rows.length,
    });
    const last = rows.at(-1);
    return c.json({
      entries: rows.map((row) => ({
        ...row,
        serverTime: row.serverTime.toISOString(),
        deviceTime: row.deviceTime?.toISOString() ?? null,
      })),
      nextBefore: rows.length === query.limit && last !== undefined ? last.id : null,
    });
  });

  app.get('/quarantine', async (c) => {
    const caller = c.get('caller');
    const deviceIds =
      caller.role === 'system-admin'
        ? undefined
        : (
            await identity.listDevices({
              districtId: caller.districtId ?? '00000000-0000-0000-0000-000000000000',
            })
          ).map((d) => d.id);
    const entries = await identity.listQuarantine(deviceIds === undefined ? {} : { deviceIds });
    return c.json({
      entries: entries.map((entry) => ({
        ...entry,
        receivedAt: entry.receivedAt.toISOString(),
        reviewedAt: entry.reviewedAt?.toISOString() ?? null,
      })),
    });
  });

  return app;
}
