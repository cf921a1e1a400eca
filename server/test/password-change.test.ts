/**
 * A user an administrator created (or reset) signs in with a one-time password
 * the administrator has seen. Until they choose their own, the server answers
 * only "who am I", "change my password" and "sign out": no record, no sync, no
 * live channel. Changing it needs the current password, refuses the same one,
 * ends the user's other sessions and is audited.
 */
import { and, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { TEST_SCRYPT } from '../src/auth/passwords';
import { auditLog } from '../src/db/schema';
import { databaseKinds, type TestDatabase } from './support/databases';
import { identityFixture, type IdentityFixture, type SignedIn } from './support/identity';
import { createClinic } from './support/sync';

const NOW = Date.UTC(2025, 5, 1, 9);
const NEW_PASSWORD = 'my own long passphrase';

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`password change on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let app: ReturnType<typeof createApp>;
    let ids: IdentityFixture;
    beforeAll(async () => {
      testDb = await kind.open();
      app = createApp({
        database: testDb.database,
        version: 't',
        webDir: '/nonexistent',
        logger: pino({ level: 'silent' }),
        now: () => NOW,
        scrypt: TEST_SCRYPT,
      });
      ids = identityFixture(app, testDb.database.db);
    });
    afterAll(async () => {
      await testDb.close();
    });

    const call = (session: SignedIn, path: string, init: RequestInit = {}) =>
      app.request(path, {
        ...init,
        headers: { 'content-type': 'application/json', ...session.headers },
      });
    const changePassword = (session: SignedIn, body: unknown) =>
      call(session, '/api/auth/password', { method: 'POST', body: JSON.stringify(body) });
    const errorOf = async (response: Response) =>
      ((await response.json()) as { error: { code: string; field?: string } }).error;

    /** A user whose password an administrator just set (mustChangePassword). */
    async function withOneTimePassword(): Promise<SignedIn> {
      const session = await ids.signIn(await createClinic(testDb.database.db));
      const user = (await ids.identity.getUser(session.user.id))!;
      await ids.identity.setPassword(user.id, user.passwordHash, true);
      return session;
    }

    it('until she chooses her own password, only who-am-I, the change and sign-out answer', async () => {
      const session = await withOneTimePassword();
      const me = await call(session, '/api/me');
      expect(me.status).toBe(200);
      expect(((await me.json()) as { user: { mustChangePassword: boolean } }).user).toMatchObject({
        mustChangePassword: true,
      });
      const consults = await call(session, '/api/consults');
      expect(consults.status).toBe(403);
      expect(await errorOf(consults)).toMatchObject({ code: 'password_change_required' });
      const ticket = await call(session, '/api/live/ticket', {
        method: 'POST',
        body: JSON.stringify({ docId: 'patient/01890a5d-ac96-774b-bcce-b302099a8057' }),
      });
      expect(ticket.status).toBe(403);
      expect(await errorOf(ticket)).toMatchObject({ code: 'password_change_required' });

      const changed = await changePassword(session, {
        currentPassword: session.user.password,
        newPassword: NEW_PASSWORD,
      });
      expect(changed.status).toBe(200);
      // The same token now works everywhere her role allows.
      expect((await call(session, '/api/consults')).status).toBe(200);
      const after = (await (await call(session, '/api/me')).json()) as {
        user: { mustChangePassword: boolean };
      };
      expect(after.user.mustChangePassword).toBe(false);
      // The new password signs in; the old one no longer does.
      const device = await ids.enrollDevice(session.device.clinicId);
      await expect(ids.signInAs(session.user, device)).rejects.toThrow(/401/);
      await expect(
        ids.signInAs({ ...session.user, password: NEW_PASSWORD }, device),
      ).resolves.toMatchObject({ user: { id: session.user.id } });
    });

    it('a wrong current password, the same password or a short one are refused, naming the field', async () => {
      const session = await withOneTimePassword();
      const wrong = await changePassword(session, {
        currentPassword: 'not the password',
        newPassword: NEW_PASSWORD,
      });
      expect(wrong.status).toBe(400);
      expect(await errorOf(wrong)).toMatchObject({
        code: 'invalid_credentials',
        field: 'currentPassword',
      });
      const same = await changePassword(session, {
        currentPassword: session.user.password,
        newPassword: session.user.password,
      });
      expect(same.status).toBe(400);
      expect(await errorOf(same)).toMatchObject({ code: 'same_password', field: 'newPassword' });
      const short = await changePassword(session, {
        currentPassword: session.user.password,
        newPassword: 'short',
      });
      expect(short.status).toBe(400);
      expect(JSON.stringify(await errorOf(short))).toContain('newPassword');
      // Nothing changed: still a one-time password, the old one still signs in.
      const user = (await ids.identity.getUser(session.user.id))!;
      expect(user.mustChangePassword).toBe(true);
      const device = await ids.enrollDevice(session.device.clinicId);
      await expect(ids.signInAs(session.user, device)).resolves.toBeDefined();
    });

    it("ends the user's other sessions, keeps this one, and is audited", async () => {
      const session = await ids.signIn(await createClinic(testDb.database.db));
      const elsewhere = await ids.signInAs(
        session.user,
        await ids.enrollDevice(session.device.clinicId),
      );
      const changed = await changePassword(session, {
        currentPassword: session.user.password,
        newPassword: NEW_PASSWORD,
      });
      expect(await changed.json()).toEqual({ changed: true, endedSessions: 1 });
      expect((await call(session, '/api/me')).status).toBe(200);
      const ended = await call(elsewhere, '/api/me');
      expect(ended.status).toBe(401);
      expect(await errorOf(ended)).toMatchObject({ code: 'session_revoked' });

      const audit = await testDb.database.db
        .select({ action: auditLog.action, outcome: auditLog.outcome })
        .from(auditLog)
        .where(
          and(eq(auditLog.userId, session.user.id), eq(auditLog.action, 'auth.password_change')),
        );
      expect(audit).toEqual([{ action: 'auth.password_change', outcome: 'success' }]);
    });

    it('repeated wrong current passwords are slowed down (429)', async () => {
      const session = await ids.signIn(await createClinic(testDb.database.db));
      let status = 0;
      for (let attempt = 0; attempt < 12 && status !== 429; attempt++)
        status = (
          await changePassword(session, { currentPassword: 'guess', newPassword: NEW_PASSWORD })
        ).status;
      expect(status).toBe(429);
    });
  });
}
