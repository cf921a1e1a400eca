/** `POST /api/sync` through createApp: transport, compression, errors (SPEC S2–S13). */
import { gunzipSync, gzipSync } from 'node:zlib';
import { count, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOrThrow } from '@outpost/shared/result';
import {
  PROTOCOL_VERSION,
  decodeSyncResponse,
  encodeSyncRequest,
  type SyncRequest,
  type SyncResponse,
} from '@outpost/shared/sync';
import { createApp } from '../src/app';
import type { ClinicId } from '@outpost/shared/ids';
import type { Caller } from '../src/auth/caller';
import type { Db } from '../src/db/database';
import { updateLog } from '../src/db/schema';
import type { StoredUpdate } from '../src/repositories/sync-repository';
import { createDocumentEvents } from '../src/sync/events';
import { databaseKinds, type TestDatabase } from './support/databases';
import { Tablet, createClinic } from './support/sync';
import { identityFixture, type IdentityFixture } from './support/identity';
import { TEST_SCRYPT } from '../src/auth/passwords';

const logger = pino({ level: 'silent' });

/** The signed-in sessions of this file's callers (enrolled device + user, real tokens). */
const sessions = new Map<Caller, Record<string, string>>();
function headersOf(caller: Caller): Record<string, string> {
  const headers = sessions.get(caller);
  if (headers === undefined) throw new Error('caller was not signed in');
  return headers;
}

function requestOf(partial: Partial<SyncRequest>): SyncRequest {
  return {
    protocol: PROTOCOL_VERSION,
    clientId: 1234,
    deviceTime: Date.UTC(2025, 2, 1),
    cursor: new Uint8Array(),
    pushes: [],
    wantDocuments: [],
    maxResponseBytes: 64 * 1024,
    ...partial,
  };
}

