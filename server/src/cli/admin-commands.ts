/**
 * `pnpm outpost user add|reset|disable`, `clinic add`, `device enroll-code|revoke`:
 * the operator's administration commands, straight on the database (the same
 * repositories as the admin API; every change audited with `via: cli`).
 * Passwords are generated and printed once; they are stored only as hashes.
 */
import { parseArgs } from 'node:util';
import { uuidv7 } from 'uuidv7';
import { hashPassword } from '../auth/passwords';
import { newEnrollmentCode, randomToken, sha256 } from '../auth/secrets';
import type { Database } from '../db/database';
import { ROLES, type Role } from '../db/schema';
import { createAuditRepository } from '../repositories/audit-repository';
import { createIdentityRepository } from '../repositories/identity-repository';
import { StartupError } from '../startup-error';

export const ADMIN_HELP = `Administration (straight on the database; stop a server using the embedded database first):
  user add --username U --name "N" --role R [--clinic ID]... [--district ID] [--specialty S]...
                                  Roles: ${ROLES.join(', ')}. Prints a one-time password.
  user reset --username U         New one-time password; ends the user's sessions
  user disable --username U       Disables the account; ends its sessions
  clinic add --name "N" --district ID [--district-name "D"]
                                  (--district-name creates the district)
  device enroll-code --clinic ID [--minutes M]
                                  A single-use enrollment code (default 60 min, at most 7 days)
  device revoke --device ID       Revokes a device and ends its sessions
`;

export interface AdminIo {
  readonly stdout: NodeJS.WritableStream;
  readonly now: () => number;
}

const fail = (message: string): never => {
  throw new StartupError(message);
};

