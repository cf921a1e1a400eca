/**
 * C23/C24 fuzz: random, truncated, bit-flipped and oversized Yjs updates and
 * protocol messages, through batch sync and the live channel, before and after
 * authentication. Every answer is a 4xx or a close code (never a 5xx or 1011),
 * a refused update changes nothing, and another client keeps working.
 * Seeds are fixed (fast-check `seed`), so a failure replays.
 */
import { asc, eq } from 'drizzle-orm';
import fc from 'fast-check';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import {
  CLOSE_CODES,
  MAX_UPDATE_BYTES,
  PROTOCOL_VERSION,
  decodeSyncResponse,
  encodeSyncRequest,
} from '@outpost/shared/sync';
import { documents, updateLog } from '../src/db/schema';
import { pgliteKind, type TestDatabase } from './support/databases';
import type { SignedIn } from './support/identity';
import { startTestServer, type RunningTestServer } from './support/server';
import { Tablet, createClinic } from './support/sync';

const ALLOWED_CLOSE = new Set<number>([
  ...Object.values(CLOSE_CODES),
  1000,
  1002,
  1005,
  1006,
  1007,
  1009,
]);

/** Mutations of a real update: truncation, bit flips, random bytes, oversize. */
function mutated(real: Uint8Array) {
  return fc.oneof(
    fc.integer({ min: 0, max: Math.max(0, real.length - 1) }).map((end) => real.slice(0, end)),
    fc
      .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 })
      .map((flips) => {
        const copy = real.slice();
        for (const [index, bit] of flips) copy[index % copy.length]! ^= 1 << bit;
        return copy;
      }),
    fc.uint8Array({ minLength: 0, maxLength: 300 }),
    fc.constant(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])), // huge varint
  );
}

