/**
 * A specialist on another clinic's device answers over batch sync alone (SPEC
 * S7a, S8b; issue 7): the real tablet store and sync engine (web/) for a health
 * worker in clinic A and a specialist whose laptop is enrolled at the district
 * hospital (clinic B), against the real `createApp` on an in-memory PGlite. No
 * live channel anywhere: both sides are offline while they work.
 *
 * 1. The journey: the health worker asks offline → syncs → the specialist syncs
 *    → answers offline → syncs → the health worker syncs and sees the signed answer.
 * 2. A property: random interleavings of asks, replies and re-routings in two
 *    clinics, specialist answers, and specialist syncs with random page sizes
 *    converge — the specialist ends with every consult routed to them, each
 *    equal to the server's, and no record that never was; the clinics' tablets
 *    end with the specialist's answers. OUTPOST_SPECIALIST_RUNS=n runs more.
 */
import fc from 'fast-check';
import { and, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import type { ClinicId, UserId } from '@outpost/shared/ids';
import { changeConsultStatus, readConsult, type ConsultRouting } from '@outpost/shared/model';
import { getOrThrow } from '@outpost/shared/result';
import { createApp } from '../../server/src/app';
import type { Caller } from '../../server/src/auth/caller';
import { isRoutedTo } from '../../server/src/auth/policy';
import { TEST_SCRYPT } from '../../server/src/auth/passwords';
import type { Db } from '../../server/src/db/database';
import { auditLog, consults, documents, updateLog } from '../../server/src/db/schema';
import { pgliteKind, type TestDatabase } from '../../server/test/support/databases';
import { identityFixture } from '../../server/test/support/identity';
import { createClinic } from '../../server/test/support/sync';
import { askSpecialist, postMessage, signAnswer } from '../../web/src/lib/consults/actions';
import { documentState } from '../../web/src/lib/db/document-tail';
import { createSyncClient, TransportError, type Transport } from '../../web/src/lib/sync/engine';
import {
  appRequester,
  createSharedPatient,
  createTablet,
  httpTransport,
  short,
  type SimTablet,
  type TabletAuth,
} from './harness';

const SEED = 20_250_707;
const RUNS = Number(process.env.OUTPOST_SPECIALIST_RUNS ?? 30);

let testDb: TestDatabase;
let db: Db;
let app: ReturnType<typeof createApp>;
let runCounter = 0;
/** What the schedules did in total (printed: proof the property exercises something). */
const stats = { pulls: 0, pulledDocuments: 0, answersStored: 0, refused: 0, reroutes: 0 };

/** A tablet's link: the real HTTP transport into the app, or nothing while offline. */
interface Link extends Transport {
  offline: boolean;
}

function linkFor(auth: TabletAuth): Link {
  const http = httpTransport(
    () => auth,
    () => 'http://outpost.test/api/sync',
    (input, init) => Promise.resolve(app.request(input as string, init)),
  );
  return {
    offline: false,
    send(body, signal) {
      if (this.offline) return Promise.reject(new TransportError('network', 'offline'));
      return http.send(body, signal);
    },
  };
}

interface Person {
  readonly tablet: SimTablet;
  readonly link: Link;
  readonly auth: TabletAuth;
}

/** Enrolls a device of `clinicId` and signs a new user in on it, with a tablet on the real engine. */
async function person(
  name: string,
  clinicId: ClinicId,
  options: Parameters<ReturnType<typeof identityFixture>['createUser']>[1] = {},
): Promise<Person> {
  const ids = identityFixture(appRequester(app), db);
  const device = await ids.enrollDevice(clinicId);
  const user = await ids.createUser(clinicId, options);
  const signedIn = await ids.signInAs(user, device);
  const auth: TabletAuth = {
    deviceId: device.deviceId,
    deviceSecret: device.deviceSecret,
    userId: user.id,
    accessToken: signedIn.accessToken,
    refreshToken: signedIn.refreshToken,
  };
  const link = linkFor(auth);
  const tablet = await createTablet({
    name,
    clinicId,
    deviceId: auth.deviceId,
    userId: auth.userId as UserId,
    seed: ++runCounter * 8,
    transport: link,
  });
  return { tablet, link, auth };
}

/** The health worker asks about a new patient (saved on the tablet, sent with the next sync). */
async function ask(hw: Person, routing: ConsultRouting, question: string): Promise<string> {
  const patientDocId = await createSharedPatient(hw.tablet, 'Testcase', new Map(), 'female');
  const patient = getOrThrow((await hw.tablet.store.readPatient(patientDocId))!);
  const asked = await askSpecialist(hw.tablet.store, {
    patient,
    urgency: 'urgent',
    routing,
    question,
    now: hw.tablet.clock.now(),
  });
  return getOrThrow(asked).docId;
}

async function consultOn(tablet: SimTablet, docId: string) {
  const view = await tablet.store.readConsult(docId);
  return view === undefined ? undefined : getOrThrow(view);
}

beforeAll(async () => {
  testDb = await pgliteKind.open();
  db = testDb.database.db;
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

describe('a specialist at the district hospital answers a clinic over batch sync alone', () => {
  test('S7a S8b the health worker asks offline, the specialist answers offline, the tablet shows the signed answer', async () => {
    const hillClinic = await createClinic(db, 'Hill clinic (fictional)');
    const hospital = await createClinic(db, 'District hospital (fictional)');
    const hw = await person('health worker', hillClinic, { role: 'health-worker' });
    const specialist = await person('specialist', hospital, {
      role: 'specialist',
      specialties: ['cardiology'],
    });

    // Offline in the hill clinic: the consult is saved on the tablet, nothing leaves.
    hw.link.offline = true;
    const docId = await ask(
      hw,
      { kind: 'specialty', specialty: 'cardiology' },
      'Blood pressure 172/104 despite treatment. Manage here?',
    );
    expect((await hw.tablet.client.syncOnce()).ok).toBe(false);
    const waiting = await hw.tablet.store.outboxSummary();
    expect(waiting.pending + waiting.sent).toBeGreaterThan(0);
    hw.link.offline = false;
    const sent = getOrThrow(await hw.tablet.client.syncOnce());
    expect(sent.rejected).toBe(0);
    expect(await hw.tablet.store.outboxSummary()).toEqual({ pending: 0, sent: 0, rejected: 0 });

    // The specialist's laptop, enrolled at the hospital, pulls the hill clinic's consult.
    getOrThrow(await specialist.tablet.client.syncOnce());
    const arrived = await consultOn(specialist.tablet, docId);
    expect(arrived).toMatchObject({ homeClinicId: hillClinic, status: 'received' });
    expect((await specialist.tablet.store.listConsults()).map((row) => row.docId)).toEqual([docId]);
    // It stays there: the hospital's store keeps a record of another clinic across a restart.
    await specialist.tablet.restart();
    expect(await consultOn(specialist.tablet, docId)).toMatchObject({ homeClinicId: hillClinic });

    // Offline at the hospital: the answer is signed and saved on the laptop.
    specialist.link.offline = true;
    getOrThrow(
      await signAnswer(specialist.tablet.store, docId, {
        advice: 'Add amlodipine 5 mg once daily; recheck in two weeks.',
        disposition: 'manage-here',
      }),
    );
    expect((await specialist.tablet.client.syncOnce()).ok).toBe(false);
    specialist.link.offline = false;
    const answered = getOrThrow(await specialist.tablet.client.syncOnce());
    expect(answered).toMatchObject({ stored: 1, rejected: 0 });

    // Stored in the hill clinic's log, by the specialist's device.
    const [last] = await db
      .select()
      .from(updateLog)
      .where(eq(updateLog.docId, docId))
      .orderBy(updateLog.seq)
      .then((rows) => rows.slice(-1));
    expect(last).toMatchObject({ clinicId: hillClinic, deviceId: specialist.auth.deviceId });
    // Audited under the consult's home clinic, so the hill clinic's admin finds it.
    const audited = await db
      .select({ action: auditLog.action, clinicId: auditLog.clinicId, details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.docId, docId), eq(auditLog.userId, specialist.auth.userId)));
    expect(audited).toEqual(
      expect.arrayContaining([
        {
          action: 'record.read',
          clinicId: hillClinic,
          details: expect.objectContaining({ deviceClinicId: hospital }),
        },
        {
          action: 'record.write',
          clinicId: hillClinic,
          details: expect.objectContaining({ deviceClinicId: hospital }),
        },
      ]),
    );

    // The health worker's next sync brings the signed answer, and the list shows it answered.
    getOrThrow(await hw.tablet.client.syncOnce());
    const seen = await consultOn(hw.tablet, docId);
    expect(seen?.status).toBe('answered');
    expect(seen?.answers).toEqual([
      expect.objectContaining({
        advice: 'Add amlodipine 5 mg once daily; recheck in two weeks.',
        disposition: 'manage-here',
        by: expect.objectContaining({ deviceId: specialist.auth.deviceId }),
      }),
    ]);
    const [row] = await hw.tablet.store.listConsults();
    expect(row).toMatchObject({ docId, status: 'answered' });
    expect(row?.answeredAt).toBeGreaterThan(0);
    // Nothing rejected anywhere.
    for (const side of [hw, specialist])
      expect(await side.tablet.store.rejectedUpdates()).toEqual([]);
  });
});

// -----------------------------------------------------------------------------
// Property: random interleavings in two clinics converge for the specialist

/** 0, 2: routed to the specialist (their specialty, their name); 1, 3: not. */
type RoutingChoice = 0 | 1 | 2 | 3;
type Clinic = 0 | 1;

type Step =
  | { readonly kind: 'ask'; readonly c: Clinic; readonly routing: RoutingChoice }
  | { readonly kind: 'reply'; readonly c: Clinic; readonly pick: number }
  | {
      readonly kind: 'reroute';
      readonly c: Clinic;
      readonly pick: number;
      readonly routing: RoutingChoice;
    }
  | { readonly kind: 'hwSync'; readonly c: Clinic }
  /** The specialist syncs asking for pages of at most `pageBytes` (S9). */
  | { readonly kind: 'specialistSync'; readonly pageBytes: number }
  | {
      readonly kind: 'specialistWrites';
      readonly pick: number;
      readonly what: 'answer' | 'message' | 'more-info';
    };

const clinicArb = fc.constantFrom<Clinic>(0, 1);
const routingArb = fc.constantFrom<RoutingChoice>(0, 1, 2, 3);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('ask' as const), c: clinicArb, routing: routingArb }),
  },
  fc.record({ kind: fc.constant('reply' as const), c: clinicArb, pick: fc.nat(7) }),
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('reroute' as const),
      c: clinicArb,
      pick: fc.nat(7),
      routing: routingArb,
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('hwSync' as const), c: clinicArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('specialistSync' as const),
      pageBytes: fc.constantFrom(1, 400, 1_500, 6_000, 0),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('specialistWrites' as const),
      pick: fc.nat(7),
      what: fc.constantFrom('answer' as const, 'message' as const, 'more-info' as const),
    }),
  },
);
/** Each schedule starts with a routed consult from each clinic, so most of them exercise answers. */
const scheduleArb: fc.Arbitrary<Step[]> = fc
  .array(stepArb, { minLength: 6, maxLength: 28, size: 'max' })
  .map((rest) => [
    { kind: 'ask', c: 0, routing: 0 },
    { kind: 'ask', c: 1, routing: 2 },
    { kind: 'hwSync', c: 0 },
    ...rest,
  ]);

