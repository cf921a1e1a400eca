/**
 * Authorisation, default deny. Two tables:
 *
 * 1. ROUTE_POLICIES: every HTTP route of createApp, by `METHOD /path` exactly as
 *    Hono's route table names it. middleware/authorize.ts enforces it before any
 *    handler runs; a route missing here answers 403 `no_policy`, and
 *    test/route-policies.test.ts fails when Hono's route table and this table differ.
 * 2. documentAccess: what a principal may do with one record (batch sync pushes
 *    and pulls, the live channel's open and every message).
 *
 * Scope checks that depend on the object (which clinic, which district) are made
 * in the handler with the helpers below and are listed in docs/security.md.
 */
import type { Role } from '../db/schema';
import type { Caller } from './caller';

export type RoutePolicy =
  /** Anyone, no credentials (say why). */
  | { readonly kind: 'public'; readonly why: string }
  /** An enrolled, unrevoked device proving its secret (X-Outpost-Device + X-Outpost-Device-Secret). */
  | { readonly kind: 'device' }
  /** A signed-in user (Bearer access token) with one of the roles, on an active session and device. */
  | {
      readonly kind: 'user';
      readonly roles: readonly Role[];
      /** A revoked device's request body is kept in quarantine before the 401 (C11). */
      readonly quarantineRevoked?: boolean;
      /**
       * Open to a user who still has an administrator's one-time password
       * (choosing their own, who am I, sign out); every other route answers
       * 403 `password_change_required` until they have chosen.
       */
      readonly beforePasswordChange?: boolean;
    };

export const ALL_ROLES: readonly Role[] = [
  'health-worker',
  'clinician',
  'specialist',
  'district-admin',
  'system-admin',
];
/** Roles that read or write patient records. */
export const RECORD_ROLES: readonly Role[] = [
  'health-worker',
  'clinician',
  'specialist',
  'district-admin',
];
export const ADMIN_ROLES: readonly Role[] = ['district-admin', 'system-admin'];
/** Roles that may write consults (photos, replies); district admins only read. */
export const CONSULT_WRITERS: readonly Role[] = ['health-worker', 'clinician', 'specialist'];

const user = (
  roles: readonly Role[],
  extra: Partial<Omit<Extract<RoutePolicy, { kind: 'user' }>, 'kind' | 'roles'>> = {},
): RoutePolicy => ({
  kind: 'user',
  roles,
  ...extra,
});

export const ROUTE_POLICIES: Readonly<Record<string, RoutePolicy>> = {
  'GET /healthz': { kind: 'public', why: 'liveness for load balancers; no data' },
  'GET /api/version': { kind: 'public', why: 'the app checks for updates before sign-in' },
  'GET /ca.crt': {
    kind: 'public',
    why: 'the clinic CA’s public certificate, which a tablet installs before it can trust https; no key',
  },
  'POST /api/devices/enroll': {
    kind: 'public',
    why: 'the one-time code is the credential; rate-limited per address',
  },
  'POST /api/auth/sign-in': { kind: 'device' },
  'POST /api/auth/refresh': { kind: 'device' },
  'POST /api/audit/events': { kind: 'device' },
  'POST /api/auth/sign-out': user(ALL_ROLES, { beforePasswordChange: true }),
  'POST /api/auth/sign-out-everywhere': user(ALL_ROLES, { beforePasswordChange: true }),
  'POST /api/auth/password': user(ALL_ROLES, { beforePasswordChange: true }),
  'GET /api/me': user(ALL_ROLES, { beforePasswordChange: true }),
  'GET /api/clinics': user(ALL_ROLES),
  // Members of the clinic and its district admin: decided per clinic in routes/clinics.ts.
  'GET /api/clinics/:id/staff': user(RECORD_ROLES),
  'POST /api/sync': user(RECORD_ROLES, { quarantineRevoked: true }),
  'POST /api/live/ticket': user(RECORD_ROLES),
  // Consults (docs/consults.md): which consults each role sees is decided per consult in routes/consults.ts.
  'GET /api/consults': user(RECORD_ROLES),
  'GET /api/consults/stalled': user(RECORD_ROLES),
  'GET /api/consults/:id': user(RECORD_ROLES),
  // Photos: uploaded by those who write consults; served per consult (routes/attachments.ts).
  'POST /api/attachments': user(CONSULT_WRITERS),
  'PUT /api/attachments/:uploadId': user(CONSULT_WRITERS),
  'GET /api/attachments/:sha256': user(RECORD_ROLES),
  // Web Push for urgent consults (501 push_not_configured without OUTPOST_VAPID_*).
  'GET /api/push/public-key': user(['specialist']),
  'POST /api/push/subscriptions': user(['specialist']),
  'DELETE /api/push/subscriptions': user(['specialist']),
  'GET /api/admin/users': user(ADMIN_ROLES),
  'POST /api/admin/users': user(ADMIN_ROLES),
  'POST /api/admin/users/:id/reset': user(ADMIN_ROLES),
  'POST /api/admin/users/:id/disable': user(ADMIN_ROLES),
  'POST /api/admin/clinics': user(ADMIN_ROLES),
  'POST /api/admin/enrollment-codes': user(ADMIN_ROLES),
  'GET /api/admin/devices': user(ADMIN_ROLES),
  'POST /api/admin/devices/:id/revoke': user(ADMIN_ROLES),
  'GET /api/admin/audit': user(ADMIN_ROLES),
  'GET /api/admin/quarantine': user(ADMIN_ROLES),
  'GET /*': { kind: 'public', why: 'the PWA shell and its static assets; no patient data' },
  'HEAD /*': { kind: 'public', why: 'the PWA shell and its static assets; no patient data' },
};

