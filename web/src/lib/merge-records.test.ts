/**
 * "Not the same person" is a saved decision in both records: the patient rows
 * carry it (so the duplicate review and warning leave the pair out wherever the
 * records are), it can be undone, and the old tablet-only dismissals are
 * carried into the records once.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { createPatient } from '@outpost/shared/model';
import { TEST_CLINIC_ID, createTestContext } from '@outpost/shared/model/fixtures';
import { markDistinct, readLinks, undoDistinct } from '@outpost/shared/model/merge';
import { getOrThrow } from '@outpost/shared/result';
import type { LocalStore } from '$lib/db';
import { deriveRows } from '$lib/db/read-models';
import { createHarness } from '$lib/db/testing';
import { PatientSearch } from '$lib/managers/patient-search.svelte';
import { duplicateReasons, identityOfRow, markedDistinct } from '$lib/search/duplicates';
import {
  DISMISSED_KEY,
  markDistinctRecords,
  mergeRecords,
  undoDistinctRecords,
} from './merge-records';

/** localStorage as a browser keeps it (Node has none). */
function stubLocalStorage(): Map<string, string> {
  const items = new Map<string, string>();
  vi.stubGlobal('localStorage', {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  });
  return items;
}

/** Two registrations of one (fictional) woman, and someone else. */
async function clinic(store: LocalStore) {
  const register = async (givenName: string) =>
    getOrThrow(
      await store.createPatient({
        profile: { givenName, familyName: 'Kamau', village: 'Kijiji Cha Majaribio' },
        sex: 'female',
      }),
    );
  const wanjiru = await register('Wanjiru');
  const wanjiro = await register('Wanjiro');
  const neema = await register('Neema');
  return { wanjiru, wanjiro, neema };
}

const searches: PatientSearch[] = [];
function searchOf(store: LocalStore): PatientSearch {
  const search = new PatientSearch();
  searches.push(search);
  search.attach(store);
  return search;
}

let storage: Map<string, string>;
beforeEach(() => {
  storage = stubLocalStorage();
});
afterEach(() => {
  for (const search of searches.splice(0)) search.detach();
  vi.unstubAllGlobals();
});

describe('marking two records as different people', () => {
  test('both rows say so; undo clears both and keeps the history', async () => {
    const store = await createHarness('memory').open();
    const { wanjiru, wanjiro } = await clinic(store);
    const distinctId = getOrThrow(await markDistinctRecords(store, wanjiru.id, wanjiro.id));
    expect((await store.getPatientRow(wanjiru.docId))?.distinctFrom).toEqual([wanjiro.id]);
    expect((await store.getPatientRow(wanjiro.docId))?.distinctFrom).toEqual([wanjiru.id]);
    // Running it again (an interrupted save retried) adds nothing.
    expect(await markDistinctRecords(store, wanjiru.id, wanjiro.id)).toEqual({
      ok: true,
      value: distinctId,
    });

    getOrThrow(await undoDistinctRecords(store, wanjiro.id, wanjiru.id));
    expect((await store.getPatientRow(wanjiru.docId))?.distinctFrom).toBeUndefined();
    expect((await store.getPatientRow(wanjiro.docId))?.distinctFrom).toBeUndefined();
    const handle = (await store.openDocument(wanjiru.docId))!;
    expect(readLinks(handle.doc).distinct).toEqual([
      expect.objectContaining({ distinctId, patientId: wanjiro.id, undone: expect.anything() }),
    ]);
    handle.release();
  });

  test('refuses a record that is not on this tablet, writing nothing', async () => {
    const store = await createHarness('memory').open();
    const { wanjiru } = await clinic(store);
    const absent = '01930000-0000-7000-8000-0000000000ff';
    const result = await markDistinctRecords(store, wanjiru.id, absent);
    expect(result.ok).toBe(false);
    expect((await store.getPatientRow(wanjiru.docId))?.distinctFrom).toBeUndefined();
  });

  test('a record projects its own half, as it arrives by sync before the other', () => {
    const ctx = createTestContext();
    const doc = new Y.Doc();
    const self = getOrThrow(
      createPatient(doc, ctx, {
        homeClinicId: TEST_CLINIC_ID,
        profile: { givenName: 'Wanjiru' },
      }),
    );
    const other = '01930000-0000-7000-8000-0000000000aa';
    getOrThrow(markDistinct(doc, ctx, { other }));
    const row = deriveRows(doc, 'patient', `patient/${self}`, 0).patient;
    expect(row?.distinctFrom).toEqual([other]);
    getOrThrow(undoDistinct(doc, ctx, { distinctId: readLinks(doc).distinct[0]!.distinctId }));
    expect(deriveRows(doc, 'patient', `patient/${self}`, 0).patient?.distinctFrom).toBeUndefined();
  });
});

