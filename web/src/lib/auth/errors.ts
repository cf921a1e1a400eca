/**
 * The vault's error shape: a code the screens map to words (i18n), an English
 * message for logs and tests, the form field it belongs to, and for throttling
 * how long to wait and how many tries are left. Codes from the server
 * (docs/security.md) keep the server's name.
 */
export type AuthErrorCode =
  /** The server could not be reached (enrollment and sign-in need the network once). */
  | 'offline'
  /** The server failed (5xx) or answered something unexpected. */
  | 'server_error'
  | 'invalid_enrollment_code'
  | 'invalid_label'
  | 'already_enrolled'
  | 'not_enrolled'
  | 'invalid_credentials'
  | 'account_disabled'
  | 'not_a_member'
  /** The server's sign-in or enrollment rate limit (`retryAfterMs`). */
  | 'too_many_attempts'
  /** This tablet was revoked: its data has been erased. */
  | 'device_revoked'
  /**
   * This tablet was revoked while nobody's key was in memory: its unsynced work
   * cannot be read to hand it over, so it waits for someone to unlock once
   * (then pushes and erases). Nothing saved is lost to a revocation.
   */
  | 'device_revoked_pending'
  /** The server does not know this tablet's credentials: enroll it again. */
  | 'invalid_device_credentials'
  /**
   * The clinic secret could not be obtained for this user: the device copy does
   * not open with the key the server gave (its secret changed). A user who
   * signed in on this tablet before must sign in online once.
   */
  | 'key_unavailable'
  | 'unknown_user'
  | 'wrong_passphrase'
  /** This user has no usable key on the tablet (too many wrong passphrases, session ended): sign in online. */
  | 'sign_in_required'
  /** Too many wrong tries: wait `retryAfterMs`. */
  | 'blocked'
  /** The key is not in memory: the passphrase is needed (after 5 wrong PINs, 12 h, a restart). */
  | 'passphrase_required'
  | 'invalid_pin'
  | 'wrong_pin'
  | 'pin_not_set'
  /** The session ended on the server (signed out elsewhere, password reset, refresh token reused). */
  | 'session_ended'
  | 'user_disabled'
  /** 12 hours since the passphrase was entered: enter it again. */
  | 'passphrase_expired'
  /** The tablet's storage failed (full, unavailable). */
  | 'storage_failed'
  /** WebCrypto is missing: the page is not a secure context (plain http to a LAN address). */
  | 'crypto_unavailable'
  /** A new password shorter than MIN_PASSWORD_LENGTH (the server's rule). */
  | 'password_too_short'
  /** The new password is the current one. */
  | 'same_password';

export { MIN_PASSWORD_LENGTH } from '@outpost/shared/passwords';

export interface AuthError {
  readonly code: AuthErrorCode;
  /** English, for logs and tests; screens show their own words for `code`. */
  readonly message: string;
  /** The form field the error belongs to (`code`, `label`, `username`, `password`, `pin`). */
  readonly field?: string;
  /** How long until another try is allowed (`blocked`, `too_many_attempts`). */
  readonly retryAfterMs?: number;
  /** Tries left before the next consequence (wrong PIN / passphrase). */
  readonly attemptsLeft?: number;
}

export function authError(
  code: AuthErrorCode,
  message: string,
  extra: Omit<AuthError, 'code' | 'message'> = {},
): AuthError {
  return { code, message, ...extra };
}
