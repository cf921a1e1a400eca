/**
 * Identity decisions: device enrollment, sign-in, token refresh with rotation
 * and reuse detection, sign-out, and turning credentials into a `Caller`.
 * Every decision is audited (action names in docs/security.md).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { uuidv7 } from 'uuidv7';
import type { ClinicId, DeviceId, UserId } from '@outpost/shared/ids';
import { err, ok, type Result } from '@outpost/shared/result';
import type { Caller } from '../auth/caller';
import { signAccessToken, verifyAccessToken, ACCESS_TOKEN_TTL_SECONDS } from '../auth/jwt';
import {
  DEFAULT_SCRYPT,
  dummyPasswordHash,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  verifyPassword,
  type ScryptParams,
} from '../auth/passwords';
import { digestEquals, normaliseEnrollmentCode, randomToken, sha256 } from '../auth/secrets';
import type { AuditRepository } from '../repositories/audit-repository';
import type {
  DeviceRecord,
  IdentityRepository,
  SessionPrincipal,
  UserRecord,
} from '../repositories/identity-repository';
import { StartupError } from '../startup-error';

/** A refresh token is valid 30 days after it was issued; using it gives a new one. */
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 3600_000;
/** A session (a sign-in on a device) ends 90 days after sign-in, however often it is refreshed. */
export const SESSION_TTL_MS = 90 * 24 * 3600_000;
/** A retried refresh (the response to the first was lost) within this window is not reuse (C12). */
export const REFRESH_GRACE_MS = 30_000;

export type AuthFailureCode =
  | 'unauthenticated'
  | 'token_expired'
  | 'session_revoked'
  | 'device_revoked'
  | 'user_disabled'
  | 'invalid_device_credentials'
  | 'invalid_refresh_token'
  | 'refresh_token_reused';

export interface AuthFailure {
  readonly code: AuthFailureCode;
  readonly message: string;
  /** When known (revoked device, token signature valid): who it was, for quarantine and audit. */
  readonly deviceId?: string;
  readonly userId?: string;
}

const failure = (
  code: AuthFailureCode,
  message: string,
  who: Partial<Pick<AuthFailure, 'deviceId' | 'userId'>> = {},
): AuthFailure => ({ code, message, ...who });

export interface SignedInUser {
  readonly id: string;
  readonly name: string;
  readonly role: UserRecord['role'];
  readonly clinicIds: readonly string[];
  readonly districtId: string | null;
  readonly mustChangePassword: boolean;
}

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds the access token is valid. */
  readonly expiresIn: number;
}

export interface AuthServiceDeps {
  readonly identity: IdentityRepository;
  readonly audit: AuditRepository;
  readonly jwtSecret: Buffer;
  /**
   * The secret device keys are derived from (`deviceKeyOf`); loaded once, lazily
   * (main.ts passes `loadDeviceKeySecret`'s result).
   */
  readonly deviceKeySecret: () => Promise<Buffer>;
  readonly now: () => number;
  readonly logger: Logger;
  /** Cost of the dummy hash verified for unknown users; match the cost real hashes use. */
  readonly scrypt?: ScryptParams;
  /** Access-token lifetime (tests shorten it). */
  readonly accessTokenTtlSeconds?: number;
}

/**
 * The signing key: OUTPOST_JWT_SECRET (at least 32 bytes, base64 or hex or text)
 * in production. Without it, outside production, a random key is generated once
 * and kept in server_meta so tokens survive a restart; never committed anywhere.
 */
export async function loadJwtSecret(
  env: NodeJS.ProcessEnv,
  identity: Pick<IdentityRepository, 'putMetaOnce'>,
  logger: Logger,
): Promise<Buffer> {
  const configured = env.OUTPOST_JWT_SECRET?.trim();
  if (configured) {
    const bytes = Buffer.from(configured, 'utf8');
    if (bytes.length < 32)
      throw new StartupError(
        'OUTPOST_JWT_SECRET must be at least 32 characters (e.g. `openssl rand -base64 48`).',
      );
    return bytes;
  }
  if (env.NODE_ENV === 'production')
    throw new StartupError(
      'OUTPOST_JWT_SECRET must be set in production (e.g. `openssl rand -base64 48`).',
    );
  logger.warn(
    'OUTPOST_JWT_SECRET is not set: using a generated signing key stored in the database (development only).',
  );
  const stored = await identity.putMetaOnce('jwt_secret_dev', randomBytes(48).toString('base64'));
  return Buffer.from(stored, 'base64');
}

