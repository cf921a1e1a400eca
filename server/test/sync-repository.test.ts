/**
 * The storage contract of record sync, run against PGlite and PostgreSQL.
 * Each test works in clinics of its own, so tests share one database per kind.
 */
import { randomUUID } from 'node:crypto';
import { asc, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createManualClock } from '@outpost/shared/deps';
import { PatientBuilder } from '@outpost/shared/model/fixtures';
import { markDistinct, readLinks } from '@outpost/shared/model/merge';
import { getOrThrow } from '@outpost/shared/result';
import type { Receipt } from '@outpost/shared/sync';
import type { Caller } from '../src/auth/caller';
import { openPostgres, type Database, type Db } from '../src/db/database';
import { consults, documents, observations, patients, updateLog } from '../src/db/schema';
import { createSyncRepository, type SyncRepository } from '../src/repositories/sync-repository';
import { databaseKinds, type TestDatabase } from './support/databases';
import { Tablet, callerOf, createClinic } from './support/sync';

const stored = (receipt: Receipt | undefined) => {
  if (receipt?.status !== 'stored')
    throw new Error(`expected stored, got ${JSON.stringify(receipt)}`);
  return receipt;
};

/** Every row a clinic owns, as comparable JSON (bytes as hex): the S7 "byte-identical" check. */
async function clinicData(db: Db, clinicId: string): Promise<string> {
  const hex = (value: unknown) =>
    JSON.stringify(value, (_key, item: unknown) =>
      item instanceof Uint8Array ? Buffer.from(item).toString('hex') : item,
    );
  return hex({
    log: await db
      .select()
      .from(updateLog)
      .where(eq(updateLog.clinicId, clinicId))
      .orderBy(asc(updateLog.seq)),
    documents: await db
      .select()
      .from(documents)
      .where(eq(documents.clinicId, clinicId))
      .orderBy(asc(documents.docId)),
    patients: await db
      .select()
      .from(patients)
      .where(eq(patients.clinicId, clinicId))
      .orderBy(asc(patients.docId)),
    observations: await db
      .select()
      .from(observations)
      .where(eq(observations.clinicId, clinicId))
      .orderBy(asc(observations.docId), asc(observations.id)),
    consults: await db.select().from(consults).where(eq(consults.clinicId, clinicId)),
  });
}

async function logCount(db: Db, clinicId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(updateLog)
    .where(eq(updateLog.clinicId, clinicId));
  return Number(row?.n ?? 0);
}

