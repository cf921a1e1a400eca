/**
 * Who is calling: the principal every route, every document and every
 * websocket message is checked against (auth/policy.ts). It is built from a
 * verified access token (middleware/authorize.ts) or a single-use live ticket
 * (live/live-server.ts), both resolved against the database on every request
 * (session, device and user still active), never from what the client claims.
 *
 * The transitional header identity (`X-Outpost-Device/Clinic/User`, used by the
 * tablet until its sign-in screens land) is `resolveLegacyCaller`, reachable
 * only when the server runs with OUTPOST_ALLOW_UNAUTHENTICATED_TABLETS=1 or a
 * test passes `allowUnauthenticatedTablets: true` to createApp.
 */
import { isUuid, type ClinicId, type DeviceId, type UserId } from '@outpost/shared/ids';
import { err, ok, type Result } from '@outpost/shared/result';
import type { Role } from '../db/schema';

export type CallerRole = Role;

export interface Caller {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  /**
   * The clinic the caller acts in: the device's clinic for batch sync; on the
   * live channel, the opened document's home clinic once access is granted.
   */
  readonly clinicId: ClinicId;
  readonly role: Role;
  /** The user's district (district admins; specialists optionally). */
  readonly districtId?: string | null;
  /** The district of the device's clinic. */
  readonly deviceDistrictId?: string | null;
  /** Clinics the user is a member of (health workers, clinicians). */
  readonly clinicIds?: readonly string[];
  /** Specialties a specialist answers consults for. */
  readonly specialties?: readonly string[];
  /** The session (refresh-token family); absent for the legacy header identity. */
  readonly sessionId?: string;
  /** True for the transitional header identity: nothing about it was verified. */
  readonly legacy?: boolean;
}

/** Where legacy credentials came from: a header or query-parameter lookup. */
export type CredentialLookup = (name: 'device' | 'clinic' | 'user') => string | undefined;

export interface Unauthenticated {
  readonly type: 'Unauthenticated';
  /** The header that was missing or invalid, e.g. `X-Outpost-Device`. */
  readonly header: string;
  readonly message: string;
}

export const CALLER_HEADERS = {
  device: 'X-Outpost-Device',
  clinic: 'X-Outpost-Clinic',
  user: 'X-Outpost-User',
} as const;

export interface CallerDeps {
  /** True when the clinic exists. */
  readonly clinicExists: (clinicId: string) => Promise<boolean>;
}

/**
 * The transitional, UNVERIFIED header identity (see the module comment). Every
 * caller it yields is a health worker of the named clinic, marked `legacy`.
 */
export async function resolveLegacyCaller(
  lookup: CredentialLookup,
  deps: CallerDeps,
): Promise<Result<Caller, Unauthenticated>> {
  const values: Partial<Record<keyof typeof CALLER_HEADERS, string>> = {};
  for (const name of ['device', 'clinic', 'user'] as const) {
    const value = lookup(name)?.trim().toLowerCase();
    const header = CALLER_HEADERS[name];
    if (value === undefined || value === '')
      return err({ type: 'Unauthenticated', header, message: `The ${header} header is missing.` });
    if (!isUuid(value))
      return err({
        type: 'Unauthenticated',
        header,
        message: `The ${header} header must be a UUID.`,
      });
    values[name] = value;
  }
  const clinicId = values.clinic!;
  if (!(await deps.clinicExists(clinicId))) {
    return err({
      type: 'Unauthenticated',
      header: CALLER_HEADERS.clinic,
      message: `The clinic named by ${CALLER_HEADERS.clinic} does not exist.`,
    });
  }
  return ok({
    userId: values.user! as UserId,
    deviceId: values.device! as DeviceId,
    clinicId: clinicId as ClinicId,
    role: 'health-worker',
    clinicIds: [clinicId],
    legacy: true,
  });
}
