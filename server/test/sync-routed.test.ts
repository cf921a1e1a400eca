/**
 * Specialists across clinics (SPEC S7a, S8b; issue 7): a specialist whose laptop
 * is enrolled in one clinic pulls the consults routed to them from every clinic,
 * answers offline and pushes the answer into the consult's home clinic, where
 * the health worker's tablet pulls it. Run against PGlite and PostgreSQL; each
 * test works in clinics of its own.
 */
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ClinicId } from '@outpost/shared/ids';
import {
  answerConsult,
  postConsultMessage,
  readConsult,
  type ConsultRouting,
} from '@outpost/shared/model';
import { createManualClock } from '@outpost/shared/deps';
import { getOrThrow } from '@outpost/shared/result';
import type { Receipt } from '@outpost/shared/sync';
import type { Caller } from '../src/auth/caller';
import { isRoutedTo } from '../src/auth/policy';
import { openPostgres, type Database, type Db } from '../src/db/database';
import { consults, documents, updateLog } from '../src/db/schema';
import {
  createSyncRepository,
  type PullPage,
  type SyncRepository,
} from '../src/repositories/sync-repository';
import { encodeCursor } from '../src/sync/cursor';
import { databaseKinds, type TestDatabase } from './support/databases';
import { Tablet, callerOf, createClinic } from './support/sync';

/**
 * Specialties are per test (`cardiology-<n>`): a specialist pulls routed consults of
 * every clinic, so the tests sharing one database must not route to each other.
 */
let testNumber = 0;
const spec = (specialty: string) => `${specialty}-${testNumber}`;

function specialistOf(
  clinicId: ClinicId,
  specialties: readonly string[] = [spec('cardiology')],
): Caller {
  return { ...callerOf(clinicId), role: 'specialist', clinicIds: [], specialties };
}

const statusOf = (receipts: readonly Receipt[]) =>
  receipts.map((receipt) => (receipt.status === 'stored' ? 'stored' : receipt.code));

/** What a specialist's laptop holds: the documents it pulled, merged (documents only: S8b). */
class Laptop {
  readonly docs = new Map<string, Y.Doc>();
  cursor: Uint8Array = new Uint8Array();
  /** How many times each document arrived. */
  readonly arrivals = new Map<string, number>();

  constructor(readonly caller: Caller) {}

  apply(page: PullPage): void {
    expect(page.updates).toEqual([]);
    for (const document of page.documents) {
      let doc = this.docs.get(document.docId);
      if (doc === undefined) this.docs.set(document.docId, (doc = new Y.Doc()));
      Y.applyUpdate(doc, document.state);
      this.arrivals.set(document.docId, (this.arrivals.get(document.docId) ?? 0) + 1);
    }
    this.cursor = page.cursor;
  }

  /** Pulls until `more` is false; returns the pages. */
  async pullAll(repository: SyncRepository, maxBytes = 0): Promise<PullPage[]> {
    const pages: PullPage[] = [];
    for (;;) {
      const page = getOrThrow(await repository.pull(this.caller, this.cursor, maxBytes, []));
      this.apply(page);
      pages.push(page);
      if (!page.more) return pages;
      if (pages.length > 2000) throw new Error('pull never finished');
    }
  }

