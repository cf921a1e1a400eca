/**
 * Access tokens: compact JWS, HS256 only, verified strictly (C13).
 *
 * Hand-written on purpose (about 80 lines over node:crypto) rather than a
 * general JWT library: there is exactly one algorithm and one key, so nothing
 * in the token can choose either. The header must be exactly
 * `{"alg":"HS256","typ":"at+jwt"}` (no `kid`, `jku`, `jwk`, `x5u`, `crit`);
 * `alg: none`, RS/ES/PS algorithms and HS256 under another key all fail the
 * same way. Claims checked: iss, aud, exp, nbf, iat with at most 60 s skew on
 * the server's clock, and the claim types.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { err, ok, type Result } from '@outpost/shared/result';

export const TOKEN_ISSUER = 'outpost';
export const ACCESS_AUDIENCE = 'outpost-api';
/** Access tokens live 10 minutes (≤ 15, DESIGN.md); refresh gets a new one. */
export const ACCESS_TOKEN_TTL_SECONDS = 600;
export const MAX_CLOCK_SKEW_SECONDS = 60;

const HEADER = { alg: 'HS256', typ: 'at+jwt' } as const;
const ENCODED_HEADER = Buffer.from(JSON.stringify(HEADER)).toString('base64url');

export interface AccessClaims {
  readonly iss: string;
  readonly aud: string;
  /** The user id. */
  readonly sub: string;
  /** The device id. */
  readonly did: string;
  /** The session (refresh-token family) id. */
  readonly sid: string;
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
}

export interface InvalidToken {
  readonly type: 'InvalidToken';
  readonly reason:
    | 'malformed'
    | 'header'
    | 'signature'
    | 'claims'
    | 'issuer'
    | 'audience'
    | 'expired'
    | 'not_yet_valid';
}

export function signAccessToken(
  secret: Buffer,
  subject: { userId: string; deviceId: string; sessionId: string },
  nowMs: number,
  ttlSeconds = ACCESS_TOKEN_TTL_SECONDS,
): string {
  const now = Math.floor(nowMs / 1000);
  const claims: AccessClaims = {
    iss: TOKEN_ISSUER,
    aud: ACCESS_AUDIENCE,
    sub: subject.userId,
    did: subject.deviceId,
    sid: subject.sessionId,
    iat: now,
    nbf: now,
    exp: now + ttlSeconds,
  };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signingInput = `${ENCODED_HEADER}.${payload}`;
  return `${signingInput}.${mac(secret, signingInput)}`;
}

export function verifyAccessToken(
  secret: Buffer,
  token: string,
  nowMs: number,
  options: { readonly ignoreExpiry?: boolean } = {},
): Result<AccessClaims, InvalidToken> {
  const fail = (reason: InvalidToken['reason']) => err({ type: 'InvalidToken' as const, reason });
  if (token.length > 4096) return fail('malformed');
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part)))
    return fail('malformed');
  const [encodedHeader, encodedPayload, signature] = parts as [string, string, string];
  // The header must be byte-for-byte ours: nothing in it may pick an algorithm or a key.
  if (encodedHeader !== ENCODED_HEADER) return fail('header');
  const expected = Buffer.from(mac(secret, `${encodedHeader}.${encodedPayload}`));
  const actual = Buffer.from(signature);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
    return fail('signature');
  let claims: Partial<Record<keyof AccessClaims, unknown>>;
  try {
    claims = JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return fail('malformed');
  }
  if (
    typeof claims !== 'object' ||
    claims === null ||
    !['sub', 'did', 'sid', 'iss', 'aud'].every(
      (key) => typeof claims[key as keyof AccessClaims] === 'string',
    ) ||
    !['iat', 'nbf', 'exp'].every((key) => Number.isInteger(claims[key as keyof AccessClaims]))
  )
    return fail('claims');
  const valid = claims as AccessClaims;
  if (valid.iss !== TOKEN_ISSUER) return fail('issuer');
  if (valid.aud !== ACCESS_AUDIENCE) return fail('audience');
  const now = Math.floor(nowMs / 1000);
  if (!options.ignoreExpiry && valid.exp + MAX_CLOCK_SKEW_SECONDS <= now) return fail('expired');
  if (valid.nbf - MAX_CLOCK_SKEW_SECONDS > now || valid.iat - MAX_CLOCK_SKEW_SECONDS > now)
    return fail('not_yet_valid');
  if (valid.exp - valid.iat > 15 * 60) return fail('claims');
  return ok(valid);
}

function mac(secret: Buffer, input: string): string {
  return createHmac('sha256', secret).update(input).digest('base64url');
}
