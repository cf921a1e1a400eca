/**
 * C12/C13 tokens: crafted access tokens are all refused; refresh tokens rotate,
 * a reused one ends the whole session (family), a retried refresh whose
 * response was lost is not a false positive inside the grace window; sign-out
 * everywhere ends every session.
 */
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { signAccessToken, verifyAccessToken } from '../src/auth/jwt';
import { TEST_SCRYPT } from '../src/auth/passwords';
import { REFRESH_GRACE_MS } from '../src/services/auth-service';
import { databaseKinds, type TestDatabase } from './support/databases';
import { identityFixture, type IdentityFixture } from './support/identity';
import { createClinic } from './support/sync';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const secret = randomBytes(48);
const NOW = Date.UTC(2025, 5, 1, 9);
const subject = { userId: 'u', deviceId: 'd', sessionId: 's' };

function forge(
  header: unknown,
  claims: Record<string, unknown>,
  key: Buffer | string = secret,
  alg = 'sha256',
): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac(alg, key).update(input).digest('base64url')}`;
}
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

describe('C13 access tokens are verified strictly', () => {
  const good = signAccessToken(secret, subject, NOW);
  const claims = claimsOf(good);
  const header = { alg: 'HS256', typ: 'at+jwt' };

  it('C13 a token we signed verifies; within 60 s of skew too', () => {
    expect(verifyAccessToken(secret, good, NOW).ok).toBe(true);
    expect(verifyAccessToken(secret, good, NOW + 600_000 + 59_000).ok).toBe(true);
  });
  it.each([
    ['alg none, no signature', () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`],
    ['alg none with our signature', () => forge({ alg: 'none', typ: 'at+jwt' }, claims)],
    ['HS256 with a wrong key', () => forge(header, claims, randomBytes(48))],
    [
      'HS256 keyed with an RS256 public key (key confusion)',
      () => {
        const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        return forge(
          { alg: 'HS256', typ: 'at+jwt' },
          claims,
          publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        );
      },
    ],
    ['RS256 header', () => forge({ alg: 'RS256', typ: 'at+jwt' }, claims)],
    ['HS512 header', () => forge({ alg: 'HS512', typ: 'at+jwt' }, claims, secret, 'sha512')],
    ['wrong typ', () => forge({ alg: 'HS256', typ: 'JWT' }, claims)],
    [
      'a kid pointing elsewhere',
      () => forge({ alg: 'HS256', typ: 'at+jwt', kid: '../../etc/passwd' }, claims),
    ],
    [
      'a jku',
      () => forge({ alg: 'HS256', typ: 'at+jwt', jku: 'https://evil.example/keys' }, claims),
    ],
    ['wrong audience', () => forge(header, { ...claims, aud: 'another-api' })],
    ['wrong issuer', () => forge(header, { ...claims, iss: 'someone-else' })],
    [
      'expired',
      () =>
        forge(header, {
          ...claims,
          iat: NOW / 1000 - 3600,
          nbf: NOW / 1000 - 3600,
          exp: NOW / 1000 - 1200,
        }),
    ],
    [
      'not yet valid (nbf in the future)',
      () => forge(header, { ...claims, nbf: NOW / 1000 + 3600 }),
    ],
    [
      'a lifetime over 15 minutes',
      () => forge(header, { ...claims, exp: (claims.iat as number) + 3600 }),
    ],
    ['a missing subject', () => forge(header, { ...claims, sub: undefined })],
    ['garbage', () => 'not-a-token'],
    ['a truncated signature', () => good.slice(0, -3)],
  ])('C13 refuses %s', (_name, make) => {
    expect(verifyAccessToken(secret, make(), NOW).ok).toBe(false);
  });
});

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`C12 sessions on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let app: ReturnType<typeof createApp>;
    let ids: IdentityFixture;
    let clock = NOW;
    beforeAll(async () => {
      testDb = await kind.open();
      app = createApp({
        database: testDb.database,
        version: 't',
        webDir: '/nonexistent',
        logger: pino({ level: 'silent' }),
        now: () => clock,
        scrypt: TEST_SCRYPT,
      });
      ids = identityFixture(app, testDb.database.db);
    });
    afterAll(async () => {
      await testDb.close();
    });

    const me = (token: string) =>
      app.request('/api/me', { headers: { authorization: `Bearer ${token}` } });
    const refresh = (device: Record<string, string>, refreshToken: string) =>
      app.request('/api/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...device },
        body: JSON.stringify({ refreshToken }),
      });
    const errorCode = async (response: Response) =>
      ((await response.json()) as { error: { code: string } }).error.code;

    it('C13 the API refuses an expired token, and a token of another server', async () => {
      const session = await ids.signIn(await createClinic(testDb.database.db));
      expect((await me(session.accessToken)).status).toBe(200);
      clock += 16 * 60_000;
      const expired = await me(session.accessToken);
      expect(expired.status).toBe(401);
      expect(await errorCode(expired)).toBe('token_expired');
      const foreign = signAccessToken(
        randomBytes(48),
        { userId: session.user.id, deviceId: session.device.deviceId, sessionId: 'x' },
        clock,
      );
      expect((await me(foreign)).status).toBe(401);
    });

    it('C12 a refresh token works once; using it again ends the whole session', async () => {
      const session = await ids.signIn(await createClinic(testDb.database.db));
      const first = await refresh(session.device.headers, session.refreshToken);
      expect(first.status).toBe(200);
      const rotated = (await first.json()) as {
        accessToken: string;
        refreshToken: string;
        expiresIn: number;
      };
      expect(rotated.refreshToken).not.toBe(session.refreshToken);
      expect(rotated.expiresIn).toBeLessThanOrEqual(15 * 60);
      // The client uses the new one (so the old one's successor is used)...
      const second = (await (
        await refresh(session.device.headers, rotated.refreshToken)
      ).json()) as { accessToken: string; refreshToken: string };
      // ...then someone replays the first token: reuse, the family is revoked.
      const replay = await refresh(session.device.headers, session.refreshToken);
      expect(replay.status).toBe(401);
      expect(await errorCode(replay)).toBe('refresh_token_reused');
      expect((await refresh(session.device.headers, second.refreshToken)).status).toBe(401);
      expect((await me(second.accessToken)).status).toBe(401);
    });

    it('C12 a refresh retried after a lost response, within the grace window, is not reuse', async () => {
      const session = await ids.signIn(await createClinic(testDb.database.db));
      const lost = await refresh(session.device.headers, session.refreshToken);
      expect(lost.status).toBe(200); // the client never sees this response
      clock += REFRESH_GRACE_MS / 2;
      const retry = await refresh(session.device.headers, session.refreshToken);
      expect(retry.status).toBe(200);
      const fresh = (await retry.json()) as { refreshToken: string; accessToken: string };
      // The unseen successor is dead; the new one works; the session lives.
      const unseen = ((await lost.json()) as { refreshToken: string }).refreshToken;
      expect((await refresh(session.device.headers, unseen)).status).toBe(401);
      const session2 = await ids.signIn(await createClinic(testDb.database.db));
      const lost2 = await refresh(session2.device.headers, session2.refreshToken);
      expect(lost2.status).toBe(200);
      clock += REFRESH_GRACE_MS + 1_000;
      expect(await errorCode(await refresh(session2.device.headers, session2.refreshToken))).toBe(
        'refresh_token_reused',
      );
      void fresh;
    });

    it('C12 a refresh token is bound to its device: another device’s secret cannot use it', async () => {
      const clinicId = await createClinic(testDb.database.db);
      const session = await ids.signIn(clinicId);
      const thief = await ids.enrollDevice(clinicId);
      expect((await refresh(thief.headers, session.refreshToken)).status).toBe(401);
      expect(
        (
          await refresh(
            { ...session.device.headers, 'x-outpost-device-secret': 'guess' },
            session.refreshToken,
          )
        ).status,
      ).toBe(401);
      expect((await refresh(session.device.headers, session.refreshToken)).status).toBe(200);
    });

    it('sign out everywhere ends every session of the user; sign out ends this one', async () => {
      const clinicId = await createClinic(testDb.database.db);
      const user = await ids.createUser(clinicId);
      const one = await ids.signInAs(user, await ids.enrollDevice(clinicId));
      const two = await ids.signInAs(user, await ids.enrollDevice(clinicId));
      const three = await ids.signInAs(user, await ids.enrollDevice(clinicId));
      expect(
        (await app.request('/api/auth/sign-out', { method: 'POST', headers: one.headers })).status,
      ).toBe(200);
      expect((await me(one.accessToken)).status).toBe(401);
      expect((await me(two.accessToken)).status).toBe(200);
      const everywhere = await app.request('/api/auth/sign-out-everywhere', {
        method: 'POST',
        headers: two.headers,
      });
      expect(await everywhere.json()).toEqual({ signedOut: true, sessions: 2 });
      expect((await me(three.accessToken)).status).toBe(401);
      expect((await refresh(three.device.headers, three.refreshToken)).status).toBe(401);
    });

    it('an enrollment code enrolls one device only, and not after it expires', async () => {
      const clinicId = await createClinic(testDb.database.db);
      const code = await ids.enrollmentCode(clinicId);
      const enroll = (typed: string) =>
        app.request('/api/devices/enroll', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: typed, label: 'Tablet 1' }),
        });
      const first = await enroll(code.toLowerCase().replace(/-/g, ' '));
      expect(first.status).toBe(201);
      expect(await first.json()).toMatchObject({
        deviceId: expect.any(String),
        deviceSecret: expect.any(String),
        clinic: { id: clinicId },
      });
      const again = await enroll(code);
      expect(again.status).toBe(400);
      expect(await again.json()).toMatchObject({
        error: { code: 'invalid_enrollment_code', field: 'code' },
      });
      const expiring = await ids.enrollmentCode(clinicId, -1000, clock);
      expect((await enroll(expiring)).status).toBe(400);
    });
  });
}
