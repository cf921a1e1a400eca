/**
 * The identity seam. Until the security work lands (enrolled devices, signed-in
 * users, sessions), a caller is named by three plain identifiers: the device,
 * the clinic and the user. `resolveCaller` is the single function that turns a
 * request's credentials into a `Caller`; the security work replaces its body
 * (tokens, device revocation, roles from the users table) and nothing else.
 *
 * Batch sync reads the headers `X-Outpost-Device`, `X-Outpost-Clinic`,
 * `X-Outpost-User`; the live channel (browsers cannot set websocket headers)
 * also accepts the query parameters `device`, `clinic`, `user`.
 */
import { isUuid, type ClinicId, type DeviceId, type UserId } from '@outpost/shared/ids';
import { err, ok, type Result } from '@outpost/shared/result';

export type CallerRole = 'health-worker' | 'specialist' | 'admin';

export interface Caller {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  readonly clinicId: ClinicId;
  readonly role: CallerRole;
}

/** Where the credentials came from: a header or query-parameter lookup. */
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
  /** True when the clinic exists (and, later, is not suspended). */
  readonly clinicExists: (clinicId: string) => Promise<boolean>;
}

export async function resolveCaller(
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
    // Roles arrive with user accounts (security work); every caller is a health worker until then.
    role: 'health-worker',
  });
}
