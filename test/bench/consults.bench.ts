/**
 * `pnpm bench consults [--json]`: a consult with two photos from a rural
 * clinic, over the simulated link — 256 kbit/s shared, 600 ms round trip, and
 * the connection cut every 30 s — to a specialist.
 *
 * The real path: the health worker's tablet is the real store
 * (`createMemoryStore`) with the real consult action (`askSpecialist`: snapshot,
 * priority, sent), the real sync engine and HTTP transport, then the real
 * resumable photo upload (`uploadPhoto`, 64 KiB chunks); the server is the
 * composition of `outpost serve` on an in-memory PGlite. The specialist polls
 * the queue (`GET /api/consults`) and the photos over a good connection.
 *
 * Measured: bytes up/down and round trips over the link, bytes re-sent because
 * of cuts, time until the text is in the specialist's queue (target < 5 s) and
 * until both photos can be opened by the specialist.
 * Baseline (same run, same link): the naïve upload many systems use — one
 * request with the consult as JSON and the photos base64-encoded inside it,
 * restarted from zero whenever the link is cut.
 *
 * Exit 0 whether targets pass or fail; non-zero only if the run broke.
 */
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClinicId, UserId } from '@outpost/shared/ids';
import { readPatient } from '@outpost/shared/model';
import { PatientBuilder } from '@outpost/shared/model/fixtures';
import { getOrThrow } from '@outpost/shared/result';
import { assessRisk } from '@outpost/shared/risk';
import { createMemoryStore } from '../../web/src/lib/db/memory-store';
import { createSyncClient } from '../../web/src/lib/sync/engine';
import { createHttpTransport } from '../../web/src/lib/sync/transport';
import { askSpecialist } from '../../web/src/lib/consults/actions';
import { sha256Hex } from '../../web/src/lib/consults/photo';
import { UPLOAD_CHUNK_BYTES, uploadPhoto } from '../../web/src/lib/consults/upload';
import { openInMemory } from '../../server/src/db/database';
import { clinics, districts } from '../../server/src/db/schema';
import { createLogger } from '../../server/src/logger';
import { createNodeServer } from '../../server/src/main';
import { TEST_SCRYPT } from '../../server/src/auth/passwords';
import { httpRequester, identityFixture } from '../../server/test/support/identity';
import { authorisedFetch, signInTablet } from '../integration/harness';
import { startShapedLink } from './shaped-link';
import { sharp } from '../support/sharp';

const asJson = process.argv.includes('--json');
const CUT_EVERY_MS = 30_000;
/** The first cut lands mid-upload (a run shorter than 30 s would otherwise never be cut). */
const FIRST_CUT_MS = 8_000;
const BASELINE_MAX_ATTEMPTS = 4;
const TEXT_TARGET_MS = 5_000;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const CLINIC = '01930000-0000-7000-8000-0000000c0b01' as ClinicId;
const DISTRICT = '01930000-0000-7000-8000-0000000c0b02';