describe('the duplicate review and warning', () => {
  test('a pair marked as different people leaves the review, and comes back on undo', async () => {
    const store = await createHarness('memory').open();
    const { wanjiru, wanjiro } = await clinic(store);
    const search = searchOf(store);
    await search.settled();
    const [pair] = search.duplicatePairs(Date.now());
    expect(pair && [pair.a.id, pair.b.id].sort()).toEqual([wanjiru.id, wanjiro.id].sort());

    getOrThrow(await search.dismiss(pair!.key));
    expect(search.duplicatePairs(Date.now())).toEqual([]);
    // Nothing of it is kept on this tablet outside the records.
    expect(storage.has(DISMISSED_KEY)).toBe(false);

    // Another tablet's index over the same records (as after sync) leaves it out too.
    const elsewhere = searchOf(store);
    await elsewhere.settled();
    expect(elsewhere.duplicatePairs(Date.now())).toEqual([]);

    getOrThrow(await undoDistinctRecords(store, wanjiru.id, wanjiro.id));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the change notification's delay
    await search.settled();
    expect(search.duplicatePairs(Date.now()).map((p) => p.key)).toEqual([pair!.key]);
  });

  test('the warning while editing a record skips itself and those marked as a different person', async () => {
    const store = await createHarness('memory').open();
    const { wanjiru, wanjiro } = await clinic(store);
    const search = searchOf(store);
    await search.settled();
    const rules = { duplicateReasons, identityOfRow, markedDistinct };
    const identity = { name: 'Wanjiru Kamau', sex: 'female', village: 'Kijiji Cha Majaribio' };
    const names = (editing?: string) =>
      search.duplicatesOf(identity, Date.now(), rules, editing).map((found) => found.row.id);
    // Registering someone new: both look like her.
    expect(names().sort()).toEqual([wanjiru.id, wanjiro.id].sort());
    expect(names(wanjiru.id)).toEqual([wanjiro.id]);
    getOrThrow(await search.dismiss(`${wanjiru.docId}|${wanjiro.docId}`));
    expect(names(wanjiru.id)).toEqual([]);
    expect(names().sort()).toEqual([wanjiru.id, wanjiro.id].sort());
  });

  test('old tablet-only dismissals are written into both records once, then forgotten', async () => {
    const store = await createHarness('memory').open();
    const { wanjiru, wanjiro, neema } = await clinic(store);
    const [first, second] = [wanjiru.docId, wanjiro.docId].sort();
    const notHere = 'patient/01930000-0000-7000-8000-0000000000ff';
    storage.set(
      DISMISSED_KEY,
      JSON.stringify([`${first}|${second}`, `${neema.docId}|${notHere}`, 'garbage']),
    );
    const search = searchOf(store);
    await search.settled();
    expect(search.duplicatePairs(Date.now())).toEqual([]);
    expect(storage.has(DISMISSED_KEY)).toBe(false);
    const row = await store.getPatientRow(wanjiru.docId);
    expect(row?.distinctFrom).toEqual([wanjiro.id]);
    const handle = (await store.openDocument(wanjiru.docId))!;
    expect(readLinks(handle.doc).distinctFrom).toEqual([
      expect.objectContaining({ patientId: wanjiro.id, carriedOver: true }),
    ]);
    handle.release();
    expect((await store.getPatientRow(neema.docId))?.distinctFrom).toBeUndefined();
  });

  test('a dismissal that could not be saved stays on the tablet (still left out) and is tried again', async () => {
    const harness = createHarness('memory');
    const store = await harness.open();
    const { wanjiru, wanjiro } = await clinic(store);
    const key = [wanjiru.docId, wanjiro.docId].sort().join('|');
    storage.set(DISMISSED_KEY, JSON.stringify([key]));
    harness.failWritesTo('documents');
    const search = searchOf(store);
    await search.settled();
    expect(JSON.parse(storage.get(DISMISSED_KEY) ?? '[]')).toEqual([key]);
    expect(search.duplicatePairs(Date.now())).toEqual([]);
    expect((await store.getPatientRow(wanjiru.docId))?.distinctFrom).toBeUndefined();

    harness.failWritesTo(undefined);
    const next = searchOf(store);
    await next.settled();
    expect(storage.has(DISMISSED_KEY)).toBe(false);
    expect((await store.getPatientRow(wanjiru.docId))?.distinctFrom).toEqual([wanjiro.id]);
  });

  test('a dismissal of a pair merged since is dropped, not written', async () => {
    const store = await createHarness('memory').open();
    const { wanjiru, wanjiro } = await clinic(store);
    getOrThrow(await mergeRecords(store, wanjiru.id, wanjiro.id));
    storage.set(DISMISSED_KEY, JSON.stringify([`${wanjiru.docId}|${wanjiro.docId}`]));
    const search = searchOf(store);
    await search.settled();
    expect(storage.has(DISMISSED_KEY)).toBe(false);
    expect((await store.getPatientRow(wanjiru.docId))?.distinctFrom).toBeUndefined();
  });
});
