/**
 * Real identities for tests: users created in the database (cheap scrypt), a
 * device enrolled through `POST /api/devices/enroll` with a one-time code, and a
 * user signed in through `POST /api/auth/sign-in`. What a test gets back is the
 * `Authorization` header to send and the `Caller` the server will see.
 */
import { randomUUID } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import type { ClinicId, DeviceId, UserId } from '@outpost/shared/ids';
import type { Caller } from '../../src/auth/caller';
import { hashPassword, TEST_SCRYPT } from '../../src/auth/passwords';
import { newEnrollmentCode, sha256 } from '../../src/auth/secrets';
import type { Db } from '../../src/db/database';
import { clinics, type Role } from '../../src/db/schema';
import { createIdentityRepository } from '../../src/repositories/identity-repository';
import { eq } from 'drizzle-orm';

export interface Requester {
  request(input: string, init?: RequestInit): Response | Promise<Response>;
}

export interface EnrolledDevice {
  readonly deviceId: string;
  readonly deviceSecret: string;
  readonly clinicId: string;
  /** X-Outpost-Device + X-Outpost-Device-Secret. */
  readonly headers: Record<string, string>;
}

export interface TestUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly role: Role;
}

export interface SignedIn {
  readonly caller: Caller;
  readonly user: TestUser;
  readonly device: EnrolledDevice;
  readonly accessToken: string;
  readonly refreshToken: string;
  /** `Authorization: Bearer …` for API requests. */
  readonly headers: Record<string, string>;
}

export interface UserOptions {
  readonly role?: Role;
  /** Memberships (default: the clinic signed in at, for health workers and clinicians). */
  readonly clinicIds?: readonly string[];
  readonly districtId?: string | null;
  readonly specialties?: readonly string[];
}

export const TEST_PASSWORD = 'correct horse battery staple';

export function identityFixture(app: Requester, db: Db) {
  const identity = createIdentityRepository(db);

  async function districtOf(clinicId: string): Promise<string> {
    const [row] = await db
      .select({ districtId: clinics.districtId })
      .from(clinics)
      .where(eq(clinics.id, clinicId));
    if (row === undefined) throw new Error(`no clinic ${clinicId}`);
    return row.districtId;
  }

  /** `nowMs`: the server's clock (tests with a fixed clock pass theirs). */
  async function enrollmentCode(
    clinicId: string,
    expiresInMs = 3600_000,
    nowMs = Date.now(),
  ): Promise<string> {
    const code = newEnrollmentCode();
    await identity.createEnrollmentCode({
      id: uuidv7(),
      codeHash: sha256(code),
      clinicId,
      createdBy: null,
      createdAt: new Date(nowMs),
      expiresAt: new Date(nowMs + expiresInMs),
    });
    return code;
  }

  async function enrollDevice(clinicId: string): Promise<EnrolledDevice> {
    const code = await enrollmentCode(clinicId);
    const response = await app.request('/api/devices/enroll', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, label: 'Test tablet' }),
    });
    if (response.status !== 201)
      throw new Error(`enroll failed: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { deviceId: string; deviceSecret: string };
    return {
      deviceId: body.deviceId,
      deviceSecret: body.deviceSecret,
      clinicId,
      headers: { 'x-outpost-device': body.deviceId, 'x-outpost-device-secret': body.deviceSecret },
    };
  }

  async function createUser(clinicId: string, options: UserOptions = {}): Promise<TestUser> {
    const role = options.role ?? 'health-worker';
    const id = uuidv7();
    const username = `t.${role}.${randomUUID().slice(0, 8)}`;
    const memberships =
      options.clinicIds ?? (role === 'health-worker' || role === 'clinician' ? [clinicId] : []);
    const districtId =
      options.districtId !== undefined
        ? options.districtId
        : role === 'district-admin' || role === 'specialist'
          ? await districtOf(clinicId)
          : null;
    await identity.createUser({
      id,
      username,
      displayName: `Test ${role} (fictional)`,
      role,
      districtId,
      specialties: [...(options.specialties ?? (role === 'specialist' ? ['cardiology'] : []))],
      clinicIds: memberships,
      passwordHash: await hashPassword(TEST_PASSWORD, TEST_SCRYPT),
    });
    return { id, username, password: TEST_PASSWORD, role };
  }

  async function signInAs(user: TestUser, device: EnrolledDevice): Promise<SignedIn> {
    const response = await app.request('/api/auth/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...device.headers },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    if (response.status !== 200)
      throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as {
      accessToken: string;
      refreshToken: string;
      user: { clinicIds: string[]; districtId: string | null };
    };
    const stored = (await identity.getUser(user.id))!;
    const caller: Caller = {
      userId: user.id as UserId,
      deviceId: device.deviceId as DeviceId,
      clinicId: device.clinicId as ClinicId,
      role: user.role,
      districtId: stored.districtId,
      deviceDistrictId: await districtOf(device.clinicId),
      clinicIds: stored.clinicIds,
      specialties: stored.specialties,
    };
    return {
      caller,
      user,
      device,
      accessToken: body.accessToken,
      refreshToken: body.refreshToken,
      headers: { authorization: `Bearer ${body.accessToken}` },
    };
  }

  return {
    identity,
    enrollmentCode,
    enrollDevice,
    createUser,
    signInAs,
    /** A new user of `role` signed in on a new device enrolled to `clinicId`. */
    async signIn(clinicId: string, options: UserOptions = {}): Promise<SignedIn> {
      const device = await enrollDevice(clinicId);
      const user = await createUser(clinicId, options);
      return signInAs(user, device);
    },
    /** A single-use live ticket for `docId` (the `?ticket=` of `/ws/<docId>`). */
    async ticket(session: SignedIn, docId: string): Promise<string> {
      const response = await app.request('/api/live/ticket', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...session.headers },
        body: JSON.stringify({ docId }),
      });
      if (response.status !== 200)
        throw new Error(`ticket failed: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { ticket: string }).ticket;
    },
  };
}

export type IdentityFixture = ReturnType<typeof identityFixture>;

/** An app-like requester over a real base URL (for servers listening on a port). */
export function httpRequester(base: string): Requester {
  return { request: (input, init) => fetch(new URL(input, base), init) };
}
