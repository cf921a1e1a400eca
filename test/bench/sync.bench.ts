/**
 * `pnpm bench sync [--json]`: bytes, round trips and time on a simulated 2G
 * link (256 kbit/s, 600 ms RTT) for four sync scenarios, measured for Outpost
 * (the real engine, store, HTTP transport and server) and, in the same run, for
 * the information floor (gzip of the same data as plain JSON) and PouchDB
 * replication of the same workload. See docs/benchmarks.md.
 *
 * Scenarios, on the deterministic clinic workload (2,000 patients) and one
 * clinic day on top of it:
 *   (a) first sync of an empty tablet;
 *   (b) pushing one offline clinic day from a tablet that was in sync;
 *   (c) another tablet (in sync before the day) pulling that day;
 *   (d) a sync with nothing to do.
 * The server is first loaded by a seeding tablet pushing the whole workload
 * over the same link (not a scenario; its counts are in the JSON output), which
 * then syncs once more so it is in sync; it is the tablet of (b).
 *
 * Exit code 0 whether targets pass or fail; non-zero only if the run broke.
 */
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import type { ClinicId } from '@outpost/shared/ids';
import { generateClinicDay, generateClinicWorkload } from '@outpost/shared/model/workload';
import { MAX_PAGE_BYTES } from '@outpost/shared/sync';
import { diffCounters, linkSeconds, settle, type CountingLink, type LinkCounters } from './link';
import {
  createOutpostTablet,
  saveChange,
  saveRecord,
  startOutpostServer,
  type ResponseRecord,
} from './outpost';
import { createPouchTablet, startPouchServer } from './pouch';
import { gzipSize, jsonDelta, jsonSize, kindOf, recordJson, type JsonObject } from './records';

const CLINIC_ID = '01930000-0000-7000-8000-0000000be4c0' as ClinicId;
const asJson = process.argv.includes('--json');

type ScenarioId = 'a' | 'b' | 'c' | 'd';
const SCENARIOS: Record<ScenarioId, string> = {
  a: '(a) first sync, empty tablet',
  b: '(b) push one clinic day',
  c: '(c) other tablet pulls the day',
  d: '(d) nothing to do',
};

interface Measured extends LinkCounters {
  /** Simulated link time (s): roundTrips × 0.6 + (up + down) × 8 / 256,000. */
  readonly linkSeconds: number;
  /** Wall time on loopback (ms): client and server processing, no link delay. */
  readonly loopbackMs: number;
  /** The scenario's payload direction (down for a/c, up for b) ÷ the floor. */
  readonly floorRatio: number | null;
}

interface ScenarioResult {
  readonly id: ScenarioId;
  readonly name: string;
  /** gzip(JSON) of the scenario's data; null for (d). */
  readonly floorBytes: number | null;
  readonly outpost: Measured;
  readonly pouchdb: Measured;
  readonly target: string;
  readonly pass: boolean;
  readonly failures: readonly string[];
}

function progress(message: string): void {
  process.stderr.write(`[bench sync] ${message}\n`);
}