interface World {
  readonly clinicIds: readonly [ClinicId, ClinicId];
  readonly deviceClinic: ClinicId;
  readonly hws: readonly [Person, Person];
  readonly specialist: Person;
  readonly caller: Pick<Caller, 'userId' | 'specialties'>;
  readonly routings: readonly ConsultRouting[];
  /** Consults each clinic's tablet asked, in order. */
  readonly asked: [string[], string[]];
  /** Consults that were routed to the specialist at some point. */
  readonly everRouted: Set<string>;
  readonly log: string[];
}

async function createWorld(): Promise<World> {
  const run = runCounter;
  const clinicA = await createClinic(db, 'Hill clinic (fictional)');
  const hospital = await createClinic(db, 'District hospital (fictional)');
  // Specialties of this run only: consults of other runs are never routed to this specialist.
  const specialty = `cardiology-${run}`;
  const specialist = await person('specialist', hospital, {
    role: 'specialist',
    specialties: [specialty],
  });
  const routings: ConsultRouting[] = [
    { kind: 'specialty', specialty },
    { kind: 'specialty', specialty: `dermatology-${run}` },
    { kind: 'specialist', userId: specialist.auth.userId, name: 'Dr Fictional' },
    { kind: 'specialist', userId: '01930000-0000-7000-8000-00000000beef', name: 'Dr Elsewhere' },
  ];
  return {
    // The hospital has health workers too: its own consults reach the specialist the same way.
    clinicIds: [clinicA, hospital],
    deviceClinic: hospital,
    hws: [
      await person('hw A', clinicA, { role: 'health-worker' }),
      await person('hw B', hospital, { role: 'health-worker' }),
    ],
    specialist,
    caller: { userId: specialist.auth.userId as UserId, specialties: [specialty] },
    routings,
    asked: [[], []],
    everRouted: new Set(),
    log: [],
  };
}