function progress(message: string): void {
  process.stderr.write(`[bench consults] ${message}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A photo-like JPEG (smooth shapes and sensor noise) near 200 KB, 1600 × 1200. */
async function photo(seed: number): Promise<Uint8Array> {
  const width = 1600;
  const height = 1200;
  const pixels = Buffer.alloc(width * height * 3);
  let state = seed;
  const noise = () => {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    return (state % 21) - 10;
  };
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const wave = Math.sin((x + seed * 97) / 90) * Math.cos(y / 70) * 60;
      pixels[i] = Math.max(0, Math.min(255, 170 + wave + noise()));
      pixels[i + 1] = Math.max(0, Math.min(255, 120 + wave / 2 + noise()));
      pixels[i + 2] = Math.max(0, Math.min(255, 100 - wave / 3 + noise()));
    }
  const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 80 })
    .toBuffer();
  return new Uint8Array(jpeg);
}

/** Retries `attempt` until it succeeds (a cut link: wait a second, try again). */
async function untilDone<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    await sleep(1_000);
  }
}

interface Row {
  readonly name: string;
  readonly outpost: string;
  readonly baseline: string;
  readonly target: string;
  readonly pass: boolean | null;
}

async function main(): Promise<void> {
  progress('starting the server (in-memory PGlite)…');
  const database = await openInMemory();
  await database.migrate(join(repoRoot, 'drizzle'));
  await database.db.insert(districts).values({ id: DISTRICT, name: 'Bench district (fictional)' });
  await database.db
    .insert(clinics)
    .values({ id: CLINIC, districtId: DISTRICT, name: 'Bench clinic (fictional)' });
  const webDir = mkdtempSync(join(tmpdir(), 'outpost-bench-web-'));
  const node = createNodeServer({
    database,
    version: 'bench',
    webDir,
    logger: createLogger('silent'),
    now: () => Date.now(),
    scrypt: TEST_SCRYPT,
  });
  await new Promise<void>((resolve) => node.server.listen(0, '127.0.0.1', () => resolve()));
  const port = (node.server.address() as AddressInfo).port;
  const direct = `http://127.0.0.1:${port}`;
  const ids = identityFixture(httpRequester(direct), database.db);
  const worker = await ids.createUser(CLINIC);
  const specialist = await ids.createUser(CLINIC, {
    role: 'specialist',
    clinicIds: [],
    districtId: DISTRICT,
    specialties: ['general-medicine'],
  });
  const tabletAuth = await signInTablet(ids, CLINIC, worker);
  const specialistAuth = await signInTablet(ids, CLINIC, specialist);
  const specialistFetch = authorisedFetch(specialistAuth);

  progress('the health worker’s tablet: a patient already synced, two photos taken…');
  const store = await createMemoryStore({
    clinicId: CLINIC,
    userId: tabletAuth.userId as UserId,
    clock: { now: () => Date.now() },
    identity: { deviceId: tabletAuth.deviceId },
  });
  const created = getOrThrow(
    await store.createDocument('patient', (doc, ctx) => {
      PatientBuilder.persona('adultWithHypertension')
        .with({ homeClinicId: CLINIC })
        .withVisit({ open: true, vitals: { respiratoryRate: 26, spo2: 90, heartRate: 135 } })
        .build(ctx, doc);
      const view = readPatient(doc);
      return view.ok ? { ok: true as const, value: view.value.id } : view;
    }),
  );
  const directSync = createSyncClient({
    store,
    transport: createHttpTransport({
      url: `${direct}/api/sync`,
      fetch: authorisedFetch(tabletAuth),
      gzip: true,
    }),
    clock: { now: () => Date.now() },
  });
  getOrThrow(await directSync.syncOnce()); // the patient record is on the server already
  const patient = getOrThrow((await store.readPatient(created.docId))!);
  const encounter = patient.encounters.at(-1)!;
  const photos = await Promise.all([photo(1), photo(2)]);
  const shas = await Promise.all(photos.map(sha256Hex));

  // ---------------------------------------------------------------------------
  progress('Outpost: ask, sync the text, then upload the photos over the cut link…');
  const link = await startShapedLink({
    targetPort: port,
    cutEveryMs: CUT_EVERY_MS,
    firstCutAfterMs: FIRST_CUT_MS,
  });
  let roundTrips = 0;
  const linkFetch: typeof fetch = (input, init) => {
    roundTrips += 1;
    return fetch(input, init);
  };
  const tabletFetch = authorisedFetch(tabletAuth, linkFetch);
  const started = performance.now();
  const asked = getOrThrow(
    await askSpecialist(store, {
      patient,
      encounterId: encounter.id,
      assessment: getOrThrow(
        assessRisk(
          {
            ageCompletedMonths: 52 * 12,
            pregnant: false,
            vitals: { respiratoryRatePerMin: 26, spo2Percent: 90, heartRatePerMin: 135 },
          },
          Date.now(),
        ),
      ),
      urgency: 'urgent',
      routing: { kind: 'specialty', specialty: 'general-medicine' },
      question: 'Breathing fast (26/min), SpO2 90 %, pulse 135. Transfer now or treat here?',
      photos: photos.map((bytes, i) => ({
        sha256: shas[i]!,
        width: 1600,
        height: 1200,
        bytes: bytes.length,
      })),
      now: Date.now(),
    }),
  );
  const linkSync = createSyncClient({
    store,
    transport: createHttpTransport({ url: `${link.url}/api/sync`, fetch: tabletFetch, gzip: true }),
    clock: { now: () => Date.now() },
    timeoutMs: 60_000,
  });
  // The specialist watches the queue over a good connection.
  let textAt: number | undefined;
  const watcher = (async () => {
    while (textAt === undefined) {
      const response = await specialistFetch(`${direct}/api/consults`);
      const body = (await response.json()) as { consults?: { docId: string }[] };
      if (body.consults?.some((c) => c.docId === asked.docId)) textAt = performance.now();
      else await sleep(50);
    }
  })();
  await untilDone(async () => {
    const result = await linkSync.syncOnce();
    if (!result.ok) progress(`sync failed (${JSON.stringify(result.error)}); retrying`);
    return result.ok && !result.value.incomplete ? result.value : undefined;
  });
  progress('the text is on the server');
  await watcher;
  progress('the text is in the specialist’s queue; photos next');
  const textBytes = { up: link.counters.up, down: link.counters.down, roundTrips };
  /** Chunk bytes put on the link, attempts cut short included. */
  let sentPhotoBytes = 0;
  for (const [i, bytes] of photos.entries()) {
    await untilDone(async () => {
      const result = await uploadPhoto((path, init) => tabletFetch(`${link.url}${path}`, init), {
        consultDocId: asked.docId,
        sha256: shas[i]!,
        bytes,
        contentType: 'image/jpeg',
        fileName: `photo-${i + 1}.jpg`,
      });
      if (!result.ok && result.error.kind !== 'network')
        throw new Error(`photo refused: ${JSON.stringify(result.error)}`);
      if (!result.ok && result.error.kind === 'network') {
        sentPhotoBytes += result.error.sentBytes;
        progress(`photo ${i + 1}: link cut after ${result.error.sentBytes} bytes; resuming`);
      } else if (result.ok) {
        sentPhotoBytes += result.value.sentBytes;
        progress(`photo ${i + 1}: uploaded (${result.value.requests} requests)`);
      }
      return result.ok ? true : undefined;
    });
  }
  for (const sha of shas) {
    const response = await specialistFetch(`${direct}/api/attachments/${sha}?variant=thumb`);
    if (response.status !== 200) throw new Error(`the specialist cannot open photo ${sha}`);
  }
  const photosAt = performance.now();
  const outpost = {
    up: link.counters.up,
    down: link.counters.down,
    roundTrips,
    textMs: textAt! - started,
    photosMs: photosAt - started,
    cuts: link.counters.cuts,
    resentBytes: sentPhotoBytes - photos.reduce((sum, p) => sum + p.length, 0),
  };
  await link.close();

  // ---------------------------------------------------------------------------
  progress('Baseline: one JSON request with base64 photos, restarted after each cut…');
  const sink = createHttpServer((request, response) => {
    request.on('data', () => undefined);
    request.on('end', () => {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', () => resolve()));
  const baselineLink = await startShapedLink({
    targetPort: (sink.address() as AddressInfo).port,
    cutEveryMs: CUT_EVERY_MS,
    firstCutAfterMs: FIRST_CUT_MS,
  });
  const consult = (await store.readConsult(asked.docId))!;
  const naiveBody = JSON.stringify({
    consult: getOrThrow(consult),
    photos: photos.map((bytes) => Buffer.from(bytes).toString('base64')),
  });
  let baselineTrips = 0;
  let baselineDone = false;
  const baselineStart = performance.now();
  // A request longer than the link stays up never completes: give up after a few tries.
  while (!baselineDone && baselineTrips < BASELINE_MAX_ATTEMPTS) {
    baselineTrips += 1;
    try {
      const response = await fetch(`${baselineLink.url}/consults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: naiveBody,
        signal: AbortSignal.timeout(120_000),
      });
      await response.arrayBuffer();
      baselineDone = response.ok;
    } catch {
      progress(`baseline: attempt ${baselineTrips} cut; starting again from zero`);
      await sleep(1_000);
    }
  }
  const baseline = {
    up: baselineLink.counters.up,
    down: baselineLink.counters.down,
    roundTrips: baselineTrips,
    ms: baselineDone ? performance.now() - baselineStart : undefined,
    completed: baselineDone,
    cuts: baselineLink.counters.cuts,
  };
  await baselineLink.close();
  sink.close();

  await node.live.close();
  node.server.closeAllConnections();
  await new Promise<void>((resolve) => node.server.close(() => resolve()));
  await database.close();
  rmSync(webDir, { recursive: true, force: true });

  // ---------------------------------------------------------------------------
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const photoBytes = photos.reduce((sum, p) => sum + p.length, 0);
  const baselineTime =
    baseline.ms === undefined ? `never (${baseline.roundTrips} tries cut)` : s(baseline.ms);
  const rows: Row[] = [
    {
      name: 'text reaches the specialist',
      outpost: s(outpost.textMs),
      baseline: baselineTime,
      target: `< ${s(TEXT_TARGET_MS)}`,
      pass: outpost.textMs < TEXT_TARGET_MS,
    },
    {
      name: 'photos reach the specialist',
      outpost: s(outpost.photosMs),
      baseline: baselineTime,
      target: 'reported',
      pass: null,
    },
    {
      name: 'text: bytes up / down, round trips',
      outpost: `${kb(textBytes.up)} / ${kb(textBytes.down)}, ${textBytes.roundTrips}`,
      baseline: '—',
      target: 'reported',
      pass: null,
    },
    {
      name: 'total: bytes up / down',
      outpost: `${kb(outpost.up)} / ${kb(outpost.down)}`,
      baseline: `${kb(baseline.up)} / ${kb(baseline.down)}`,
      target: `≤ baseline up`,
      pass: outpost.up <= baseline.up,
    },
    {
      name: 'total: round trips',
      outpost: String(outpost.roundTrips),
      baseline: String(baseline.roundTrips),
      target: 'reported',
      pass: null,
    },
    {
      name: 'photo bytes re-sent after cuts',
      outpost: `${kb(outpost.resentBytes)} (${((100 * outpost.resentBytes) / photoBytes).toFixed(0)} %)`,
      baseline: `${kb(baseline.up - naiveBody.length)} (restarts from zero)`,
      target: `≤ 1 chunk (${UPLOAD_CHUNK_BYTES / 1024} KiB) per cut`,
      pass: outpost.resentBytes <= outpost.cuts * UPLOAD_CHUNK_BYTES,
    },
    {
      name: 'link cuts during the run',
      outpost: String(outpost.cuts),
      baseline: String(baseline.cuts),
      target: 'reported',
      pass: null,
    },
  ];
  const result = {
    link: { bitsPerSecond: 256_000, roundTripMs: 600, cutEveryMs: CUT_EVERY_MS },
    photos: { count: photos.length, bytes: photoBytes },
    outpost: { ...outpost, text: textBytes },
    baseline,
    rows,
  };
  if (asJson) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const widths = [36, 26, 22, 22, 6];
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join(' | ')
      .trimEnd();
  console.log(
    `Consult with ${photos.length} photos (${kb(photoBytes)}) over 256 kbit/s, 600 ms RTT, cut at ${FIRST_CUT_MS / 1000} s and every ${CUT_EVERY_MS / 1000} s after`,
  );
  console.log(line(['measure', 'Outpost', 'baseline (one JSON POST)', 'target', 'pass']));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of rows)
    console.log(
      line([
        row.name,
        row.outpost,
        row.baseline,
        row.target,
        row.pass === null ? '' : row.pass ? 'yes' : 'NO',
      ]),
    );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
