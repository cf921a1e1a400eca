/**
 * Fault tests against the REAL built server process (`node server/dist/cli.js serve`),
 * on the embedded database (PGlite in a data directory) and on PostgreSQL
 * (SPEC S2, S3, S5, S6, S8, S10; issue 3 "Tests").
 *
 * A writer tablet (the web app's `LocalStore` + sync engine + HTTP transport over
 * `fetch`) keeps saving patients and visits and pushing them in small requests,
 * while a reader tablet pulls the clinic in small pages (a new reader from an
 * empty cursor now and then: snapshot paging, S6). The server is `kill -9`-ed at
 * random points — while a push or a pull is in flight, after a random delay —
 * and restarted on the same data; the tablets resume. On the way, responses are
 * dropped after the server committed and whole batches are sent twice.
 *
 * Afterwards, with the server stopped, the database is read directly:
 * - every update the writer pushed is in the update log exactly once, with the
 *   bytes it pushed (one row per (device, localSeq); nothing else from it);
 * - the server's documents, the writer's and the reader's are identical
 *   (`readPatient` projections, state vectors, raw entries), holding everything saved.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClinicId, UserId } from '@outpost/shared/ids';
import { seededRandom } from '@outpost/shared/model/fixtures';
import { decodeSyncRequest, type PushedUpdate } from '@outpost/shared/sync';
import { openEmbedded, openPostgres, type Database } from '../../server/src/db/database';
import { documents, updateLog } from '../../server/src/db/schema';
import { createSyncRepository } from '../../server/src/repositories/sync-repository';
import {
  createPostgresDatabase,
  migrationsDir,
  postgresAdminUrl,
} from '../../server/test/support/databases';
import { identityFixture, type TestUser } from '../../server/test/support/identity';
import { createClinic } from '../../server/test/support/sync';
import { TransportError, type Transport } from '../../web/src/lib/sync/engine';
import { repoRoot, serverCli } from '../support/paths';
import { startOutpost, type OutpostServer } from '../support/server';
import {
  compareReplicas,
  createSharedPatient,
  createTablet,
  enrollOverHttp,
  httpTransport,
  runPatientOp,
  tabletReplica,
  type Expected,
  type PatientOp,
  type Replica,
  type SimTablet,
  type TabletAuth,
} from './harness';

const SEED = 7_0920_25;
const KILLS = Number(process.env.OUTPOST_FAULT_KILLS ?? 22);

/** Builds server/dist/cli.js when missing or older than the server or shared sources. */
function ensureServerBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .reduce(
        (max, entry) => Math.max(max, statSync(join(entry.parentPath, entry.name)).mtimeMs),
        0,
      );
  const sources = Math.max(
    newest(join(repoRoot, 'server', 'src')),
    newest(join(repoRoot, 'shared', 'src')),
  );
  if (existsSync(serverCli) && statSync(serverCli).mtimeMs >= sources) return;
  execFileSync(process.execPath, ['build.mjs'], {
    cwd: join(repoRoot, 'server'),
    stdio: 'inherit',
  });
}

/** Made with the server's own services before it starts; used over HTTP once it runs. */
interface People {
  readonly worker: TestUser;
  readonly writerCode: string;
  readonly readerCode: string;
}

async function addPeople(database: Database, clinicId: string): Promise<People> {
  const ids = identityFixture(
    { request: () => Promise.reject(new Error('the server is not running yet')) },
    database.db,
  );
  return {
    worker: await ids.createUser(clinicId),
    writerCode: await ids.enrollmentCode(clinicId),
    readerCode: await ids.enrollmentCode(clinicId),
  };
}

interface Target {
  readonly name: 'embedded' | 'postgresql';
  readonly available: boolean;
  /**
   * A fresh, migrated database holding one clinic, a health worker of it and two
   * enrollment codes (writer, readers); `open` reads it directly (server stopped).
   */
  prepare(): Promise<{
    clinicId: ClinicId;
    people: People;
    env: Record<string, string>;
    dataDir: string;
    open(): Promise<Database>;
    cleanup(): Promise<void>;
  }>;
}