async function runStep(world: World, step: Step): Promise<string> {
  switch (step.kind) {
    case 'ask': {
      const docId = await ask(
        world.hws[step.c],
        world.routings[step.routing]!,
        `Question ${world.asked[step.c].length + 1}`,
      );
      world.asked[step.c].push(docId);
      if (step.routing % 2 === 0) world.everRouted.add(docId);
      return `hw${step.c} asks ${short(docId)} (routing ${step.routing})`;
    }
    case 'reply': {
      const docId = world.asked[step.c][step.pick % Math.max(1, world.asked[step.c].length)];
      if (docId === undefined) return `hw${step.c} reply: no consult`;
      const saved = await postMessage(world.hws[step.c].tablet.store, docId, 'More readings.');
      return `hw${step.c} replies on ${short(docId)}: ${saved.ok ? 'saved' : 'refused'}`;
    }
    case 'reroute': {
      const docId = world.asked[step.c][step.pick % Math.max(1, world.asked[step.c].length)];
      if (docId === undefined) return `hw${step.c} reroute: no consult`;
      const routing = world.routings[step.routing]!;
      // No domain operation re-routes yet: the health worker's tablet writes the head key.
      const saved = await world.hws[step.c].tablet.store.applyOp(docId, (doc) => {
        doc.getMap('head').set('routing', routing);
        return { ok: true as const, value: undefined };
      });
      if (saved.ok) stats.reroutes++;
      if (saved.ok && step.routing % 2 === 0) world.everRouted.add(docId);
      return `hw${step.c} re-routes ${short(docId)} to ${step.routing}: ${saved.ok ? 'saved' : 'refused'}`;
    }
    case 'hwSync': {
      const result = await world.hws[step.c].tablet.client.syncOnce();
      return `hw${step.c} syncs: ${result.ok ? `stored ${result.value.stored}` : result.error.type}`;
    }
    case 'specialistSync': {
      const { tablet, link } = world.specialist;
      const client = createSyncClient({
        store: tablet.store,
        transport: link,
        clock: tablet.clock,
        ...(step.pageBytes > 0 && { maxResponseBytes: step.pageBytes }),
        maxRounds: 1_000,
      });
      const result = await client.syncOnce();
      if (result.ok) {
        stats.pulls += result.value.rounds;
        stats.pulledDocuments += result.value.pulledDocuments;
        stats.answersStored += result.value.stored;
        stats.refused += result.value.rejected;
      }
      return `specialist syncs (pages ≤ ${step.pageBytes || 'max'} B): ${
        result.ok
          ? `${result.value.rounds} rounds, stored ${result.value.stored}, rejected ${result.value.rejected}, pulled ${result.value.pulledDocuments}`
          : result.error.type
      }`;
    }
    case 'specialistWrites': {
      const store = world.specialist.tablet.store;
      const held = (await store.listConsults()).map((row) => row.docId).sort();
      const docId = held[step.pick % Math.max(1, held.length)];
      if (docId === undefined) return 'specialist writes: holds no consult';
      const saved =
        step.what === 'answer'
          ? await signAnswer(store, docId, { advice: 'Refer if no better.', disposition: 'refer' })
          : step.what === 'message'
            ? await postMessage(store, docId, 'Please send a photo of the ECG.')
            : await store.applyOp(docId, (doc, ctx) => {
                const view = readConsult(doc);
                if (!view.ok) return view;
                // Opened first when needed, in the same change.
                if (view.value.status === 'sent' || view.value.status === 'received') {
                  const opened = changeConsultStatus(doc, ctx, { to: 'opened' });
                  if (!opened.ok) return opened;
                }
                return changeConsultStatus(doc, ctx, { to: 'more-info-needed' });
              });
      return `specialist ${step.what} on ${short(docId)}: ${saved.ok ? 'saved' : 'refused'}`;
    }
  }
}

