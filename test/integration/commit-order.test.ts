/**
 * S8 under real concurrency: four tablets push at once (one update per request,
 * so many transactions interleave) while a fifth pulls in a tight loop, all
 * through the real `createApp` on each database kind. A log read out of commit
 * order would let the reader's cursor pass an update that commits later, and the
 * reader would never receive it; here the reader ends with exactly the server's
 * documents. PostgreSQL is where transactions truly run in parallel.
 */
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { UserId } from '@outpost/shared/ids';
import { createApp } from '../../server/src/app';
import { TEST_SCRYPT } from '../../server/src/auth/passwords';
import { documents } from '../../server/src/db/schema';
import { createSyncRepository } from '../../server/src/repositories/sync-repository';
import { databaseKinds, type TestDatabase } from '../../server/test/support/databases';
import { identityFixture } from '../../server/test/support/identity';
import { createClinic } from '../../server/test/support/sync';
import type { Transport } from '../../web/src/lib/sync/engine';
import {
  compareReplicas,
  createSharedPatient,
  createTablet,
  appRequester,
  httpTransport,
  runPatientOp,
  signInTablet,
  tabletReplica,
  type Expected,
  type Replica,
  type SimTablet,
  type TabletAuth,
} from './harness';

const WRITERS = 4;
const PATIENTS_PER_WRITER = 12;

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`commit order on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let app: ReturnType<typeof createApp>;

    beforeAll(async () => {
      testDb = await kind.open();
      app = createApp({
        database: testDb.database,
        version: 'test',
        webDir: '/nonexistent',
        logger: pino({ level: 'silent' }),
        now: () => Date.now(),
        scrypt: TEST_SCRYPT,
      });
    });
    afterAll(async () => {
      await testDb.close();
    });

    test('S8 a reader pulling while four tablets push concurrently misses nothing', async () => {
      const db = testDb.database.db;
      const clinicId = await createClinic(db, 'Busy clinic (fictional)');
      const expected: Expected = new Map();
      const tablets: SimTablet[] = [];
      // Each tablet is an enrolled device with a health worker of the clinic signed in.
      const ids = identityFixture(appRequester(app), db);
      const transportOf = (auth: TabletAuth): Transport =>
        httpTransport(
          () => auth,
          () => 'http://outpost.test/api/sync',
          (input, init) => Promise.resolve(app.request(input as string, init)),
        );
      for (let index = 0; index <= WRITERS; index++) {
        const auth = await signInTablet(ids, clinicId);
        tablets.push(
          await createTablet({
            name: index === WRITERS ? 'reader' : `writer ${index}`,
            clinicId,
            deviceId: auth.deviceId,
            userId: auth.userId as UserId,
            seed: 900 + index,
            transport: transportOf(auth),
            // One update per request: every push is its own transaction, interleaved.
            sync: { maxPushBytes: 1, maxResponseBytes: 4_000 },
          }),
        );
      }
      const writers = tablets.slice(0, WRITERS);
      const reader = tablets[WRITERS]!;
      for (const writer of writers)
        for (let i = 0; i < PATIENTS_PER_WRITER; i++) {
          const docId = await createSharedPatient(writer, `Testcase ${i}`, expected);
          await runPatientOp(
            writer,
            docId,
            { op: 'vitals', heartRate: 60 + i, temperature: 37 },
            expected,
          );
        }

      let pushing = true;
      let pulls = 0;
      const pushed = Promise.all(writers.map((writer) => writer.client.syncOnce())).finally(
        () => (pushing = false),
      );
      while (pushing) {
        const result = await reader.client.syncOnce();
        expect(result.ok).toBe(true);
        pulls++;
      }
      for (const result of await pushed) expect(result.ok).toBe(true);
      // Nothing is in flight now: one more pull from the reader's cursor must bring the rest.
      expect((await reader.client.syncOnce()).ok).toBe(true);

      const repository = createSyncRepository(db, { now: () => Date.now() });
      const server: Replica = {
        name: 'server',
        async state(docId) {
          return (await repository.loadDocumentState(docId))?.state;
        },
        async docIds() {
          const rows = await db
            .select({ docId: documents.docId })
            .from(documents)
            .where(eq(documents.clinicId, clinicId));
          return rows.map((row) => row.docId).sort();
        },
      };
      expect(await server.docIds()).toHaveLength(WRITERS * PATIENTS_PER_WRITER);
      expect(await compareReplicas([server, tabletReplica(reader)], expected)).toEqual([]);
      expect(pulls).toBeGreaterThan(1);
      for (const tablet of tablets) tablet.store.close();
    });
  });
}
