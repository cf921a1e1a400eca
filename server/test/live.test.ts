/**
 * The live channel (SPEC S14) through the real server on port 0, with the stock
 * y-websocket `WebsocketProvider` (Node, `ws` as its WebSocket).
 */
import type { AddressInfo } from 'node:net';
import { and, eq, isNull } from 'drizzle-orm';
import * as encoding from 'lib0/encoding';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { getOrThrow } from '@outpost/shared/result';
import { updateProfile } from '@outpost/shared/model';
import {
  CLOSE_CODES,
  MAX_UPDATE_BYTES,
  PROTOCOL_VERSION,
  encodeSyncRequest,
} from '@outpost/shared/sync';
import type { Caller } from '../src/auth/caller';
import type { Db } from '../src/db/database';
import { updateLog } from '../src/db/schema';
import { createNodeServer, type NodeServer } from '../src/main';
import { databaseKinds, type TestDatabase } from './support/databases';
import { Tablet, callerOf, createClinic } from './support/sync';

const logger = pino({ level: 'silent' });

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
) {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const params = (caller: Caller) => ({
  device: caller.deviceId,
  clinic: caller.clinicId,
  user: caller.userId,
});

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`the live channel on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let node: NodeServer;
    let base: string;
    const providers: WebsocketProvider[] = [];

    beforeAll(async () => {
      testDb = await kind.open();
      db = testDb.database.db;
      node = createNodeServer({
        database: testDb.database,
        version: 'test',
        webDir: '/nonexistent',
        logger,
        now: () => Date.now(),
        liveRateLimit: { burst: 40, perSecond: 10 },
      });
      await new Promise<void>((resolve) => node.server.listen(0, '127.0.0.1', resolve));
      base = `127.0.0.1:${(node.server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      for (const provider of providers) provider.destroy();
      await node.live.close();
      await new Promise<void>((resolve) => node.server.close(() => resolve()));
      node.server.closeAllConnections();
      await testDb.close();
    });

    function connect(caller: Caller, docId: string, doc: Y.Doc): WebsocketProvider {
      const provider = new WebsocketProvider(`ws://${base}/ws`, docId, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        params: params(caller),
        disableBc: true, // only through the server
      });
      providers.push(provider);
      return provider;
    }

    function raw(caller: Caller | undefined, path: string) {
      const query =
        caller === undefined ? '' : `?${new URLSearchParams(params(caller)).toString()}`;
      const socket = new WebSocket(`ws://${base}${path}${query}`);
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      const opened = new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      return { socket, closed, opened };
    }

    function syncUpdateMessage(update: Uint8Array): Uint8Array {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0); // sync
      encoding.writeVarUint(encoder, 2); // update
      encoding.writeVarUint8Array(encoder, update);
      return encoding.toUint8Array(encoder);
    }

    it('S14 an edit through one provider reaches another and is in the update log', async () => {
      const clinicId = await createClinic(db);
      const nurse = new Tablet(callerOf(clinicId));
      const docId = nurse.createPersona('adultWithHypertension');
      nurse.drain(); // this record goes live, not through the outbox
      const nurseDoc = nurse.doc(docId);
      const first = connect(nurse.caller, docId, nurseDoc);
      await waitFor(() => first.synced, 'the first provider to sync');
      await waitFor(
        async () =>
          (await db.select().from(updateLog).where(eq(updateLog.docId, docId))).length > 0,
        'the record to be stored',
      );

      const colleague = callerOf(clinicId);
      const colleagueDoc = new Y.Doc();
      const second = connect(colleague, docId, colleagueDoc);
      await waitFor(() => second.synced, 'the second provider to sync');
      expect(colleagueDoc.getMap('profile').get('givenName')).toBe('Amina');

      getOrThrow(updateProfile(nurseDoc, nurse.ctx, { village: 'Live Village' }));
      await waitFor(
        () => colleagueDoc.getMap('profile').get('village') === 'Live Village',
        'the edit to arrive',
      );
      const logged = await db
        .select()
        .from(updateLog)
        .where(and(eq(updateLog.docId, docId), isNull(updateLog.localSeq)));
      expect(logged.length).toBeGreaterThanOrEqual(2);
      expect(logged.every((row) => row.deviceId === nurse.caller.deviceId)).toBe(true);
      const stored = new Y.Doc();
      for (const row of logged) Y.applyUpdate(stored, row.update);
      expect(stored.getMap('profile').get('village')).toBe('Live Village');
    });

    it('S14 a batch-synced change to an open record is broadcast to the room', async () => {
      const clinicId = await createClinic(db);
      const nurse = new Tablet(callerOf(clinicId));
      const docId = nurse.createPersona('childWithFever');
      const send = (pushes: ReturnType<Tablet['drain']>) =>
        fetch(`http://${base}/api/sync`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-outpost-sync',
            'x-outpost-device': nurse.caller.deviceId,
            'x-outpost-clinic': clinicId,
            'x-outpost-user': nurse.caller.userId,
          },
          body: new Uint8Array(
            encodeSyncRequest({
              protocol: PROTOCOL_VERSION,
              clientId: nurse.clientId,
              deviceTime: Date.now(),
              cursor: new Uint8Array(),
              pushes,
              wantDocuments: [],
              maxResponseBytes: 1024,
            }),
          ),
        });
      expect((await send(nurse.drain())).status).toBe(200);

      const watcherDoc = new Y.Doc();
      const watcher = connect(callerOf(clinicId), docId, watcherDoc);
      await waitFor(() => watcher.synced, 'the watcher to sync');
      nurse.editProfile(docId, { village: 'Batch Village' });
      expect((await send(nurse.drain())).status).toBe(200);
      await waitFor(
        () => watcherDoc.getMap('profile').get('village') === 'Batch Village',
        'the broadcast',
      );
    });

    it('S14 bad credentials, ids, clinics, messages, sizes and floods close that connection only', async () => {
      const clinicId = await createClinic(db);
      const nurse = new Tablet(callerOf(clinicId));
      const docId = nurse.createPersona('pregnantWomanAt32Weeks');
      const nurseDoc = nurse.doc(docId);
      const provider = connect(nurse.caller, docId, nurseDoc);
      await waitFor(() => provider.synced, 'the provider to sync');
      await waitFor(() => node.live.openDocuments().includes(docId), 'the room');

      expect(await raw(undefined, `/ws/${docId}`).closed).toBe(CLOSE_CODES.unauthenticated);
      expect(await raw(nurse.caller, '/ws/patient/not-a-uuid').closed).toBe(
        CLOSE_CODES.invalidDocument,
      );
      const otherClinic = callerOf(await createClinic(db));
      expect(await raw(otherClinic, `/ws/${docId}`).closed).toBe(CLOSE_CODES.forbidden);

      const garbage = raw(nurse.caller, `/ws/${docId}`);
      await garbage.opened;
      garbage.socket.send(new Uint8Array([9, 9, 9]));
      expect(await garbage.closed).toBe(CLOSE_CODES.malformedMessage);

      const badUpdate = raw(nurse.caller, `/ws/${docId}`);
      await badUpdate.opened;
      badUpdate.socket.send(syncUpdateMessage(new Uint8Array([1, 2, 3, 4, 5])));
      expect(await badUpdate.closed).toBe(CLOSE_CODES.malformedMessage);

      // An update that would move the record to another clinic.
      const mover = new Y.Doc();
      Y.applyUpdate(mover, Y.encodeStateAsUpdate(nurseDoc));
      const before = Y.encodeStateVector(mover);
      mover.getMap('meta').set('homeClinicId', otherClinic.clinicId);
      const invalid = raw(nurse.caller, `/ws/${docId}`);
      await invalid.opened;
      invalid.socket.send(syncUpdateMessage(Y.encodeStateAsUpdate(mover, before)));
      expect(await invalid.closed).toBe(CLOSE_CODES.rejectedUpdate);

      const huge = raw(nurse.caller, `/ws/${docId}`);
      await huge.opened;
      huge.socket.send(syncUpdateMessage(new Uint8Array(MAX_UPDATE_BYTES + 100)));
      expect(await huge.closed).toBe(CLOSE_CODES.messageTooLarge);

      const flood = raw(nurse.caller, `/ws/${docId}`);
      await flood.opened;
      for (let index = 0; index < 100; index++) flood.socket.send(new Uint8Array([3])); // query awareness
      expect(await flood.closed).toBe(CLOSE_CODES.rateLimited);

      // The well-behaved provider stayed connected and still syncs; nothing bad was stored.
      expect(provider.wsconnected).toBe(true);
      getOrThrow(updateProfile(nurseDoc, nurse.ctx, { phone: '+255 700 000 009' }));
      const check = new Y.Doc();
      const checker = connect(nurse.caller, docId, check);
      await waitFor(
        () => checker.synced && check.getMap('profile').get('phone') === '+255 700 000 009',
        'the edit',
      );
      expect(check.getMap('meta').get('homeClinicId')).toBe(clinicId);
    });
  });
}
