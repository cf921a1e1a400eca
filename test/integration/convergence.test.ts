/**
 * Property: three tablets and the REAL server converge and lose nothing
 * (SPEC S1–S10; issue 3 "Tests").
 *
 * Each schedule: three tablets (the web app's `LocalStore` on memory backends,
 * distinct devices and Yjs client ids, the real sync engine and HTTP transport)
 * and the server's `createApp` on an in-memory PGlite, reached through a
 * `ControlledTransport` → `app.request('/api/sync')`. Random domain operations on
 * shared patients, random partitions and sync schedules, requests dropped before
 * and after the server commits, duplicated, delayed (delivered after later
 * requests: reordered), tablets restarting and dying mid-sync. Then every link
 * heals, two rounds of syncs run, and:
 * - every replica (3 tablets + the server's stored documents) holds the same
 *   documents with identical `readPatient` projections, state vectors and raw entries;
 * - every entity any tablet saved (patient, encounter, observation, entered-in-error
 *   mark, fact assertion, allergy/condition, resolution) is in every replica;
 * - every outbox is empty with nothing rejected, and the update log has one row per
 *   (device, localSeq) (S3).
 *
 * A failure prints the seed, the shrunk schedule (paste it into PINNED below as a
 * named regression) and the operation log. OUTPOST_CONVERGENCE_RUNS=n runs more.
 */
import fc from 'fast-check';
import { count, eq, sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClinicId, UserId } from '@outpost/shared/ids';
import { createApp } from '../../server/src/app';
import { TEST_SCRYPT } from '../../server/src/auth/passwords';
import type { Db } from '../../server/src/db/database';
import { documents, updateLog } from '../../server/src/db/schema';
import { createSyncRepository } from '../../server/src/repositories/sync-repository';
import { pgliteKind, type TestDatabase } from '../../server/test/support/databases';
import { identityFixture } from '../../server/test/support/identity';
import { createClinic } from '../../server/test/support/sync';
import { TransportError } from '../../web/src/lib/sync/engine';
import { ControlledTransport } from '../../web/src/lib/sync/testing';
import {
  compareReplicas,
  createSharedPatient,
  appRequester,
  createTablet,
  httpTransport,
  runPatientOp,
  short,
  signInTablet,
  tabletReplica,
  type Expected,
  type PatientOp,
  type Replica,
  type SimTablet,
} from './harness';

const SEED = 20_250_303;
const RUNS = Number(process.env.OUTPOST_CONVERGENCE_RUNS ?? 500);

type TabletIndex = 0 | 1 | 2;
/** What happens to one request: delivered, lost before / after the server commits, twice, or later. */
type LinkFault = 'ok' | 'dropBefore' | 'dropAfter' | 'duplicate' | 'delay';

export type Step =
  | { readonly kind: 'create'; readonly t: TabletIndex; readonly sex: 'female' | 'male' | null }
  | {
      readonly kind: 'op';
      readonly t: TabletIndex;
      readonly patient: number;
      readonly op: PatientOp;
    }
  | { readonly kind: 'sync'; readonly t: TabletIndex; readonly fault: LinkFault }
  /** All three sync at once: their requests interleave at the server. */
  | { readonly kind: 'syncTogether'; readonly faults: readonly [LinkFault, LinkFault, LinkFault] }
  | { readonly kind: 'partition'; readonly t: TabletIndex; readonly offline: boolean }
  /** Delayed requests finally reach the server (after the tablet's later ones). */
  | { readonly kind: 'deliverDelayed'; readonly newestFirst: boolean }
  /** The app restarts (`reopen()`): a new store and engine on the same data. */
  | { readonly kind: 'restart'; readonly t: TabletIndex }
  /** The tablet dies after the server committed its push, before it stored the response. */
  | { readonly kind: 'crashMidSync'; readonly t: TabletIndex };

// -----------------------------------------------------------------------------
// Arbitraries