async function measure(
  link: CountingLink,
  floorBytes: number | null,
  direction: 'up' | 'down' | null,
  run: () => Promise<unknown>,
): Promise<Measured> {
  await settle(link);
  const before = link.snapshot();
  const started = performance.now();
  await run();
  const loopbackMs = performance.now() - started;
  await settle(link);
  const counted = diffCounters(link.snapshot(), before);
  return {
    ...counted,
    serverMs: Math.round(counted.serverMs),
    linkSeconds: linkSeconds(counted.roundTrips, counted.up + counted.down),
    loopbackMs: Math.round(loopbackMs),
    floorRatio: floorBytes === null || direction === null ? null : counted[direction] / floorBytes,
  };
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  progress('generating the workload (2,000 patients) and one clinic day…');
  const workload = generateClinicWorkload({ clinicId: CLINIC_ID });
  const baseChanges = [...workload.changes];
  const baseRecords = [...workload.records];

  // Floor (a): every record's JSON, before the day.
  const beforeDay = new Map<string, JsonObject>();
  for (const record of baseRecords)
    beforeDay.set(record.docId, recordJson(record.doc, record.kind));
  const allRecords = [...beforeDay].map(([id, json]) => ({ id, ...json }));
  const floorA = gzipSize(allRecords);

  // Outpost's seeding tablet holds the workload as authored (before the day is added).
  const outpostServer = await startOutpostServer(CLINIC_ID);
  const seedTablet = await createOutpostTablet(outpostServer, CLINIC_ID, {
    clientId: workload.clientId,
  });
  for (const record of baseRecords) await saveRecord(seedTablet, record);

  const day = generateClinicDay(workload);
  const dayDocIds = [...new Set(day.map((change) => change.docId))];
  const dayEntries = dayDocIds.map((id) => {
    const record = workload.records.find((candidate) => candidate.docId === id)!;
    const delta = jsonDelta(beforeDay.get(id), recordJson(record.doc, record.kind));
    return { id, ...(delta as JsonObject) };
  });
  const floorB = gzipSize(dayEntries);

  // ---------------------------------------------------------------------------
  // Outpost
  progress('Outpost: seeding the server from the authoring tablet over the link…');
  const outpostLink = outpostServer.link;
  const seedOutpost = await measure(outpostLink, null, null, () => seedTablet.sync());
  await seedTablet.sync(); // in sync: nothing left to push or pull (as for PouchDB below)
  const fresh = await createOutpostTablet(outpostServer, CLINIC_ID);
  progress('Outpost: (a) first sync of an empty tablet…');
  const pagesFrom = outpostServer.responses.length;
  const outpostA = await measure(outpostLink, floorA, 'down', () => fresh.sync());
  const pages: ResponseRecord[] = outpostServer.responses.slice(pagesFrom);
  progress('Outpost: (b) the authoring tablet saves a clinic day offline, then syncs…');
  const known = new Set(baseRecords.map((record) => record.docId));
  for (const change of day) await saveChange(seedTablet, change, known);
  const outpostB = await measure(outpostLink, floorB, 'up', () => seedTablet.sync());
  progress('Outpost: (c) the other tablet pulls the day…');
  const outpostC = await measure(outpostLink, floorB, 'down', () => fresh.sync());
  progress('Outpost: (d) a sync with nothing to do…');
  const outpostD = await measure(outpostLink, null, null, () => fresh.sync());
  const outpostPatients = (await fresh.store.listPatients({ limit: 100_000 })).length;
  const outpostConsults = (await fresh.store.listConsults()).length;
  await outpostServer.close();

  // ---------------------------------------------------------------------------
  // PouchDB
  progress('PouchDB: the authoring tablet saves every change as a revision…');
  const pouchServer = await startPouchServer();
  const pouchLink = pouchServer.link;
  const pouchSeed = createPouchTablet(pouchServer);
  const replicas = new Map<string, Y.Doc>();
  const saveRevision = async (change: { docId: string; update: Uint8Array }) => {
    let doc = replicas.get(change.docId);
    if (doc === undefined) {
      doc = new Y.Doc();
      replicas.set(change.docId, doc);
    }
    Y.applyUpdate(doc, change.update);
    await pouchSeed.save(change.docId, recordJson(doc, kindOf(change.docId)));
  };
  for (const change of baseChanges) await saveRevision(change);
  progress('PouchDB: seeding the server by replication over the link…');
  const seedPouch = await measure(pouchLink, null, null, () =>
    pouchSeed.sync({ createDatabase: true }),
  );
  // In sync: its pull checkpoint moves past the documents it pushed itself.
  await pouchSeed.sync();
  const pouchFresh = createPouchTablet(pouchServer);
  progress('PouchDB: (a) first sync of an empty tablet…');
  const pouchA = await measure(pouchLink, floorA, 'down', () => pouchFresh.sync());
  progress('PouchDB: (b) a clinic day saved offline, then synced…');
  for (const change of day) await saveRevision(change);
  const pouchB = await measure(pouchLink, floorB, 'up', () => pouchSeed.sync());
  progress('PouchDB: (c) the other tablet pulls the day…');
  const pouchC = await measure(pouchLink, floorB, 'down', () => pouchFresh.sync());
  progress('PouchDB: (d) a sync with nothing to do…');
  const pouchD = await measure(pouchLink, null, null, () => pouchFresh.sync());
  const pouchDocs = await pouchFresh.docCount();
  await pouchSeed.close();
  await pouchFresh.close();
  await pouchServer.close();

  // ---------------------------------------------------------------------------
  // Targets
  const expectedDocs = workload.records.length;
  if (outpostPatients + outpostConsults !== expectedDocs || pouchDocs !== expectedDocs)
    throw new Error(
      `replication incomplete: expected ${expectedDocs} records, Outpost tablet has ` +
        `${outpostPatients + outpostConsults}, PouchDB tablet ${pouchDocs}`,
    );
  const maxPageDecoded = Math.max(...pages.map((page) => page.decodedBytes));
  const checks: Record<ScenarioId, { target: string; failures: string[] }> = {
    a: {
      target: `down ≤ 1.15× floor, pages ≤ ${MAX_PAGE_BYTES / 1024} KiB`,
      failures: [
        ...(outpostA.down > 1.15 * floorA ? ['bytes down > 1.15× floor'] : []),
        ...(maxPageDecoded > MAX_PAGE_BYTES ? ['a page > 512 KiB'] : []),
      ],
    },
    b: {
      target: 'up ≤ 1.3× floor, 1 round trip, < 3 s',
      failures: [
        ...(outpostB.up > 1.3 * floorB ? ['bytes up > 1.3× floor'] : []),
        ...(outpostB.roundTrips !== 1 ? [`${outpostB.roundTrips} round trips`] : []),
        ...(outpostB.linkSeconds >= 3 ? ['≥ 3 s on the link'] : []),
      ],
    },
    c: {
      target: 'down ≤ 1.3× floor, 1 round trip',
      failures: [
        ...(outpostC.down > 1.3 * floorB ? ['bytes down > 1.3× floor'] : []),
        ...(outpostC.roundTrips !== 1 ? [`${outpostC.roundTrips} round trips`] : []),
      ],
    },
    d: {
      target: '1 round trip, < 1 KiB',
      failures: [
        ...(outpostD.roundTrips !== 1 ? [`${outpostD.roundTrips} round trips`] : []),
        ...(outpostD.up + outpostD.down >= 1024 ? ['≥ 1 KiB'] : []),
      ],
    },
  };
  const measured: Record<ScenarioId, [Measured, Measured, number | null]> = {
    a: [outpostA, pouchA, floorA],
    b: [outpostB, pouchB, floorB],
    c: [outpostC, pouchC, floorB],
    d: [outpostD, pouchD, null],
  };
  const results: ScenarioResult[] = (Object.keys(SCENARIOS) as ScenarioId[]).map((id) => {
    const [outpost, pouchdb, floorBytes] = measured[id];
    const { target, failures } = checks[id];
    return {
      id,
      name: SCENARIOS[id],
      floorBytes,
      outpost,
      pouchdb,
      target,
      pass: failures.length === 0,
      failures,
    };
  });

  const report = {
    benchmark: 'sync',
    link: { rttMs: 600, bitsPerSecond: 256_000 },
    workload: {
      patients: baseRecords.filter((record) => record.kind === 'patient').length,
      consults: baseRecords.filter((record) => record.kind === 'consult').length,
      changes: baseChanges.length,
      dayChanges: day.length,
      dayRecordsTouched: dayDocIds.length,
    },
    floor: {
      definition:
        'gzip (zlib level 6) of JSON.stringify of the records as plain JSON: (a) every patient and consult; (b)/(c) the day’s new entries (new records whole, appended entries and changed keys of existing ones)',
      a: { gzipBytes: floorA, jsonBytes: jsonSize(allRecords) },
      bc: { gzipBytes: floorB, jsonBytes: jsonSize(dayEntries) },
    },
    scenarios: results,
    outpostPages: pages,
    seeding: { outpost: seedOutpost, pouchdb: seedPouch },
    totalSeconds: Math.round((performance.now() - startedAt) / 1000),
  };

  if (asJson) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  process.stdout.write(renderTable(results, pages, report.workload, report.floor));
}

