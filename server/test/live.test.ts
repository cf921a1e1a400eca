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
import { Tablet, createClinic } from './support/sync';
import {
  httpRequester,
  identityFixture,
  type IdentityFixture,
  type SignedIn,
} from './support/identity';
import { TEST_SCRYPT } from '../src/auth/passwords';

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

/** Signed-in sessions by the caller the tests hold. */
const sessions = new Map<Caller, SignedIn>();

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`the live channel on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let node: NodeServer;
    let base: string;
    const providers: WebsocketProvider[] = [];
    let ids: IdentityFixture;

    /** A health worker of the clinic, signed in on a device enrolled to it. */
    async function callerOf(clinicId: string): Promise<Caller> {
      const session = await ids.signIn(clinicId);
      sessions.set(session.caller, session);
      return session.caller;
    }

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
        scrypt: TEST_SCRYPT,
      });
      await new Promise<void>((resolve) => node.server.listen(0, '127.0.0.1', resolve));
      base = `127.0.0.1:${(node.server.address() as AddressInfo).port}`;
      ids = identityFixture(httpRequester(`http://${base}`), db);
    });
    afterAll(async () => {
      for (const provider of providers) provider.destroy();
      await node.live.close();
      await new Promise<void>((resolve) => node.server.close(() => resolve()));
      node.server.closeAllConnections();
      await testDb.close();
    });

    /** A provider with a fresh single-use ticket (connects once: no reconnects in these tests). */
    async function connect(caller: Caller, docId: string, doc: Y.Doc): Promise<WebsocketProvider> {
      const ticket = await ids.ticket(sessions.get(caller)!, docId);
      const provider = new WebsocketProvider(`ws://${base}/ws`, docId, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        params: { ticket },
        disableBc: true, // only through the server
      });
      providers.push(provider);
      return provider;
    }

    async function raw(caller: Caller, path: string) {
      const ticket = await ids.ticket(
        sessions.get(caller)!,
        decodeURIComponent(path.slice('/ws/'.length)),
      );
      const socket = new WebSocket(`ws://${base}${path}?ticket=${encodeURIComponent(ticket)}`);
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      const opened = new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      return { socket, closed, opened };
    }

    /** The HTTP status of an upgrade refused before it happened (C14). */
    function refusedStatus(pathAndQuery: string): Promise<number> {
      return new Promise((resolve, reject) => {
        const socket = new WebSocket(`ws://${base}${pathAndQuery}`);
        socket.on('error', () => {}); // terminate() after the refusal reports an error: expected
        socket.once('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0);
          socket.terminate();
        });
        socket.once('open', () => reject(new Error(`${pathAndQuery} was upgraded`)));
      });
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
      const nurse = new Tablet(await callerOf(clinicId));
      const docId = nurse.createPersona('adultWithHypertension');
      nurse.drain(); // this record goes live, not through the outbox
      const nurseDoc = nurse.doc(docId);
      const first = await connect(nurse.caller, docId, nurseDoc);
      await waitFor(() => first.synced, 'the first provider to sync');
      await waitFor(
        async () =>
          (await db.select().from(updateLog).where(eq(updateLog.docId, docId))).length > 0,
        'the record to be stored',
      );

      const colleague = await callerOf(clinicId);
      const colleagueDoc = new Y.Doc();
      const second = await connect(colleague, docId, colleagueDoc);
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
      const nurse = new Tablet(await callerOf(clinicId));
      const docId = nurse.createPersona('childWithFever');
      const send = (pushes: ReturnType<Tablet['drain']>) =>
        fetch(`http://${base}/api/sync`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-outpost-sync',
            ...sessions.get(nurse.caller)!.headers,
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
      const watcher = await connect(await callerOf(clinicId), docId, watcherDoc);
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
      const nurse = new Tablet(await callerOf(clinicId));
      const docId = nurse.createPersona('pregnantWomanAt32Weeks');
      const nurseDoc = nurse.doc(docId);
      const provider = await connect(nurse.caller, docId, nurseDoc);
      await waitFor(() => provider.synced, 'the provider to sync');
      await waitFor(() => node.live.openDocuments().includes(docId), 'the room');

      // C14: refused before the upgrade, as plain HTTP.
      expect(await refusedStatus(`/ws/${docId}`)).toBe(401);
      expect(await refusedStatus(`/ws/${docId}?ticket=forged`)).toBe(401);
      expect(await refusedStatus('/ws/patient/not-a-uuid')).toBe(404);
      const otherClinic = await callerOf(await createClinic(db));
      const foreignTicket = await fetch(`http://${base}/api/live/ticket`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...sessions.get(otherClinic)!.headers },
        body: JSON.stringify({ docId }),
      });
      expect(foreignTicket.status).toBe(403);

      const garbage = await raw(nurse.caller, `/ws/${docId}`);
      await garbage.opened;
      garbage.socket.send(new Uint8Array([9, 9, 9]));
      expect(await garbage.closed).toBe(CLOSE_CODES.malformedMessage);

      const badUpdate = await raw(nurse.caller, `/ws/${docId}`);
      await badUpdate.opened;
      badUpdate.socket.send(syncUpdateMessage(new Uint8Array([1, 2, 3, 4, 5])));
      expect(await badUpdate.closed).toBe(CLOSE_CODES.malformedMessage);

      // An update that would move the record to another clinic.
      const mover = new Y.Doc();
      Y.applyUpdate(mover, Y.encodeStateAsUpdate(nurseDoc));
      const before = Y.encodeStateVector(mover);
      mover.getMap('meta').set('homeClinicId', otherClinic.clinicId);
      const invalid = await raw(nurse.caller, `/ws/${docId}`);
      await invalid.opened;
      invalid.socket.send(syncUpdateMessage(Y.encodeStateAsUpdate(mover, before)));
      expect(await invalid.closed).toBe(CLOSE_CODES.rejectedUpdate);

      const huge = await raw(nurse.caller, `/ws/${docId}`);
      await huge.opened;
      huge.socket.send(syncUpdateMessage(new Uint8Array(MAX_UPDATE_BYTES + 100)));
      expect(await huge.closed).toBe(CLOSE_CODES.messageTooLarge);

      const flood = await raw(nurse.caller, `/ws/${docId}`);
      await flood.opened;
      for (let index = 0; index < 100; index++) flood.socket.send(new Uint8Array([3])); // query awareness
      expect(await flood.closed).toBe(CLOSE_CODES.rateLimited);

      // The well-behaved provider stayed connected and still syncs; nothing bad was stored.
      expect(provider.wsconnected).toBe(true);
      getOrThrow(updateProfile(nurseDoc, nurse.ctx, { phone: '+255 700 000 009' }));
      const check = new Y.Doc();
      const checker = await connect(nurse.caller, docId, check);
      await waitFor(
        () => checker.synced && check.getMap('profile').get('phone') === '+255 700 000 009',
        'the edit',
      );
      expect(check.getMap('meta').get('homeClinicId')).toBe(clinicId);
    });
  });
}