const tabletArb = fc.constantFrom<TabletIndex>(0, 1, 2);
const faultArb = fc.constantFrom<LinkFault>(
  'ok',
  'ok',
  'ok',
  'dropBefore',
  'dropAfter',
  'duplicate',
  'delay',
);
const patientOpArb: fc.Arbitrary<PatientOp> = fc.oneof(
  fc.record({
    op: fc.constant('profile' as const),
    field: fc.constantFrom('village' as const, 'phone' as const, 'familyName' as const),
    value: fc.constantFrom('Makeupton', 'Pretendia', '+255 700 000 001', '0700 111 222'),
  }),
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('vitals' as const),
      heartRate: fc.integer({ min: 45, max: 170 }),
      temperature: fc.integer({ min: 355, max: 395 }).map((t) => t / 10),
    }),
  },
  fc.record({ op: fc.constant('close' as const) }),
  fc.record({
    op: fc.constant('enteredInError' as const),
    pick: fc.nat(5),
    replacement: fc.option(fc.integer({ min: 50, max: 120 }), { nil: null }),
  }),
  fc.record({
    op: fc.constant('note' as const),
    words: fc.constantFrom('cough', 'fever 3 days', 'no rash', 'referred'),
  }),
  fc.record({
    op: fc.constant('allergy' as const),
    name: fc.constantFrom('Penicillin', 'Sulfa drugs'),
  }),
  fc.record({
    op: fc.constant('condition' as const),
    name: fc.constantFrom('Hypertension', 'Asthma'),
  }),
  fc.record({ op: fc.constant('resolve' as const), pick: fc.nat(3) }),
  fc.record({
    op: fc.constant('fact' as const),
    fact: fc.oneof(
      fc.record({
        field: fc.constant('sex' as const),
        value: fc.constantFrom('female' as const, 'male' as const, 'unknown' as const),
      }),
      fc.record({
        field: fc.constant('dateOfBirth' as const),
        value: fc.record({ ageYears: fc.integer({ min: 1, max: 80 }) }),
      }),
      fc.record({
        field: fc.constant('pregnancy' as const),
        value: fc.record({
          status: fc.constantFrom('pregnant' as const, 'not-pregnant' as const, 'unknown' as const),
        }),
      }),
    ),
  }),
);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      t: tabletArb,
      sex: fc.constantFrom('female' as const, 'male' as const, null),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('op' as const),
      t: tabletArb,
      patient: fc.nat(3),
      op: patientOpArb,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('sync' as const), t: tabletArb, fault: faultArb }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('syncTogether' as const),
      faults: fc.tuple(faultArb, faultArb, faultArb),
    }),
  },
  fc.record({ kind: fc.constant('partition' as const), t: tabletArb, offline: fc.boolean() }),
  fc.record({ kind: fc.constant('deliverDelayed' as const), newestFirst: fc.boolean() }),
  fc.record({ kind: fc.constant('restart' as const), t: tabletArb }),
  fc.record({ kind: fc.constant('crashMidSync' as const), t: tabletArb }),
);

/** Small schedules, each starting with a patient: many of them, each cheap (≥ 500 per run). */
const scheduleArb: fc.Arbitrary<Step[]> = fc
  .tuple(
    fc.record({ kind: fc.constant('create' as const), t: tabletArb, sex: fc.constant(null) }),
    fc.array(stepArb, { minLength: 4, maxLength: 22, size: 'max' }),
  )
  .map(([first, rest]) => [first, ...rest]);

// -----------------------------------------------------------------------------
// One schedule against the real server

interface World {
  readonly clinicId: ClinicId;
  readonly tablets: readonly SimTablet[];
  readonly transports: readonly ControlledTransport[];
  readonly expected: Expected;
  readonly log: string[];
  readonly offline: Set<number>;
  /** Tablets whose next request is held back in the network. */
  readonly delayNext: Set<number>;
  readonly delayed: Array<{ readonly t: number; readonly body: Uint8Array }>;
  /** Sends a request as tablet t would, bypassing its engine (delayed deliveries). */
  readonly post: (t: number, body: Uint8Array) => Promise<Uint8Array>;
}

let db: Db;
let testDb: TestDatabase;
let app: ReturnType<typeof createApp>;
let repository: ReturnType<typeof createSyncRepository>;
let runCounter = 0;
/** What the schedules did in total (printed: proof the property exercises something). */
const stats = { saved: 0, refused: 0, syncOk: 0, syncFailed: 0, restarts: 0, delivered: 0 };

