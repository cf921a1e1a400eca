/**
 * Who is calling: the principal every route, every document and every
 * websocket message is checked against (auth/policy.ts). It is built from a
 * verified access token (middleware/authorize.ts) or a single-use live ticket
 * (live/live-server.ts), both resolved against the database on every request
 * (session, device and user still active), never from what the client claims.
 */
import type { ClinicId, DeviceId, UserId } from '@outpost/shared/ids';
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
  /** The session (refresh-token family). */
  readonly sessionId?: string;
  /** The user's display name (live presence is stamped with it). */
  readonly displayName?: string;
  /**
   * Signed in with a one-time password an administrator set: until the user
   * chooses their own, only the routes that let them do so answer (policy.ts).
   */
  readonly mustChangePassword?: boolean;
}
