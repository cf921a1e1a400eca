/**
 * C11 revocation reaches live sessions: an open websocket of a revoked device
 * or a disabled user is closed with CLOSE_CODES.revoked within the check
 * interval (60 s in production; 200 ms here), REST answers 401 at once, and a
 * revoked device's next sync is a clear 401 `device_revoked` whose pushed data
 * is kept in quarantine for review, never applied.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CLOSE_CODES, PROTOCOL_VERSION, encodeSyncRequest } from '@outpost/shared/sync';
import { quarantine, updateLog } from '../src/db/schema';
import { databaseKinds, type TestDatabase } from './support/databases';
import type { SignedIn } from './support/identity';
import { startTestServer, type RunningTestServer } from './support/server';
import { Tablet, createClinic } from './support/sync';

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`C11 revocation on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let server: RunningTestServer;
    beforeAll(async () => {
      testDb = await kind.open();
      // The sweep alone must close it: revocation through the CLI does not notify the running server.
      server = await startTestServer(testDb, { revocationCheckMs: 200 });
    });
    afterAll(async () => {
      await server.close();
      await testDb.close();
    });

    async function openLive(session: SignedIn, docId: string) {
      const ticket = await server.ids.ticket(session, docId);
      const socket = new WebSocket(
        `ws://${server.host}/ws/${docId}?ticket=${encodeURIComponent(ticket)}`,
      );
      const closed = new Promise<{ code: number; at: number }>((resolve) =>
        socket.on('close', (code) => resolve({ code, at: Date.now() })),
      );
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      return { socket, closed };
    }

    async function createRecord(session: SignedIn): Promise<string> {
      const tablet = new Tablet(session.caller, 61);
      const docId = tablet.createPersona('adultWithHypertension');
      const response = await sync(session.headers, tablet.drain());
      expect(response.status).toBe(200);
      return docId;
    }

    function sync(headers: Record<string, string>, pushes: ReturnType<Tablet['drain']>) {
      return fetch(`${server.base}/api/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-outpost-sync', ...headers },
        body: encodeSyncRequest({
          protocol: PROTOCOL_VERSION,
          clientId: 61,
          deviceTime: Date.now(),
          cursor: new Uint8Array(),
          pushes,
          wantDocuments: [],
          maxResponseBytes: 65536,
        }),
      });
    }

    it('C11 revoking a device closes its websocket with the revoked code, by the periodic check', async () => {
      const clinicId = await createClinic(testDb.database.db);
      const nurse = await server.ids.signIn(clinicId);
      const colleague = await server.ids.signIn(clinicId);
      const docId = await createRecord(nurse);
      const live = await openLive(nurse, docId);
      const other = await openLive(colleague, docId);
      // Revoked straight in the database (as the CLI does), so only the sweep can notice.
      const revokedAt = Date.now();
      await server.ids.identity.revokeDevice(nurse.device.deviceId, null, new Date());
      const { code, at } = await live.closed;
      expect(code).toBe(CLOSE_CODES.revoked);
      expect(at - revokedAt).toBeLessThan(5_000);
      expect(other.socket.readyState).toBe(WebSocket.OPEN); // the colleague stays
      const rest = await fetch(`${server.base}/api/me`, { headers: nurse.headers });
      expect(rest.status).toBe(401);
      expect(await rest.json()).toMatchObject({ error: { code: 'device_revoked' } });
      other.socket.close();
    });

    it('C11 disabling a user through the admin API closes their websocket at once', async () => {
      const clinicId = await createClinic(testDb.database.db);
      const nurse = await server.ids.signIn(clinicId);
      const admin = await server.ids.signIn(clinicId, { role: 'system-admin' });
      const docId = await createRecord(nurse);
      const live = await openLive(nurse, docId);
      const disabled = await fetch(`${server.base}/api/admin/users/${nurse.user.id}/disable`, {
        method: 'POST',
        headers: admin.headers,
      });
      expect(disabled.status).toBe(200);
      expect((await live.closed).code).toBe(CLOSE_CODES.revoked);
      const refreshed = await fetch(`${server.base}/api/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...nurse.device.headers },
        body: JSON.stringify({ refreshToken: nurse.refreshToken }),
      });
      expect(refreshed.status).toBe(401);
    });

    it('C11 a revoked device’s sync is a 401 device_revoked; what it pushed is quarantined, not applied', async () => {
      const clinicId = await createClinic(testDb.database.db);
      const nurse = await server.ids.signIn(clinicId);
      const admin = await server.ids.signIn(clinicId, { role: 'system-admin' });
      const revoke = await fetch(
        `${server.base}/api/admin/devices/${nurse.device.deviceId}/revoke`,
        { method: 'POST', headers: admin.headers },
      );
      expect(revoke.status).toBe(200);
      const tablet = new Tablet(nurse.caller, 62);
      const unsynced = tablet.createPersona('childWithFever');
      const pushes = tablet.drain();
      for (const headers of [nurse.headers, nurse.device.headers]) {
        const response = await sync(headers, pushes);
        expect(response.status).toBe(401);
        expect(await response.json()).toMatchObject({ error: { code: 'device_revoked' } });
      }
      expect(
        await testDb.database.db
          .select({ n: count() })
          .from(updateLog)
          .where(eq(updateLog.docId, unsynced)),
      ).toEqual([{ n: 0 }]);
      const kept = await testDb.database.db
        .select()
        .from(quarantine)
        .where(eq(quarantine.deviceId, nurse.device.deviceId));
      expect(kept).toHaveLength(2);
      expect(kept[0]!.summary).toMatchObject({
        decoded: true,
        pushes: [{ docId: unsynced, localSeq: 1 }],
      });
      const listed = await fetch(`${server.base}/api/admin/quarantine`, { headers: admin.headers });
      expect(
        ((await listed.json()) as { entries: unknown[] }).entries.length,
      ).toBeGreaterThanOrEqual(2);
      // A device that never existed gets nothing quarantined.
      const stranger = await sync(
        {
          'x-outpost-device': '01930000-0000-7000-8000-000000000bad',
          'x-outpost-device-secret': 'x',
        },
        pushes,
      );
      expect(stranger.status).toBe(401);
      expect(await testDb.database.db.select({ n: count() }).from(quarantine)).toEqual([{ n: 2 }]);
    });
  });
}