async function createWorld(): Promise<World> {
  const clinicId = await createClinic(db, 'Convergence clinic (fictional)');
  const run = ++runCounter;
  const offline = new Set<number>();
  const delayNext = new Set<number>();
  const delayed: World['delayed'] = [];
  const tablets: SimTablet[] = [];
  const senders: Array<(body: Uint8Array) => Promise<Uint8Array>> = [];
  const transports: ControlledTransport[] = [];
  // One health worker of the clinic, signed in on three enrolled tablets.
  const ids = identityFixture(appRequester(app), db);
  const worker = await ids.createUser(clinicId);
  for (const index of [0, 1, 2]) {
    const auth = await signInTablet(ids, clinicId, worker);
    const http = httpTransport(
      () => auth,
      () => 'http://outpost.test/api/sync',
      (input, init) => Promise.resolve(app.request(input as string, init)),
    );
    const send = (body: Uint8Array) => http.send(body, new AbortController().signal);
    senders.push(send);
    transports.push(
      new ControlledTransport(async (body) => {
        if (offline.has(index)) throw new TransportError('network', 'offline (partitioned)');
        if (delayNext.delete(index)) {
          delayed.push({ t: index, body });
          throw new TransportError('network', 'no answer (the request is still on its way)');
        }
        return send(body);
      }),
    );
    tablets.push(
      await createTablet({
        name: `t${index}`,
        clinicId,
        deviceId: auth.deviceId,
        userId: auth.userId as UserId,
        seed: run * 16 + index,
        transport: transports[index]!,
      }),
    );
  }
  return {
    clinicId,
    tablets,
    transports,
    expected: new Map(),
    log: [],
    offline,
    delayNext,
    delayed,
    post: (t, body) => senders[t]!(body),
  };
}

async function knownPatients(tablet: SimTablet): Promise<string[]> {
  return (await tablet.store.listPatients({ limit: 1000 })).map((row) => row.docId).sort();
}

async function sync(world: World, t: number, fault: LinkFault): Promise<string> {
  const tablet = world.tablets[t]!;
  if (fault === 'delay') world.delayNext.add(t);
  else if (fault !== 'ok') world.transports[t]!.faults.push(fault);
  const result = await tablet.client.syncOnce();
  if (result.ok) stats.syncOk++;
  else stats.syncFailed++;
  world.transports[t]!.faults.length = 0;
  world.delayNext.delete(t);
  const outcome = result.ok
    ? `ok (stored ${result.value.stored}, pulled ${result.value.pulledDocuments} docs ${result.value.pulledUpdates} updates)`
    : `failed: ${result.error.type}`;
  return `${fault === 'ok' ? '' : `[${fault}] `}${outcome}`;
}

