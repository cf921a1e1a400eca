/**
 * A consult with a photo from a tablet whose link keeps dropping: the real
 * consult action, sync engine and resumable upload (web/src/lib/consults)
 * against the real `createApp`. Requests are lost before they reach the server
 * and responses are lost after it acted; each try resumes where the server is,
 * the photo arrives whole (the server verifies its SHA-256) and at most the
 * chunk in flight is sent again per cut.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { UserId } from '@outpost/shared/ids';
import { readPatient } from '@outpost/shared/model';
import { PatientBuilder } from '@outpost/shared/model/fixtures';
import { getOrThrow } from '@outpost/shared/result';
import { createApp } from '../../server/src/app';
import { TEST_SCRYPT } from '../../server/src/auth/passwords';
import { databaseKinds, type TestDatabase } from '../../server/test/support/databases';
import { identityFixture } from '../../server/test/support/identity';
import { createClinic } from '../../server/test/support/sync';
import { askSpecialist } from '../../web/src/lib/consults/actions';
import { sha256Hex } from '../../web/src/lib/consults/photo';
import { uploadPhoto, type ApiCall } from '../../web/src/lib/consults/upload';
import { createMemoryStore } from '../../web/src/lib/db/memory-store';
import { createSyncClient } from '../../web/src/lib/sync/engine';
import { appRequester, authorisedFetch, httpTransport, signInTablet } from './harness';
import { sharp } from '../support/sharp';

const CHUNK = 16 * 1024;

async function cameraPhoto(): Promise<Uint8Array> {
  const width = 640;
  const height = 480;
  const pixels = Buffer.alloc(width * height * 3);
  let state = 7;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    pixels[i] = (i % 251) + (state % 5);
  }
  return new Uint8Array(
    await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
}

const kind = databaseKinds()[0]!;

describe.skipIf(!kind.available)(
  `a consult photo over a link that keeps dropping (${kind.name})`,
  () => {
    let testDb: TestDatabase;
    let app: ReturnType<typeof createApp>;

    beforeAll(async () => {
      testDb = await kind.open();
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

    test('cut before and after the server acts: completes, same SHA-256, at most one chunk re-sent per cut', async () => {
      const db = testDb.database.db;
      const clinicId = await createClinic(db, 'Hill clinic (fictional)');
      const ids = identityFixture(appRequester(app), db);
      const auth = await signInTablet(ids, clinicId);
      const appFetch: typeof fetch = (input, init) =>
        Promise.resolve(app.request(input as string, init));
      const store = await createMemoryStore({
        clinicId,
        userId: auth.userId as UserId,
        clock: { now: () => Date.now() },
        identity: { deviceId: auth.deviceId },
      });
      const sync = createSyncClient({
        store,
        clock: { now: () => Date.now() },
        transport: httpTransport(
          () => auth,
          () => 'http://outpost.test/api/sync',
          appFetch,
        ),
      });
      const created = getOrThrow(
        await store.createDocument('patient', (doc, ctx) => {
          PatientBuilder.persona('childWithFever').with({ homeClinicId: clinicId }).build(ctx, doc);
          const view = readPatient(doc);
          return view.ok ? { ok: true as const, value: view.value.id } : view;
        }),
      );
      const patient = getOrThrow((await store.readPatient(created.docId))!);
      const bytes = await cameraPhoto();
      const digest = await sha256Hex(bytes);
      const asked = getOrThrow(
        await askSpecialist(store, {
          patient,
          urgency: 'urgent',
          routing: { kind: 'specialty', specialty: 'paediatrics' },
          question: 'Rash on both legs with fever. Photo attached.',
          photos: [{ sha256: digest, width: 640, height: 480, bytes: bytes.length }],
          now: Date.now(),
        }),
      );
      getOrThrow(await sync.syncOnce()); // text first

      // Every third request is lost on the way (never reaches the server); every
      // fourth is lost on the way back (the server acted, the tablet never hears).
      let request = 0;
      let cuts = 0;
      const authorised = authorisedFetch(auth, appFetch);
      const flaky: ApiCall = async (path, init) => {
        request += 1;
        if (request % 3 === 0) {
          cuts += 1;
          throw new TypeError('fetch failed: link cut before the server');
        }
        const response = await authorised(`http://outpost.test${path}`, init);
        if (request % 4 === 0) {
          cuts += 1;
          throw new TypeError('fetch failed: link cut after the server');
        }
        return response;
      };
      let sent = 0;
      let done = false;
      for (let attempt = 0; attempt < 200 && !done; attempt++) {
        const result = await uploadPhoto(
          flaky,
          {
            consultDocId: asked.docId,
            sha256: digest,
            bytes,
            contentType: 'image/jpeg',
            fileName: 'rash.jpg',
          },
          { chunkBytes: CHUNK },
        );
        if (result.ok) {
          sent += result.value.sentBytes;
          done = true;
        } else {
          expect(result.error.kind).toBe('network');
          if (result.error.kind === 'network') sent += result.error.sentBytes;
        }
      }
      expect(done).toBe(true);
      expect(cuts).toBeGreaterThan(3);
      expect(sent - bytes.length).toBeLessThanOrEqual(cuts * CHUNK);
      // The photo is there for the consult (re-encoded without metadata), once.
      const photo = await authorised(`http://outpost.test/api/attachments/${digest}?variant=full`);
      expect(photo.status).toBe(200);
      expect(photo.headers.get('content-type')).toBe('image/jpeg');
      // Uploading it again is answered "already here" without sending a byte.
      const again = await uploadPhoto(
        (path, init) => authorised(`http://outpost.test${path}`, init),
        { consultDocId: asked.docId, sha256: digest, bytes, contentType: 'image/jpeg' },
      );
      expect(again).toEqual({ ok: true, value: { sentBytes: 0, requests: 1 } });
    });
  },
);