// ---------------------------------------------------------------------------
// Records.

export type DocumentAccess = 'write' | 'read' | 'none';

export interface DocumentFacts {
  readonly kind: 'patient' | 'consult';
  /** False for a record the server has never stored (a creation). */
  readonly exists: boolean;
  /** Its home clinic (for a creation: the clinic the caller acts in). */
  readonly clinicId: string;
  /** The home clinic's district. */
  readonly districtId: string | null;
  /** A consult's routing (read model), when the record is a consult. */
  readonly routing?: {
    readonly specialty: string | null;
    readonly assigneeUserId: string | null;
  } | null;
}

/**
 * - health worker, clinician: read and write every record of the clinic they act in
 *   (their device's clinic, of which they must be a member: checked at sign-in and on every request);
 * - specialist: read and write (reply to) consults routed to them, by name or by one of
 *   their specialties; never patient records, never creating records;
 * - district admin: read records of clinics in their district; never write;
 * - system admin: no record access (administers accounts and devices only).
 */
export function documentAccess(caller: Caller, facts: DocumentFacts): DocumentAccess {
  switch (caller.role) {
    case 'health-worker':
    case 'clinician':
      return facts.clinicId === caller.clinicId && (caller.clinicIds ?? []).includes(facts.clinicId)
        ? 'write'
        : 'none';
    case 'specialist':
      return facts.kind === 'consult' && facts.exists && isRoutedTo(caller, facts.routing)
        ? 'write'
        : 'none';
    case 'district-admin':
      return facts.exists && caller.districtId != null && facts.districtId === caller.districtId
        ? 'read'
        : 'none';
    case 'system-admin':
      return 'none';
  }
}

export function isRoutedTo(caller: Caller, routing: DocumentFacts['routing']): boolean {
  if (routing == null) return false;
  if (routing.assigneeUserId !== null) return routing.assigneeUserId === caller.userId;
  return routing.specialty !== null && (caller.specialties ?? []).includes(routing.specialty);
}

/** What a batch pull returns for the caller's device clinic. */
export type PullScope = 'clinic' | 'routed-consults' | 'none';

export function pullScope(caller: Caller): PullScope {
  switch (caller.role) {
    case 'health-worker':
    case 'clinician':
      return (caller.clinicIds ?? []).includes(caller.clinicId) ? 'clinic' : 'none';
    case 'specialist':
      return 'routed-consults';
    case 'district-admin':
      return caller.districtId != null && caller.deviceDistrictId === caller.districtId
        ? 'clinic'
        : 'none';
    case 'system-admin':
      return 'none';
  }
}

/** Admin scope: a system admin administers everything, a district admin their district's clinics. */
export function administersClinic(caller: Caller, clinicDistrictId: string | null): boolean {
  if (caller.role === 'system-admin') return true;
  return (
    caller.role === 'district-admin' &&
    caller.districtId != null &&
    clinicDistrictId === caller.districtId
  );
}

/**
 * The caller as it acts on this record: specialists and district admins act in
 * the record's home clinic (their access does not come from the device's
 * clinic); health workers and clinicians always act in their device's clinic.
 */
export function actingCaller(caller: Caller, facts: DocumentFacts): Caller {
  if ((caller.role === 'specialist' || caller.role === 'district-admin') && facts.exists)
    return { ...caller, clinicId: facts.clinicId as Caller['clinicId'] };
  return caller;
}
