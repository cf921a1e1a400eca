/**
 * The tablet store contract, run against every storage backend: IndexedDB
 * (Dexie on fake-indexeddb) and memory. Both must behave identically.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import {
  readPatient,
  recordVitals,
  startEncounter,
  updateProfile,
  type OpContext,
} from '@outpost/shared/model';
import type { EncounterId } from '@outpost/shared/ids';
import { getOrThrow } from '@outpost/shared/result';
import { PROTOCOL_VERSION, type Receipt, type SyncResponse } from '@outpost/shared/sync';
import { createManualClock } from '@outpost/shared/deps';
import { systemIds } from '@outpost/shared/ids';
import { TEST_CLINIC_ID, TEST_USER_ID } from '@outpost/shared/model/fixtures';
import { BACKENDS, createHarness, savePersona } from './testing';
import { WriteBatch } from './backend';
import { MAX_TAIL_UPDATES, documentState, tailUpdates } from './document-tail';
import { LocalStore } from './local-store';
import { MemoryBackend } from './memory-store';

function response(partial: Partial<SyncResponse>): SyncResponse {
  return {
    protocol: PROTOCOL_VERSION,
    serverTime: 0,
    receipts: [],
    documents: [],
    updates: [],
    cursor: new Uint8Array(0),
    more: false,
    ...partial,
  };
}

const APPLY = { wanted: [], clockOffsetMs: 0, syncedAt: 1 } as const;

async function pushAll(store: LocalStore): Promise<number[]> {
  const request = await store.prepareRequest({ maxPushBytes: 1 << 20, now: 1 });
  return request.pushes.map((push) => push.localSeq);
}

async function ackAll(store: LocalStore, seqs: readonly number[], cursor?: Uint8Array) {
  const receipts: Receipt[] = seqs.map((localSeq, i) => ({
    localSeq,
    status: 'stored',
    seq: i + 1,
    receivedAt: 1,
  }));
  return store.applySyncResponse(response({ receipts, ...(cursor && { cursor }) }), APPLY);
}

async function openVisit(store: LocalStore, docId: string): Promise<EncounterId> {
  return getOrThrow(
    await store.applyOp(docId, (doc, ctx) => startEncounter(doc, ctx, { reason: 'Check-up' })),
  );
}

describe.each(BACKENDS)('tablet store contract on %s', (backend) => {
  test('S1 a saved change commits document state, outbox entry and read models together', async () => {
    const harness = createHarness(backend);
    const store = await harness.open();
    const created = await store.createPatient({
      profile: { givenName: 'Amina', familyName: 'Testcase', village: 'Fictionville' },
      sex: 'female',
    });
    expect(created.ok).toBe(true);
    const { docId } = getOrThrow(created);
    const encounterId = await openVisit(store, docId);
    const saved = await store.applyOp(docId, (doc, ctx) =>
      recordVitals(doc, ctx, {
        encounterId,
        source: { kind: 'typed' },
        readings: [{ key: 'heartRate', value: 72 }],
      }),
    );
    expect(saved.ok).toBe(true);

    // After a restart everything the "saved" promised is there.
    const reopened = await harness.reopen();
    const view = getOrThrow((await reopened.readPatient(docId))!);
    expect(view.profile.givenName).toBe('Amina');
    expect(view.latest.heartRate?.value).toBe(72);
    const outbox = await reopened.outboxEntries();
    expect(outbox.map((e) => [e.docId, e.status])).toEqual([
      [docId, 'pending'],
      [docId, 'pending'],
      [docId, 'pending'],
    ]);
    // The outbox entries together rebuild the document.
    const rebuilt = new Y.Doc();
    for (const entry of outbox) Y.applyUpdate(rebuilt, entry.update);
    expect(getOrThrow(readPatient(rebuilt))).toEqual(view);
    const row = await reopened.getPatientRow(docId);
    expect(row).toMatchObject({
      name: 'Amina Testcase',
      village: 'Fictionville',
      sex: 'female',
      openEncounter: true,
    });
    expect(row?.latestVitals.heartRate).toMatchObject({ value: 72, unit: '/min' });
  });

  test('S1 storage full: the change is refused whole and nothing stored before is lost', async () => {
    const harness = createHarness(backend);
    const store = await harness.open();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Baraka' } }));
    const handle = (await store.openDocument(docId))!;
    const before = Y.encodeStateAsUpdate(handle.doc);

    // The read-model write is the last of the transaction: it fails after the others.
    harness.failWritesTo('patients');
    const refused = await store.applyOp(docId, (doc, ctx) =>
      updateProfile(doc, ctx, { village: 'Makeupton' }),
    );
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error).toMatchObject({ type: 'StorageFull' });
    if (!refused.ok && refused.error.type === 'StorageFull')
      expect(refused.error.message).toMatch(/out of storage space/);
    expect(Y.encodeStateAsUpdate(handle.doc)).toEqual(before);

    harness.failWritesTo(undefined);
    const reopened = await harness.reopen();
    expect(getOrThrow((await reopened.readPatient(docId))!).profile.village).toBeUndefined();
    expect(await reopened.outboxEntries()).toHaveLength(1);
    expect((await reopened.getPatientRow(docId))?.village).toBeUndefined();

    // Space freed: the same change now saves.
    const retried = await reopened.applyOp(docId, (doc, ctx) =>
      updateProfile(doc, ctx, { village: 'Makeupton' }),
    );
    expect(retried.ok).toBe(true);
    expect((await reopened.getPatientRow(docId))?.village).toBe('Makeupton');
  });

  test('S1 an open record changed every way equals a fresh read of what is stored', async () => {
    // Local changes of an open record run on its shadow copy; live edits go
    // straight into the open Y.Doc; another tab writes to storage. After all of
    // them (and a refused change, and a change the disk refused), what this
    // tablet shows, what it stored and what a restart reads must be one state.
    const harness = createHarness(backend);
    const store = await harness.open();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Zuhura' } }));
    const handle = (await store.openDocument(docId))!;
    const encounterId = await openVisit(store, docId);
    const colleague = new Y.Doc();
    colleague.clientID = 424_242;
    const tab2 = await harness.otherTab();
    const vitals = (value: number) => (doc: Y.Doc, ctx: OpContext) =>
      recordVitals(doc, ctx, {
        encounterId,
        source: { kind: 'typed' },
        readings: [{ key: 'heartRate', value }],
      });
    for (let i = 0; i < 12; i++) {
      if (i % 3 === 1) {
        // A colleague's live edit (the live channel applies it to the open document).
        Y.applyUpdate(colleague, Y.encodeStateAsUpdate(handle.doc));
        getOrThrow(updateProfile(colleague, store.opContext(), { village: `Kijiji ${i}` }));
        Y.applyUpdate(
          handle.doc,
          Y.encodeStateAsUpdate(colleague, Y.encodeStateVector(handle.doc)),
          'live',
        );
        if (i === 4) await store.persistLive(docId);
      }
      if (i === 5) getOrThrow(await tab2.applyOp(docId, vitals(150)));
      if (i === 7) {
        const refused = await store.applyOp(docId, (doc, ctx) => {
          // Changes the document, then refuses: nothing of it may stay.
          getOrThrow(vitals(53)(doc, ctx));
          return updateProfile(doc, ctx, { phone: 'not a phone' });
        });
        expect(refused.ok).toBe(false);
      }
      if (i === 9) {
        harness.failWritesTo('patients');
        expect((await store.applyOp(docId, vitals(54))).ok).toBe(false);
        harness.failWritesTo(undefined);
      }
      getOrThrow(await store.applyOp(docId, vitals(60 + i)));
    }
    const shown = getOrThrow(readPatient(handle.doc));
    const rates = shown.encounters[0]!.observations.map((o) => o.value);
    expect(rates).toEqual([60, 61, 62, 63, 64, 150, 65, 66, 67, 68, 69, 70, 71]);
    expect(shown.profile.village).toBe('Kijiji 10');
    const fresh = (await (await harness.reopen()).openDocument(docId))!.doc;
    expect(Y.equalSnapshots(Y.snapshot(fresh), Y.snapshot(handle.doc))).toBe(true);
    expect(getOrThrow(readPatient(fresh))).toEqual(shown);
  });

  test('S1 saves of an open record append to its stored row; every read and restart has them all', async () => {
    const harness = createHarness(backend);
    const store = await harness.open();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Pendo' } }));
    const handle = (await store.openDocument(docId))!;
    const encounterId = await openVisit(store, docId);
    const tab2 = await harness.otherTab();
    const saves = MAX_TAIL_UPDATES + 8; // past a full tail: its state is written again
    for (let i = 0; i < saves; i++) {
      const saved = await store.applyOp(docId, (doc, ctx) =>
        recordVitals(doc, ctx, {
          encounterId,
          source: { kind: 'typed' },
          readings: [{ key: 'heartRate', value: 40 + i }],
        }),
      );
      expect(saved.ok).toBe(true);
      if (i % 10 === 9) {
        // Another tab reads what is stored: the state and every change after it.
        const read = getOrThrow((await tab2.readPatient(docId))!);
        expect(read.encounters[0]!.observations).toHaveLength(i + 1);
      }
    }
    const shown = getOrThrow(readPatient(handle.doc));
    expect(shown.encounters[0]!.observations.map((o) => o.value)).toEqual(
      Array.from({ length: saves }, (_, i) => 40 + i),
    );
    const fresh = (await (await harness.reopen()).openDocument(docId))!.doc;
    expect(Y.equalSnapshots(Y.snapshot(fresh), Y.snapshot(handle.doc))).toBe(true);
    expect(getOrThrow(readPatient(fresh))).toEqual(shown);
  });

  test('S1 a save whose commit fails leaves the stored row, its tail included, as it was', async () => {
    const harness = createHarness(backend);
    const store = await harness.open();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Rehema' } }));
    const handle = (await store.openDocument(docId))!;
    const encounterId = await openVisit(store, docId);
    const vitals = (value: number) => (doc: Y.Doc, ctx: OpContext) =>
      recordVitals(doc, ctx, {
        encounterId,
        source: { kind: 'typed' },
        readings: [{ key: 'heartRate', value }],
      });
    for (const value of [70, 71, 72]) getOrThrow(await store.applyOp(docId, vitals(value)));
    // The list row is the last write of the transaction: the disk refuses it after the others.
    harness.failWritesTo('patients');
    expect((await store.applyOp(docId, vitals(99))).ok).toBe(false);
    harness.failWritesTo(undefined);
    // The open record goes on from what is stored: the next save appends to the same row.
    getOrThrow(await store.applyOp(docId, vitals(73)));
    const expected = [70, 71, 72, 73];
    expect(
      getOrThrow(readPatient(handle.doc)).encounters[0]!.observations.map((o) => o.value),
    ).toEqual(expected);
    const reopened = await harness.reopen();
    const read = getOrThrow((await reopened.readPatient(docId))!);
    expect(read.encounters[0]!.observations.map((o) => o.value)).toEqual(expected);
    expect(await reopened.outboxEntries()).toHaveLength(6);
  });

  test('a refused domain operation writes nothing', async () => {
    const store = await createHarness(backend).open();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Chiamaka' } }));
    const refused = await store.applyOp(docId, (doc, ctx) =>
      updateProfile(doc, ctx, { phone: 'not a phone' }),
    );
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error).toMatchObject({ type: 'ValidationFailed' });
    expect(await store.outboxEntries()).toHaveLength(1);
  });

  test('S3 the outbox never reuses a localSeq, even after acknowledged entries are deleted', async () => {
    const harness = createHarness(backend);
    const store = await harness.open();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Dawit' } }));
    await store.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { village: 'Makeupton' }));
    const first = await pushAll(store);
    await ackAll(store, first);
    expect(await store.outboxEntries()).toEqual([]);

    const reopened = await harness.reopen();
    await reopened.applyOp(docId, (doc, ctx) =>
      updateProfile(doc, ctx, { village: 'Fictionville' }),
    );
    const [entry] = await reopened.outboxEntries();
    expect(entry!.localSeq).toBeGreaterThan(Math.max(...first));
  });

  test('S4 a rejected change stays in the outbox with its reason and is not pushed again', async () => {
    const store = await createHarness(backend).open();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Esi' } }));
    const [localSeq] = await pushAll(store);
    await store.applySyncResponse(
      response({
        receipts: [
          { localSeq: localSeq!, status: 'rejected', code: 'forbidden', message: 'Not yours' },
        ],
      }),
      APPLY,
    );
    const [entry] = await store.outboxEntries();
    expect(entry).toMatchObject({ status: 'rejected', code: 'forbidden', message: 'Not yours' });
    expect(await store.rejectedUpdates()).toMatchObject([
      { localSeq, docId, code: 'forbidden', state: 'open' },
    ]);
    expect(await store.outboxSummary()).toEqual({ pending: 0, sent: 0, rejected: 1 });
    expect((await store.prepareRequest({ maxPushBytes: 1 << 20, now: 2 })).pushes).toEqual([]);
    // The content stays on the tablet.
    expect(getOrThrow((await store.readPatient(docId))!).profile.givenName).toBe('Esi');
  });

  test('S5 the cursor is stored only together with the page it covers', async () => {
    const harness = createHarness(backend);
    const store = await harness.open();
    // A page from the server: a whole document from another tablet.
    const elsewhere = await createHarness('memory', { clinicId: store.clinicId }).open();
    const { docId } = await savePersona(elsewhere, 'childWithFever');
    const state = Y.encodeStateAsUpdate((await elsewhere.openDocument(docId))!.doc);
    const page = response({ documents: [{ docId, state }], cursor: new Uint8Array([7]) });

    harness.failWritesTo('documents');
    await expect(store.applySyncResponse(page, APPLY)).rejects.toMatchObject({
      name: 'StorageFullError',
    });
    harness.failWritesTo(undefined);
    const afterCrash = await harness.reopen();
    expect((await afterCrash.syncStatus()).neverSynced).toBe(true);
    expect(await afterCrash.readPatient(docId)).toBeUndefined();
    expect(await afterCrash.listPatients()).toEqual([]);

    await afterCrash.applySyncResponse(page, APPLY);
    expect((await afterCrash.prepareRequest({ maxPushBytes: 1, now: 3 })).cursor).toEqual(
      new Uint8Array([7]),
    );
    expect((await afterCrash.getPatientRow(docId))?.givenName).toBe('Baraka');
  });

  test('S10 pending changes of one document merge before their first push, never after', async () => {
    const store = await createHarness(backend).open();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Faraji' } }));
    await store.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { village: 'Makeupton' }));
    await store.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { phone: '+255 700 1' }));
    const first = await store.prepareRequest({ maxPushBytes: 1 << 20, now: 5 });
    expect(first.pushes).toHaveLength(1);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, first.pushes[0]!.update);
    expect(getOrThrow(readPatient(replica)).profile).toMatchObject({
      village: 'Makeupton',
      phone: '+255 700 1',
    });

    // The response is lost; a new change is made; the retry re-sends the first push unchanged.
    await store.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { village: 'Fictionville' }));
    const second = await store.prepareRequest({ maxPushBytes: 1 << 20, now: 6 });
    expect(second.pushes[0]).toEqual(first.pushes[0]);
    expect(second.pushes).toHaveLength(2);
    expect(second.pushes[1]!.localSeq).toBeGreaterThan(first.pushes[0]!.localSeq);
  });

  test('S10 a request holds at most maxPushBytes of updates, and at least one', async () => {
    const store = await createHarness(backend).open();
    for (const name of ['Gift', 'Hawa', 'Imani'])
      await store.createPatient({ profile: { givenName: name } });
    const tiny = await store.prepareRequest({ maxPushBytes: 1, now: 1 });
    expect(tiny.pushes).toHaveLength(1);
    const rest = await store.prepareRequest({ maxPushBytes: 1 << 20, now: 2 });
    expect(rest.pushes).toHaveLength(3);
    expect(rest.pushes[0]).toEqual(tiny.pushes[0]);
  });

  test('S12 the device id and Yjs client id persist across restarts; documents author with it', async () => {
    const harness = createHarness(backend);
    const store = await harness.open();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Juma' } }));
    const reopened = await harness.reopen();
    expect(reopened.deviceId).toBe(store.deviceId);
    expect(reopened.clientId).toBe(store.clientId);
    expect(reopened.deviceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const handle = (await reopened.openDocument(docId))!;
    expect(handle.doc.clientID).toBe(store.clientId);
    await reopened.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { village: 'Makeupton' }));
    const [, entry] = await reopened.outboxEntries();
    const clients = Y.decodeUpdate(entry!.update).structs.map((s) => s.id.client);
    expect(new Set(clients)).toEqual(new Set([store.clientId]));
    // The open document caught up with the saved change.
    expect(getOrThrow(readPatient(handle.doc)).profile.village).toBe('Makeupton');
  });

  test('rebuildReadModels gives exactly the rows kept incrementally', async () => {
    const harness = createHarness(backend);
    const store = await harness.open();
    for (const persona of [
      'adultWithHypertension',
      'childWithFever',
      'pregnantWomanAt32Weeks',
      'elderlyManWithHeartFailure',
    ] as const)
      await savePersona(store, persona);
    const incremental = await store.listPatients({ limit: 100 });
    const consults = await store.listConsults();
    expect(incremental).toHaveLength(4);
    await store.rebuildReadModels();
    expect(await store.listPatients({ limit: 100 })).toEqual(incremental);
    expect(await store.listConsults()).toEqual(consults);
  });

  test('search finds patients by name prefix, village, ids and phone digits, ignoring case and accents', async () => {
    const store = await createHarness(backend).open();
    await savePersona(store, 'adultWithHypertension'); // Amina, Fictionville, +255 700 000 001
    await savePersona(store, 'elderlyManWithHeartFailure'); // Dawit, Makeupton, TEST-0004
    await store.createPatient({ profile: { givenName: 'Zoé', familyName: 'Ñandú' } });
    const names = async (query: string) =>
      (await store.searchPatients(query)).map((row) => row.givenName);
    expect(await names('ami')).toEqual(['Amina']);
    expect(await names('AMINA test')).toEqual(['Amina']);
    expect(await names('make')).toEqual(['Dawit']);
    expect(await names('0004')).toEqual(['Dawit']);
    expect(await names('255700')).toEqual(['Amina']);
    expect(await names('zoe nandu')).toEqual(['Zoé']);
    expect(await names('nobody')).toEqual([]);
    expect(await names('')).toHaveLength(3);
  });
});

describe('a stored document row: its state and the changes saved after it (tail)', () => {
  const options = {
    clinicId: TEST_CLINIC_ID,
    userId: TEST_USER_ID,
    clock: createManualClock(1_000),
    ids: systemIds,
    random: { next: () => 0.5 },
    locks: null,
  };
  const vitalsOf = (encounterId: EncounterId, value: number) => (doc: Y.Doc, ctx: OpContext) =>
    recordVitals(doc, ctx, {
      encounterId,
      source: { kind: 'typed' },
      readings: [{ key: 'heartRate', value }],
    });

  test('a save appends its update to the row; a full tail is written into the state again', async () => {
    const backend = new MemoryBackend();
    const store = await LocalStore.open(backend, options);
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Tumaini' } }));
    const handle = (await store.openDocument(docId))!;
    const created = (await backend.get('documents', docId))!;
    expect(created.tail).toBeUndefined();
    const encounterId = await openVisit(store, docId);
    getOrThrow(await store.applyOp(docId, vitalsOf(encounterId, 80)));
    const appended = (await backend.get('documents', docId))!;
    expect(appended.state).toEqual(created.state);
    expect(tailUpdates(appended)).toHaveLength(2);
    for (let i = 0; tailUpdates((await backend.get('documents', docId))!).length > 0; i++) {
      expect(i).toBeLessThan(MAX_TAIL_UPDATES);
      getOrThrow(await store.applyOp(docId, vitalsOf(encounterId, 81 + i)));
    }
    const compacted = (await backend.get('documents', docId))!;
    expect(compacted.tail).toBeUndefined();
    expect(compacted.state).toEqual(Y.encodeStateAsUpdate(handle.doc));
  });

  test('a row with a tail is the same document as its state with every change applied', async () => {
    const backend = new MemoryBackend();
    const store = await LocalStore.open(backend, options);
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Baraka' } }));
    const handle = (await store.openDocument(docId))!;
    const encounterId = await openVisit(store, docId);
    for (const value of [61, 62, 63])
      getOrThrow(await store.applyOp(docId, vitalsOf(encounterId, value)));
    const row = (await backend.get('documents', docId))!;
    expect(tailUpdates(row)).toHaveLength(4);
    const merged = new Y.Doc();
    Y.applyUpdate(merged, documentState(row));
    expect(Y.equalSnapshots(Y.snapshot(merged), Y.snapshot(handle.doc))).toBe(true);
  });

  test('a row stored before tails existed (state only) opens and takes appended changes', async () => {
    const backend = new MemoryBackend();
    const writer = await LocalStore.open(backend, options);
    const { docId } = getOrThrow(await writer.createPatient({ profile: { givenName: 'Neema' } }));
    const encounterId = await openVisit(writer, docId);
    // As the previous version stored it: the whole state, no tail field.
    const old = (await writer.openDocument(docId))!.doc;
    await backend.commit(
      new WriteBatch().put('documents', {
        docId,
        kind: 'patient',
        state: Y.encodeStateAsUpdate(old),
        updatedAt: 1_000,
      }),
    );
    const store = await LocalStore.open(backend.reopen(), options);
    const handle = (await store.openDocument(docId))!;
    getOrThrow(await store.applyOp(docId, vitalsOf(encounterId, 77)));
    expect(tailUpdates((await backend.get('documents', docId))!)).toHaveLength(1);
    const read = getOrThrow(
      (await (await LocalStore.open(backend.reopen(), options)).readPatient(docId))!,
    );
    expect(read).toEqual(getOrThrow(readPatient(handle.doc)));
    expect(read.encounters[0]!.observations.map((o) => o.value)).toEqual([77]);
  });

  test('an open record holding live edits not stored yet writes its whole state at the next save', async () => {
    const backend = new MemoryBackend();
    const store = await LocalStore.open(backend, options);
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Zawadi' } }));
    const handle = (await store.openDocument(docId))!;
    const encounterId = await openVisit(store, docId);
    // A colleague's edit arrives by the live channel and is not persisted (yet).
    const colleague = new Y.Doc();
    colleague.clientID = 515_151;
    Y.applyUpdate(colleague, Y.encodeStateAsUpdate(handle.doc));
    getOrThrow(updateProfile(colleague, store.opContext(), { village: 'Kijiji' }));
    Y.applyUpdate(
      handle.doc,
      Y.encodeStateAsUpdate(colleague, Y.encodeStateVector(handle.doc)),
      'live',
    );
    getOrThrow(await store.applyOp(docId, vitalsOf(encounterId, 90)));
    const row = (await backend.get('documents', docId))!;
    expect(row.tail).toBeUndefined();
    const read = getOrThrow(
      (await (await LocalStore.open(backend.reopen(), options)).readPatient(docId))!,
    );
    expect(read.profile.village).toBe('Kijiji');
    expect(read.encounters[0]!.observations.map((o) => o.value)).toEqual([90]);
    // Stored now: the saves after it append again.
    getOrThrow(await store.applyOp(docId, vitalsOf(encounterId, 91)));
    expect(tailUpdates((await backend.get('documents', docId))!)).toHaveLength(1);
  });

  test('a live edit arriving while a save commits is stored by the next save', async () => {
    const backend = new MemoryBackend();
    const store = await LocalStore.open(backend, options);
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Faraji' } }));
    const handle = (await store.openDocument(docId))!;
    const encounterId = await openVisit(store, docId);
    const colleague = new Y.Doc();
    colleague.clientID = 616_161;
    Y.applyUpdate(colleague, Y.encodeStateAsUpdate(handle.doc));
    getOrThrow(updateProfile(colleague, store.opContext(), { village: 'Mlimani' }));
    let delivered = false;
    backend.onWrite = () => {
      if (delivered) return;
      delivered = true;
      Y.applyUpdate(
        handle.doc,
        Y.encodeStateAsUpdate(colleague, Y.encodeStateVector(handle.doc)),
        'live',
      );
    };
    getOrThrow(await store.applyOp(docId, vitalsOf(encounterId, 95)));
    backend.onWrite = undefined;
    expect(delivered).toBe(true);
    getOrThrow(await store.applyOp(docId, vitalsOf(encounterId, 96)));
    const read = getOrThrow(
      (await (await LocalStore.open(backend.reopen(), options)).readPatient(docId))!,
    );
    expect(read.profile.village).toBe('Mlimani');
    expect(read.encounters[0]!.observations.map((o) => o.value)).toEqual([95, 96]);
  });
});

describe('property: saves, live edits, another tab and a full disk never lose a saved change', () => {
  type Step =
    | { readonly kind: 'save' }
    | { readonly kind: 'saveInOtherTab' }
    | { readonly kind: 'saveOnFullDisk' }
    | { readonly kind: 'liveEdit' }
    | { readonly kind: 'persistLive' }
    | { readonly kind: 'closeAndOpen' };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: fc.constant({ kind: 'save' } as const) },
    { weight: 2, arbitrary: fc.constant({ kind: 'saveInOtherTab' } as const) },
    { weight: 1, arbitrary: fc.constant({ kind: 'saveOnFullDisk' } as const) },
    { weight: 2, arbitrary: fc.constant({ kind: 'liveEdit' } as const) },
    { weight: 1, arbitrary: fc.constant({ kind: 'persistLive' } as const) },
    { weight: 1, arbitrary: fc.constant({ kind: 'closeAndOpen' } as const) },
  );

  test('what is stored is every saved reading, and the live edits any later write of this tab held', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), async (steps) => {
        const harness = createHarness('memory');
        const store = await harness.open();
        const tab2 = await harness.otherTab();
        const { docId } = getOrThrow(
          await store.createPatient({ profile: { givenName: 'Imani' } }),
        );
        const encounterId = await openVisit(store, docId);
        let handle = (await store.openDocument(docId))!;
        const colleague = new Y.Doc();
        colleague.clientID = 777_777;
        const saved: number[] = [];
        let value = 100;
        let shownVillage: string | undefined;
        let storedVillage: string | undefined;
        const vitals = (reading: number) => (doc: Y.Doc, ctx: OpContext) =>
          recordVitals(doc, ctx, {
            encounterId,
            source: { kind: 'typed' },
            readings: [{ key: 'heartRate', value: reading }],
          });
        for (const { kind } of steps) {
          value++;
          if (kind === 'save' || kind === 'saveOnFullDisk') {
            if (kind === 'saveOnFullDisk') harness.failWritesTo('patients');
            const result = await store.applyOp(docId, vitals(value));
            harness.failWritesTo(undefined);
            expect(result.ok).toBe(kind === 'save');
            if (result.ok) {
              saved.push(value);
              storedVillage = shownVillage; // this tab's write holds its open record's live edits
            }
          } else if (kind === 'saveInOtherTab') {
            getOrThrow(await tab2.applyOp(docId, vitals(value)));
            saved.push(value);
          } else if (kind === 'liveEdit') {
            Y.applyUpdate(colleague, Y.encodeStateAsUpdate(handle.doc));
            getOrThrow(updateProfile(colleague, store.opContext(), { village: `Kijiji ${value}` }));
            Y.applyUpdate(
              handle.doc,
              Y.encodeStateAsUpdate(colleague, Y.encodeStateVector(handle.doc)),
              'live',
            );
            shownVillage = `Kijiji ${value}`;
          } else if (kind === 'persistLive') {
            getOrThrow(await store.persistLive(docId));
            storedVillage = shownVillage;
          } else {
            // Closing the record forgets live edits not stored (the server has them).
            handle.release();
            handle = (await store.openDocument(docId))!;
            shownVillage = storedVillage;
          }
          const shown = getOrThrow(readPatient(handle.doc));
          expect(shown.profile.village).toBe(shownVillage);
        }
        const stored = getOrThrow((await (await harness.reopen()).readPatient(docId))!);
        const readings = stored.encounters[0]!.observations.map((o) => o.value as number);
        expect([...readings].sort((a, b) => a - b)).toEqual(saved);
        expect(stored.profile.village).toBe(storedVillage);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});

/**
 * Web Locks as the browser runs them: one holder at a time, in request order;
 * `request` settles only after the release, which here takes a while.
 */
