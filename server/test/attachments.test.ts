/**
 * Consult photos (issue 7, research C20 C28–C30 C34): resumable chunked upload,
 * checks before decoding, re-encoding without metadata, serving only to who may
 * see a consult referencing the photo — and every bad input refused with a
 * clear JSON error, nothing stored. On PGlite and on PostgreSQL.
 */
import { createHash, randomUUID } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClinicId } from '@outpost/shared/ids';
import { seededRandom } from '@outpost/shared/model/fixtures';
import { getOrThrow } from '@outpost/shared/result';
import { PROTOCOL_VERSION, decodeSyncResponse, encodeSyncRequest } from '@outpost/shared/sync';
import { createApp } from '../src/app';
import { TEST_SCRYPT } from '../src/auth/passwords';
import type { Db } from '../src/db/database';
import {
  attachmentBlobs,
  attachmentChunks,
  attachmentLinks,
  attachmentUploads,
  auditLog,
} from '../src/db/schema';
import { databaseKinds, type TestDatabase } from './support/databases';
import { identityFixture, type IdentityFixture, type SignedIn } from './support/identity';
import { Tablet, createClinic } from './support/sync';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A photo-like JPEG (noise compresses badly, so it is a few hundred KB) with EXIF GPS and orientation 6. */
async function cameraJpeg(width: number, height: number, seed = 1): Promise<Uint8Array> {
  const random = seededRandom(seed);
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(random() * 256);
  return new Uint8Array(
    await sharp(pixels, { raw: { width, height, channels: 3 } })
      .withExif({
        IFD0: { Make: 'FictionalCam', Copyright: 'Fictional patient Abebe' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '9/1 1/1 0/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '38/1 45/1 0/1',
        },
      })
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer(),
  );
}

