import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authError, type AuthErrorCode } from '$lib/auth/errors';
import { describeApiError, describeAuthError, errorFor, formError, formatWait } from './api';
import { i18n, LOCALES, type Locale } from './i18n/i18n.svelte';

/** Every code the vault can answer with (AuthErrorCode): a new one fails the type check below. */
const CODES = {
  offline: true,
  server_error: true,
  invalid_enrollment_code: true,
  invalid_label: true,
  already_enrolled: true,
  not_enrolled: true,
  invalid_credentials: true,
  account_disabled: true,
  not_a_member: true,
  too_many_attempts: true,
  device_revoked: true,
  device_revoked_pending: true,
  invalid_device_credentials: true,
  key_unavailable: true,
  unknown_user: true,
  wrong_passphrase: true,
  sign_in_required: true,
  blocked: true,
  passphrase_required: true,
  invalid_pin: true,
  wrong_pin: true,
  pin_not_set: true,
  session_ended: true,
  user_disabled: true,
  passphrase_expired: true,
  storage_failed: true,
  crypto_unavailable: true,
  password_too_short: true,
  same_password: true,
} satisfies Record<AuthErrorCode, true>;

// Languages other than English load on demand (i18n.svelte.ts).
beforeAll(() => Promise.all((Object.keys(LOCALES) as Locale[]).map((locale) => i18n.load(locale))));
afterEach(() => {
  i18n.locale = 'en';
});

describe('the words for a sign-in or unlock failure', () => {
  it('every vault error has its own sentence in every language (never the English log message)', () => {
    for (const locale of Object.keys(LOCALES) as Locale[]) {
      i18n.locale = locale;
      for (const code of Object.keys(CODES) as AuthErrorCode[]) {
        const english = `vault message for ${code}`;
        const text = describeAuthError(authError(code, english));
        expect(text, `${locale} ${code}`).not.toBe('');
        expect(text, `${locale} ${code}`).not.toMatch(/\{\w+\}/);
        if (code !== 'server_error' && code !== 'storage_failed')
          expect(text, `${locale} ${code}`).not.toContain(english);
      }
    }
  });

  it('a wrong PIN says how many tries are left; a block says how long to wait', () => {
    expect(describeAuthError(authError('wrong_pin', '', { attemptsLeft: 1 }))).toBe(
      'Wrong PIN. 1 try left, then your password is needed.',
    );
    expect(describeAuthError(authError('wrong_passphrase', '', { attemptsLeft: 3 }))).toBe(
      'Wrong password. 3 tries left.',
    );
    expect(describeAuthError(authError('blocked', '', { retryAfterMs: 30_000 }))).toBe(
      'Too many wrong tries. Try again in 30 seconds.',
    );
    i18n.locale = 'sw';
    expect(describeAuthError(authError('blocked', '', { retryAfterMs: 20 * 60_000 }))).toBe(
      'Majaribio yasiyo sahihi yamezidi. Jaribu tena baada ya dakika 20.',
    );
  });

  it('waits are rounded up: never "0 seconds"', () => {
    expect(formatWait(1)).toBe('1 second');
    expect(formatWait(59_001)).toBe('1 minute');
    expect(formatWait(61_000)).toBe('2 minutes');
  });
});

describe('server errors on the administration forms', () => {
  const taken = {
    code: 'username_taken',
    message: 'That username is taken.',
    field: 'username',
    status: 409,
  };
  const clinic = {
    code: 'invalid_field',
    message: 'Invalid UUID',
    field: 'clinicIds.0',
    status: 400,
  };

  it('goes next to the field the server names, or one of its items', () => {
    expect(errorFor(taken, 'username')).toBe('That username is taken.');
    expect(errorFor(taken, 'name')).toBeUndefined();
    expect(errorFor(clinic, 'clinicIds')).toBe('Invalid UUID');
    expect(formError(clinic, ['username', 'clinicIds'])).toBeUndefined();
  });

  it('an error naming no field of the form is shown for the whole form', () => {
    const forbidden = { code: 'forbidden', message: 'Outside your district.', status: 403 };
    expect(formError(forbidden, ['username'])).toBe('You are not allowed to do this.');
    expect(formError(taken, ['clinicId'])).toBe('That username is taken.');
    expect(describeApiError({ code: 'offline', message: 'offline', status: 0 })).toBe(
      'No connection to the server. Check the network, then try again.',
    );
    expect(describeApiError({ code: 'internal', message: 'boom', status: 500 })).toBe(
      'The server could not do this (internal). Try again later.',
    );
  });
});