/** Pulls until `more` is false; returns every page. */
async function pullAll(
  repository: SyncRepository,
  caller: Caller,
  cursor: Uint8Array,
  maxBytes: number,
) {
  const pages = [];
  for (;;) {
    const page = getOrThrow(await repository.pull(caller, cursor, maxBytes, []));
    pages.push(page);
    cursor = page.cursor;
    if (!page.more) return { pages, cursor };
    if (pages.length > 1000) throw new Error('pull never finished');
  }
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`the sync storage contract on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    const clock = createManualClock(Date.UTC(2025, 2, 1, 9));
    let repository: SyncRepository;

    beforeAll(async () => {
      testDb = await kind.open();
      db = testDb.database.db;
      repository = createSyncRepository(db, { now: () => clock.now() });
    });
    afterAll(async () => {
      await testDb.close();
    });

    it('S2 a stored receipt means log, document and read model are committed and visible to others', async () => {
      const clinicId = await createClinic(db);
      const tablet = new Tablet(callerOf(clinicId));
      const docId = tablet.createPersona('adultWithHypertension');
      const { receipts, stored: appended } = await repository.applyPushes(
        tablet.caller,
        tablet.drain(),
      );
      const receipt = stored(receipts[0]);
      expect(receipt.receivedAt).toBe(clock.now());
      expect(appended.map((item) => item.docId)).toEqual([docId]);
      // Another connection sees everything the receipt acknowledges.
      const other: Database | undefined =
        testDb.url === undefined ? undefined : await openPostgres(testDb.url, { max: 1 });
      try {
        const reader = other?.db ?? db;
        const [log] = await reader.select().from(updateLog).where(eq(updateLog.seq, receipt.seq));
        expect(log).toMatchObject({
          docId,
          clinicId,
          deviceId: tablet.caller.deviceId,
          localSeq: 1,
        });
        const [document] = await reader.select().from(documents).where(eq(documents.docId, docId));
        expect(document).toMatchObject({ kind: 'patient', clinicId, lastSeq: receipt.seq });
        const copy = new Y.Doc();
        Y.applyUpdate(copy, document!.state);
        expect(copy.getMap('profile').get('givenName')).toBe('Amina');
        const [patient] = await reader.select().from(patients).where(eq(patients.docId, docId));
        expect(patient).toMatchObject({
          displayName: 'Amina Testcase',
          village: 'Fictionville',
          sex: 'female',
        });
      } finally {
        await other?.close();
      }
    });

    it('S3 a repeated push stores nothing new and returns the first receipt', async () => {
      const clinicId = await createClinic(db);
      const tablet = new Tablet(callerOf(clinicId));
      const docId = tablet.createPersona('childWithFever');
      const pushes = tablet.drain();
      const first = stored((await repository.applyPushes(tablet.caller, pushes)).receipts[0]);
      const before = await clinicData(db, clinicId);
      clock.advance(60_000);
      // A retry after a lost response, and the same entry twice in one request.
      const again = await repository.applyPushes(tablet.caller, [...pushes, ...pushes]);
      expect(again.receipts).toEqual([first, first]);
      expect(again.stored).toEqual([]);
      expect(await clinicData(db, clinicId)).toBe(before);
      expect(await logCount(db, clinicId)).toBe(1);
      expect((await repository.loadDocumentState(docId))?.lastSeq).toBe(first.seq);
    });

    it('stores link entries: "not the same person" in both records, and ops it does not know', async () => {
      const clinicId = await createClinic(db);
      const tablet = new Tablet(callerOf(clinicId));
      const a = tablet.createPersona('adultWithHypertension');
      const b = tablet.createPersona('childWithFever');
      (await repository.applyPushes(tablet.caller, tablet.drain())).receipts.map(stored);
      const idOf = (docId: string) => docId.slice('patient/'.length);
      const distinctId = getOrThrow(markDistinct(tablet.doc(a), tablet.ctx, { other: idOf(b) }));
      getOrThrow(markDistinct(tablet.doc(b), tablet.ctx, { other: idOf(a), distinctId }));
      // A later version's link op: an older server stores it (readers ignore it).
      tablet
        .doc(a)
        .getArray('links')
        .push([{ op: 'laterOp', other: idOf(b), id: randomUUID(), at: clock.now(), by: {} }]);
      const { receipts } = await repository.applyPushes(tablet.caller, tablet.drain());
      expect(receipts.map((receipt) => receipt?.status)).toEqual(['stored', 'stored', 'stored']);
      const copy = new Y.Doc();
      Y.applyUpdate(copy, (await repository.loadDocumentState(b))!.state);
      expect(readLinks(copy).distinctFrom).toEqual([
        expect.objectContaining({ distinctId, patientId: idOf(a) }),
      ]);
    });

    it('S4 every push gets one receipt; a rejected one does not affect the others', async () => {
      const clinicId = await createClinic(db);
      const tablet = new Tablet(callerOf(clinicId));
      tablet.createPersona('pregnantWomanAt32Weeks');
      const [good] = tablet.drain();
      tablet.createPersona('elderlyManWithHeartFailure');
      const [alsoGood] = tablet.drain();
      const garbage = tablet.queue(`patient/${randomUUID()}`, new Uint8Array([9, 9, 9, 9]));
      const { receipts } = await repository.applyPushes(tablet.caller, [good!, garbage, alsoGood!]);
      expect(receipts.map((receipt) => [receipt.localSeq, receipt.status])).toEqual([
        [good!.localSeq, 'stored'],
        [garbage.localSeq, 'rejected'],
        [alsoGood!.localSeq, 'stored'],
      ]);
      expect(receipts[1]).toMatchObject({ code: 'malformed_update' });
      expect(await logCount(db, clinicId)).toBe(2);
    });

    it('S7 pushes to another clinic, or moving a record between clinics, change nothing', async () => {
      const clinicA = await createClinic(db);
      const clinicB = await createClinic(db);
      const nurseB = new Tablet(callerOf(clinicB));
      const docB = nurseB.createPersona('adultWithHypertension');
      nurseB.createConsult(docB);
      await repository.applyPushes(nurseB.caller, nurseB.drain());
      const before = await clinicData(db, clinicB);

      const nurseA = new Tablet(callerOf(clinicA));
      // An edit to B's record (A somehow holds a copy).
      nurseA.open(docB, getOrThrow(await loadState(repository, docB)));
      nurseA.editProfile(docB, { village: 'Elsewhere' });
      // A record created "for" clinic B by A's tablet.
      const foreign = nurseA.createPatient(
        PatientBuilder.persona('childWithFever').with({ homeClinicId: clinicB }),
      );
      nurseA.drain(); // the builder wrote clinic A (the tablet's); B is set below
      const foreignDoc = nurseA.doc(foreign);
      foreignDoc.getMap('meta').set('homeClinicId', clinicB);
      const pushes = [
        nurseA.queue(docB, Y.encodeStateAsUpdate(nurseA.doc(docB))),
        nurseA.queue(foreign, Y.encodeStateAsUpdate(foreignDoc)),
      ];
      const { receipts } = await repository.applyPushes(nurseA.caller, pushes);
      expect(receipts).toMatchObject([
        { status: 'rejected', code: 'wrong_clinic' },
        { status: 'rejected', code: 'invalid_document' },
      ]);
      expect(await clinicData(db, clinicB)).toBe(before);
      expect(await logCount(db, clinicA)).toBe(0);

      // B's own tablet moving its record to clinic A is refused too.
      nurseB.doc(docB).getMap('meta').set('homeClinicId', clinicA);
      const moved = await repository.applyPushes(nurseB.caller, nurseB.drain());
      expect(moved.receipts).toMatchObject([{ status: 'rejected', code: 'invalid_document' }]);
      expect(await clinicData(db, clinicB)).toBe(before);
    });

    it('S7 the first update must create a valid record under its own id', async () => {
      const clinicId = await createClinic(db);
      const tablet = new Tablet(callerOf(clinicId));
      const docId = tablet.createPersona('adultWithHypertension');
      const [creation] = tablet.drain();
      const notMeta = new Y.Doc();
      notMeta.getArray('observations').push([{ not: 'an entry' }]);
      const { receipts } = await repository.applyPushes(tablet.caller, [
        { ...creation!, docId: `patient/${randomUUID()}` }, // meta.id differs from the doc id
        { ...creation!, localSeq: 100, docId: docId.replace('patient/', 'consult/') },
        { ...creation!, localSeq: 101, docId: 'patient/not-a-uuid' },
        { ...creation!, localSeq: 102, update: Y.encodeStateAsUpdate(notMeta) },
        { ...creation!, localSeq: 103, update: new Uint8Array(1024 * 1024 + 1) },
      ]);
      expect(
        receipts.map((receipt) => (receipt.status === 'rejected' ? receipt.code : 'stored')),
      ).toEqual([
        'invalid_document',
        'invalid_document',
        'invalid_document_id',
        'invalid_document',
        'too_large',
      ]);
      expect(await logCount(db, clinicId)).toBe(0);
    });

    it('S12 a clash under one client id is rejected whole; identical content is a stored duplicate', async () => {
      const clinicId = await createClinic(db);
      const first = new Tablet(callerOf(clinicId), 4242);
      const docId = first.createPersona('adultWithHypertension');
      await repository.applyPushes(first.caller, first.drain());
      // A cloned tablet: same Yjs client id, opens the record and writes something else.
      const clone = new Tablet(callerOf(clinicId), 4242);
      clone.open(docId, getOrThrow(await loadState(repository, docId)));
      first.recordVisit(docId, 72);
      await repository.applyPushes(first.caller, first.drain());
      const before = await clinicData(db, clinicId);
      clone.recordVisit(docId, 140);
      const clash = await repository.applyPushes(clone.caller, clone.drain());
      expect(clash.receipts[0]).toMatchObject({ status: 'rejected', code: 'client_id_clash' });
      expect(await clinicData(db, clinicId)).toBe(before);

      // The first tablet's whole state again (e.g. the live channel delivered it first): harmless.
      const again = first.queue(docId, Y.encodeStateAsUpdate(first.doc(docId)));
      const duplicate = await repository.applyPushes(first.caller, [again]);
      expect(duplicate.receipts[0]?.status).toBe('stored');
      const state = getOrThrow(await loadState(repository, docId));
      const server = new Y.Doc();
      Y.applyUpdate(server, state);
      expect(Y.encodeStateVector(server)).toEqual(Y.encodeStateVector(first.doc(docId)));
    });

    it('S6 an empty cursor pages the snapshot by document id, then continues from the log', async () => {
      const clinicId = await createClinic(db);
      const nurse = new Tablet(callerOf(clinicId));
      const docIds = Array.from({ length: 12 }, () => nurse.createPersona('childWithFever'));
      await repository.applyPushes(nurse.caller, nurse.drain());
      const fresh = new Tablet(callerOf(clinicId));

      // First page, then a colleague edits a record already sent and one not yet sent.
      const firstPage = getOrThrow(
        await repository.pull(fresh.caller, new Uint8Array(), 4_000, []),
      );
      expect(firstPage.more).toBe(true);
      const sorted = [...docIds].sort();
      nurse.editProfile(sorted[0]!, { village: 'Newtown' });
      nurse.editProfile(sorted[11]!, { village: 'Lasttown' });
      const edits = await repository.applyPushes(nurse.caller, nurse.drain());

      const rest = await pullAll(repository, fresh.caller, firstPage.cursor, 4_000);
      const pages = [firstPage, ...rest.pages];
      const pulledDocs = pages.flatMap((page) => page.documents.map((document) => document.docId));
      expect(pulledDocs).toEqual(sorted);
      // Both edits come again from the log after the snapshot (the second was in the snapshot too).
      const pulledSeqs = pages.flatMap((page) => page.updates.map((update) => update.seq));
      expect(pulledSeqs).toEqual(edits.receipts.map((receipt) => stored(receipt).seq));
      // Applying everything gives the server's state of every record.
      for (const docId of docIds) {
        const replica = new Y.Doc();
        for (const page of pages) {
          for (const document of page.documents)
            if (document.docId === docId) Y.applyUpdate(replica, document.state);
          for (const update of page.updates)
            if (update.docId === docId) Y.applyUpdate(replica, update.update);
        }
        expect(Y.encodeStateVector(replica)).toEqual(Y.encodeStateVector(nurse.doc(docId)));
      }
      // Nothing new: an empty page and the same position.
      const idle = getOrThrow(await repository.pull(fresh.caller, rest.cursor, 4_000, []));
      expect(idle).toMatchObject({ documents: [], updates: [], more: false });
      expect(idle.cursor).toEqual(rest.cursor);
    });

    it('S9 pages stay within the byte bound, with at least one item', async () => {
      const clinicId = await createClinic(db);
      const nurse = new Tablet(callerOf(clinicId));
      for (let index = 0; index < 6; index++) nurse.createPersona('elderlyManWithHeartFailure');
      await repository.applyPushes(nurse.caller, nurse.drain());
      const reader = callerOf(clinicId);
      // A bound smaller than one document still moves one document per page.
      const tiny = await pullAll(repository, reader, new Uint8Array(), 10);
      expect(
        tiny.pages.filter((page) => page.documents.length > 0).map((page) => page.documents.length),
      ).toEqual([1, 1, 1, 1, 1, 1]);
      const bound = 5_000;
      const { pages } = await pullAll(repository, reader, new Uint8Array(), bound);
      for (const page of pages) {
        const bytes = page.documents.reduce((sum, document) => sum + document.state.length, 0);
        expect(page.documents.length === 1 || bytes <= bound).toBe(true);
      }
      expect(pages.flatMap((page) => page.documents)).toHaveLength(6);
    });

    it("S8 a pull skips the caller device's own updates", async () => {
      const clinicId = await createClinic(db);
      const mine = new Tablet(callerOf(clinicId));
      const theirs = new Tablet(callerOf(clinicId));
      const { cursor } = await pullAll(repository, mine.caller, new Uint8Array(), 0);
      const own = mine.createPersona('adultWithHypertension');
      const other = theirs.createPersona('childWithFever');
      await repository.applyPushes(mine.caller, mine.drain());
      const theirReceipts = await repository.applyPushes(theirs.caller, theirs.drain());
      const page = getOrThrow(await repository.pull(mine.caller, cursor, 0, []));
      expect(page.updates.map((update) => [update.docId, update.seq])).toEqual([
        [other, stored(theirReceipts.receipts[0]).seq],
      ]);
      expect(page.updates.some((update) => update.docId === own)).toBe(false);
      // The cursor moved past the skipped update too.
      const next = getOrThrow(await repository.pull(mine.caller, page.cursor, 0, []));
      expect(next.updates).toEqual([]);
    });

    it('S8 concurrent pushers: a reader following the log never skips an update', async () => {
      const clinicId = await createClinic(db);
      // Separate connection pools for the two pushers on PostgreSQL: real concurrency.
      const extra: Database[] = [];
      const pusherRepository = async () => {
        if (testDb.url === undefined) return repository;
        const database = await openPostgres(testDb.url, { max: 3 });
        extra.push(database);
        return createSyncRepository(database.db, { now: () => clock.now() });
      };
      try {
        const pushers = await Promise.all(
          [0, 1].map(async () => ({
            tablet: new Tablet(callerOf(clinicId)),
            repo: await pusherRepository(),
          })),
        );
        const reader = callerOf(clinicId);
        let { cursor } = await pullAll(repository, reader, new Uint8Array(), 0);
        const seen: number[] = [];
        let done = false;
        const push = async ({ tablet, repo }: (typeof pushers)[number]) => {
          for (let round = 0; round < 8; round++) {
            for (let index = 0; index < 3; index++) tablet.createPersona('childWithFever');
            await Promise.all(
              tablet.drain().map((entry) => repo.applyPushes(tablet.caller, [entry])),
            );
          }
        };
        const read = async () => {
          while (!done) {
            const page = getOrThrow(await repository.pull(reader, cursor, 0, []));
            seen.push(...page.updates.map((update) => update.seq));
            cursor = page.cursor;
          }
          const last = await pullAll(repository, reader, cursor, 0);
          seen.push(...last.pages.flatMap((page) => page.updates.map((update) => update.seq)));
        };
        const reading = read();
        await Promise.all(pushers.map(push));
        done = true;
        await reading;
        const all = await db
          .select({ seq: updateLog.seq })
          .from(updateLog)
          .where(eq(updateLog.clinicId, clinicId))
          .orderBy(asc(updateLog.seq));
        expect(all).toHaveLength(48);
        expect(seen).toEqual(all.map((row) => row.seq));
      } finally {
        for (const database of extra) await database.close();
      }
    });

    it('S9a wanted documents in scope come whole in the same response', async () => {
      const clinicA = await createClinic(db);
      const clinicB = await createClinic(db);
      const nurseA = new Tablet(callerOf(clinicA));
      const nurseB = new Tablet(callerOf(clinicB));
      const mine = nurseA.createPersona('adultWithHypertension');
      const foreign = nurseB.createPersona('adultWithHypertension');
      await repository.applyPushes(nurseA.caller, nurseA.drain());
      await repository.applyPushes(nurseB.caller, nurseB.drain());
      const { cursor } = await pullAll(repository, nurseA.caller, new Uint8Array(), 0);
      const page = getOrThrow(
        await repository.pull(nurseA.caller, cursor, 1, [
          mine,
          foreign,
          'patient/junk',
          `patient/${randomUUID()}`,
        ]),
      );
      expect(page.documents.map((document) => document.docId)).toEqual([mine]);
      expect(page.documents[0]?.state).toEqual((await repository.loadDocumentState(mine))?.state);
    });

    it('read models follow every accepted update: patients, observations, consults', async () => {
      const clinicId = await createClinic(db);
      const nurse = new Tablet(callerOf(clinicId));
      const patient = nurse.createPersona('elderlyManWithHeartFailure');
      const consult = nurse.createConsult(patient);
      await repository.applyPushes(nurse.caller, nurse.drain());
      const rows = await db.select().from(observations).where(eq(observations.docId, patient));
      expect(rows).toHaveLength(9);
      expect(rows.find((row) => row.key === 'spo2')).toMatchObject({
        code: '59408-5',
        valueNumber: 91,
        unit: '%',
      });
      expect(rows.find((row) => row.key === 'consciousness')).toMatchObject({
        valueText: 'LA9340-6',
      });
      const [consultRow] = await db.select().from(consults).where(eq(consults.docId, consult));
      expect(consultRow).toMatchObject({
        patientDocId: patient,
        status: 'received', // sent by the tablet, then marked received by the server (consults/received.ts)
        priority: 'urgent',
        specialty: 'cardiology',
        messageCount: 1,
      });

      nurse.recordVisit(patient, 96);
      nurse.editProfile(patient, { givenName: 'Dawit', familyName: 'Renamed' });
      await repository.applyPushes(nurse.caller, nurse.drain());
      const [row] = await db.select().from(patients).where(eq(patients.docId, patient));
      expect(row).toMatchObject({
        displayName: 'Dawit Renamed',
        encounterCount: 2,
        needsReview: false,
      });
      expect(row?.latestVitals).toMatchObject({
        heartRate: { value: 96, unit: '/min' },
        spo2: { value: 91 },
      });
      expect(
        await db.select().from(observations).where(eq(observations.docId, patient)),
      ).toHaveLength(11);
    });

    it('S14 a live update is stored like a push without a localSeq; nothing new stores nothing', async () => {
      const clinicId = await createClinic(db);
      const nurse = new Tablet(callerOf(clinicId));
      const docId = nurse.createPersona('childWithFever');
      const [creation] = nurse.drain();
      const first = await repository.applyLiveUpdate(nurse.caller, docId, creation!.update);
      expect(first).toMatchObject({ status: 'stored' });
      expect(await repository.applyLiveUpdate(nurse.caller, docId, creation!.update)).toEqual({
        status: 'unchanged',
      });
      const [log] = await db.select().from(updateLog).where(eq(updateLog.docId, docId));
      expect(log).toMatchObject({ localSeq: null, deviceId: nurse.caller.deviceId });
      // The same content pushed later by batch sync is a stored duplicate, not a clash.
      const push = await repository.applyPushes(nurse.caller, [creation!]);
      expect(push.receipts[0]?.status).toBe('stored');
      const foreign = callerOf(await createClinic(db));
      expect(await repository.applyLiveUpdate(foreign, docId, creation!.update)).toMatchObject({
        status: 'rejected',
        code: 'wrong_clinic',
      });
    });

    it('S5 a cursor of another clinic or an unknown format is refused', async () => {
      const clinicA = await createClinic(db);
      const clinicB = await createClinic(db);
      const { cursor } = await pullAll(repository, callerOf(clinicA), new Uint8Array(), 0);
      expect(await repository.pull(callerOf(clinicB), cursor, 0, [])).toMatchObject({
        ok: false,
        error: { type: 'InvalidCursor' },
      });
      expect(
        await repository.pull(callerOf(clinicA), new Uint8Array([99, 1]), 0, []),
      ).toMatchObject({
        ok: false,
      });
    });
  });
}

async function loadState(repository: SyncRepository, docId: string) {
  const document = await repository.loadDocumentState(docId);
  return document === undefined
    ? { ok: false as const, error: 'missing' }
    : { ok: true as const, value: document.state };
}
