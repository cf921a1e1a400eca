import { describe, expect, it } from 'vitest';
import { readPatient } from '@outpost/shared/model';
import { getOrThrow } from '@outpost/shared/result';
import { createHarness, savePersona } from '$lib/db/testing';
import { askSpecialist } from './actions';
import { uploadPendingPhotos } from './photo-queue';
import type { ApiCall } from './upload';

const photo = (fill: number) => ({
  sha256: fill.toString(16).padStart(2, '0').repeat(32),
  contentType: 'image/jpeg',
  bytes: new Uint8Array(100_000).fill(fill),
  width: 1600,
  height: 1200,
});

/** The server's upload protocol in memory: start/resume, chunks at the held offset. */
function fakeServer(options: { failAfterRequests?: number; refuse?: string } = {}) {
  const held = new Map<string, { consultDocId: string; size: number; received: number }>();
  const paths: string[] = [];
  let requests = 0;
  const api: ApiCall = (path, init) => Promise.resolve().then(() => answer(path, init));
  const answer = (path: string, init: RequestInit | undefined): Response => {
    requests += 1;
    paths.push(path);
    if (options.failAfterRequests !== undefined && requests > options.failAfterRequests)
      throw new TypeError('fetch failed');
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    if (path === '/api/attachments') {
      const body = JSON.parse(init!.body as string) as {
        sha256: string;
        consultDocId: string;
        size: number;
      };
      const upload = held.get(body.sha256) ?? {
        consultDocId: body.consultDocId,
        size: body.size,
        received: 0,
      };
      held.set(body.sha256, upload);
      if (upload.received === upload.size) return json(200, { done: true });
      return json(201, { uploadId: body.sha256, receivedBytes: upload.received, done: false });
    }
    const match = /^\/api\/attachments\/(\w+)\?offset=(\d+)$/.exec(path)!;
    const upload = held.get(match[1]!)!;
    if (match[1] === options.refuse)
      return json(415, {
        error: { code: 'not_an_image', message: 'This file is not a JPEG, PNG or WebP image.' },
      });
    if (Number(match[2]) !== upload.received) return json(409, { receivedBytes: upload.received });
    upload.received += (init!.body as Uint8Array).length;
    return json(200, { receivedBytes: upload.received, done: upload.received === upload.size });
  };
  return { api, held, paths };
}

async function consultWithPhotos() {
  const harness = createHarness('memory');
  const store = await harness.open();
  const { docId } = await savePersona(store, 'childWithFever');
  const patient = getOrThrow(readPatient((await store.openDocument(docId))!.doc));
  const photos = [photo(1), photo(2)];
  getOrThrow(await store.savePhotos(photos));
  const consult = getOrThrow(
    await askSpecialist(store, {
      patient,
      urgency: 'urgent',
      routing: { kind: 'specialty', specialty: 'dermatology' },
      question: 'Rash spreading since yesterday.',
      photos: photos.map((p) => ({ sha256: p.sha256, width: 1600, height: 1200, bytes: 100_000 })),
      now: harness.clock.now(),
    }),
  );
  return { store, photos, consult };
}

describe('photos leave after the text, and only once', () => {
  it('uploads each pending photo to the consult that names it, then never again', async () => {
    const { store, consult } = await consultWithPhotos();
    const server = fakeServer();
    expect(await uploadPendingPhotos(store, server.api)).toEqual({
      uploaded: 2,
      waiting: 0,
      refused: [],
    });
    expect([...server.held.values()].map((u) => [u.consultDocId, u.received])).toEqual([
      [consult.docId, 100_000],
      [consult.docId, 100_000],
    ]);
    expect(await store.pendingPhotos()).toEqual([]);
    expect((await store.getPhoto(photo(1).sha256))?.status).toBe('uploaded');
    expect(await uploadPendingPhotos(store, server.api)).toEqual({
      uploaded: 0,
      waiting: 0,
      refused: [],
    });
  });

  it('a cut link stops the round; the next one resumes where the server is', async () => {
    const { store } = await consultWithPhotos();
    const server = fakeServer({ failAfterRequests: 2 });
    expect(await uploadPendingPhotos(store, server.api)).toMatchObject({ uploaded: 0, waiting: 2 });
    const partial = [...server.held.values()][0]!.received;
    expect(partial).toBeGreaterThan(0);
    const again = fakeServer();
    again.held.set(photo(1).sha256, { ...[...server.held.values()][0]! });
    expect(await uploadPendingPhotos(store, again.api)).toMatchObject({ uploaded: 2, waiting: 0 });
  });

  it('a photo whose consult was never saved stays on the tablet, unsent', async () => {
    const harness = createHarness('memory');
    const store = await harness.open();
    getOrThrow(await store.savePhotos([photo(3)]));
    expect(await uploadPendingPhotos(store, fakeServer().api)).toEqual({
      uploaded: 0,
      waiting: 1,
      refused: [],
    });
  });

  it('a photo the server refuses is marked refused, never sent again, and can be removed from the tablet', async () => {
    const { store } = await consultWithPhotos();
    const refusedSha = photo(1).sha256;
    const server = fakeServer({ refuse: refusedSha });
    expect(await uploadPendingPhotos(store, server.api)).toEqual({
      uploaded: 1,
      waiting: 0,
      refused: [{ sha256: refusedSha, message: 'This file is not a JPEG, PNG or WebP image.' }],
    });
    expect(await store.getPhoto(refusedSha)).toMatchObject({
      status: 'refused',
      refusal: { code: 'not_an_image', message: 'This file is not a JPEG, PNG or WebP image.' },
    });
    // The next syncs do not upload it again.
    const next = fakeServer();
    expect(await uploadPendingPhotos(store, next.api)).toEqual({
      uploaded: 0,
      waiting: 0,
      refused: [],
    });
    expect(next.paths).toEqual([]);
    // Only a refused photo can be removed from the tablet.
    await store.removeRefusedPhoto(photo(2).sha256);
    expect((await store.getPhoto(photo(2).sha256))?.status).toBe('uploaded');
    await store.removeRefusedPhoto(refusedSha);
    const removed = await store.getPhoto(refusedSha);
    expect(removed).toMatchObject({ status: 'refused', refusal: { code: 'not_an_image' } });
    expect(removed?.bytes).toHaveLength(0);
    expect(removed?.removedAt).toBeTypeOf('number');
  });
});