/** The specialist's consults vs the server's: what a failing schedule prints. */
async function problemsOf(world: World): Promise<string[]> {
  const problems: string[] = [];
  const rows = await db
    .select({
      docId: consults.docId,
      clinicId: consults.clinicId,
      specialty: consults.specialty,
      assigneeUserId: consults.assigneeUserId,
      state: documents.state,
    })
    .from(consults)
    .innerJoin(documents, eq(documents.docId, consults.docId));
  const inWorld = rows.filter((row) => world.clinicIds.includes(row.clinicId as ClinicId));
  const routed = inWorld.filter((row) => isRoutedTo(world.caller as Caller, row));
  const { tablet } = world.specialist;
  const held = new Set((await tablet.backend.getAll('documents')).map((record) => record.docId));
  const rejected = await tablet.store.rejectedUpdates();
  for (const entry of rejected)
    if (entry.code !== 'forbidden')
      problems.push(`specialist change refused ${entry.code} on ${short(entry.docId)}`);
  const rejectedDocs = new Set(rejected.map((entry) => entry.docId));
  for (const row of routed) {
    const record = await tablet.backend.get('documents', row.docId);
    const local = record === undefined ? undefined : documentState(record);
    if (local === undefined) {
      problems.push(`specialist lacks routed ${short(row.docId)}`);
      continue;
    }
    const server = new Y.Doc();
    Y.applyUpdate(server, row.state);
    const mine = new Y.Doc();
    Y.applyUpdate(mine, local);
    const missing = Y.encodeStateAsUpdate(server, Y.encodeStateVector(mine));
    if (Y.decodeUpdate(missing).structs.length > 0)
      problems.push(`specialist's ${short(row.docId)} lacks some of the server's content`);
    // A change the server refused stays on the laptop (S4): equal only without one.
    if (
      !rejectedDocs.has(row.docId) &&
      !equalBytes(Y.encodeStateVector(mine), Y.encodeStateVector(server))
    )
      problems.push(`specialist's ${short(row.docId)} differs from the server's`);
  }
  for (const docId of held) {
    if (!docId.startsWith('consult/')) problems.push(`specialist holds ${docId}`);
    else if (!world.everRouted.has(docId))
      problems.push(`specialist holds never-routed ${short(docId)}`);
  }
  // The clinics' tablets hold their clinic's consults as the server does (answers included).
  for (const [index, hw] of world.hws.entries()) {
    for (const row of inWorld.filter((r) => r.clinicId === world.clinicIds[index])) {
      const record = await hw.tablet.backend.get('documents', row.docId);
      const local = record === undefined ? undefined : documentState(record);
      const server = new Y.Doc();
      Y.applyUpdate(server, row.state);
      const mine = new Y.Doc();
      if (local !== undefined) Y.applyUpdate(mine, local);
      if (!equalBytes(Y.encodeStateVector(mine), Y.encodeStateVector(server)))
        problems.push(`hw${index}'s ${short(row.docId)} differs from the server's`);
    }
    const outbox = await hw.tablet.store.outboxSummary();
    if (outbox.pending + outbox.sent + outbox.rejected > 0)
      problems.push(`hw${index} outbox not empty: ${JSON.stringify(outbox)}`);
  }
  const outbox = await tablet.store.outboxSummary();
  if (outbox.pending + outbox.sent > 0)
    problems.push(`specialist outbox not empty: ${JSON.stringify(outbox)}`);
  return problems;
}