async function errorOf(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  return ((await response.json()) as { error: { code: string; message: string; field?: string } })
    .error;
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`POST /api/sync on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let app: ReturnType<typeof createApp>;
    let ids: IdentityFixture;
    const published: StoredUpdate[] = [];
    /** A health worker of the clinic, signed in on a device enrolled to it. */
    async function callerOf(clinicId: ClinicId): Promise<Caller> {
      const session = await ids.signIn(clinicId);
      sessions.set(session.caller, session.headers);
      return session.caller;
    }

    beforeAll(async () => {
      testDb = await kind.open();
      db = testDb.database.db;
      const events = createDocumentEvents();
      events.subscribe((update) => published.push(update));
      app = createApp({
        database: testDb.database,
        version: 'test',
        webDir: '/nonexistent',
        logger,
        now: () => Date.UTC(2025, 2, 1, 12),
        events,
        scrypt: TEST_SCRYPT,
      });
      ids = identityFixture(app, db);
    });
    afterAll(async () => {
      await testDb.close();
    });

    const post = (
      caller: Caller | undefined,
      body: Uint8Array,
      headers: Record<string, string> = {},
    ) =>
      app.request('/api/sync', {
        method: 'POST',
        headers: {
          'content-type': 'application/x-outpost-sync',
          ...(caller === undefined ? {} : headersOf(caller)),
          ...headers,
        },
        body: new Uint8Array(body),
      });

    async function logCount(clinicId: string) {
      const [row] = await db
        .select({ n: count() })
        .from(updateLog)
        .where(eq(updateLog.clinicId, clinicId));
      return Number(row?.n);
    }

    it('S2 S5 pushes and pulls in one exchange, gzip both ways, never cached', async () => {
      const clinicId = await createClinic(db);
      const nurse = new Tablet(await callerOf(clinicId));
      const docId = nurse.createPersona('adultWithHypertension');
      const body = gzipSync(encodeSyncRequest(requestOf({ pushes: nurse.drain() })));
      const response = await post(nurse.caller, body, {
        'content-encoding': 'gzip',
        'accept-encoding': 'gzip, br',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-encoding')).toBe('gzip');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('content-type')).toBe('application/x-outpost-sync');
      const decoded: SyncResponse = getOrThrow(
        decodeSyncResponse(gunzipSync(new Uint8Array(await response.arrayBuffer()))),
      );
      expect(decoded.receipts).toMatchObject([{ localSeq: 1, status: 'stored' }]);
      expect(decoded.serverTime).toBe(Date.UTC(2025, 2, 1, 12));
      // The snapshot includes the tablet's own new record; the log part skips it (S8).
      expect(decoded.documents.map((document) => document.docId)).toEqual([docId]);
      expect(decoded.updates).toEqual([]);
      expect(decoded.more).toBe(false);
      expect(published.map((update) => update.docId)).toContain(docId);

      // A colleague's tablet, without gzip, gets the record from its snapshot.
      const colleague = await callerOf(clinicId);
      const plain = await post(colleague, encodeSyncRequest(requestOf({})));
      expect(plain.headers.get('content-encoding')).toBeNull();
      const pulled = getOrThrow(decodeSyncResponse(new Uint8Array(await plain.arrayBuffer())));
      expect(pulled.documents.map((document) => document.docId)).toEqual([docId]);
    });

    it('S13 a body that does not decode is a 400 JSON error and stores nothing', async () => {
      const clinicId = await createClinic(db);
      const nurse = new Tablet(await callerOf(clinicId));
      nurse.createPersona('childWithFever');
      const valid = encodeSyncRequest(requestOf({ pushes: nurse.drain() }));
      const truncated = valid.slice(0, valid.length - 3);
      const response = await post(nurse.caller, truncated);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).code).toBe('malformed_sync_request');
      const notGzip = await post(nurse.caller, valid, { 'content-encoding': 'gzip' });
      expect(notGzip.status).toBe(400);
      expect((await errorOf(notGzip)).code).toBe('invalid_gzip');
      expect(await logCount(clinicId)).toBe(0);
    });

    it('S13 an unknown protocol version is a 426 JSON error and stores nothing', async () => {
      const clinicId = await createClinic(db);
      const nurse = new Tablet(await callerOf(clinicId));
      nurse.createPersona('childWithFever');
      const response = await post(
        nurse.caller,
        encodeSyncRequest(requestOf({ protocol: 2, pushes: nurse.drain() })),
      );
      expect(response.status).toBe(426);
      expect(await errorOf(response)).toMatchObject({ code: 'unsupported_protocol' });
      expect(await logCount(clinicId)).toBe(0);
    });

    it('a gzip bomb is refused with 413 without inflating it', async () => {
      const clinicId = await createClinic(db);
      const bomb = gzipSync(new Uint8Array(64 * 1024 * 1024)); // 64 MiB of zeros, ~64 KiB gzipped
      expect(bomb.length).toBeLessThan(256 * 1024);
      const before = process.memoryUsage().rss;
      const response = await post(await callerOf(clinicId), bomb, { 'content-encoding': 'gzip' });
      expect(response.status).toBe(413);
      expect((await errorOf(response)).code).toBe('payload_too_large');
      expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
    });

    it('refuses a request without a valid access token with 401, and the old header identity', async () => {
      const clinicId = await createClinic(db);
      const caller = await callerOf(clinicId);
      const body = encodeSyncRequest(requestOf({}));
      const missing = await app.request('/api/sync', {
        method: 'POST',
        headers: {
          'content-type': 'application/x-outpost-sync',
          'x-outpost-device': caller.deviceId,
          'x-outpost-clinic': clinicId,
          'x-outpost-user': caller.userId,
        },
        body,
      });
      expect(missing.status).toBe(401);
      expect(await errorOf(missing)).toMatchObject({ code: 'unauthenticated' });
      const invalid = await post(caller, body, { authorization: 'Bearer not.a.token' });
      expect(invalid.status).toBe(401);
      expect(await errorOf(invalid)).toMatchObject({ code: 'unauthenticated' });
    });

    it('S5 a bad cursor is a 400 before any push is applied', async () => {
      const clinicId = await createClinic(db);
      const nurse = new Tablet(await callerOf(clinicId));
      nurse.createPersona('childWithFever');
      const response = await post(
        nurse.caller,
        encodeSyncRequest(requestOf({ cursor: new Uint8Array([7, 7, 7]), pushes: nurse.drain() })),
      );
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: 'invalid_cursor', field: 'cursor' });
      expect(await logCount(clinicId)).toBe(0);
    });

    it('refuses other content types with 415', async () => {
      const clinicId = await createClinic(db);
      const response = await post(await callerOf(clinicId), encodeSyncRequest(requestOf({})), {
        'content-type': 'application/json',
      });
      expect(response.status).toBe(415);
    });
  });
}