/** server_meta key of the generated device-key secret. */
export const DEVICE_KEY_META = 'device_key_wrap_secret';

/**
 * The secret device keys are derived from: OUTPOST_DEVICE_KEY_SECRET (at least 32
 * characters) when set, otherwise 32 random bytes generated once and kept in
 * server_meta (`device_key_wrap_secret`). Changing it makes every tablet's device
 * copy of its clinic secret unusable until a user who signed in there before signs
 * in again (their own copy re-wraps it), so set it once.
 */
export async function loadDeviceKeySecret(
  env: NodeJS.ProcessEnv,
  identity: Pick<IdentityRepository, 'putMetaOnce'>,
): Promise<Buffer> {
  const configured = env.OUTPOST_DEVICE_KEY_SECRET?.trim();
  if (configured) {
    const bytes = Buffer.from(configured, 'utf8');
    if (bytes.length < 32)
      throw new StartupError(
        'OUTPOST_DEVICE_KEY_SECRET must be at least 32 characters (e.g. `openssl rand -base64 48`).',
      );
    return bytes;
  }
  const stored = await identity.putMetaOnce(DEVICE_KEY_META, randomBytes(32).toString('base64'));
  return Buffer.from(stored, 'base64');
}

/**
 * A device's key: base64url(HMAC-SHA256(secret, deviceId)), 32 bytes. The tablet
 * wraps its clinic secret with it so a second user can sign in there (the server
 * escrows the ability to unwrap, never the clinic secret itself). Given only to a
 * user who signed in on that unrevoked device.
 */
export function deviceKeyOf(secret: Buffer, deviceId: string): string {
  return createHmac('sha256', secret).update(deviceId, 'utf8').digest('base64url');
}

