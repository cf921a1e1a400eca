/**
 * A consult sent over the live channel is received by the server there too:
 * the server's `received` transition reaches every open room (both sides see
 * it live), and a specialist cannot open a consult not routed to them.
 */
import { eq } from 'drizzle-orm';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConsult } from '@outpost/shared/model';
import { getOrThrow } from '@outpost/shared/result';
import { PROTOCOL_VERSION, decodeSyncResponse, encodeSyncRequest } from '@outpost/shared/sync';
import { SERVER_ACTOR_ID } from '../src/consults/server-author';
import { documents } from '../src/db/schema';
import { databaseKinds, type TestDatabase } from './support/databases';
import type { SignedIn } from './support/identity';
import { startTestServer, type RunningTestServer } from './support/server';
import { Tablet, createClinic } from './support/sync';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000) {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`consults on the live channel on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let server: RunningTestServer;
    const providers: WebsocketProvider[] = [];
    let hw: SignedIn;
    let cardiologist: SignedIn;
    let dermatologist: SignedIn;

    beforeAll(async () => {
      testDb = await kind.open();
      server = await startTestServer(testDb);
      const clinicId = await createClinic(testDb.database.db);
      hw = await server.ids.signIn(clinicId, { role: 'health-worker' });
      cardiologist = await server.ids.signIn(clinicId, {
        role: 'specialist',
        specialties: ['cardiology'],
      });
      dermatologist = await server.ids.signIn(clinicId, {
        role: 'specialist',
        specialties: ['dermatology'],
      });
    });
    afterAll(async () => {
      for (const provider of providers) provider.destroy();
      await server.close();
      await testDb.close();
    });

    async function connect(session: SignedIn, docId: string, doc: Y.Doc) {
      const ticket = await server.ids.ticket(session, docId);
      const provider = new WebsocketProvider(`ws://${server.host}/ws`, docId, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        params: { ticket },
        disableBc: true,
      });
      providers.push(provider);
      await waitFor(() => provider.synced, 'the provider to sync');
      return provider;
    }

    it('a consult sent live is marked received by the server, and both open sides see it', async () => {
      const nurse = new Tablet(hw.caller, 4242);
      const docId = nurse.createConsult(nurse.createPersona('adultWithHypertension'), {
        send: false,
      });
      const response = await fetch(`${server.base}/api/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-outpost-sync', ...hw.headers },
        body: encodeSyncRequest({
          protocol: PROTOCOL_VERSION,
          clientId: nurse.clientId,
          deviceTime: Date.now(),
          cursor: new Uint8Array(),
          pushes: nurse.drain(),
          wantDocuments: [],
          maxResponseBytes: 64 * 1024,
        }),
      });
      getOrThrow(decodeSyncResponse(new Uint8Array(await response.arrayBuffer())));

      const nurseDoc = nurse.doc(docId);
      await connect(hw, docId, nurseDoc);
      const specialistDoc = new Y.Doc();
      // A draft is routed to cardiology: the specialist may open it (documentAccess).
      await connect(cardiologist, docId, specialistDoc);

      nurse.changeStatus(docId, 'sent'); // the provider sends it over the live channel
      const status = (doc: Y.Doc) => getOrThrow(readConsult(doc)).status;
      await waitFor(() => status(nurseDoc) === 'received', 'the health worker to see received');
      await waitFor(() => status(specialistDoc) === 'received', 'the specialist to see received');
      const received = getOrThrow(readConsult(specialistDoc)).transitions.find(
        (t) => t.to === 'received',
      );
      expect(received?.by.userId).toBe(SERVER_ACTOR_ID);
      const [row] = await testDb.database.db
        .select()
        .from(documents)
        .where(eq(documents.docId, docId));
      const stored = new Y.Doc();
      Y.applyUpdate(stored, row!.state);
      expect(getOrThrow(readConsult(stored)).transitions.map((t) => t.to)).toEqual([
        'sent',
        'received',
      ]);
    });

    it('a specialist cannot open a consult not routed to them (ticket and summary alike)', async () => {
      // Another tablet of the clinic (localSeq is per device, S3).
      const second = await server.ids.signInAs(
        hw.user,
        await server.ids.enrollDevice(hw.device.clinicId),
      );
      const nurse = new Tablet(second.caller, 4343);
      const docId = nurse.createConsult(nurse.createPersona('adultWithHypertension'));
      await fetch(`${server.base}/api/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-outpost-sync', ...second.headers },
        body: encodeSyncRequest({
          protocol: PROTOCOL_VERSION,
          clientId: nurse.clientId,
          deviceTime: Date.now(),
          cursor: new Uint8Array(),
          pushes: nurse.drain(),
          wantDocuments: [],
          maxResponseBytes: 64 * 1024,
        }),
      });
      const ticket = await fetch(`${server.base}/api/live/ticket`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...dermatologist.headers },
        body: JSON.stringify({ docId }),
      });
      expect(ticket.status).toBe(403);
      const summary = await fetch(`${server.base}/api/consults/${docId.slice('consult/'.length)}`, {
        headers: dermatologist.headers,
      });
      expect(summary.status).toBe(404);
      const routed = await fetch(`${server.base}/api/consults/${docId.slice('consult/'.length)}`, {
        headers: cardiologist.headers,
      });
      expect(routed.status).toBe(200);
    });

    it('presence reaches the routed specialist and the health worker only: a specialist not routed never joins the room', async () => {
      const third = await server.ids.signInAs(
        hw.user,
        await server.ids.enrollDevice(hw.device.clinicId),
      );
      const nurse = new Tablet(third.caller, 4444);
      const push = async () =>
        fetch(`${server.base}/api/sync`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-outpost-sync', ...third.headers },
          body: encodeSyncRequest({
            protocol: PROTOCOL_VERSION,
            clientId: nurse.clientId,
            deviceTime: Date.now(),
            cursor: new Uint8Array(),
            pushes: nurse.drain(),
            wantDocuments: [],
            maxResponseBytes: 64 * 1024,
          }),
        });
      const patient = nurse.createPersona('adultWithHypertension');
      const docId = nurse.createConsult(patient); // cardiology
      const dermatologyConsult = nurse.createConsult(patient, {
        routing: { kind: 'specialty', specialty: 'dermatology' },
      });
      expect((await push()).status).toBe(200);

      const nurseSide = await connect(third, docId, nurse.doc(docId));
      const specialistSide = await connect(cardiologist, docId, new Y.Doc());
      nurseSide.awareness.setLocalState({
        user: { name: 'Neema', role: 'health-worker' },
        typing: null,
      });
      specialistSide.awareness.setLocalState({
        user: { name: 'Dr Chiku', role: 'specialist' },
        typing: 'answer',
      });
      const presentAt = (provider: WebsocketProvider, clientId: number) =>
        provider.awareness.getStates().get(clientId) as { typing?: unknown } | undefined;
      await waitFor(
        () => presentAt(nurseSide, specialistSide.awareness.clientID)?.typing === 'answer',
        'the health worker to see the specialist typing',
      );
      await waitFor(
        () => presentAt(specialistSide, nurseSide.awareness.clientID) !== undefined,
        'the specialist to see the health worker',
      );

      // The dermatologist gets no ticket for it, and a ticket for a consult routed to
      // her does not open this one's room: nothing is upgraded, no presence reaches her.
      const refused = await fetch(`${server.base}/api/live/ticket`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...dermatologist.headers },
        body: JSON.stringify({ docId }),
      });
      expect(refused.status).toBe(403);
      const otherTicket = await server.ids.ticket(dermatologist, dermatologyConsult);
      const status = await new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(
          `ws://${server.host}/ws/${docId}?ticket=${encodeURIComponent(otherTicket)}`,
        );
        socket.on('error', () => {});
        socket.once('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0);
          socket.terminate();
        });
        socket.once('open', () => reject(new Error('the dermatologist joined the room')));
      });
      expect(status).toBe(401);
      // Leaving clears presence for the others.
      specialistSide.destroy();
      await waitFor(
        () => presentAt(nurseSide, specialistSide.awareness.clientID) === undefined,
        'the specialist to leave',
      );
    });
  });
}