async function runSchedule(steps: readonly Step[]) {
  const world = await createWorld();
  const problems: string[] = [];
  try {
    for (const [index, step] of steps.entries()) {
      for (const side of [...world.hws, world.specialist]) side.tablet.clock.advance(60_000);
      world.log.push(`${index + 1}. ${await runStep(world, step)}`);
    }
    // Everyone syncs until quiet: clinics, specialist, clinics again (the answers).
    for (const round of [1, 2]) {
      for (const [index, hw] of world.hws.entries()) {
        const result = await hw.tablet.client.syncOnce();
        if (!result.ok) problems.push(`final sync of hw${index} failed: ${result.error.type}`);
      }
      const result = await world.specialist.tablet.client.syncOnce();
      if (!result.ok) problems.push(`final sync of the specialist failed: ${result.error.type}`);
      world.log.push(`final round ${round}`);
    }
    for (const hw of world.hws) getOrThrow(await hw.tablet.client.syncOnce());
    problems.push(...(await problemsOf(world)));
  } catch (error) {
    problems.push(
      `threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  } finally {
    for (const side of [...world.hws, world.specialist]) side.tablet.store.close();
  }
  return { log: world.log, problems };
}

describe('specialist sync across clinics (property)', () => {
  test(`S8b property: ${RUNS} random interleavings in two clinics with random page sizes converge (seed ${SEED})`, async () => {
    const result = await fc.check(
      fc.asyncProperty(scheduleArb, async (steps) => {
        const outcome = await runSchedule(steps);
        if (outcome.problems.length > 0)
          throw new Error(`${outcome.problems.join('\n')}\n${outcome.log.join('\n')}`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    if (result.failed) {
      const steps = result.counterexample?.[0] ?? [];
      const replay = await runSchedule(steps);
      throw new Error(
        `A schedule diverged (seed ${result.seed}, path "${result.counterexamplePath}").\n` +
          `Steps: ${JSON.stringify(steps)}\nOperation log:\n  ${replay.log.join('\n  ')}\n` +
          `Problems:\n  ${replay.problems.join('\n  ')}`,
      );
    }
    expect(result.numRuns).toBe(RUNS);
    process.stdout.write(`specialist sync: ${RUNS} schedules: ${JSON.stringify(stats)}\n`);
  }, 600_000);
});

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
