/**
 * The batch sync client against a simulated server speaking the real codec,
 * through a transport the test controls. Titles carry the SPEC rule they prove.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import {
  readPatient,
  recordVitals,
  startEncounter,
  updateProfile,
  type PatientView,
} from '@outpost/shared/model';
import type { EncounterId } from '@outpost/shared/ids';
import { decodeSyncResponse } from '@outpost/shared/sync';
import { getOrThrow } from '@outpost/shared/result';
import type { LocalStore } from '../db/local-store';
import { BACKENDS, createHarness, savePersona, type BackendKind } from '../db/testing';
import {
  CLOCK_WARNING_MS,
  backoffDelayMs,
  createSyncClient,
  describeSyncError,
  TransportError,
  type SyncClient,
  type SyncProgress,
} from './engine';
import { ControlledTransport, FakeSyncServer, type Fault } from './testing';

const CLINIC = '0190a000-0000-7000-8000-0000000c1a1c';

interface Tablet {
  store: LocalStore;
  client: SyncClient;
  transport: ControlledTransport;
  harness: ReturnType<typeof createHarness>;
  progress: SyncProgress[];
  restart(): Promise<void>;
}

async function createTablet(
  server: FakeSyncServer,
  options: {
    backend?: BackendKind;
    seed?: number;
    clientId?: number;
    maxResponseBytes?: number;
    timeoutMs?: number;
  } = {},
): Promise<Tablet> {
  const harness = createHarness(options.backend ?? 'memory', {
    seed: options.seed ?? 1,
    clinicId: CLINIC as never,
  });
  const tablet = {} as Tablet;
  tablet.harness = harness;
  tablet.progress = [];
  tablet.transport = new ControlledTransport((body) =>
    server.handle({ deviceId: tablet.store.deviceId, clinicId: tablet.store.clinicId }, body),
  );
  const connect = (store: LocalStore) => {
    tablet.store = store;
    tablet.client = createSyncClient({
      store,
      transport: tablet.transport,
      clock: harness.clock,
      timeoutMs: options.timeoutMs ?? 5_000,
      ...(options.maxResponseBytes !== undefined && {
        maxResponseBytes: options.maxResponseBytes,
      }),
      onProgress: (progress) => tablet.progress.push(progress),
    });
  };
  connect(await harness.open(options.clientId === undefined ? {} : { clientId: options.clientId }));
  tablet.restart = async () => connect(await harness.reopen());
  return tablet;
}

async function patientView(store: LocalStore, docId: string): Promise<PatientView> {
  return getOrThrow((await store.readPatient(docId))!);
}

function serverView(server: FakeSyncServer, docId: string): PatientView {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, server.state(docId)!);
  return getOrThrow(readPatient(doc));
}

async function openVisit(store: LocalStore, docId: string): Promise<EncounterId> {
  return getOrThrow(await store.applyOp(docId, (doc, ctx) => startEncounter(doc, ctx, {})));
}

async function heartRate(store: LocalStore, docId: string, encounterId: EncounterId, bpm: number) {
  getOrThrow(
    await store.applyOp(docId, (doc, ctx) =>
      recordVitals(doc, ctx, {
        encounterId,
        source: { kind: 'typed' },
        readings: [{ key: 'heartRate', value: bpm, confirmed: true }],
      }),
    ),
  );
}

describe.each(BACKENDS)('sync engine on %s', (backend) => {
  test('S2 S3 a response lost after the server committed: the retry stores nothing twice', async () => {
    const server = new FakeSyncServer();
    const tablet = await createTablet(server, { backend });
    const { docId } = await savePersona(tablet.store, 'adultWithHypertension');

    tablet.transport.faults.push('dropAfter');
    const lost = await tablet.client.syncOnce();
    expect(lost).toMatchObject({ ok: false, error: { type: 'Unreachable' } });
    expect(server.log).toHaveLength(1);
    expect((await tablet.store.outboxEntries()).map((e) => e.status)).toEqual(['sent']);
    expect((await tablet.store.syncStatus()).lastError).toMatch(
      /Your work is saved on this tablet and will be sent when the connection returns/,
    );

    const retried = await tablet.client.syncOnce();
    expect(retried.ok).toBe(true);
    expect(server.log).toHaveLength(1);
    expect(await tablet.store.outboxEntries()).toEqual([]);
    expect(serverView(server, docId)).toEqual(await patientView(tablet.store, docId));
    expect((await tablet.store.syncStatus()).lastError).toBeUndefined();
  });

  test('S3 a request dropped before the server, then duplicated: one stored copy, one receipt', async () => {
    const server = new FakeSyncServer();
    const tablet = await createTablet(server, { backend });
    await savePersona(tablet.store, 'childWithFever');
    tablet.transport.faults.push('dropBefore', 'duplicate');
    expect((await tablet.client.syncOnce()).ok).toBe(false);
    expect(server.log).toHaveLength(0);
    const report = getOrThrow(await tablet.client.syncOnce());
    expect(report.stored).toBe(1);
    expect(server.requests).toBe(2);
    expect(server.log).toHaveLength(1);
    expect(await tablet.store.outboxEntries()).toEqual([]);
  });

  test('S5 a crash while storing a page: the next sync (after a restart) resumes from the last stored page', async () => {
    const server = new FakeSyncServer();
    const author = await createTablet(server, { seed: 2 });
    const docIds = [];
    for (const persona of [
      'adultWithHypertension',
      'childWithFever',
      'pregnantWomanAt32Weeks',
      'elderlyManWithHeartFailure',
    ] as const)
      docIds.push((await savePersona(author.store, persona)).docId);
    getOrThrow(await author.client.syncOnce());

    // A new tablet with small pages: the second page's commit crashes.
    const reader = await createTablet(server, { backend, seed: 3, maxResponseBytes: 1 });
    const original = reader.client;
    reader.client = createSyncClient({
      store: reader.store,
      transport: reader.transport,
      clock: reader.harness.clock,
      maxResponseBytes: 1,
      onProgress: () => reader.harness.failWritesTo('documents', () => new Error('power cut')),
    });
    const crashed = await reader.client.syncOnce();
    expect(crashed).toMatchObject({ ok: false, error: { type: 'StorageFailure' } });
    reader.client = original;
    reader.harness.failWritesTo(undefined);
    await reader.restart();
    expect(await reader.store.listPatients()).toHaveLength(1);

    getOrThrow(await reader.client.syncOnce());
    expect(await reader.store.listPatients()).toHaveLength(4);
    for (const docId of docIds)
      expect(await patientView(reader.store, docId)).toEqual(serverView(server, docId));
    const last = reader.progress.at(-1)!;
    expect(last).toMatchObject({ more: false, waiting: 0 });
    expect(last.pulledRecords).toBeGreaterThanOrEqual(3);
  });

  test('S12 two tablets sharing a client id: the second re-keys and nothing either typed is lost', async () => {
    const server = new FakeSyncServer();
    const first = await createTablet(server, { backend, seed: 4, clientId: 4242 });
    const clone = await createTablet(server, { backend, seed: 5, clientId: 4242 });
    const { docId } = await savePersona(first.store, 'adultWithHypertension');
    const encounterId = await openVisit(first.store, docId);
    getOrThrow(await first.client.syncOnce());
    getOrThrow(await clone.client.syncOnce());

    await heartRate(first.store, docId, encounterId, 80);
    await first.store.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { village: 'Alpha' }));
    getOrThrow(await first.client.syncOnce());
    await heartRate(clone.store, docId, encounterId, 96);
    await clone.store.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { phone: '+255 7' }));
    const handle = (await clone.store.openDocument(docId))!;

    const report = getOrThrow(await clone.client.syncOnce());
    expect(report.rekeyed).toEqual([docId]);
    expect(clone.store.clientId).not.toBe(4242);
    expect(handle.doc.clientID).toBe(clone.store.clientId);
    expect(await clone.store.outboxEntries()).toEqual([]);
    expect(await clone.store.rejectedUpdates()).toMatchObject([
      { docId, code: 'client_id_clash', state: 'rekeyed' },
    ]);

    getOrThrow(await first.client.syncOnce());
    const expected = serverView(server, docId);
    const visit = expected.encounters.find((e) => e.id === encounterId)!;
    expect(visit.observations.map((o) => o.value).sort()).toEqual([80, 96]);
    expect(expected.profile).toMatchObject({ village: 'Alpha', phone: '+255 7' });
    expect(await patientView(first.store, docId)).toEqual(expected);
    expect(await patientView(clone.store, docId)).toEqual(expected);
    expect(getOrThrow(readPatient(handle.doc))).toEqual(expected);
  });
});

describe('sync engine', () => {
  test('S4 a rejected update is kept and marked while the others in the request are stored', async () => {
    const server = new FakeSyncServer();
    const tablet = await createTablet(server);
    const kept = await savePersona(tablet.store, 'childWithFever');
    const refused = await savePersona(tablet.store, 'adultWithHypertension');
    server.forbidden.add(refused.docId);
    const report = getOrThrow(await tablet.client.syncOnce());
    expect(report).toMatchObject({ stored: 1, rejected: 1 });
    const [entry] = await tablet.store.outboxEntries();
    expect(entry).toMatchObject({ docId: refused.docId, status: 'rejected', code: 'forbidden' });
    expect(server.state(kept.docId)).toBeDefined();
    // Later syncs leave it alone; the record stays readable on the tablet.
    getOrThrow(await tablet.client.syncOnce());
    expect(await tablet.store.outboxSummary()).toEqual({ pending: 0, sent: 0, rejected: 1 });
    expect((await patientView(tablet.store, refused.docId)).profile.givenName).toBe('Amina');
  });

  test('applying the same response twice changes nothing more', async () => {
    const server = new FakeSyncServer();
    const author = await createTablet(server, { seed: 6 });
    const { docId } = await savePersona(author.store, 'elderlyManWithHeartFailure');
    getOrThrow(await author.client.syncOnce());
    const reader = await createTablet(server, { seed: 7 });
    getOrThrow(await reader.client.syncOnce());
    const before = await patientView(reader.store, docId);
    const replay = getOrThrow(decodeSyncResponse(reader.transport.delivered[0]!));
    await reader.store.applySyncResponse(replay, { wanted: [], clockOffsetMs: 0, syncedAt: 1 });
    expect(await patientView(reader.store, docId)).toEqual(before);
    expect(await reader.store.listPatients()).toHaveLength(1);
  });

  test('a hung request times out, keeps everything, and the next sync resumes', async () => {
    const server = new FakeSyncServer();
    const tablet = await createTablet(server, { timeoutMs: 20 });
    await savePersona(tablet.store, 'pregnantWomanAt32Weeks');
    tablet.transport.faults.push('hang');
    const timedOut = await tablet.client.syncOnce();
    expect(timedOut).toMatchObject({ ok: false, error: { type: 'Timeout' } });
    expect((await tablet.store.outboxSummary()).sent).toBe(1);
    getOrThrow(await tablet.client.syncOnce());
    expect(await tablet.store.outboxSummary()).toEqual({ pending: 0, sent: 0, rejected: 0 });
  });

  test('S11 a tablet clock more than 5 minutes off is warned about; a small offset is not', async () => {
    const server = new FakeSyncServer();
    const tablet = await createTablet(server);
    server.now = tablet.harness.clock.now();
    server.skewMs = 60_000;
    getOrThrow(await tablet.client.syncOnce());
    expect(tablet.client.clockOffsetMs).toBe(60_000);
    expect(tablet.client.clockWarning).toBe(false);
    server.skewMs = -(CLOCK_WARNING_MS + 10 * 60_000);
    getOrThrow(await tablet.client.syncOnce());
    expect(tablet.client.clockWarning).toBe(true);
    expect((await tablet.store.syncStatus()).clockOffsetMs).toBe(-(CLOCK_WARNING_MS + 600_000));
  });

  test('S10 progress reports records and bytes moved against the known total', async () => {
    const server = new FakeSyncServer();
    const tablet = await createTablet(server);
    for (let i = 0; i < 5; i++)
      getOrThrow(await tablet.store.createPatient({ profile: { givenName: `Person${i}` } }));
    const report = getOrThrow(await tablet.client.syncOnce());
    expect(report.stored).toBe(5);
    const last = tablet.progress.at(-1)!;
    expect(last).toMatchObject({ waitingAtStart: 5, pushedRecords: 5, waiting: 0 });
    expect(last.pushedBytes).toBeGreaterThan(0);
  });

  test('S6 a cursor the server no longer knows is dropped and the pull starts again', async () => {
    const server = new FakeSyncServer();
    const author = await createTablet(server, { seed: 8 });
    const { docId } = await savePersona(author.store, 'childWithFever');
    getOrThrow(await author.client.syncOnce());
    const tablet = await createTablet(server, { seed: 9 });
    let refusals = 0;
    const transport = {
      send(body: Uint8Array, signal: AbortSignal) {
        if (refusals++ === 0)
          return Promise.reject(
            new TransportError('http', 'HTTP 400', { status: 400, code: 'invalid_cursor' }),
          );
        return tablet.transport.send(body, signal);
      },
    };
    const client = createSyncClient({
      store: tablet.store,
      transport,
      clock: tablet.harness.clock,
    });
    getOrThrow(await client.syncOnce());
    expect((await tablet.store.getPatientRow(docId))?.givenName).toBe('Baraka');
  });

  test('concurrent syncOnce calls share one attempt', async () => {
    const server = new FakeSyncServer();
    const tablet = await createTablet(server);
    await savePersona(tablet.store, 'childWithFever');
    const [a, b] = [tablet.client.syncOnce(), tablet.client.syncOnce()];
    expect(a).toBe(b);
    await a;
    expect(server.requests).toBe(1);
  });

  test('backoff grows with failures, is capped, and is jittered', () => {
    const low = { next: () => 0 };
    const high = { next: () => 0.999 };
    expect(backoffDelayMs(1, high)).toBeLessThanOrEqual(2_000);
    expect(backoffDelayMs(4, high)).toBeGreaterThan(backoffDelayMs(2, high));
    expect(backoffDelayMs(50, high)).toBeLessThanOrEqual(5 * 60_000);
    expect(backoffDelayMs(50, low)).toBeLessThan(backoffDelayMs(50, high));
  });

  test('every sync error has words for a health worker that say the work is safe', () => {
    const errors = [
      { type: 'Unreachable', detail: 'x' },
      { type: 'Timeout', afterMs: 1 },
      { type: 'ProtocolMismatch' },
      { type: 'Unauthorised', status: 401 },
      { type: 'ServerError', status: 500 },
      { type: 'BadResponse', detail: 'x' },
      { type: 'StorageFull', message: 'x' },
      { type: 'StorageFailure', message: 'x' },
    ] as const;
    for (const error of errors) expect(describeSyncError(error)).toMatch(/saved|safe/);
  });

  test('S3 S5 S6 S12 property: three tablets with faulty links converge and lose nothing', async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('create' as const), tablet: fc.nat(2) }),
      fc.record({
        kind: fc.constant('vitals' as const),
        tablet: fc.nat(2),
        patient: fc.nat(),
        bpm: fc.integer({ min: 30, max: 200 }),
      }),
      fc.record({
        kind: fc.constant('profile' as const),
        tablet: fc.nat(2),
        patient: fc.nat(),
        village: fc.constantFrom('Alpha', 'Beta', 'Gamma'),
      }),
      fc.record({
        kind: fc.constant('sync' as const),
        tablet: fc.nat(2),
        fault: fc.constantFrom<Fault | undefined>(
          undefined,
          'dropBefore',
          'dropAfter',
          'duplicate',
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        const server = new FakeSyncServer();
        const tablets = await Promise.all(
          [11, 12, 13].map((seed) => createTablet(server, { seed })),
        );
        const visits = new Map<string, EncounterId>();
        const recorded: number[] = [];
        for (const s of steps) {
          const tablet = tablets[s.tablet]!;
          const known = (await tablet.store.listPatients({ limit: 100 }))
            .map((r) => r.docId)
            .sort();
          switch (s.kind) {
            case 'create': {
              const { docId } = getOrThrow(
                await tablet.store.createPatient({ profile: { givenName: 'Testcase' } }),
              );
              visits.set(docId, await openVisit(tablet.store, docId));
              break;
            }
            case 'vitals': {
              const docId = known[s.patient % Math.max(1, known.length)];
              if (docId === undefined) break;
              await heartRate(tablet.store, docId, visits.get(docId)!, s.bpm);
              recorded.push(s.bpm);
              break;
            }
            case 'profile': {
              const docId = known[s.patient % Math.max(1, known.length)];
              if (docId === undefined) break;
              await tablet.store.applyOp(docId, (doc, ctx) =>
                updateProfile(doc, ctx, { village: s.village }),
              );
              break;
            }
            case 'sync':
              if (s.fault !== undefined) tablet.transport.faults.push(s.fault);
              await tablet.client.syncOnce();
              break;
          }
        }
        // The links heal: two full rounds deliver everything everywhere.
        for (let round = 0; round < 2; round++)
          for (const tablet of tablets) getOrThrow(await tablet.client.syncOnce());
        for (const docId of visits.keys()) {
          const expected = serverView(server, docId);
          for (const tablet of tablets)
            expect(await patientView(tablet.store, docId)).toEqual(expected);
        }
        const stored = [...visits.keys()]
          .flatMap((docId) => serverView(server, docId).encounters)
          .flatMap((e) => e.observations.map((o) => o.value as number));
        expect(stored.sort((a, b) => a - b)).toEqual(recorded.sort((a, b) => a - b));
        for (const tablet of tablets)
          expect(await tablet.store.outboxSummary()).toEqual({ pending: 0, sent: 0, rejected: 0 });
      }),
      { numRuns: 25 },
    );
  });
});