export function createAuthService(deps: AuthServiceDeps) {
  const { identity, audit } = deps;
  const scryptParams = deps.scrypt ?? DEFAULT_SCRYPT;
  const accessTtl = deps.accessTokenTtlSeconds ?? ACCESS_TOKEN_TTL_SECONDS;
  const date = () => new Date(deps.now());

  function callerOf(principal: SessionPrincipal): Caller {
    return {
      userId: principal.user.id as UserId,
      deviceId: principal.device.id as DeviceId,
      clinicId: principal.device.clinicId as ClinicId,
      role: principal.user.role,
      districtId: principal.user.districtId,
      deviceDistrictId: principal.device.districtId,
      clinicIds: principal.user.clinicIds,
      specialties: principal.user.specialties,
      sessionId: principal.sessionId,
      mustChangePassword: principal.user.mustChangePassword,
      displayName: principal.user.displayName,
    };
  }

  /** Why this principal may not act now, if it may not. */
  function inactive(principal: SessionPrincipal): AuthFailure | undefined {
    const who = { deviceId: principal.device.id, userId: principal.user.id };
    if (principal.device.revokedAt !== null)
      return failure(
        'device_revoked',
        'This device has been revoked. Hand it to your administrator.',
        who,
      );
    if (principal.user.disabledAt !== null)
      return failure('user_disabled', 'This account has been disabled.', who);
    if (principal.sessionRevokedAt !== null || principal.sessionExpiresAt.getTime() <= deps.now())
      return failure('session_revoked', 'You have been signed out. Sign in again.', who);
    return undefined;
  }

  function issueTokens(
    sessionId: string,
    userId: string,
    deviceId: string,
  ): {
    refreshToken: string;
    id: string;
    hash: string;
    expiresAt: Date;
    accessToken: string;
  } {
    const refreshToken = randomToken(32);
    return {
      refreshToken,
      id: uuidv7(),
      hash: sha256(refreshToken),
      expiresAt: new Date(deps.now() + REFRESH_TOKEN_TTL_MS),
      accessToken: signAccessToken(
        deps.jwtSecret,
        { userId, deviceId, sessionId },
        deps.now(),
        accessTtl,
      ),
    };
  }

  function signedInUser(user: Omit<UserRecord, 'passwordHash'>): SignedInUser {
    return {
      id: user.id,
      name: user.displayName,
      role: user.role,
      clinicIds: user.clinicIds,
      districtId: user.districtId,
      mustChangePassword: user.mustChangePassword,
    };
  }

  return {
    callerOf,

    /** Device credentials (X-Outpost-Device + X-Outpost-Device-Secret). */
    async authenticateDevice(
      deviceId: string | undefined,
      secret: string | undefined,
    ): Promise<Result<DeviceRecord, AuthFailure>> {
      if (!deviceId || !secret || deviceId.length > 64 || secret.length > 128)
        return err(
          failure(
            'invalid_device_credentials',
            'This device is not enrolled (missing X-Outpost-Device or X-Outpost-Device-Secret).',
          ),
        );
      const device = /^[0-9a-f-]{36}$/i.test(deviceId)
        ? await identity.getDevice(deviceId.toLowerCase())
        : undefined;
      // Hash compared even for an unknown device, so timing does not tell which it was.
      const matches = digestEquals(
        sha256(secret),
        device?.secretHash ?? sha256(`unknown:${secret}`),
      );
      if (device === undefined || !matches)
        return err(
          failure(
            'invalid_device_credentials',
            'The device credentials are not valid. Enroll this device again.',
          ),
        );
      if (device.revokedAt !== null)
        return err(
          failure(
            'device_revoked',
            'This device has been revoked. Hand it to your administrator.',
            { deviceId: device.id },
          ),
        );
      return ok(device);
    },

    /** A Bearer access token → the caller, checked against the database (session, device, user). */
    async authenticateToken(
      token: string,
      options: { ignoreExpiry?: boolean } = {},
    ): Promise<Result<Caller, AuthFailure>> {
      const verified = verifyAccessToken(deps.jwtSecret, token, deps.now(), options);
      if (!verified.ok)
        return err(
          verified.error.reason === 'expired'
            ? failure('token_expired', 'The access token has expired; refresh it.')
            : failure('unauthenticated', 'The access token is not valid.'),
        );
      const claims = verified.value;
      const principal = await identity.loadSessionPrincipal(claims.sid);
      if (
        principal === undefined ||
        principal.user.id !== claims.sub ||
        principal.device.id !== claims.did
      )
        return err(failure('unauthenticated', 'The access token is not valid.'));
      const problem = inactive(principal);
      if (problem !== undefined) return err(problem);
      return ok(callerOf(principal));
    },

    /** The caller behind a session (live tickets), or why it may not act. */
    async principalOfSession(sessionId: string): Promise<Result<Caller, AuthFailure>> {
      const principal = await identity.loadSessionPrincipal(sessionId);
      if (principal === undefined) return err(failure('unauthenticated', 'Unknown session.'));
      const problem = inactive(principal);
      return problem === undefined ? ok(callerOf(principal)) : err(problem);
    },

    async enroll(input: { code: string; label: string; address: string }): Promise<
      Result<
        {
          deviceId: string;
          deviceSecret: string;
          clinic: { id: string; name: string; districtId: string };
        },
        'invalid_code'
      >
    > {
      const deviceId = uuidv7();
      const deviceSecret = randomToken(32);
      const enrolled = await identity.enrollDevice({
        codeHash: sha256(normaliseEnrollmentCode(input.code)),
        now: date(),
        device: { id: deviceId, label: input.label, secretHash: sha256(deviceSecret) },
      });
      if (enrolled === undefined) {
        await audit.append([
          { action: 'device.enroll', outcome: 'failure', details: { address: input.address } },
        ]);
        return err('invalid_code');
      }
      const clinic = (await identity.getClinic(enrolled.clinicId))!;
      await audit.append([
        {
          action: 'device.enroll',
          outcome: 'success',
          deviceId,
          clinicId: clinic.id,
          details: { address: input.address, codeId: enrolled.codeId, label: input.label },
        },
      ]);
      return ok({ deviceId, deviceSecret, clinic });
    },

    /**
     * Username + password on an enrolled device. Unknown user and wrong password
     * give the same answer after the same work (a dummy hash is verified).
     */
    async signIn(input: {
      username: string;
      password: string;
      device: DeviceRecord;
      address: string;
    }): Promise<
      Result<
        TokenPair & { user: SignedInUser; deviceKey: string },
        'invalid_credentials' | 'account_disabled' | 'not_a_member'
      >
    > {
      const username = input.username.trim().toLowerCase();
      const user = await identity.findUserByUsername(username);
      const password = input.password.slice(0, MAX_PASSWORD_LENGTH);
      const valid = await verifyPassword(
        password,
        user?.passwordHash ?? (await dummyPasswordHash(scryptParams)),
      );
      const base = { deviceId: input.device.id, clinicId: input.device.clinicId };
      if (user === undefined || !valid) {
        await audit.append([
          {
            action: 'auth.sign_in',
            outcome: 'failure',
            ...base,
            userId: user?.id ?? null,
            details: { address: input.address, reason: 'invalid_credentials' },
          },
        ]);
        return err('invalid_credentials');
      }
      if (user.disabledAt !== null) {
        await audit.append([
          {
            action: 'auth.sign_in',
            outcome: 'denied',
            ...base,
            userId: user.id,
            details: { address: input.address, reason: 'account_disabled' },
          },
        ]);
        return err('account_disabled');
      }
      // Health workers and clinicians work only on devices of their own clinics.
      if (
        (user.role === 'health-worker' || user.role === 'clinician') &&
        !user.clinicIds.includes(input.device.clinicId)
      ) {
        await audit.append([
          {
            action: 'auth.sign_in',
            outcome: 'denied',
            ...base,
            userId: user.id,
            details: { address: input.address, reason: 'not_a_member' },
          },
        ]);
        return err('not_a_member');
      }
      const sessionId = uuidv7();
      const tokens = issueTokens(sessionId, user.id, input.device.id);
      await identity.createSession({
        sessionId,
        userId: user.id,
        deviceId: input.device.id,
        now: date(),
        expiresAt: new Date(deps.now() + SESSION_TTL_MS),
        token: { id: tokens.id, hash: tokens.hash, expiresAt: tokens.expiresAt },
      });
      await identity.touchDevice(input.device.id, date());
      await audit.append([
        {
          action: 'auth.sign_in',
          outcome: 'success',
          ...base,
          userId: user.id,
          details: { address: input.address, sessionId },
        },
      ]);
      return ok({
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresIn: accessTtl,
        user: signedInUser(user),
        deviceKey: deviceKeyOf(await deps.deviceKeySecret(), input.device.id),
      });
    },

    /**
     * Rotation (C12): every refresh token works once and is replaced. Presenting a
     * used token again is reuse — the whole session (token family) is revoked —
     * except within REFRESH_GRACE_MS of its use when its successor was never used
     * (the response was lost): then the unseen successor is invalidated and a new
     * one issued. The token is bound to the device that proves its secret.
     */
    async refresh(input: {
      refreshToken: string;
      device: DeviceRecord;
    }): Promise<Result<TokenPair, AuthFailure>> {
      const token =
        input.refreshToken.length <= 100
          ? await identity.findRefreshToken(sha256(input.refreshToken))
          : undefined;
      const invalid = failure(
        'invalid_refresh_token',
        'The refresh token is not valid. Sign in again.',
      );
      if (token === undefined) return err(invalid);
      const who = { deviceId: input.device.id, userId: token.session.userId };
      if (token.session.deviceId !== input.device.id) {
        await audit.append([
          {
            action: 'auth.refresh',
            outcome: 'denied',
            ...who,
            details: { reason: 'wrong_device', sessionId: token.sessionId },
          },
        ]);
        return err(invalid);
      }
      if (token.session.revokedAt !== null || token.session.expiresAt.getTime() <= deps.now())
        return err(failure('session_revoked', 'You have been signed out. Sign in again.', who));
      const principal = await identity.loadSessionPrincipal(token.sessionId);
      const problem = principal === undefined ? invalid : inactive(principal);
      if (problem !== undefined) return err(problem);
      if (token.expiresAt.getTime() <= deps.now() && token.usedAt === null) return err(invalid);

      let supersededId: string | undefined;
      if (token.usedAt !== null) {
        const successor =
          token.replacedById === null
            ? undefined
            : await identity.getRefreshToken(token.replacedById);
        const withinGrace = deps.now() - token.usedAt.getTime() <= REFRESH_GRACE_MS;
        if (!withinGrace || successor === undefined || successor.usedAt !== null) {
          await identity.revokeSession(token.sessionId, 'refresh_token_reused', date());
          await audit.append([
            {
              action: 'auth.refresh_reuse',
              outcome: 'denied',
              ...who,
              details: { sessionId: token.sessionId },
            },
          ]);
          return err(
            failure(
              'refresh_token_reused',
              'This sign-in was ended because its refresh token was used twice. Sign in again.',
              who,
            ),
          );
        }
        supersededId = token.replacedById!;
      }
      const next = issueTokens(token.sessionId, token.session.userId, input.device.id);
      const rotated = await identity.rotateRefreshToken({
        previousId: token.id,
        expectUnused: supersededId === undefined,
        ...(supersededId === undefined ? {} : { supersededId }),
        now: date(),
        next: {
          id: next.id,
          hash: next.hash,
          expiresAt: next.expiresAt,
          sessionId: token.sessionId,
        },
      });
      if (!rotated) {
        // A concurrent refresh with the same token won the race: treat as reuse.
        await identity.revokeSession(token.sessionId, 'refresh_token_reused', date());
        await audit.append([
          {
            action: 'auth.refresh_reuse',
            outcome: 'denied',
            ...who,
            details: { sessionId: token.sessionId, concurrent: true },
          },
        ]);
        return err(
          failure(
            'refresh_token_reused',
            'This sign-in was ended because its refresh token was used twice. Sign in again.',
            who,
          ),
        );
      }
      await identity.touchDevice(input.device.id, date());
      await audit.append([
        {
          action: 'auth.refresh',
          outcome: 'success',
          ...who,
          details: {
            sessionId: token.sessionId,
            ...(supersededId === undefined ? {} : { grace: true }),
          },
        },
      ]);
      return ok({
        accessToken: next.accessToken,
        refreshToken: next.refreshToken,
        expiresIn: accessTtl,
      });
    },

    /**
     * The signed-in user replaces their password (an administrator's one-time
     * password first of all). The current one is verified like a sign-in; the
     * user's other sessions end (whoever else knew the old password is out).
     */
    async changePassword(input: {
      caller: Caller;
      currentPassword: string;
      newPassword: string;
      address: string;
    }): Promise<Result<{ endedSessions: number }, 'invalid_credentials' | 'same_password'>> {
      const { caller } = input;
      const user = await identity.getUser(caller.userId);
      const valid =
        user !== undefined &&
        (await verifyPassword(
          input.currentPassword.slice(0, MAX_PASSWORD_LENGTH),
          user.passwordHash,
        ));
      const base = { userId: caller.userId, deviceId: caller.deviceId, clinicId: caller.clinicId };
      if (!valid) {
        await audit.append([
          {
            action: 'auth.password_change',
            outcome: 'failure',
            ...base,
            details: { address: input.address, reason: 'invalid_credentials' },
          },
        ]);
        return err('invalid_credentials');
      }
      if (input.newPassword.normalize('NFKC') === input.currentPassword.normalize('NFKC'))
        return err('same_password');
      await identity.setPassword(
        user.id,
        await hashPassword(input.newPassword, scryptParams),
        false,
      );
      const endedSessions =
        caller.sessionId === undefined
          ? await identity.revokeUserSessions(user.id, 'password_changed', date())
          : await identity.revokeOtherSessions(
              user.id,
              caller.sessionId,
              'password_changed',
              date(),
            );
      await audit.append([
        {
          action: 'auth.password_change',
          outcome: 'success',
          ...base,
          details: {
            address: input.address,
            endedSessions,
            wasOneTime: user.mustChangePassword,
          },
        },
      ]);
      return ok({ endedSessions });
    },

    async signOut(caller: Caller): Promise<void> {
      if (caller.sessionId !== undefined)
        await identity.revokeSession(caller.sessionId, 'signed_out', date());
      await audit.append([
        {
          action: 'auth.sign_out',
          outcome: 'success',
          userId: caller.userId,
          deviceId: caller.deviceId,
          details: { sessionId: caller.sessionId ?? null },
        },
      ]);
    },

    async signOutEverywhere(caller: Caller): Promise<number> {
      const ended = await identity.revokeUserSessions(
        caller.userId,
        'signed_out_everywhere',
        date(),
      );
      await audit.append([
        {
          action: 'auth.sign_out_everywhere',
          outcome: 'success',
          userId: caller.userId,
          deviceId: caller.deviceId,
          details: { sessions: ended },
        },
      ]);
      return ended;
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