class SlowReleaseLocks {
  readonly events: string[] = [];
  #tail: Promise<void> = Promise.resolve();
  #held = false;
  request<T>(_name: string, callback: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise((resolve) => (release = resolve));
    return previous.then(async () => {
      if (this.#held) throw new Error('granted while held');
      this.#held = true;
      try {
        return await callback();
      } finally {
        await new Promise((resolve) => setTimeout(resolve, 20));
        this.#held = false;
        this.events.push('released');
        release();
      }
    });
  }
}

describe('two tabs on one clinic store', () => {
  test('with Web Locks a save resolves once committed, before the lock is released; writers stay one at a time', async () => {
    const backend = new MemoryBackend();
    const locks = new SlowReleaseLocks();
    const options = {
      clinicId: TEST_CLINIC_ID,
      userId: TEST_USER_ID,
      clock: createManualClock(1_000),
      ids: systemIds,
      random: { next: () => 0.5 },
      locks: locks as unknown as LockManager,
    };
    const tab1 = await LocalStore.open(backend, options);
    const tab2 = await LocalStore.open(backend.reopen(), options);
    const { docId } = getOrThrow(await tab1.createPatient({ profile: { givenName: 'Subira' } }));
    await new Promise((resolve) => setTimeout(resolve, 50)); // its lock is released
    locks.events.length = 0;
    const saves = ['A', 'B', 'C', 'D'].map((village, i) =>
      (i % 2 === 0 ? tab1 : tab2)
        .applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { phone: `+255 700 00${i}` }))
        .then((result) => {
          locks.events.push(`saved ${village}`);
          return result;
        }),
    );
    for (const result of await Promise.all(saves)) expect(result.ok).toBe(true);
    // Each save was told before its lock went: the release is not on the way to "Saved".
    expect(locks.events.slice(0, 2)).toEqual(['saved A', 'released']);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the last release
    expect(locks.events.filter((event) => event === 'released')).toHaveLength(4);
    expect(await tab1.outboxEntries()).toHaveLength(5);
  });