const kib = (bytes: number): string =>
  bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(2)} MiB`
    : bytes >= 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${bytes} B`;
const ratio = (value: number | null): string => (value === null ? '—' : `${value.toFixed(2)}×`);
const seconds = (value: number): string => `${value.toFixed(1)} s`;

function renderTable(
  results: readonly ScenarioResult[],
  pages: readonly ResponseRecord[],
  workload: { patients: number; consults: number; dayChanges: number; dayRecordsTouched: number },
  floor: { a: { jsonBytes: number }; bc: { jsonBytes: number } },
): string {
  const header = [
    'Scenario',
    'Floor',
    'Outpost up',
    'down',
    'RTs',
    'link',
    '×floor',
    'Target',
    'Result',
    'PouchDB up',
    'down',
    'RTs',
    'link',
    '×floor',
  ];
  const rows = results.map((result) => [
    result.name,
    result.floorBytes === null ? '—' : kib(result.floorBytes),
    kib(result.outpost.up),
    kib(result.outpost.down),
    String(result.outpost.roundTrips),
    seconds(result.outpost.linkSeconds),
    ratio(result.outpost.floorRatio),
    result.target,
    result.pass ? 'PASS' : `FAIL (${result.failures.join('; ')})`,
    kib(result.pouchdb.up),
    kib(result.pouchdb.down),
    String(result.pouchdb.roundTrips),
    seconds(result.pouchdb.linkSeconds),
    ratio(result.pouchdb.floorRatio),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const numeric = new Set([1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13]);
  const line = (cells: readonly string[]) =>
    `| ${cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (numeric.has(column) ? `${'-'.repeat(width + 1)}:` : `${'-'.repeat(width + 2)}`)).join('|')}|`;
  const out: string[] = [];
  out.push(
    `Sync benchmark: ${workload.patients} patients + ${workload.consults} consults; clinic day = ${workload.dayChanges} changes to ${workload.dayRecordsTouched} records.`,
    'Link: 256 kbit/s, 600 ms RTT; link time = round trips × 0.6 s + (up + down) × 8 / 256,000. Bytes are on the wire (headers included, compressed as sent).',
    `Floor = gzip(JSON) of the same data: (a) all records (JSON ${kib(floor.a.jsonBytes)}); (b)/(c) the day’s new entries (JSON ${kib(floor.bc.jsonBytes)}). ×floor compares the payload direction (down for a/c, up for b).`,
    '',
    line(header),
    rule,
    ...rows.map(line),
    '',
    `Server time on loopback (sum of request → response headers), a/b/c/d: Outpost ${results.map((result) => `${result.outpost.serverMs} ms`).join(', ')}; PouchDB ${results.map((result) => `${result.pouchdb.serverMs} ms`).join(', ')}. Not included in link time.`,
    `Outpost (a) pages: ${pages.length}; on the wire ${pages.map((page) => kib(page.wireBytes)).join(', ')}; decoded ${pages.map((page) => kib(page.decodedBytes)).join(', ')} (target ≤ 512 KiB each).`,
    '',
  );
  return out.join('\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `[bench sync] the run broke: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