describe('C23 fuzzing batch sync and the live channel', () => {
  let testDb: TestDatabase;
  let server: RunningTestServer;
  let nurse: SignedIn;
  let docId: string;
  let realUpdate: Uint8Array;

  beforeAll(async () => {
    testDb = await pgliteKind.open();
    server = await startTestServer(testDb);
    const clinicId = await createClinic(testDb.database.db);
    nurse = await server.ids.signIn(clinicId);
    const tablet = new Tablet(nurse.caller, 71);
    docId = tablet.createPersona('adultWithHypertension');
    tablet.recordVisit(docId);
    const pushes = tablet.drain();
    realUpdate = pushes[0]!.update;
    expect((await sync(nurse.headers, pushes)).status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
    await testDb.close();
  });

  let nextLocalSeq = 1000;
  function sync(
    headers: Record<string, string>,
    pushes: { localSeq: number; docId: string; update: Uint8Array; deviceTime: number }[],
    raw?: Uint8Array,
  ) {
    return fetch(`${server.base}/api/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-outpost-sync', ...headers },
      body:
        raw ??
        encodeSyncRequest({
          protocol: PROTOCOL_VERSION,
          clientId: 71,
          deviceTime: Date.now(),
          cursor: new Uint8Array(),
          pushes,
          wantDocuments: [],
          maxResponseBytes: 1024,
        }),
    });
  }
  async function stateOf(id: string): Promise<string> {
    const rows = await testDb.database.db.select().from(documents).where(eq(documents.docId, id));
    return rows[0] === undefined ? 'none' : Buffer.from(rows[0].state).toString('base64');
  }

  it('C23 batch: mutated updates are refused per record and change nothing; raw bodies are 4xx; unauthenticated is 401', async () => {
    await fc.assert(
      fc.asyncProperty(
        mutated(realUpdate),
        fc.uint8Array({ maxLength: 200 }),
        async (update, body) => {
          const before = await stateOf(docId);
          const logBefore = (
            await testDb.database.db
              .select()
              .from(updateLog)
              .where(eq(updateLog.docId, docId))
              .orderBy(asc(updateLog.seq))
          ).length;
          const response = await sync(nurse.headers, [
            { localSeq: nextLocalSeq++, docId, update, deviceTime: Date.now() },
          ]);
          expect(response.status).toBe(200);
          const decoded = decodeSyncResponse(new Uint8Array(await response.arrayBuffer()));
          if (!decoded.ok) throw new Error('undecodable');
          const receipt = decoded.value.receipts[0]!;
          if (receipt.status === 'rejected') {
            expect(await stateOf(docId)).toBe(before);
            expect(
              (await testDb.database.db.select().from(updateLog).where(eq(updateLog.docId, docId)))
                .length,
            ).toBe(logBefore);
          }
          const garbage = await sync(nurse.headers, [], body);
          expect([400, 413, 426]).toContain(garbage.status);
          const anonymous = await sync({}, [], body);
          expect(anonymous.status).toBe(401);
        },
      ),
      { numRuns: 40, seed: 4242 },
    );
    const oversized = await sync(nurse.headers, [
      {
        localSeq: nextLocalSeq++,
        docId,
        update: new Uint8Array(MAX_UPDATE_BYTES + 1),
        deviceTime: 0,
      },
    ]);
    const decoded = decodeSyncResponse(new Uint8Array(await oversized.arrayBuffer()));
    expect(decoded.ok && decoded.value.receipts[0]).toMatchObject({
      status: 'rejected',
      code: 'too_large',
    });
  });

  it('C23 live: fuzzed messages close that connection with a named code; the document and other clients are unharmed', async () => {
    // A well-behaved watcher on the same record.
    const watcherTicket = await server.ids.ticket(nurse, docId);
    const watcher = new WebSocket(
      `ws://${server.host}/ws/${docId}?ticket=${encodeURIComponent(watcherTicket)}`,
    );
    await new Promise<void>((resolve, reject) => {
      watcher.once('open', () => resolve());
      watcher.once('error', reject);
    });
    const codes: number[] = [];
    const message = fc.oneof(
      mutated(realUpdate).map((update) => {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, 0);
        encoding.writeVarUint(encoder, 2);
        encoding.writeVarUint8Array(encoder, update);
        return encoding.toUint8Array(encoder);
      }),
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc.constant(new Uint8Array([1, 0xff, 0xff, 0xff, 0xff, 0x0f])),
    );
    await fc.assert(
      fc.asyncProperty(message, fc.boolean(), async (bytes, asText) => {
        const before = await stateOf(docId);
        const ticket = await server.ids.ticket(nurse, docId);
        const socket = new WebSocket(
          `ws://${server.host}/ws/${docId}?ticket=${encodeURIComponent(ticket)}`,
        );
        const closed = new Promise<number>((resolve) =>
          socket.on('close', (code) => resolve(code)),
        );
        await new Promise<void>((resolve, reject) => {
          socket.once('open', () => resolve());
          socket.once('error', reject);
        });
        socket.send(asText ? Buffer.from(bytes).toString('latin1') : bytes);
        const code = await Promise.race([
          closed,
          new Promise<number>((resolve) => setTimeout(() => resolve(-1), 150)),
        ]);
        if (code !== -1) {
          codes.push(code);
          expect(ALLOWED_CLOSE.has(code), `close code ${code}`).toBe(true);
          if (code !== 1000) expect(await stateOf(docId)).toBe(before);
        }
        socket.terminate();
      }),
      { numRuns: 30, seed: 2424 },
    );
    expect(codes.length).toBeGreaterThan(0);
    expect(watcher.readyState).toBe(WebSocket.OPEN);
    // Before authentication: nothing is upgraded.
    for (const path of [
      `/ws/${docId}`,
      `/ws/${docId}?ticket=`,
      `/ws/${docId}?ticket=${'A'.repeat(5000)}`,
      '/ws/%ff',
      '/ws/../api/me',
    ]) {
      const status = await new Promise<number>((resolve) => {
        const socket = new WebSocket(`ws://${server.host}${path}`);
        socket.on('error', () => resolve(0));
        socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.once('open', () => resolve(101));
      });
      expect([400, 401, 404, 0]).toContain(status);
    }
    // The server still serves: a legitimate edit through batch sync reaches the watcher.
    const received = new Promise<void>((resolve) => watcher.once('message', () => resolve()));
    const tablet = new Tablet(nurse.caller, 71);
    const doc = tablet.open(
      docId,
      (await testDb.database.db.select().from(documents).where(eq(documents.docId, docId)))[0]!
        .state,
    );
    doc.clientID = 9_999_001; // a client id nobody else used
    tablet.editProfile(docId, { village: 'Still Working' });
    const pushes = tablet.drain().map((push) => ({ ...push, localSeq: nextLocalSeq++ }));
    expect((await sync(nurse.headers, pushes)).status).toBe(200);
    await received;
    const state = new Y.Doc();
    Y.applyUpdate(state, Buffer.from(await stateOf(docId), 'base64'));
    expect(state.getMap('profile').get('village')).toBe('Still Working');
    watcher.close();
  });
});