function embeddedTarget(): Target {
  return {
    name: 'embedded',
    available: true,
    async prepare() {
      const dataDir = mkdtempSync(join(tmpdir(), 'outpost-faults-'));
      const open = () => openEmbedded(dataDir, new Date().toISOString());
      const database = await open();
      await database.migrate(migrationsDir);
      const clinicId = await createClinic(database.db, 'Fault clinic (fictional)');
      const people = await addPeople(database, clinicId);
      await database.close();
      return {
        clinicId,
        people,
        env: {},
        dataDir,
        open,
        cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
      };
    },
  };
}

function postgresTarget(): Target {
  const adminUrl = postgresAdminUrl();
  return {
    name: 'postgresql',
    available: adminUrl !== undefined,
    async prepare() {
      if (adminUrl === undefined) throw new Error('no PostgreSQL');
      const { url, drop } = await createPostgresDatabase(adminUrl);
      const open = () => openPostgres(url, { max: 2 });
      const database = await open();
      await database.migrate(migrationsDir);
      const clinicId = await createClinic(database.db, 'Fault clinic (fictional)');
      const people = await addPeople(database, clinicId);
      await database.close();
      const dataDir = mkdtempSync(join(tmpdir(), 'outpost-faults-'));
      return {
        clinicId,
        people,
        env: { DATABASE_URL: url },
        dataDir,
        open,
        cleanup: async () => {
          rmSync(dataDir, { recursive: true, force: true });
          await drop();
        },
      };
    },
  };
}

/** What the network does to one request of the writer. */
type Mishap = 'none' | 'dropResponse' | 'twice';

interface Link {
  /** Every request body the tablet sent (to know what it pushed). */
  readonly sent: Uint8Array[];
  /** Called as each request starts (the kill switch hooks in here). */
  onRequest: ((index: number) => void) | undefined;
  /** Called as each response arrives, before the engine applies it (kill right after an ack). */
  onResponse: ((index: number) => void) | undefined;
  /** Decides the fate of each request. */
  mishap: () => Mishap;
}

/**
 * The web app's HTTP transport to wherever the server listens now, wrapped in a
 * network that can drop a response after the server committed or send a batch twice.
 */
function linkTo(server: () => OutpostServer | undefined, auth: TabletAuth) {
  const link: Link = {
    sent: [],
    onRequest: undefined,
    onResponse: undefined,
    mishap: () => 'none',
  };
  const http = httpTransport(
    () => auth,
    () => {
      const current = server();
      if (current === undefined) throw new TransportError('network', 'server down');
      return `${current.url}/api/sync`;
    },
  );
  const transport: Transport = {
    async send(body, signal) {
      link.sent.push(body);
      const index = link.sent.length;
      link.onRequest?.(index);
      const mishap = link.mishap();
      if (mishap === 'twice') await http.send(body, signal);
      const response = await http.send(body, signal);
      link.onResponse?.(index);
      if (mishap === 'dropResponse')
        throw new TransportError('network', 'the response was lost after the server committed');
      return response;
    },
  };
  return { link, transport };
}

const VITALS: Extract<PatientOp, { op: 'vitals' }> = {
  op: 'vitals',
  heartRate: 72,
  temperature: 37.1,
};

function randomOp(random: () => number): PatientOp {
  const pick = Math.floor(random() * 6);
  switch (pick) {
    case 0:
      return { op: 'profile', field: 'village', value: random() < 0.5 ? 'Makeupton' : 'Pretendia' };
    case 1:
      return { op: 'allergy', name: 'Penicillin' };
    case 2:
      return { op: 'enteredInError', pick: Math.floor(random() * 4), replacement: 66 };
    case 3:
      return { op: 'fact', fact: { field: 'dateOfBirth', value: { ageYears: 20 + pick } } };
    default:
      return { ...VITALS, heartRate: 50 + Math.floor(random() * 80) };
  }
}

