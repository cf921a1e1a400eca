/**
 * The device key (docs/security.md, sign-in): what lets a second user on a
 * tablet unwrap the clinic secret the first user created there. It is derived
 * from a server secret and the device id, given only to a user who signed in
 * on that (unrevoked) device, never to a failed sign-in, and it stays the same
 * across restarts (the secret is kept in server_meta or comes from the environment).
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { TEST_SCRYPT } from '../src/auth/passwords';
import { DEVICE_KEY_META, deviceKeyOf, loadDeviceKeySecret } from '../src/services/auth-service';
import { StartupError } from '../src/startup-error';
import { databaseKinds, type TestDatabase } from './support/databases';
import { identityFixture, type EnrolledDevice, type TestUser } from './support/identity';
import { createClinic } from './support/sync';

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`the device key on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let app: ReturnType<typeof createApp>;
    let ids: ReturnType<typeof identityFixture>;
    let clinicId: string;

    const newApp = () =>
      createApp({
        database: testDb.database,
        version: 't',
        webDir: '/nonexistent',
        logger: pino({ level: 'silent' }),
        now: () => Date.now(),
        scrypt: TEST_SCRYPT,
      });

    beforeAll(async () => {
      testDb = await kind.open();
      app = newApp();
      ids = identityFixture(app, testDb.database.db);
      clinicId = await createClinic(testDb.database.db);
    });
    afterAll(async () => {
      await testDb.close();
    });

    async function signIn(
      user: TestUser,
      device: EnrolledDevice,
      password = user.password,
      on = app,
    ): Promise<{ status: number; body: Record<string, unknown> }> {
      const response = await on.request('/api/auth/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...device.headers },
        body: JSON.stringify({ username: user.username, password }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    it('is the same for every user signing in on one device, and differs between devices', async () => {
      const tablet = await ids.enrollDevice(clinicId);
      const other = await ids.enrollDevice(clinicId);
      const amina = await ids.createUser(clinicId);
      const baraka = await ids.createUser(clinicId);

      const first = await signIn(amina, tablet);
      const second = await signIn(baraka, tablet);
      const elsewhere = await signIn(amina, other);
      expect(first.status).toBe(200);
      const key = first.body.deviceKey as string;
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url
      expect(Buffer.from(key, 'base64url')).toHaveLength(32);
      expect(second.body.deviceKey).toBe(key);
      expect(elsewhere.body.deviceKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(elsewhere.body.deviceKey).not.toBe(key);

      // A restarted server (a new app on the same database) gives the same key.
      const restarted = await signIn(amina, tablet, amina.password, newApp());
      expect(restarted.body.deviceKey).toBe(key);
    });

    it('is not given to a failed sign-in, nor by refresh', async () => {
      const tablet = await ids.enrollDevice(clinicId);
      const user = await ids.createUser(clinicId);
      const wrong = await signIn(user, tablet, 'not the password at all');
      expect(wrong.status).toBe(401);
      expect(JSON.stringify(wrong.body)).not.toContain('deviceKey');

      const outsider = await ids.createUser(await createClinic(testDb.database.db));
      const notMember = await signIn(outsider, tablet);
      expect(notMember.status).toBe(403);
      expect(JSON.stringify(notMember.body)).not.toContain('deviceKey');

      const signedIn = await signIn(user, tablet);
      const refreshed = await app.request('/api/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...tablet.headers },
        body: JSON.stringify({ refreshToken: signedIn.body.refreshToken }),
      });
      expect(refreshed.status).toBe(200);
      expect(JSON.stringify(await refreshed.json())).not.toContain('deviceKey');
    });

    it('is not given on a revoked device', async () => {
      const tablet = await ids.enrollDevice(clinicId);
      const user = await ids.createUser(clinicId);
      await ids.identity.revokeDevice(tablet.deviceId, null, new Date());
      const refused = await signIn(user, tablet);
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ error: { code: 'device_revoked' } });
      expect(JSON.stringify(refused.body)).not.toContain('deviceKey');
    });

    it('comes from OUTPOST_DEVICE_KEY_SECRET when set, else from one secret kept in server_meta', async () => {
      const stored = await loadDeviceKeySecret({}, ids.identity);
      expect(stored).toHaveLength(32);
      expect(await ids.identity.getMeta(DEVICE_KEY_META)).toBe(stored.toString('base64'));
      expect((await loadDeviceKeySecret({}, ids.identity)).equals(stored)).toBe(true);

      const configured = 'x'.repeat(40);
      const fromEnv = await loadDeviceKeySecret(
        { OUTPOST_DEVICE_KEY_SECRET: configured },
        ids.identity,
      );
      expect(fromEnv.toString('utf8')).toBe(configured);
      expect(deviceKeyOf(fromEnv, 'd')).not.toBe(deviceKeyOf(stored, 'd'));
      await expect(
        loadDeviceKeySecret({ OUTPOST_DEVICE_KEY_SECRET: 'too short' }, ids.identity),
      ).rejects.toBeInstanceOf(StartupError);
    });
  });
}