  test('a task that fails under the Web Lock rejects, and the next one still runs', async () => {
    const backend = new MemoryBackend();
    const locks = new SlowReleaseLocks();
    const store = await LocalStore.open(backend, {
      clinicId: TEST_CLINIC_ID,
      userId: TEST_USER_ID,
      clock: createManualClock(1_000),
      ids: systemIds,
      random: { next: () => 0.5 },
      locks: locks as unknown as LockManager,
    });
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Huruma' } }));
    await expect(
      store.applyOp(docId, () => {
        throw new Error('the operation broke');
      }),
    ).rejects.toThrow('the operation broke');
    const saved = await store.applyOp(docId, (doc, ctx) =>
      updateProfile(doc, ctx, { village: 'Makeupton' }),
    );
    expect(saved.ok).toBe(true);
  });

  test('S1 a change saved in one tab is never overwritten by a change saved in another', async () => {
    const backend = new MemoryBackend();
    const options = {
      clinicId: TEST_CLINIC_ID,
      userId: TEST_USER_ID,
      clock: createManualClock(1_000),
      ids: systemIds,
      random: { next: () => 0.5 },
      locks: null,
    };
    const tab1 = await LocalStore.open(backend, options);
    const tab2 = await LocalStore.open(backend.reopen(), options);
    const { docId } = getOrThrow(await tab1.createPatient({ profile: { givenName: 'Kito' } }));
    const open1 = (await tab1.openDocument(docId))!;
    await tab2.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { village: 'Makeupton' }));
    await tab1.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { phone: '+255 700 9' }));
    const stored = getOrThrow((await tab2.readPatient(docId))!).profile;
    expect(stored).toMatchObject({ village: 'Makeupton', phone: '+255 700 9' });
    expect(getOrThrow(readPatient(open1.doc)).profile.village).toBe('Makeupton');
    const seqs = (await tab1.outboxEntries()).map((e) => e.localSeq);
    expect(new Set(seqs).size).toBe(3);
  });
});
