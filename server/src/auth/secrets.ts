/**
 * Random secrets and their stored digests. Device secrets, refresh tokens and
 * live tickets are 256-bit random values: a plain SHA-256 digest is enough to
 * store them (no offline guessing is possible). Enrollment codes are shorter
 * (typed by a person) and are protected by single use, short expiry and the
 * enrollment rate limit.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function digestEquals(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Crockford base32 without I, L, O, U: easy to read aloud and type. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A 12-character enrollment code (60 bits), shown as XXXX-XXXX-XXXX. */
export function newEnrollmentCode(): string {
  let code = '';
  for (let index = 0; index < 12; index++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

/** Normalises what a person typed: case, spaces, dashes, and the look-alike letters. */
export function normaliseEnrollmentCode(typed: string): string {
  const clean = typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  return clean.length === 12
    ? `${clean.slice(0, 4)}-${clean.slice(4, 8)}-${clean.slice(8)}`
    : clean;
}