  resetArrivals(): void {
    this.arrivals.clear();
  }
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`specialists across clinics on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    const clock = createManualClock(Date.UTC(2025, 3, 1, 9));
    let repository: SyncRepository;
    let nextClientId = 9_000;

    beforeAll(async () => {
      testDb = await kind.open();
      db = testDb.database.db;
      repository = createSyncRepository(db, { now: () => clock.now() });
    });
    afterAll(async () => {
      await testDb.close();
    });
    beforeEach(() => {
      testNumber++;
    });

    /** A health worker's tablet in `clinicId` with a patient and a sent consult (pushed). */
    async function askFrom(
      clinicId: ClinicId,
      routing: ConsultRouting = { kind: 'specialty', specialty: spec('cardiology') },
      tablet = new Tablet(callerOf(clinicId), nextClientId++),
    ): Promise<{ tablet: Tablet; docId: string; patient: string }> {
      const patient = tablet.createPersona('adultWithHypertension');
      const docId = tablet.createConsult(patient, { routing });
      const pushed = await repository.applyPushes(tablet.caller, tablet.drain());
      expect(statusOf(pushed.receipts).every((status) => status === 'stored')).toBe(true);
      return { tablet, docId, patient };
    }

    /** The consults the server routes to `caller`, from the read model, with their states. */
    async function routedOnServer(caller: Caller, clinicIds: readonly string[]) {
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
      return new Map(
        rows
          .filter((row) => clinicIds.includes(row.clinicId) && isRoutedTo(caller, row))
          .map((row) => [row.docId, row.state]),
      );
    }

    /** The laptop holds exactly the routed consults of those clinics, each as the server has it. */
    async function expectInStep(laptop: Laptop, clinicIds: readonly string[]) {
      const server = await routedOnServer(laptop.caller, clinicIds);
      const held = [...laptop.docs.keys()].filter((docId) => server.has(docId)).sort();
      expect(held).toEqual([...server.keys()].sort());
      for (const [docId, state] of server) {
        const doc = new Y.Doc();
        Y.applyUpdate(doc, state);
        expect(Y.encodeStateVector(laptop.docs.get(docId)!), docId).toEqual(
          Y.encodeStateVector(doc),
        );
      }
    }

    it('S7a a consult of clinic A routed to a specialist enrolled in clinic B is pulled; nothing else is', async () => {
      const clinicA = await createClinic(db, 'Hill clinic (fictional)');
      const clinicB = await createClinic(db, 'District hospital (fictional)');
      const clinicC = await createClinic(db, 'Lake clinic (fictional)');
      const laptop = new Laptop(specialistOf(clinicB));
      const fromA = await askFrom(clinicA);
      const fromB = await askFrom(clinicB);
      const named = await askFrom(clinicC, {
        kind: 'specialist',
        userId: laptop.caller.userId,
        name: 'Dr Fictional',
      });
      const dermatology = await askFrom(clinicA, {
        kind: 'specialty',
        specialty: spec('dermatology'),
      });
      const someoneElse = await askFrom(clinicA, {
        kind: 'specialist',
        userId: callerOf(clinicA).userId,
      });

      await laptop.pullAll(repository);
      expect([...laptop.docs.keys()].sort()).toEqual(
        [fromA.docId, fromB.docId, named.docId].sort(),
      );
      for (const absent of [
        dermatology.docId,
        someoneElse.docId,
        fromA.patient,
        fromB.patient,
        named.patient,
      ])
        expect(laptop.docs.has(absent)).toBe(false);
      await expectInStep(laptop, [clinicA, clinicB, clinicC]);
      expect(getOrThrow(readConsult(laptop.docs.get(fromA.docId)!)).homeClinicId).toBe(clinicA);

      // Nothing new: an empty page and the same position.
      const idle = getOrThrow(await repository.pull(laptop.caller, laptop.cursor, 0, []));
      expect(idle).toMatchObject({ documents: [], updates: [], more: false });
      expect(idle.cursor).toEqual(laptop.cursor);

      // The health worker in A writes again: the whole state arrives; the dermatology one never.
      fromA.tablet.recordVisit(fromA.patient, 88);
      fromA.tablet.changeStatus(fromA.docId, 'closed');
      dermatology.tablet.changeStatus(dermatology.docId, 'closed');
      await repository.applyPushes(fromA.tablet.caller, fromA.tablet.drain());
      await repository.applyPushes(dermatology.tablet.caller, dermatology.tablet.drain());
      laptop.resetArrivals();
      await laptop.pullAll(repository);
      expect([...laptop.arrivals.keys()]).toEqual([fromA.docId]);
      await expectInStep(laptop, [clinicA, clinicB, clinicC]);
    });

    it('S9 S8b tiny pages return every routed consult exactly once, across clinics', async () => {
      const clinics = [await createClinic(db), await createClinic(db), await createClinic(db)];
      const laptop = new Laptop(
        specialistOf(clinics[1]!, [spec('cardiology'), spec('paediatrics')]),
      );
      const expected: string[] = [];
      for (let round = 0; round < 4; round++)
        for (const clinicId of clinics) {
          expected.push((await askFrom(clinicId)).docId);
          expected.push(
            (await askFrom(clinicId, { kind: 'specialty', specialty: spec('paediatrics') })).docId,
          );
          await askFrom(clinicId, { kind: 'specialty', specialty: spec('dermatology') });
        }
      const pages = await laptop.pullAll(repository, 10);
      expect(pages.filter((page) => page.documents.length > 0)).toHaveLength(expected.length);
      for (const page of pages) expect(page.documents.length).toBeLessThanOrEqual(1);
      expect([...laptop.arrivals.keys()].sort()).toEqual([...expected].sort());
      expect([...laptop.arrivals.values()].every((times) => times === 1)).toBe(true);
      await expectInStep(laptop, clinics);
    });

    it('S8b paging while two clinics keep writing skips nothing', async () => {
      const clinicA = await createClinic(db);
      const clinicB = await createClinic(db);
      const laptop = new Laptop(specialistOf(clinicB));
      const nurses = [
        new Tablet(callerOf(clinicA), nextClientId++),
        new Tablet(callerOf(clinicB), nextClientId++),
      ];
      const asked = [];
      for (const nurse of nurses)
        for (let index = 0; index < 5; index++)
          asked.push(await askFrom(nurse.caller.clinicId, undefined, nurse));
      // One small page at a time; between pages the clinics write to sent and unsent consults.
      let step = 0;
      for (;;) {
        const page = getOrThrow(await repository.pull(laptop.caller, laptop.cursor, 10, []));
        laptop.apply(page);
        const { tablet, docId } = asked[(step * 7) % asked.length]!;
        if (step < 12) {
          getOrThrow(postConsultMessage(tablet.doc(docId), tablet.ctx, { text: `Update ${step}` }));
          await repository.applyPushes(tablet.caller, tablet.drain());
        }
        step++;
        if (!page.more && step > 12) break;
        if (step > 500) throw new Error('never finished');
      }
      await laptop.pullAll(repository, 10);
      await expectInStep(laptop, [clinicA, clinicB]);
    });

    // Two transactions open at once need a real server (PGlite has one connection): PostgreSQL only.
    (kind.name === 'postgresql' ? it : () => undefined)(
      'S8 S8b a slow commit in clinic A is not skipped when clinic B commits a later seq first',
      async () => {
        const clinicA = await createClinic(db);
        const clinicB = await createClinic(db);
        const laptop = new Laptop(specialistOf(clinicB));
        const slowOne = await askFrom(clinicA);
        await laptop.pullAll(repository);
        // A push to A's consult that has its seq but has not committed yet (another connection).
        getOrThrow(
          postConsultMessage(slowOne.tablet.doc(slowOne.docId), slowOne.tablet.ctx, {
            text: 'Her pressure is higher today.',
          }),
        );
        const [push] = slowOne.tablet.drain();
        const merged = new Y.Doc();
        Y.applyUpdate(merged, (await repository.loadDocumentState(slowOne.docId))!.state);
        Y.applyUpdate(merged, push!.update);
        const other = await openPostgres(testDb.url!, { max: 1 });
        let release = () => {};
        const released = new Promise<void>((resolve) => (release = resolve));
        let reserved = (_seq: number) => {};
        const seqReserved = new Promise<number>((resolve) => (reserved = resolve));
        try {
          const slow = other.db.transaction(async (tx) => {
            const [logged] = await tx
              .insert(updateLog)
              .values({
                docId: slowOne.docId,
                clinicId: clinicA,
                deviceId: slowOne.tablet.caller.deviceId,
                localSeq: push!.localSeq,
                update: push!.update,
                receivedAt: new Date(clock.now()),
              })
              .returning({ seq: updateLog.seq });
            await tx
              .update(documents)
              .set({ state: Y.encodeStateAsUpdate(merged), lastSeq: logged!.seq })
              .where(eq(documents.docId, slowOne.docId));
            reserved(logged!.seq);
            await released;
          });
          const slowSeq = await seqReserved;
          // Clinic B commits a later seq; the laptop sees it before A's commit.
          const fast = await askFrom(clinicB);
          const fastSeq = (await repository.loadDocumentState(fast.docId))!.lastSeq;
          expect(fastSeq).toBeGreaterThan(slowSeq);
          laptop.resetArrivals();
          await laptop.pullAll(repository);
          expect([...laptop.arrivals.keys()]).toEqual([fast.docId]);
          release();
          await slow;
          // Clinic A's position did not move past its uncommitted seq: the message arrives.
          laptop.resetArrivals();
          await laptop.pullAll(repository);
          expect([...laptop.arrivals.keys()]).toEqual([slowOne.docId]);
          expect(getOrThrow(readConsult(laptop.docs.get(slowOne.docId)!)).messages).toHaveLength(2);
        } finally {
          release();
          await other.close();
        }
      },
    );

    it('S8b a consult routed to them later arrives, one routed away stops arriving', async () => {
      const clinicA = await createClinic(db);
      const clinicB = await createClinic(db);
      const laptop = new Laptop(specialistOf(clinicB));
      const later = await askFrom(clinicA, { kind: 'specialty', specialty: spec('dermatology') });
      const away = await askFrom(clinicA);
      // Other traffic in A moves the laptop's position for A past both consults.
      await askFrom(clinicA);
      await laptop.pullAll(repository);
      expect(laptop.docs.has(later.docId)).toBe(false);
      expect(laptop.docs.has(away.docId)).toBe(true);

      later.tablet
        .doc(later.docId)
        .getMap('head')
        .set('routing', { kind: 'specialty', specialty: spec('cardiology') });
      away.tablet
        .doc(away.docId)
        .getMap('head')
        .set('routing', { kind: 'specialty', specialty: spec('dermatology') });
      await repository.applyPushes(later.tablet.caller, later.tablet.drain());
      await repository.applyPushes(away.tablet.caller, away.tablet.drain());
      laptop.resetArrivals();
      await laptop.pullAll(repository);
      expect([...laptop.arrivals.keys()]).toEqual([later.docId]);
      expect(getOrThrow(readConsult(laptop.docs.get(later.docId)!)).messages).toHaveLength(1);

      // Further writes to the consult routed away never reach the laptop.
      away.tablet.changeStatus(away.docId, 'closed');
      await repository.applyPushes(away.tablet.caller, away.tablet.drain());
      laptop.resetArrivals();
      await laptop.pullAll(repository);
      expect(laptop.arrivals.size).toBe(0);
    });

    it('S8b a specialty added later brings its consults, even ones the cursor passed', async () => {
      const clinicA = await createClinic(db);
      const clinicB = await createClinic(db);
      const laptop = new Laptop(specialistOf(clinicB));
      const dermatology = await askFrom(clinicA, {
        kind: 'specialty',
        specialty: spec('dermatology'),
      });
      await askFrom(clinicA);
      await laptop.pullAll(repository);
      expect(laptop.docs.has(dermatology.docId)).toBe(false);
      // An admin adds dermatology to their profile (the next sign-in carries it).
      const widened = new Laptop({
        ...laptop.caller,
        specialties: [spec('cardiology'), spec('dermatology')],
      });
      widened.cursor = laptop.cursor;
      await widened.pullAll(repository);
      expect(widened.docs.has(dermatology.docId)).toBe(true);
      await expectInStep(widened, [clinicA, clinicB]);
    });

    it('S8b an old cursor of a specialist upgrades to the vector, never an error', async () => {
      const clinicA = await createClinic(db);
      const clinicB = await createClinic(db);
      const fromA = await askFrom(clinicA);
      const fromB = await askFrom(clinicB);
      const laptop = new Laptop(specialistOf(clinicB));
      // What a laptop stored before this version: a log position in its device clinic.
      laptop.cursor = encodeCursor(clinicB, { mode: 'log', afterSeq: 1_000_000_000 });
      await laptop.pullAll(repository);
      expect([...laptop.docs.keys()].sort()).toEqual([fromA.docId, fromB.docId].sort());
      expect(laptop.cursor[0]).toBe(2);
    });

    it('S7a the answer from clinic B is stored in clinic A’s log, and clinic A’s tablet pulls it', async () => {
      const clinicA = await createClinic(db);
      const clinicB = await createClinic(db);
      const { tablet: nurse, docId } = await askFrom(clinicA);
      // The tablet is in step with the server (it holds the server's `received`).
      const first = await pullUntilDone(nurse.caller, new Uint8Array());
      for (const document of first.documents)
        if (document.docId === docId) Y.applyUpdate(nurse.doc(docId), document.state, 'remote');
      const hwCursor = first.cursor;
      const laptop = new Laptop(specialistOf(clinicB));
      await laptop.pullAll(repository);

      // Offline on the laptop: open and sign an answer, as the specialist's own device.
      const specialist = new Tablet(laptop.caller, nextClientId++);
      specialist.open(docId, Y.encodeStateAsUpdate(laptop.docs.get(docId)!));
      getOrThrow(
        answerConsult(specialist.doc(docId), specialist.ctx, {
          advice: 'Start treatment here; review in two weeks.',
          disposition: 'manage-here',
        }),
      );
      const pushes = specialist.drain();
      const pushed = await repository.applyPushes(specialist.caller, pushes);
      expect(statusOf(pushed.receipts)).toEqual(['stored']);
      expect(pushed.stored.map((update) => update.clinicId)).toEqual([clinicA]);
      // S3: the same push again is the same receipt, nothing stored twice.
      const again = await repository.applyPushes(specialist.caller, pushes);
      expect(again.receipts).toEqual(pushed.receipts);
      expect(again.stored).toEqual([]);

      const log = await db
        .select()
        .from(updateLog)
        .where(eq(updateLog.docId, docId))
        .orderBy(asc(updateLog.seq));
      expect(log.at(-1)).toMatchObject({
        clinicId: clinicA,
        deviceId: specialist.caller.deviceId,
        userId: specialist.caller.userId,
      });
      const [stored] = await db.select().from(documents).where(eq(documents.docId, docId));
      expect(stored?.clinicId).toBe(clinicA);
      const [row] = await db.select().from(consults).where(eq(consults.docId, docId));
      expect(row).toMatchObject({ clinicId: clinicA, status: 'answered' });
      expect(await db.select().from(updateLog).where(eq(updateLog.clinicId, clinicB))).toEqual([]);

      // The health worker's tablet in A pulls the signed answer from A's log.
      const hwPull = await pullUntilDone(nurse.caller, hwCursor);
      expect(hwPull.updates.map((update) => update.docId)).toEqual([docId]);
      for (const update of hwPull.updates) Y.applyUpdate(nurse.doc(docId), update.update, 'remote');
      const view = getOrThrow(readConsult(nurse.doc(docId)));
      expect(view.status).toBe('answered');
      expect(view.answers).toEqual([
        expect.objectContaining({
          advice: 'Start treatment here; review in two weeks.',
          disposition: 'manage-here',
          by: expect.objectContaining({ deviceId: specialist.caller.deviceId }),
        }),
      ]);

      // S8: the laptop is not sent its own answer back; the health worker's reply it is.
      laptop.resetArrivals();
      await laptop.pullAll(repository);
      expect(laptop.arrivals.size).toBe(0);
      nurse.changeStatus(docId, 'closed');
      await repository.applyPushes(nurse.caller, nurse.drain());
      await laptop.pullAll(repository);
      expect([...laptop.arrivals.keys()]).toEqual([docId]);
      await expectInStep(laptop, [clinicA]);
    });

    it('S7a a specialist may not write what is not routed to them, nor what write rules forbid', async () => {
      const clinicA = await createClinic(db);
      const clinicB = await createClinic(db);
      const routed = await askFrom(clinicA);
      const notRouted = await askFrom(clinicA, {
        kind: 'specialty',
        specialty: spec('dermatology'),
      });
      const before = await clinicRows(clinicA);
      const specialist = new Tablet(specialistOf(clinicB), nextClientId++);
      const state = async (docId: string) =>
        (await db.select().from(documents).where(eq(documents.docId, docId)))[0]!.state;
      specialist.open(notRouted.docId, await state(notRouted.docId));
      specialist.changeStatus(notRouted.docId, 'opened');
      specialist.open(routed.patient, await state(routed.patient));
      specialist.editProfile(routed.patient, { village: 'Specialist Village' });
      specialist.open(routed.docId, await state(routed.docId));
      specialist.doc(routed.docId).getMap('head').set('priority', 'routine');
      // A message in another device's name, on the routed consult.
      const forger = new Tablet({ ...specialist.caller, deviceId: callerOf(clinicB).deviceId });
      forger.open(routed.docId, await state(routed.docId));
      getOrThrow(postConsultMessage(forger.doc(routed.docId), forger.ctx, { text: 'Forged' }));
      const [forged] = forger.drain();
      const outcome = await repository.applyPushes(specialist.caller, [
        ...specialist.drain(),
        specialist.queue(routed.docId, forged!.update),
      ]);
      expect(statusOf(outcome.receipts)).toEqual([
        'forbidden', // not routed to them
        'forbidden', // a patient record
        'forbidden', // the consult's head
        'forbidden', // in another device's name
      ]);
      expect(await clinicRows(clinicA)).toEqual(before);
      expect(await db.select().from(updateLog).where(eq(updateLog.clinicId, clinicB))).toEqual([]);

      // A health worker of B still cannot touch A's consult (S7).
      const nurseB = new Tablet(callerOf(clinicB), nextClientId++);
      nurseB.open(routed.docId, await state(routed.docId));
      nurseB.changeStatus(routed.docId, 'closed');
      const wrong = await repository.applyPushes(nurseB.caller, nurseB.drain());
      expect(statusOf(wrong.receipts)).toEqual(['wrong_clinic']);
      expect(await clinicRows(clinicA)).toEqual(before);
    });

    it('S7a S4 one batch mixing clinics: each push in its own clinic, no deadlock under concurrency', async () => {
      const clinics = [await createClinic(db), await createClinic(db), await createClinic(db)];
      const home = await createClinic(db, 'District hospital (fictional)');
      const asked = [];
      for (const clinicId of clinics) asked.push(await askFrom(clinicId));
      const notRouted = await askFrom(clinics[0]!, {
        kind: 'specialty',
        specialty: spec('dermatology'),
      });
      // Separate connection pools on PostgreSQL: real concurrency between the requests.
      const extra: Database[] = [];
      const repositoryForPusher = async () => {
        if (testDb.url === undefined) return repository;
        const database = await openPostgres(testDb.url, { max: 2 });
        extra.push(database);
        return createSyncRepository(database.db, { now: () => clock.now() });
      };
      try {
        const specialists = [
          new Tablet(specialistOf(home), nextClientId++),
          new Tablet(specialistOf(clinics[2]!), nextClientId++),
        ];
        for (const specialist of specialists)
          for (const { docId } of asked) {
            const [row] = await db.select().from(documents).where(eq(documents.docId, docId));
            specialist.open(docId, row!.state);
          }
        // Opposite clinic orders in the two batches, with a refused push in the middle of one.
        for (const { docId } of asked) specialists[0]!.changeStatus(docId, 'opened');
        const [row] = await db.select().from(documents).where(eq(documents.docId, notRouted.docId));
        specialists[0]!.open(notRouted.docId, row!.state);
        specialists[0]!.changeStatus(notRouted.docId, 'opened');
        const first = specialists[0]!.drain();
        const firstBatch = [first[0]!, first[3]!, first[1]!, first[2]!];
        for (const { docId } of [...asked].reverse()) {
          getOrThrow(
            answerConsult(specialists[1]!.doc(docId), specialists[1]!.ctx, {
              advice: 'Refer for an echocardiogram.',
              disposition: 'refer',
            }),
          );
        }
        const secondBatch = specialists[1]!.drain();
        // Meanwhile the clinics keep writing.
        for (const { tablet, patient } of asked) tablet.recordVisit(patient, 77);
        const [r0, r1, ...rNurses] = await Promise.all([
          (await repositoryForPusher()).applyPushes(specialists[0]!.caller, firstBatch),
          (await repositoryForPusher()).applyPushes(specialists[1]!.caller, secondBatch),
          ...asked.map(async ({ tablet }) =>
            (await repositoryForPusher()).applyPushes(tablet.caller, tablet.drain()),
          ),
        ]);
        expect(statusOf(r0.receipts)).toEqual(['stored', 'forbidden', 'stored', 'stored']);
        expect(r0.receipts.map((receipt) => receipt.localSeq)).toEqual(
          firstBatch.map((push) => push.localSeq),
        );
        expect(statusOf(r1.receipts)).toEqual(['stored', 'stored', 'stored']);
        for (const nurse of rNurses)
          expect(new Set(statusOf(nurse.receipts))).toEqual(new Set(['stored']));
        for (const [index, { docId }] of asked.entries()) {
          const rows = await db.select().from(updateLog).where(eq(updateLog.docId, docId));
          expect(rows.every((logged) => logged.clinicId === clinics[index])).toBe(true);
          const [stored] = await db.select().from(documents).where(eq(documents.docId, docId));
          const doc = new Y.Doc();
          Y.applyUpdate(doc, stored!.state);
          expect(getOrThrow(readConsult(doc)).status).toBe('answered');
        }
        expect(await db.select().from(updateLog).where(eq(updateLog.clinicId, home))).toEqual([]);
      } finally {
        for (const database of extra) await database.close();
      }
    });

    /** A clinic's log, documents and consult rows, comparable. */
    async function clinicRows(clinicId: string): Promise<string> {
      return JSON.stringify(
        {
          log: await db
            .select({ seq: updateLog.seq })
            .from(updateLog)
            .where(eq(updateLog.clinicId, clinicId))
            .orderBy(asc(updateLog.seq)),
          documents: await db
            .select({ docId: documents.docId, lastSeq: documents.lastSeq })
            .from(documents)
            .where(eq(documents.clinicId, clinicId))
            .orderBy(asc(documents.docId)),
          consults: await db
            .select({ docId: consults.docId, status: consults.status, priority: consults.priority })
            .from(consults)
            .where(eq(consults.clinicId, clinicId))
            .orderBy(asc(consults.docId)),
        },
        (_key, value: unknown) => (typeof value === 'bigint' ? Number(value) : value),
      );
    }

    /** A clinic tablet's pull to the end: every page's updates and documents. */
    async function pullUntilDone(caller: Caller, cursor: Uint8Array) {
      const updates = [];
      const pulledDocuments = [];
      for (let round = 0; round < 1000; round++) {
        const page = getOrThrow(await repository.pull(caller, cursor, 0, []));
        updates.push(...page.updates);
        pulledDocuments.push(...page.documents);
        cursor = page.cursor;
        if (!page.more) return { updates, documents: pulledDocuments, cursor };
      }
      throw new Error('pull never finished');
    }
  });
}