for (const target of [embeddedTarget(), postgresTarget()]) {
  describe.skipIf(!target.available)(`the server process on ${target.name}`, () => {
    let prepared: Awaited<ReturnType<Target['prepare']>>;
    let server: OutpostServer | undefined;

    const start = async () => {
      server = await startOutpost({ dataDir: prepared.dataDir, env: prepared.env });
    };
    const kill = async () => {
      const running = server;
      server = undefined;
      await running?.stop('SIGKILL');
    };

    beforeAll(async () => {
      ensureServerBuilt();
      prepared = await target.prepare();
    });
    afterAll(async () => {
      await kill();
      await prepared?.cleanup();
    });

    test(`S2 S3 S5 S6: ${KILLS} kill -9s mid-push and mid-pull, dropped responses, batches sent twice → every update stored exactly once, replicas identical`, async () => {
      const random = seededRandom(SEED);
      const { clinicId, people } = prepared;
      const expected: Expected = new Map();
      const log: string[] = [];
      await start();
      // The tablets enroll and sign in once; their tokens outlive the restarts (the
      // signing key is kept in the database) and are refreshed when they expire.
      const writerAuth = await enrollOverHttp(server!.url, people.writerCode, people.worker);
      const readerAuth = await enrollOverHttp(server!.url, people.readerCode, people.worker);

      const writerLink = linkTo(() => server, writerAuth);
      const writer = await createTablet({
        name: 'writer',
        clinicId,
        deviceId: writerAuth.deviceId,
        userId: writerAuth.userId as UserId,
        seed: SEED,
        transport: writerLink.transport,
        sync: { maxPushBytes: 2_000, timeoutMs: 20_000 },
      });
      let readers = 0;
      let reader!: SimTablet;
      let readerLink!: ReturnType<typeof linkTo>;
      const newReader = async () => {
        readers++;
        // Each new reader is a fresh store on the one reader device (readers never push).
        readerLink = linkTo(() => server, readerAuth);
        reader = await createTablet({
          name: `reader ${readers}`,
          clinicId,
          deviceId: readerAuth.deviceId,
          userId: readerAuth.userId as UserId,
          seed: SEED + readers,
          transport: readerLink.transport,
          sync: { maxResponseBytes: 3_000, timeoutMs: 20_000 },
        });
      };
      await newReader();

      const patients: string[] = [];
      const mishaps = { dropResponse: 0, twice: 0 };
      writerLink.link.mishap = () => {
        const roll = random();
        if (roll < 0.08) return (mishaps.dropResponse++, 'dropResponse');
        if (roll < 0.16) return (mishaps.twice++, 'twice');
        return 'none';
      };

      let kills = 0;
      for (let round = 1; kills < KILLS; round++) {
        if (round > 3 * KILLS)
          throw new Error(`only ${kills} kills in ${round} rounds:\n${log.join('\n')}`);
        // New work on the writer: patients and visits, saved (S1) before any sync.
        for (let i = 0; i < 3; i++)
          patients.push(
            await createSharedPatient(writer, `Testcase ${patients.length + 1}`, expected),
          );
        for (let i = 0; i < 8; i++) {
          const docId = patients[Math.floor(random() * patients.length)]!;
          await runPatientOp(writer, docId, randomOp(random), expected);
        }
        if (round % 6 === 0) await newReader(); // a new tablet: snapshot paging from scratch (S6)

        // Kill the server while the writer's (mid-push) or the reader's (mid-pull) k-th request
        // of this round is in flight, after a random delay.
        const midPush = round % 2 === 1;
        const victim = midPush ? writerLink.link : readerLink.link;
        const firstRequest = victim.sent.length;
        const at = firstRequest + 1 + Math.floor(random() * 3);
        const delayMs = Math.floor(random() * 25);
        // Every other mid-push kill comes the moment an acknowledgement arrives: a server that
        // acked before committing loses that update (S2).
        const afterAck = midPush && round % 4 === 1;
        let killing: Promise<void> | undefined;
        if (afterAck)
          victim.onResponse = (index) => {
            if (index !== at) return;
            victim.onResponse = undefined;
            killing = kill();
          };
        else
          victim.onRequest = (index) => {
            if (index !== at) return;
            victim.onRequest = undefined;
            killing = new Promise((resolve) => setTimeout(resolve, delayMs)).then(kill);
          };
        const [pushed, pulled] = await Promise.all([
          writer.client.syncOnce(),
          reader.client.syncOnce(),
        ]);
        victim.onRequest = undefined;
        victim.onResponse = undefined;
        await killing;
        const killed = killing !== undefined;
        if (killed) kills++;
        log.push(
          `round ${round}: ${killed ? `killed ${afterAck ? 'as the response arrived to' : `${delayMs} ms into`} request ${at} of the ${midPush ? 'writer (mid-push)' : 'reader (mid-pull)'}` : 'no kill (sync ended first)'}; writer ${pushed.ok ? 'ok' : pushed.error.type}, reader ${pulled.ok ? 'ok' : pulled.error.type}`,
        );
        if (server === undefined) await start();
        if (round % 5 === 0) await writer.restart(); // the app restarts too, now and then
      }

      // Everything heals: sync until nothing is left, then stop the server and look inside.
      writerLink.link.mishap = () => 'none';
      for (const tablet of [writer, reader, writer]) {
        const result = await tablet.client.syncOnce();
        expect(result.ok, `${tablet.name}: ${JSON.stringify(result)}\n${log.join('\n')}`).toBe(
          true,
        );
      }
      await server?.stop('SIGTERM');
      server = undefined;

      const database = await prepared.open();
      try {
        const db = database.db;
        const repository = createSyncRepository(db, { now: () => Date.now() });
        const serverReplica: Replica = {
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
        const problems = await compareReplicas(
          [serverReplica, tabletReplica(writer), tabletReplica(reader)],
          expected,
        );
        expect(problems, log.join('\n')).toEqual([]);
        expect(await serverReplica.docIds()).toHaveLength(patients.length);

        // Every update the writer pushed, by localSeq, with the bytes of its first push (S3:
        // never re-sent with other content).
        const pushed = new Map<number, PushedUpdate>();
        for (const body of writerLink.link.sent) {
          const request = decodeSyncRequest(body);
          if (!request.ok) throw new Error('the writer sent an undecodable request');
          for (const push of request.value.pushes) {
            const first = pushed.get(push.localSeq);
            if (first !== undefined)
              expect(Buffer.from(push.update).equals(Buffer.from(first.update))).toBe(true);
            else pushed.set(push.localSeq, push);
          }
        }
        const rows = await db
          .select({
            localSeq: updateLog.localSeq,
            docId: updateLog.docId,
            update: updateLog.update,
          })
          .from(updateLog)
          .where(eq(updateLog.deviceId, writer.deviceId));
        const logged = rows.map((row) => row.localSeq).sort((a, b) => (a ?? 0) - (b ?? 0));
        // Exactly once: one row per pushed localSeq, and no other rows from the writer.
        expect(logged).toEqual([...pushed.keys()].sort((a, b) => a - b));
        for (const row of rows) {
          const push = pushed.get(row.localSeq!)!;
          expect(row.docId).toBe(push.docId);
          expect(Buffer.from(row.update).equals(Buffer.from(push.update))).toBe(true);
        }
        // The reader pushed nothing; the writer holds nothing unsent.
        expect(
          await db.select().from(updateLog).where(eq(updateLog.deviceId, reader.deviceId)),
        ).toEqual([]);
        expect(await writer.store.outboxSummary()).toEqual({ pending: 0, sent: 0, rejected: 0 });

        expect(kills).toBeGreaterThanOrEqual(KILLS);
        expect(mishaps.dropResponse).toBeGreaterThan(0);
        expect(mishaps.twice).toBeGreaterThan(0);
        process.stdout.write(
          `faults on ${target.name}: ${kills} kills in ${log.length} rounds, ${pushed.size} updates pushed, ` +
            `${mishaps.dropResponse} responses dropped after commit, ${mishaps.twice} batches sent twice, ` +
            `${readers} readers\n`,
        );
      } finally {
        await database.close();
      }
    });
  });
}