async function runStep(world: World, step: Step): Promise<string> {
  switch (step.kind) {
    case 'create': {
      const tablet = world.tablets[step.t]!;
      const docId = await createSharedPatient(
        tablet,
        `Testcase ${world.expected.size + 1}`,
        world.expected,
        step.sex ?? undefined,
      );
      stats.saved++;
      return `t${step.t} creates patient ${short(docId)}`;
    }
    case 'op': {
      const tablet = world.tablets[step.t]!;
      const known = await knownPatients(tablet);
      const docId = known[step.patient % Math.max(1, known.length)];
      if (docId === undefined) return `t${step.t} ${step.op.op}: no patient yet`;
      const outcome = await runPatientOp(tablet, docId, step.op, world.expected);
      if (outcome.saved) stats.saved++;
      else stats.refused++;
      return `t${step.t} ${step.op.op} on ${short(docId)}: ${outcome.saved ? 'saved ' : ''}${outcome.detail}`;
    }
    case 'sync':
      return `t${step.t} syncs ${await sync(world, step.t, step.fault)}`;
    case 'syncTogether': {
      const outcomes = await Promise.all(step.faults.map((fault, t) => sync(world, t, fault)));
      return `all sync at once: ${outcomes.map((o, t) => `t${t} ${o}`).join('; ')}`;
    }
    case 'partition':
      if (step.offline) world.offline.add(step.t);
      else world.offline.delete(step.t);
      return `t${step.t} goes ${step.offline ? 'offline' : 'online'}`;
    case 'deliverDelayed': {
      const held = world.delayed.splice(0);
      if (step.newestFirst) held.reverse();
      const outcomes: string[] = [];
      for (const { t, body } of held) {
        try {
          await world.post(t, body);
          stats.delivered++;
          outcomes.push(`t${t} ok`);
        } catch (error) {
          outcomes.push(`t${t} ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return `delayed requests arrive${step.newestFirst ? ' (newest first)' : ''}: ${outcomes.join(', ') || 'none'}`;
    }
    case 'restart':
      await world.tablets[step.t]!.restart();
      stats.restarts++;
      return `t${step.t} restarts`;
    case 'crashMidSync': {
      const tablet = world.tablets[step.t]!;
      // Every store commit of the response fails, as if the app died right then.
      tablet.backend.onWrite = (table) => {
        if (table === 'meta') throw new Error('the app was killed');
      };
      const outcome = await sync(world, step.t, 'ok');
      tablet.backend.onWrite = undefined;
      await tablet.restart();
      return `t${step.t} dies mid-sync (${outcome}) and restarts`;
    }
  }
}

const serverReplica = (clinicId: ClinicId): Replica => ({
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
});

interface ScheduleOutcome {
  readonly log: readonly string[];
  readonly problems: readonly string[];
}

async function runSchedule(steps: readonly Step[]): Promise<ScheduleOutcome> {
  const world = await createWorld();
  const problems: string[] = [];
  try {
    for (const [index, step] of steps.entries()) {
      world.tablets.forEach((tablet) => tablet.clock.advance(60_000));
      world.log.push(`${index + 1}. ${await runStep(world, step)}`);
    }
    // The links heal; whatever was held back in the network arrives; two full rounds.
    world.offline.clear();
    for (const { t, body } of world.delayed.splice(0)) await world.post(t, body).catch(() => {});
    for (const round of [1, 2]) {
      for (const [t, tablet] of world.tablets.entries()) {
        const result = await tablet.client.syncOnce();
        world.log.push(`final round ${round}: t${t} ${result.ok ? 'ok' : result.error.type}`);
        if (!result.ok)
          problems.push(`final sync of t${t} failed: ${JSON.stringify(result.error)}`);
        else if (result.value.incomplete) problems.push(`final sync of t${t} incomplete`);
      }
    }
    problems.push(
      ...(await compareReplicas(
        [serverReplica(world.clinicId), ...world.tablets.map(tabletReplica)],
        world.expected,
      )),
    );
    for (const tablet of world.tablets) {
      const outbox = await tablet.store.outboxSummary();
      if (outbox.pending + outbox.sent + outbox.rejected > 0)
        problems.push(`${tablet.name} outbox not empty: ${JSON.stringify(outbox)}`);
      const rejected = await tablet.store.rejectedUpdates();
      if (rejected.length > 0)
        problems.push(`${tablet.name} has rejected changes: ${JSON.stringify(rejected)}`);
    }
    // S3: one log row per (device, localSeq), never two.
    const repeated = await db
      .select({ deviceId: updateLog.deviceId, localSeq: updateLog.localSeq, n: count() })
      .from(updateLog)
      .where(eq(updateLog.clinicId, world.clinicId))
      .groupBy(updateLog.deviceId, updateLog.localSeq)
      .having(sql`count(*) > 1`);
    if (repeated.length > 0) problems.push(`updates stored twice: ${JSON.stringify(repeated)}`);
  } catch (error) {
    problems.push(
      `threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  } finally {
    for (const tablet of world.tablets) tablet.store.close();
  }
  return { log: world.log, problems };
}

function report(outcome: ScheduleOutcome): string {
  return `Operation log:\n  ${outcome.log.join('\n  ')}\nProblems:\n  ${outcome.problems.join('\n  ')}`;
}

/**
 * Failing schedules found by the property (or written by hand to pin a scenario),
 * run as named tests on every run. Add: `{ name: 'what it shows', steps: [...] }`.
 */
const PINNED: ReadonlyArray<{ readonly name: string; readonly steps: readonly Step[] }> = [
  {
    // Found by the property (seed 20250303) when the tablet forgot outbox entries on sending.
    name: 'S2 a push lost before it reached the server is sent again: the outbox keeps it until the receipt',
    steps: [
      { kind: 'create', t: 2, sex: null },
      { kind: 'sync', t: 2, fault: 'dropBefore' },
      {
        kind: 'op',
        t: 0,
        patient: 0,
        op: { op: 'fact', fact: { field: 'dateOfBirth', value: { ageYears: 1 } } },
      },
      { kind: 'syncTogether', faults: ['ok', 'ok', 'ok'] },
      {
        kind: 'op',
        t: 0,
        patient: 0,
        op: { op: 'profile', field: 'village', value: 'Makeupton' },
      },
    ],
  },
  {
    // Found by the property (seed 20250303) when the server forgot S3 (no first-receipt lookup).
    name: 'S3 a push committed but unanswered is acknowledged again, not stored twice',
    steps: [
      { kind: 'create', t: 0, sex: null },
      { kind: 'create', t: 2, sex: 'female' },
      { kind: 'sync', t: 0, fault: 'ok' },
      {
        kind: 'op',
        t: 0,
        patient: 0,
        op: { op: 'profile', field: 'village', value: 'Makeupton' },
      },
      { kind: 'op', t: 0, patient: 0, op: { op: 'enteredInError', pick: 0, replacement: null } },
      { kind: 'syncTogether', faults: ['ok', 'ok', 'dropAfter'] },
    ],
  },
  {
    name: 'S3 a push whose response was lost, re-sent after a restart, is stored once',
    steps: [
      { kind: 'create', t: 0, sex: 'female' },
      { kind: 'sync', t: 0, fault: 'dropAfter' },
      { kind: 'restart', t: 0 },
      { kind: 'op', t: 0, patient: 0, op: { op: 'vitals', heartRate: 80, temperature: 37 } },
      { kind: 'sync', t: 0, fault: 'duplicate' },
      { kind: 'sync', t: 1, fault: 'ok' },
    ],
  },
  {
    name: 'S3 S8 a delayed request arriving after its retry changes nothing twice',
    steps: [
      { kind: 'create', t: 1, sex: null },
      { kind: 'sync', t: 1, fault: 'delay' },
      { kind: 'op', t: 1, patient: 0, op: { op: 'allergy', name: 'Penicillin' } },
      { kind: 'sync', t: 1, fault: 'ok' },
      { kind: 'sync', t: 2, fault: 'ok' },
      { kind: 'deliverDelayed', newestFirst: false },
      { kind: 'op', t: 2, patient: 0, op: { op: 'resolve', pick: 0 } },
      { kind: 'sync', t: 2, fault: 'ok' },
    ],
  },
  {
    name: 'S5 concurrent offline assertions on all three tablets survive as a conflict',
    steps: [
      { kind: 'create', t: 0, sex: null },
      { kind: 'syncTogether', faults: ['ok', 'ok', 'ok'] },
      { kind: 'syncTogether', faults: ['ok', 'ok', 'ok'] },
      { kind: 'partition', t: 0, offline: true },
      {
        kind: 'op',
        t: 0,
        patient: 0,
        op: { op: 'fact', fact: { field: 'sex', value: 'female' } },
      },
      { kind: 'op', t: 1, patient: 0, op: { op: 'fact', fact: { field: 'sex', value: 'male' } } },
      { kind: 'op', t: 2, patient: 0, op: { op: 'vitals', heartRate: 90, temperature: 38 } },
      { kind: 'op', t: 1, patient: 0, op: { op: 'close' } },
      { kind: 'crashMidSync', t: 1 },
      { kind: 'syncTogether', faults: ['dropAfter', 'duplicate', 'delay'] },
    ],
  },
];

describe('three tablets and the real server (in-memory PGlite)', () => {
  beforeAll(async () => {
    testDb = await pgliteKind.open();
    db = testDb.database.db;
    repository = createSyncRepository(db, { now: () => Date.now() });
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

  for (const pinned of PINNED) {
    test(`pinned: ${pinned.name}`, async () => {
      const outcome = await runSchedule(pinned.steps);
      if (process.env.OUTPOST_CONVERGENCE_LOG === '1') process.stdout.write(`${report(outcome)}\n`);
      expect(outcome.problems, report(outcome)).toEqual([]);
    });
  }

  test(`S1–S10 property: ${RUNS} random schedules with faulty links converge and lose nothing (seed ${SEED})`, async () => {
    const started = Date.now();
    const result = await fc.check(
      fc.asyncProperty(scheduleArb, async (steps) => {
        const outcome = await runSchedule(steps);
        if (outcome.problems.length > 0) throw new Error(outcome.problems.join('\n'));
      }),
      { seed: SEED, numRuns: RUNS },
    );
    if (result.failed) {
      const steps = result.counterexample?.[0] ?? [];
      const replay = await runSchedule(steps);
      throw new Error(
        `A schedule diverged or lost data (seed ${result.seed}, path "${result.counterexamplePath}", ` +
          `after ${result.numRuns} runs, shrunk ${result.numShrinks} times).\n` +
          `Pin it in PINNED: { name: '…', steps: ${JSON.stringify(steps)} }\n${report(replay)}`,
      );
    }
    expect(result.numRuns).toBe(RUNS);
    process.stdout.write(
      `convergence: ${RUNS} schedules in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(stats)}\n`,
    );
    // Each schedule enrolls three devices and signs a health worker in on them (real
    // HTTP, audited): 500 schedules take 2–6 minutes depending on the machine's load.
  }, 600_000);
});
