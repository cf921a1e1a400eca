/**
 * C40 the audit trail: the database refuses UPDATE, DELETE and TRUNCATE of
 * audit rows; the hash chain finds a row changed or removed by someone who got
 * around the trigger; sign-ins, record reads and writes, and tablet events are
 * recorded and searchable by patient, user, device and time.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, encodeSyncRequest } from '@outpost/shared/sync';
import { createAuditRepository } from '../src/repositories/audit-repository';
import { databaseKinds, type TestDatabase } from './support/databases';
import { startTestServer, type RunningTestServer } from './support/server';
import { Tablet, createClinic } from './support/sync';

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`C40 the audit trail on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let server: RunningTestServer;
    beforeAll(async () => {
      testDb = await kind.open();
      server = await startTestServer(testDb);
    });
    afterAll(async () => {
      await server.close();
      await testDb.close();
    });

    it('C40 rows cannot be updated, deleted or truncated by the application', async () => {
      const db = testDb.database.db;
      const audit = createAuditRepository(db, { now: () => Date.now() });
      await audit.append([{ action: 'test.event', outcome: 'success', details: { n: 1 } }]);
      const refusal = async (statement: Promise<unknown>) => {
        try {
          await statement;
          return 'allowed';
        } catch (error) {
          const cause = (error as { cause?: { message?: string } }).cause;
          return cause?.message ?? (error as Error).message;
        }
      };
      expect(await refusal(db.execute(sql`update audit_log set outcome = 'failure'`))).toMatch(
        /append-only/,
      );
      expect(await refusal(db.execute(sql`delete from audit_log`))).toMatch(/append-only/);
      expect(await refusal(db.execute(sql`truncate audit_log`))).toMatch(/append-only/);
      expect((await audit.search({ limit: 10 })).map((row) => row.outcome)).toEqual(['success']);
      expect(await audit.verifyChain()).toMatchObject({ ok: true });
    });

    it('C40 a changed or removed row breaks the hash chain and is found', async () => {
      const db = testDb.database.db;
      const audit = createAuditRepository(db, { now: () => Date.now() });
      await audit.append([
        { action: 'test.a', outcome: 'success' },
        { action: 'test.b', outcome: 'success' },
        { action: 'test.c', outcome: 'success' },
      ]);
      const rows = await audit.search({ limit: 3 });
      const middle = rows[1]!;
      // Someone with owner rights disables the trigger and edits a row.
      await db.execute(sql`alter table audit_log disable trigger audit_log_no_update_delete`);
      try {
        await db.execute(sql`update audit_log set outcome = 'failure' where id = ${middle.id}`);
        expect(await audit.verifyChain()).toMatchObject({
          ok: false,
          brokenAtId: middle.id,
          reason: expect.stringMatching(/changed/),
        });
        await db.execute(sql`update audit_log set outcome = 'success' where id = ${middle.id}`);
        expect(await audit.verifyChain()).toMatchObject({ ok: true });
        await db.execute(sql`delete from audit_log where id = ${middle.id}`);
        expect(await audit.verifyChain()).toMatchObject({
          ok: false,
          brokenAtId: rows[0]!.id,
          reason: expect.stringMatching(/removed/),
        });
      } finally {
        await db.execute(sql`alter table audit_log enable trigger audit_log_no_update_delete`);
      }
    });
  });
}

describe('C40 what is audited', () => {
  let testDb: TestDatabase;
  let server: RunningTestServer;
  beforeAll(async () => {
    testDb = await databaseKinds()[0]!.open();
    server = await startTestServer(testDb);
  });
  afterAll(async () => {
    await server.close();
    await testDb.close();
  });

  it('C40 sign-ins, record writes and reads, and tablet events, searchable by patient, user and device', async () => {
    const clinicId = await createClinic(testDb.database.db);
    const nurse = await server.ids.signIn(clinicId);
    const failed = await fetch(`${server.base}/api/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...nurse.device.headers },
      body: JSON.stringify({ username: nurse.user.username, password: 'wrong password!' }),
    });
    expect(failed.status).toBe(401);
    const tablet = new Tablet(nurse.caller, 9);
    const patient = tablet.createPersona('elderlyManWithHeartFailure');
    const sync = await fetch(`${server.base}/api/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-outpost-sync', ...nurse.headers },
      body: encodeSyncRequest({
        protocol: PROTOCOL_VERSION,
        clientId: 9,
        deviceTime: Date.now(),
        cursor: new Uint8Array(),
        pushes: tablet.drain(),
        wantDocuments: [],
        maxResponseBytes: 65536,
      }),
    });
    expect(sync.status).toBe(200);
    const events = await fetch(`${server.base}/api/audit/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...nurse.device.headers },
      body: JSON.stringify({
        events: [
          {
            action: 'record.open',
            outcome: 'success',
            userId: nurse.user.id,
            docId: patient,
            deviceTime: Date.UTC(2025, 0, 1),
          },
        ],
      }),
    });
    expect(events.status).toBe(200);

    const admin = await server.ids.signIn(clinicId, { role: 'system-admin' });
    const search = async (query: string) => {
      const response = await fetch(`${server.base}/api/admin/audit?${query}`, {
        headers: admin.headers,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      return (
        (await response.json()) as {
          entries: {
            action: string;
            outcome: string;
            userId: string | null;
            deviceId: string | null;
            deviceTime: string | null;
            serverTime: string;
          }[];
        }
      ).entries;
    };
    const byPatient = await search(`patient=${encodeURIComponent(patient)}`);
    expect(byPatient.map((e) => `${e.action}:${e.outcome}`).sort()).toEqual([
      'record.read:success',
      'record.write:success',
      'tablet.record.open:success',
    ]);
    expect(byPatient.find((e) => e.action === 'tablet.record.open')).toMatchObject({
      deviceTime: '2025-01-01T00:00:00.000Z',
      deviceId: nurse.device.deviceId,
      userId: nurse.user.id,
    });
    const byUser = await search(`user=${nurse.user.id}`);
    expect(byUser.map((e) => `${e.action}:${e.outcome}`)).toEqual(
      expect.arrayContaining([
        'auth.sign_in:success',
        'auth.sign_in:failure',
        'record.write:success',
      ]),
    );
    const byDevice = await search(`device=${nurse.device.deviceId}`);
    expect(byDevice.map((e) => e.action)).toContain('device.enroll');
    const none = await search(`user=${nurse.user.id}&to=2000-01-01T00:00:00Z`);
    expect(none).toEqual([]);
    const bad = await fetch(`${server.base}/api/admin/audit?from=yesterday`, {
      headers: admin.headers,
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { field: 'from' } });
    expect(
      await createAuditRepository(testDb.database.db, { now: () => Date.now() }).verifyChain(),
    ).toMatchObject({ ok: true });
  });
});
