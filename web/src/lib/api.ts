/**
 * The screens' calls to the server's JSON API (administration), and the one
 * place that turns the server's `{error: {code, message, field?}}` — or a
 * request that never reached the server — into words on screen.
 * Requests go through `vault.api` (bearer token, refresh once and retry).
 */
import { err, ok, type Result } from '@outpost/shared/result';
import { MIN_PASSWORD_LENGTH, type AuthError } from '$lib/auth/errors';
import { vault } from '$lib/auth/vault.svelte';
import { i18n } from '$lib/i18n/i18n.svelte';
import type { MessageKey } from '$lib/i18n/en';

export interface ApiError {
  readonly code: string;
  readonly message: string;
  /** The request field the server names (`username`, `clinicIds.0`…). */
  readonly field?: string;
  /** 0 when the request never reached the server. */
  readonly status: number;
  readonly retryAfterSeconds?: number;
}

/** The error of a failed response, whatever its body (a proxy's HTML page too). */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  const retryAfter = Number(response.headers.get('retry-after'));
  const extra = {
    status: response.status,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
  };
  try {
    const body = (await response.json()) as {
      error?: { code?: unknown; message?: unknown; field?: unknown };
    };
    const error = body.error;
    if (error && typeof error.code === 'string') {
      return {
        code: error.code,
        message: typeof error.message === 'string' ? error.message : error.code,
        ...(typeof error.field === 'string' ? { field: error.field } : {}),
        ...extra,
      };
    }
  } catch {
    // Not JSON: described by its status below.
  }
  return { code: `http_${response.status}`, message: response.statusText, ...extra };
}

export const OFFLINE: ApiError = { code: 'offline', message: 'offline', status: 0 };

/**
 * A JSON call as the signed-in user. `body` is sent as JSON. Never throws for
 * a network or server failure: the error is returned for the screen to show.
 */
export async function callApi<T>(
  path: string,
  options: { method?: 'GET' | 'POST' | 'DELETE'; body?: unknown } = {},
): Promise<Result<T, ApiError>> {
  let response: Response;
  try {
    response = await vault.api(path, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers: {
        accept: 'application/json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  } catch {
    return err(OFFLINE);
  }
  if (!response.ok) return err(await apiErrorFrom(response));
  try {
    return ok((await response.json()) as T);
  } catch {
    return err({ code: 'invalid_response', message: 'invalid_response', status: response.status });
  }
}

/** "14 minutes", "45 seconds": a wait, rounded up. */
export function formatWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return i18n.plural('duration.seconds', seconds);
  return i18n.plural('duration.minutes', Math.ceil(seconds / 60));
}

const KNOWN: Readonly<Record<string, MessageKey>> = {
  offline: 'auth.error.offline',
  invalid_credentials: 'auth.error.invalid_credentials',
  account_disabled: 'auth.error.account_disabled',
  user_disabled: 'auth.error.account_disabled',
  not_a_member: 'auth.error.not_a_member',
  invalid_enrollment_code: 'auth.error.invalid_enrollment_code',
  device_revoked: 'auth.error.device_revoked',
  invalid_device_credentials: 'auth.error.invalid_device_credentials',
  session_revoked: 'auth.error.session_ended',
  refresh_token_reused: 'auth.error.session_ended',
  invalid_refresh_token: 'auth.error.session_ended',
  unauthenticated: 'auth.error.session_ended',
  forbidden: 'auth.error.forbidden',
};

/**
 * Words for an error. Sign-in and enrollment errors have their own sentences;
 * a refused field (`invalid_field`, `username_taken`…) shows the server's
 * message, which names the rule and never quotes the value.
 */
export function describeApiError(error: {
  readonly code: string;
  readonly message: string;
  readonly status?: number;
  readonly retryAfterSeconds?: number;
}): string {
  if (error.code === 'too_many_attempts')
    return i18n.t('auth.error.too_many_attempts', {
      time: formatWait((error.retryAfterSeconds ?? 60) * 1000),
    });
  const key = KNOWN[error.code];
  if (key) return i18n.t(key);
  if (error.status !== undefined && error.status >= 500)
    return i18n.t('auth.error.server', { code: error.code });
  return error.message;
}

/** The error to show beside `field`: the server named it, or one of its items (`clinicIds.0`). */
export function errorFor(error: ApiError | undefined, field: string): string | undefined {
  if (error?.field === undefined) return undefined;
  return error.field === field || error.field.startsWith(`${field}.`)
    ? describeApiError(error)
    : undefined;
}

/** The error to show for the whole form: one that names none of `fields`. */
export function formError(
  error: ApiError | undefined,
  fields: readonly string[],
): string | undefined {
  if (error === undefined) return undefined;
  return fields.some((field) => errorFor(error, field) !== undefined)
    ? undefined
    : describeApiError(error);
}

/** Words for a vault failure (enroll, sign-in, unlock, PIN): every code has its sentence. */
export function describeAuthError(error: AuthError): string {
  const left = error.attemptsLeft;
  switch (error.code) {
    case 'offline':
      return i18n.t('auth.error.offline');
    case 'server_error':
      return i18n.t('error.generic', { message: error.message });
    case 'invalid_enrollment_code':
      return i18n.t('auth.error.invalid_enrollment_code');
    case 'invalid_label':
      return i18n.t('auth.error.invalid_label');
    case 'already_enrolled':
      return i18n.t('auth.error.already_enrolled');
    case 'not_enrolled':
      return i18n.t('auth.error.not_enrolled');
    case 'invalid_credentials':
      return i18n.t('auth.error.invalid_credentials');
    case 'account_disabled':
    case 'user_disabled':
      return i18n.t('auth.error.account_disabled');
    case 'not_a_member':
      return i18n.t('auth.error.not_a_member');
    case 'too_many_attempts':
      return i18n.t('auth.error.too_many_attempts', {
        time: formatWait(error.retryAfterMs ?? 60_000),
      });
    case 'device_revoked':
      return i18n.t('auth.error.device_revoked');
    case 'device_revoked_pending':
      return i18n.t('auth.error.device_revoked_pending');
    case 'invalid_device_credentials':
      return i18n.t('auth.error.invalid_device_credentials');
    case 'key_unavailable':
      return i18n.t('auth.error.key_unavailable');
    case 'unknown_user':
      return i18n.t('auth.error.unknown_user');
    case 'wrong_passphrase':
      return left === undefined
        ? i18n.t('lock.wrongPassword')
        : i18n.plural('lock.wrongPasswordLeft', left);
    case 'sign_in_required':
      return i18n.t('auth.error.sign_in_required');
    case 'blocked':
      return i18n.t('auth.error.blocked', { time: formatWait(error.retryAfterMs ?? 60_000) });
    case 'passphrase_required':
      return i18n.t('auth.error.passphrase_required');
    case 'invalid_pin':
      return i18n.t('pin.format');
    case 'wrong_pin':
      return left === undefined ? i18n.t('lock.wrongPin') : i18n.plural('lock.wrongPinLeft', left);
    case 'pin_not_set':
      return i18n.t('auth.error.pin_not_set');
    case 'session_ended':
      return i18n.t('auth.error.session_ended');
    case 'passphrase_expired':
      return i18n.t('auth.error.passphrase_expired');
    case 'storage_failed':
      return i18n.t('auth.error.storage_failed', { message: error.message });
    case 'crypto_unavailable':
      return i18n.t('auth.error.crypto_unavailable');
    case 'password_too_short':
      return i18n.t('auth.error.password_too_short', { min: MIN_PASSWORD_LENGTH });
    case 'same_password':
      return i18n.t('auth.error.same_password');
  }
}