/** A PNG whose header declares `width` × `height` (a decompression bomb needs no more). */
function pngHeader(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', Buffer.alloc(64)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

interface ErrorJson {
  error: { code: string; message: string; field?: string };
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`consult photos on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let app: ReturnType<typeof createApp>;
    let ids: IdentityFixture;
    let clinicA: ClinicId;
    let clinicB: ClinicId;
    let hwA: SignedIn;
    let hwB: SignedIn;
    let cardiologist: SignedIn;
    let dermatologist: SignedIn;
    let admin: SignedIn;
    let nurseA: Tablet;
    let nurseB: Tablet;
    let photo: Uint8Array;
    let photoSha: string;
    let consultA: string;

    async function pushAll(tablet: Tablet, session: SignedIn) {
      const response = await app.request('/api/sync', {
        method: 'POST',
        headers: { 'content-type': 'application/x-outpost-sync', ...session.headers },
        body: encodeSyncRequest({
          protocol: PROTOCOL_VERSION,
          clientId: tablet.clientId,
          deviceTime: Date.now(),
          cursor: new Uint8Array(),
          pushes: tablet.drain(),
          wantDocuments: [],
          maxResponseBytes: 64 * 1024,
        }),
      });
      expect(response.status).toBe(200);
      const decoded = getOrThrow(decodeSyncResponse(new Uint8Array(await response.arrayBuffer())));
      expect(decoded.receipts.every((receipt) => receipt.status === 'stored')).toBe(true);
    }

    async function consultWith(
      tablet: Tablet,
      session: SignedIn,
      shas: string[],
      specialty = 'cardiology',
    ) {
      const patient = tablet.createPersona('adultWithHypertension');
      const docId = tablet.createConsult(patient, {
        attachments: shas,
        routing: { kind: 'specialty', specialty },
      });
      await pushAll(tablet, session);
      return docId;
    }

    function start(session: SignedIn, body: Record<string, unknown>) {
      return app.request('/api/attachments', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...session.headers },
        body: JSON.stringify(body),
      });
    }

    function putChunk(
      session: SignedIn,
      uploadId: string,
      offset: number,
      chunk: Uint8Array | ReadableStream,
    ) {
      return app.request(`/api/attachments/${uploadId}?offset=${offset}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', ...session.headers },
        body: chunk,
        // A stream body is sent chunked (no Content-Length).
        ...(chunk instanceof ReadableStream ? { duplex: 'half' } : {}),
      });
    }

    /** Uploads `bytes` in `chunkBytes` chunks; returns the last response. */
    async function upload(
      session: SignedIn,
      consultDocId: string,
      bytes: Uint8Array,
      extra: Record<string, unknown> = {},
      chunkBytes = 64 * 1024,
    ): Promise<Response> {
      const started = await start(session, {
        consultDocId,
        sha256: sha256(bytes),
        size: bytes.length,
        contentType: 'image/jpeg',
        fileName: 'wound.jpg',
        ...extra,
      });
      if (started.status !== 201 && started.status !== 200) return started;
      const { uploadId, receivedBytes, done } = (await started.clone().json()) as {
        uploadId: string;
        receivedBytes: number;
        done: boolean;
      };
      if (done) return started;
      let offset = receivedBytes;
      let last = started;
      while (offset < bytes.length) {
        last = await putChunk(
          session,
          uploadId,
          offset,
          bytes.subarray(offset, offset + chunkBytes),
        );
        if (last.status >= 300) return last;
        offset = ((await last.clone().json()) as { receivedBytes: number }).receivedBytes;
      }
      return last;
    }

    async function stored() {
      const [blobs] = await db.select({ n: count() }).from(attachmentBlobs);
      const [chunks] = await db.select({ n: count() }).from(attachmentChunks);
      const [open] = await db.select({ n: count() }).from(attachmentUploads);
      return { blobs: blobs!.n, chunks: chunks!.n, uploads: open!.n };
    }

    async function expectRefused(response: Response, status: number, code: string) {
      expect(response.status, await response.clone().text()).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      const body = (await response.json()) as ErrorJson;
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(10);
      return body;
    }

    beforeAll(async () => {
      testDb = await kind.open();
      db = testDb.database.db;
      app = createApp({
        database: testDb.database,
        version: 't',
        webDir: '/nonexistent',
        logger: pino({ level: 'silent' }),
        now: () => Date.now(),
        scrypt: TEST_SCRYPT,
      });
      ids = identityFixture(app, db);
      clinicA = await createClinic(db, 'Clinic A (fictional)');
      clinicB = await createClinic(db, 'Clinic B (fictional)');
      hwA = await ids.signIn(clinicA, { role: 'health-worker' });
      hwB = await ids.signIn(clinicB, { role: 'health-worker' });
      cardiologist = await ids.signIn(clinicA, { role: 'specialist', specialties: ['cardiology'] });
      dermatologist = await ids.signIn(clinicA, {
        role: 'specialist',
        specialties: ['dermatology'],
      });
      admin = await ids.signIn(clinicA, { role: 'district-admin' });
      nurseA = new Tablet(hwA.caller, 501);
      nurseB = new Tablet(hwB.caller, 502);
      photo = await cameraJpeg(1200, 900);
      photoSha = sha256(photo);
      consultA = await consultWith(nurseA, hwA, [photoSha]);
    }, 60_000);
    afterAll(async () => {
      await testDb.close();
    });

    it('uploads in chunks, re-encodes without metadata, and serves full and thumbnail with safe headers', async () => {
      expect(photo.length).toBeGreaterThan(3 * 64 * 1024);
      const done = await upload(hwA, consultA, photo);
      expect(done.status, await done.clone().text()).toBe(201);
      expect(await done.json()).toMatchObject({
        done: true,
        sha256: photoSha,
        receivedBytes: photo.length,
      });

      for (const [variant, maxSide] of [
        ['full', 1600],
        ['thumb', 320],
      ] as const) {
        const response = await app.request(`/api/attachments/${photoSha}?variant=${variant}`, {
          headers: cardiologist.headers,
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('image/jpeg');
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('content-security-policy')).toMatch(/^sandbox/);
        expect(response.headers.get('cache-control')).toBe('private, no-store');
        expect(response.headers.get('content-disposition')).toBe(
          `inline; filename*=UTF-8''${variant === 'thumb' ? 'wound-thumb.jpg' : 'wound.jpg'}`,
        );
        const bytes = new Uint8Array(await response.arrayBuffer());
        const meta = await sharp(bytes).metadata();
        expect(meta.format).toBe('jpeg');
        expect(meta.exif).toBeUndefined(); // no EXIF, so no GPS and no camera
        expect(meta.xmp).toBeUndefined();
        expect(Buffer.from(bytes).includes('Abebe')).toBe(false);
        expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(maxSide);
        // Orientation 6 applied to the pixels: 1200 × 900 as taken, portrait as seen.
        expect(meta.height).toBeGreaterThan(meta.width);
        expect(meta.orientation ?? 1).toBe(1);
      }
      const audit = await db.select().from(auditLog).where(eq(auditLog.docId, consultA));
      expect(
        audit.filter((row) => row.action === 'attachment.upload' && row.outcome === 'success'),
      ).toHaveLength(1);
      expect(
        audit.filter((row) => row.action === 'attachment.read' && row.outcome === 'success'),
      ).toHaveLength(2);
      expect(audit.every((row) => row.patientDocId?.startsWith('patient/'))).toBe(true);
    });

    it('a photo goes only to who may see a consult referencing it: 404 for everyone else, the same as none', async () => {
      const get = (session: SignedIn | undefined, sha = photoSha) =>
        app.request(`/api/attachments/${sha}`, { headers: session?.headers ?? {} });
      expect((await get(hwA)).status).toBe(200);
      expect((await get(admin)).status).toBe(200);
      expect((await get(undefined)).status).toBe(401);
      const unknown = await (await get(hwA, 'f'.repeat(64))).json();
      for (const session of [dermatologist, hwB]) {
        const response = await get(session);
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual(unknown);
      }
      expect(unknown).toEqual({ error: { code: 'not_found', message: 'No such photo.' } });
      const denied = await db.select().from(auditLog).where(eq(auditLog.action, 'attachment.read'));
      expect(denied.filter((row) => row.outcome === 'denied').length).toBeGreaterThanOrEqual(2);
    });

    it('knowing the hash is not enough: another clinic must upload the bytes itself', async () => {
      const consultB = await consultWith(nurseB, hwB, [photoSha]);
      const served = await app.request(`/api/attachments/${photoSha}`, { headers: hwB.headers });
      await expectRefused(served, 404, 'not_uploaded');
      const started = await start(hwB, {
        consultDocId: consultB,
        sha256: photoSha,
        size: photo.length,
        contentType: 'image/jpeg',
        fileName: 'rash.jpg',
      });
      expect(started.status).toBe(201);
      expect(await started.json()).toMatchObject({ done: false, receivedBytes: 0 });
      // Clinic A's device asking again for its own consult is done at once.
      const again = await start(hwA, {
        consultDocId: consultA,
        sha256: photoSha,
        size: photo.length,
        contentType: 'image/jpeg',
      });
      expect(await again.json()).toMatchObject({ done: true, uploadId: null });
    });

    it('an upload cut at random offsets resumes from what the server holds: same SHA-256, little re-sent', async () => {
      const big = await cameraJpeg(1000, 800, 2);
      const sha = sha256(big);
      const docId = await consultWith(nurseA, hwA, [sha]);
      const random = seededRandom(42);
      const chunkBytes = 32 * 1024;
      let sent = 0;
      let cuts = 0;
      let offset = 0;
      let uploadId = '';
      let finished: Response | undefined;
      for (let attempts = 0; attempts < 500 && finished === undefined; attempts++) {
        // (Re)start: a fresh tablet session only knows the photo; the server says where to resume.
        const started = await start(hwA, {
          consultDocId: docId,
          sha256: sha,
          size: big.length,
          contentType: 'image/jpeg',
          fileName: 'strip.jpg',
        });
        const state = (await started.json()) as { uploadId: string; receivedBytes: number };
        if (uploadId !== '') expect(state.uploadId).toBe(uploadId);
        uploadId = state.uploadId;
        offset = state.receivedBytes;
        while (offset < big.length) {
          const chunk = big.subarray(offset, offset + chunkBytes);
          const fate = random();
          sent += chunk.length;
          if (fate < 0.15) {
            cuts++; // the request never arrived
            break;
          }
          const response = await putChunk(hwA, uploadId, offset, chunk);
          if (fate < 0.3) {
            cuts++; // it arrived, the answer did not: the tablet re-sends the same chunk once
            sent += chunk.length;
            const repeat = await putChunk(hwA, uploadId, offset, chunk);
            expect(repeat.status).toBeLessThan(300);
            break;
          }
          expect(response.status, await response.clone().text()).toBeLessThan(300);
          offset = ((await response.clone().json()) as { receivedBytes: number }).receivedBytes;
          if (offset === big.length) finished = response;
        }
      }
      expect(cuts).toBeGreaterThan(3);
      expect(finished?.status).toBe(201);
      expect(await finished!.json()).toMatchObject({ done: true, sha256: sha });
      const [blob] = await db.select().from(attachmentBlobs).where(eq(attachmentBlobs.sha256, sha));
      expect(blob).toMatchObject({
        originalBytes: big.length,
        originalWidth: 1000,
        originalHeight: 800,
      });
      // Only lost chunks are sent twice: at most one chunk per cut.
      expect(sent - big.length).toBeLessThanOrEqual(cuts * chunkBytes);
      const [chunks] = await db
        .select({ n: count() })
        .from(attachmentChunks)
        .where(eq(attachmentChunks.uploadId, uploadId));
      expect(chunks!.n).toBe(0);
    });

    it('offsets: a gap is 409 with the offset to resume from; an acknowledged chunk sent again is fine', async () => {
      const small = await cameraJpeg(300, 200, 3);
      const docId = await consultWith(nurseA, hwA, [sha256(small)]);
      const started = await start(hwA, {
        consultDocId: docId,
        sha256: sha256(small),
        size: small.length,
        contentType: 'image/jpeg',
      });
      const { uploadId } = (await started.json()) as { uploadId: string };
      const first = small.subarray(0, 1000);
      expect((await putChunk(hwA, uploadId, 0, first)).status).toBe(200);
      expect(await (await putChunk(hwA, uploadId, 0, first)).json()).toMatchObject({
        receivedBytes: 1000,
      });
      const gap = await putChunk(hwA, uploadId, 5000, small.subarray(5000, 6000));
      expect(gap.status).toBe(409);
      expect(gap.headers.get('upload-offset')).toBe('1000');
      expect(await gap.json()).toMatchObject({
        error: { code: 'offset_mismatch', field: 'offset' },
        receivedBytes: 1000,
      });
      // Another device cannot continue someone else's upload.
      expect((await putChunk(hwB, uploadId, 1000, small.subarray(1000))).status).toBe(404);
    });

    describe('bad input: a clear 4xx naming the problem, nothing stored', () => {
      let docId: string;
      let before: Awaited<ReturnType<typeof stored>>;
      beforeAll(async () => {
        docId = await consultWith(nurseA, hwA, []);
      });

      const cases: [string, () => Response | Promise<Response>, number, string][] = [
        [
          'a 50 MB photo (declared)',
          () =>
            start(hwA, {
              consultDocId: docId,
              sha256: 'a'.repeat(64),
              size: 50 * 1024 * 1024,
              contentType: 'image/jpeg',
            }),
          413,
          'attachment_too_large',
        ],
        [
          'a 50 MB chunk body',
          async () => {
            const started = await start(hwA, {
              consultDocId: docId,
              sha256: 'b'.repeat(64),
              size: 9 * 1024 * 1024,
              contentType: 'image/jpeg',
            });
            const { uploadId } = (await started.json()) as { uploadId: string };
            return putChunk(hwA, uploadId, 0, new Uint8Array(50 * 1024 * 1024));
          },
          413,
          'payload_too_large',
        ],
        [
          'a 50 MB chunk body sent chunked (no Content-Length)',
          async () => {
            const started = await start(hwA, {
              consultDocId: docId,
              sha256: 'c'.repeat(64),
              size: 9 * 1024 * 1024,
              contentType: 'image/jpeg',
            });
            const { uploadId } = (await started.json()) as { uploadId: string };
            let sentMb = 0;
            const stream = new ReadableStream<Uint8Array>({
              pull(controller) {
                if (sentMb++ >= 50) controller.close();
                else controller.enqueue(new Uint8Array(1024 * 1024));
              },
            });
            return putChunk(hwA, uploadId, 0, stream);
          },
          413,
          'payload_too_large',
        ],
        [
          'an image bomb (a small PNG declaring 50 000 × 50 000 pixels)',
          () => uploadOf(pngHeader(50_000, 50_000), 'image/png', 'bomb.png'),
          422,
          'image_too_large',
        ],
        [
          'a text file named .jpg',
          () =>
            uploadOf(
              new TextEncoder().encode('Just text, not a photo.\n'.repeat(20)),
              'image/jpeg',
              'notes.jpg',
            ),
          415,
          'not_an_image',
        ],
        [
          'an SVG with script, declared as SVG',
          () => uploadOf(svg(), 'image/svg+xml', 'x.svg'),
          415,
          'unsupported_media_type',
        ],
        [
          'an SVG with script, declared as PNG',
          () => uploadOf(svg(), 'image/png', 'x.png'),
          415,
          'not_an_image',
        ],
        [
          'an HTML page declared as JPEG',
          () =>
            uploadOf(
              new TextEncoder().encode('<!doctype html><script>alert(1)</script>'),
              'image/jpeg',
              'x.jpg',
            ),
          415,
          'not_an_image',
        ],
        [
          'a JPEG declared as PNG',
          async () => uploadOf(await cameraJpeg(64, 64, 9), 'image/png', 'x.png'),
          415,
          'type_mismatch',
        ],
        [
          'a name with a path in it',
          async () => uploadOf(await cameraJpeg(64, 64, 10), 'image/jpeg', '../../etc/passwd.jpg'),
          400,
          'invalid_field',
        ],
        [
          'bytes that do not match the declared SHA-256',
          async () => {
            const bytes = await cameraJpeg(64, 64, 11);
            return upload(hwA, docId, bytes, { sha256: 'd'.repeat(64) });
          },
          422,
          'hash_mismatch',
        ],
        [
          'a valid PNG header over pixel data that does not decode',
          () => uploadOf(pngHeader(64, 64), 'image/png', 'broken.png'),
          422,
          'undecodable_image',
        ],
      ];

      function svg() {
        return new TextEncoder().encode(
          '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>',
        );
      }
      function uploadOf(bytes: Uint8Array, contentType: string, fileName: string) {
        return upload(hwA, docId, bytes, { contentType, fileName });
      }

      for (const [name, send, status, code] of cases) {
        it(name, async () => {
          before = await stored();
          const response = await send();
          const body = await expectRefused(response, status, code);
          if (code === 'invalid_field') expect(body.error.field).toBe('fileName');
          const after = await stored();
          expect(after.blobs).toBe(before.blobs);
          expect(after.chunks).toBe(before.chunks);
          // Declared uploads that were never refused stay open (they can resume); refused ones are gone.
          expect(after.uploads).toBeLessThanOrEqual(before.uploads + 1);
          const [links] = await db.select({ n: count() }).from(attachmentLinks);
          expect(links!.n).toBeLessThanOrEqual(2);
        });
      }
    });

    it('district admins cannot upload (read only); a specialist may add a photo to a routed consult', async () => {
      const docId = await consultWith(nurseA, hwA, []);
      const refused = await start(admin, {
        consultDocId: docId,
        sha256: 'e'.repeat(64),
        size: 10,
        contentType: 'image/jpeg',
      });
      expect(refused.status).toBe(403);
      const notRouted = await start(dermatologist, {
        consultDocId: docId,
        sha256: 'e'.repeat(64),
        size: 10,
        contentType: 'image/jpeg',
      });
      expect(notRouted.status).toBe(404);
      const routed = await start(cardiologist, {
        consultDocId: docId,
        sha256: 'e'.repeat(64),
        size: 10,
        contentType: 'image/jpeg',
      });
      expect(routed.status).toBe(201);
      expect(randomUUID()).toBeTruthy();
    });
  });
}
