/**
 * An open record re-projects once per change, however many paths announce it
 * (the Y.Doc's update and the store's commit event), and still follows every
 * change: local saves, another tab's, and live edits.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { readPatient, updateProfile, type PatientView } from '@outpost/shared/model';
import { getOrThrow, type Result } from '@outpost/shared/result';
import { createHarness } from '$lib/db/testing';
import { syncManager } from '$lib/sync';
import { OpenDocument } from './open-document.svelte';

// The live channel is built but never connects here (offline): Node 20 has no WebSocket.
beforeAll(() => vi.stubGlobal('WebSocket', class {}));
afterAll(() => vi.unstubAllGlobals());

const opened: Array<OpenDocument<PatientView>> = [];
afterEach(() => {
  for (const record of opened.splice(0)) record.close();
});

/** An open record whose projection counts its runs. */
function counted(...args: ConstructorParameters<typeof OpenDocument<PatientView>>) {
  const [store, docId, read] = args;
  const counter = { reads: 0 };
  const record = new OpenDocument<PatientView>(
    store,
    docId,
    (doc): Result<PatientView, unknown> => {
      counter.reads++;
      return read(doc);
    },
  );
  opened.push(record);
  return { record, counter };
}

/** Lets queued microtasks (the coalesced refresh) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('OpenDocument', () => {
  test('a saved change is projected once, and the view shows it', async () => {
    syncManager.online = false; // no live channel in this test
    const harness = createHarness('memory');
    const store = await harness.open();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Rehema' } }));
    const { record, counter } = counted(store, docId, readPatient);
    await record.open();
    expect(record.status).toBe('ready');
    counter.reads = 0;

    getOrThrow(
      await store.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { village: 'Majengo' })),
    );
    // Already shown when the save resolves ("Saved" and the new value together).
    expect(record.view?.profile.village).toBe('Majengo');
    await settle();
    expect(counter.reads).toBe(1);

    // Another tab's change (caught up with at the next save: one more change),
    // then a live edit: each seen, each read once.
    const tab2 = await harness.otherTab();
    getOrThrow(
      await tab2.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { phone: '+255 700 1' })),
    );
    getOrThrow(
      await store.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { clinicNumber: 'K-7' })),
    );
    await settle();
    expect(record.view?.profile).toMatchObject({ phone: '+255 700 1', clinicNumber: 'K-7' });
    expect(counter.reads).toBe(3);

    const handle = (await store.openDocument(docId))!;
    const colleague = new Y.Doc();
    Y.applyUpdate(colleague, Y.encodeStateAsUpdate(handle.doc));
    getOrThrow(updateProfile(colleague, store.opContext(), { village: 'Mlimani' }));
    Y.applyUpdate(handle.doc, Y.encodeStateAsUpdate(colleague, Y.encodeStateVector(handle.doc)));
    handle.release();
    await settle();
    expect(record.view?.profile.village).toBe('Mlimani');
    expect(counter.reads).toBe(4);
  });
});