export async function runAdminCommand(
  group: 'user' | 'clinic' | 'device',
  args: string[],
  database: Database,
  io: AdminIo,
): Promise<void> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      username: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      clinic: { type: 'string', multiple: true },
      district: { type: 'string' },
      'district-name': { type: 'string' },
      specialty: { type: 'string', multiple: true },
      minutes: { type: 'string' },
      device: { type: 'string' },
      data: { type: 'string' },
      port: { type: 'string' },
    },
    strict: true,
  });
  const identity = createIdentityRepository(database.db);
  const audit = createAuditRepository(database.db, { now: io.now });
  const at = () => new Date(io.now());
  const print = (line: string) => io.stdout.write(`${line}\n`);
  const log = (
    action: string,
    details: Record<string, unknown>,
    extra: { clinicId?: string; deviceId?: string } = {},
  ) =>
    audit.append([
      {
        action,
        outcome: 'success',
        clinicId: extra.clinicId ?? null,
        deviceId: extra.deviceId ?? null,
        details: { ...details, via: 'cli' },
      },
    ]);
  const need = (value: string | undefined, flag: string) =>
    value ?? fail(`--${flag} is required. See \`pnpm outpost --help\`.`);
  const userNamed = async (username: string) =>
    (await identity.findUserByUsername(username)) ?? fail(`No user "${username}".`);

  switch (`${group} ${action ?? ''}`) {
    case 'user add': {
      const username = need(values.username, 'username').trim().toLowerCase();
      if (!/^[a-z0-9._-]{3,40}$/.test(username)) fail('--username: 3–40 of a–z, 0–9, . _ -');
      const role = need(values.role, 'role') as Role;
      if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}.`);
      const clinicIds = values.clinic ?? [];
      for (const id of clinicIds)
        if (!/^[0-9a-f-]{36}$/i.test(id) || !(await identity.getClinic(id)))
          fail(`No clinic ${id}.`);
      if ((role === 'health-worker' || role === 'clinician') && clinicIds.length === 0)
        fail('A health worker or clinician needs --clinic.');
      const districtId = values.district ?? null;
      if (role === 'district-admin' && districtId === null)
        fail('A district admin needs --district.');
      if (districtId !== null && !(await identity.districtExists(districtId)))
        fail(`No district ${districtId}.`);
      const password = randomToken(12);
      const id = uuidv7();
      const created = await identity.createUser({
        id,
        username,
        displayName: need(values.name, 'name'),
        role,
        districtId,
        specialties: values.specialty ?? [],
        clinicIds,
        passwordHash: await hashPassword(password),
        mustChangePassword: true,
      });
      if (!created) fail(`The username "${username}" is taken.`);
      await log('admin.user_add', { targetUserId: id, role });
      print(`User ${username} (${role}) created.`);
      print(`One-time password (shown once): ${password}`);
      return;
    }
    case 'user reset': {
      const user = await userNamed(need(values.username, 'username'));
      const password = randomToken(12);
      await identity.setPassword(user.id, await hashPassword(password), true);
      const ended = await identity.revokeUserSessions(user.id, 'password_reset', at());
      await log('admin.user_reset', { targetUserId: user.id, sessionsEnded: ended });
      print(`Password of ${user.username} reset; ${ended} session(s) ended.`);
      print(`One-time password (shown once): ${password}`);
      return;
    }
    case 'user disable': {
      const user = await userNamed(need(values.username, 'username'));
      await identity.disableUser(user.id, at());
      const ended = await identity.revokeUserSessions(user.id, 'user_disabled', at());
      await log('admin.user_disable', { targetUserId: user.id, sessionsEnded: ended });
      print(`User ${user.username} disabled; ${ended} session(s) ended.`);
      return;
    }
    case 'clinic add': {
      const districtId = need(values.district, 'district');
      if (!/^[0-9a-f-]{36}$/i.test(districtId)) fail('--district must be a UUID.');
      if (values['district-name'] !== undefined)
        await identity.ensureDistrict(districtId, values['district-name']);
      else if (!(await identity.districtExists(districtId)))
        fail(`No district ${districtId}; add --district-name to create it.`);
      const clinic = { id: uuidv7(), name: need(values.name, 'name'), districtId };
      await identity.createClinic(clinic);
      await log('admin.clinic_add', { name: clinic.name }, { clinicId: clinic.id });
      print(`Clinic "${clinic.name}" created: ${clinic.id}`);
      return;
    }
    case 'device enroll-code': {
      const clinicId = need(values.clinic?.[0], 'clinic');
      if (!/^[0-9a-f-]{36}$/i.test(clinicId)) fail('--clinic must be a UUID.');
      const clinic = (await identity.getClinic(clinicId)) ?? fail(`No clinic ${clinicId}.`);
      const minutes = Number(values.minutes ?? 60);
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > 7 * 24 * 60)
        fail('--minutes must be 1 to 10080.');
      const code = newEnrollmentCode();
      const id = uuidv7();
      const expiresAt = new Date(io.now() + minutes * 60_000);
      await identity.createEnrollmentCode({
        id,
        codeHash: sha256(code),
        clinicId,
        createdBy: null,
        createdAt: at(),
        expiresAt,
      });
      await log(
        'admin.enrollment_code',
        { codeId: id, expiresAt: expiresAt.toISOString() },
        { clinicId },
      );
      print(`Enrollment code for ${clinic.name}: ${code}`);
      print(`Single use; expires ${expiresAt.toISOString()}.`);
      return;
    }
    case 'device revoke': {
      const deviceId = need(values.device, 'device');
      if (!/^[0-9a-f-]{36}$/i.test(deviceId)) fail('--device must be a UUID.');
      const device = (await identity.getDevice(deviceId)) ?? fail(`No device ${deviceId}.`);
      await identity.revokeDevice(device.id, null, at());
      await log('admin.device_revoke', {}, { deviceId: device.id, clinicId: device.clinicId });
      print(`Device ${device.label} (${device.id}) revoked; its sessions ended.`);
      return;
    }
    default:
      fail(`Unknown command "${group} ${action ?? ''}". Run \`pnpm outpost --help\` for the list.`);
  }
}
