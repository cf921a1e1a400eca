/**
 * `pnpm bench devices [--json]`: device decoding speed and the size of a
 * continuous-monitoring session.
 *
 * (1) Packets decoded per second per characteristic (and for the Contec CMS50
 *     serial stream): the app's real path, bytes → typed message →
 *     observations (`parseCharacteristic` + `toObservations`; the CMS50 stream
 *     through `createCms50Parser` in the 100 ms bursts a USB bridge delivers).
 *     Target: ≥ 10,000 packets/s each (a device sends at most ~100/s, so this
 *     is two orders of magnitude of headroom on a slow tablet).
 * (2) An 8-hour 1 Hz monitoring session (deterministic: a patient drifting
 *     slowly, a degradation after 5 h, finger out 1 % of the time), through
 *     the real code: `OneHertzSampler` on live values at 10 Hz, `encodeChunk`
 *     (5-minute chunks, as stored in the tablet's `streams` table),
 *     `summariseMinute` + `recordMonitoringMinutes` / `startMonitoring` /
 *     `stopMonitoring` on a real patient Y.Doc.
 *     - stored on the tablet: the chunks plus their row fields (key, ids)
 *       and the session row. Target ≤ 1 MB.
 *     - synced: the Yjs updates the summary operations produce (what the
 *       outbox pushes and the server stores). Target ≤ 50 KB. Also shown: the
 *       same pushed every 15 minutes, merged, with the push framing.
 *
 * Exit code 0 whether targets pass or fail; non-zero only if the run broke.
 */
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import {
  BLOOD_PRESSURE_MEASUREMENT_UUID,
  BATTERY_LEVEL_UUID,
  CHUNK_SECONDS,
  GLUCOSE_MEASUREMENT_UUID,
  HEART_RATE_MEASUREMENT_UUID,
  INTERMEDIATE_CUFF_PRESSURE_UUID,
  OneHertzSampler,
  PLX_CONTINUOUS_UUID,
  PLX_SPOT_CHECK_UUID,
  TEMPERATURE_MEASUREMENT_UUID,
  WEIGHT_MEASUREMENT_UUID,
  createCms50Parser,
  decodeChunk,
  encodeBatteryLevel,
  encodeChunk,
  encodeIntermediateCuffPressure,
  encodePlxContinuous,
  generateCms50Stream,
  hexToBytes,
  parseCharacteristic,
  toObservations,
  type MonitorSample,
} from '@outpost/shared/devices';
import { FIXTURES } from '@outpost/shared/devices/fixtures';
import { seededRandom } from '@outpost/shared/model/fixtures';
import {
  createPatient,
  readMonitoring,
  recordMonitoringMinutes,
  startEncounter,
  startMonitoring,
  stopMonitoring,
  summariseMinute,
} from '@outpost/shared/model';
import { TEST_CLINIC_ID, createTestContext } from '@outpost/shared/model/fixtures';
import { getOrThrow } from '@outpost/shared/result';

const asJson = process.argv.includes('--json');
const PARSE_TARGET_PER_S = 10_000;
const SYNCED_TARGET_BYTES = 50 * 1024;
const STORED_TARGET_BYTES = 1024 * 1024;
const SESSION_HOURS = 8;
/** Bytes a push costs beyond its update (ids, times, framing): local-store.ts PUSH_OVERHEAD_BYTES. */
const PUSH_OVERHEAD_BYTES = 64;

function progress(message: string): void {
  process.stderr.write(`[bench devices] ${message}\n`);
}

const hex = (value: string) => {
  const bytes = hexToBytes(value);
  if (!bytes.ok) throw new Error(`bad fixture ${value}`);
  return bytes.value;
};

interface ParseResult {
  readonly name: string;
  readonly uuid: string;
  readonly packets: number;
  readonly packetsPerSecond: number;
  readonly pass: boolean;
}

/** Packets decoded per second, over ≥ 300 ms after a warm-up. */
function measureParse(name: string, uuid: number, packets: readonly Uint8Array[]): ParseResult {
  const nowMs = Date.UTC(2026, 0, 1);
  const run = (count: number) => {
    let observations = 0;
    for (let i = 0; i < count; i++) {
      const parsed = parseCharacteristic(uuid, packets[i % packets.length]!);
      if (!parsed.ok) throw new Error(`${name}: ${parsed.error.type}`);
      observations += toObservations(parsed.value, { nowMs }).observations.length;
    }
    return observations;
  };
  run(5_000);
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < 300) {
    run(2_000);
    count += 2_000;
  }
  const perSecond = count / ((performance.now() - started) / 1000);
  return {
    name,
    uuid: `0x${uuid.toString(16).toUpperCase().padStart(4, '0')}`,
    packets: count,
    packetsPerSecond: Math.round(perSecond),
    pass: perSecond >= PARSE_TARGET_PER_S,
  };
}

function measureCms50(): ParseResult {
  const stream = generateCms50Stream(
    { next: seededRandom(3) },
    {
      packets: 60 * 60,
      noiseProbability: 0.001,
    },
  );
  const burst = 30; // 100 ms of a 60 packet/s stream, as a USB bridge delivers it
  const run = () => {
    const parser = createCms50Parser();
    let samples = 0;
    for (let offset = 0; offset < stream.length; offset += burst) {
      for (const event of parser.push(stream.subarray(offset, offset + burst)))
        if (event.type === 'sample') samples++;
    }
    return samples;
  };
  run();
  let packets = 0;
  const started = performance.now();
  while (performance.now() - started < 300) packets += run();
  const perSecond = packets / ((performance.now() - started) / 1000);
  return {
    name: 'Contec CMS50 stream (serial)',
    uuid: 'cms50',
    packets,
    packetsPerSecond: Math.round(perSecond),
    pass: perSecond >= PARSE_TARGET_PER_S,
  };
}

function parseBenchmarks(): ParseResult[] {
  const cuff = [180, 150, 120, 90, 60].map((c) =>
    encodeIntermediateCuffPressure({ unit: 'mmHg', cuffPressure: c }),
  );
  const plx = [95, 96, 97, 98].map((s) =>
    encodePlxContinuous({ spo2Percent: s, pulseRateBpm: 70 + s - 95 }),
  );
  return [
    measureParse('Heart Rate Measurement', HEART_RATE_MEASUREMENT_UUID, [
      hex(FIXTURES.heartRate.uint8),
      hex(FIXTURES.heartRate.contactWithRr),
    ]),
    measureParse('Blood Pressure Measurement', BLOOD_PRESSURE_MEASUREMENT_UUID, [
      hex(FIXTURES.bloodPressure.mmHg),
      hex(FIXTURES.bloodPressure.kPa),
      hex(FIXTURES.bloodPressure.full),
    ]),
    measureParse('Intermediate Cuff Pressure', INTERMEDIATE_CUFF_PRESSURE_UUID, cuff),
    measureParse('Temperature Measurement', TEMPERATURE_MEASUREMENT_UUID, [
      hex(FIXTURES.temperature.celsiusMouth),
      hex(FIXTURES.temperature.fahrenheit),
    ]),
    measureParse('PLX Spot-Check Measurement', PLX_SPOT_CHECK_UUID, [
      hex(FIXTURES.plxSpotCheck.basic),
    ]),
    measureParse('PLX Continuous Measurement', PLX_CONTINUOUS_UUID, plx),
    measureParse('Weight Measurement', WEIGHT_MEASUREMENT_UUID, [
      hex(FIXTURES.weight.kg),
      hex(FIXTURES.weight.lb),
    ]),
    measureParse('Glucose Measurement', GLUCOSE_MEASUREMENT_UUID, [hex(FIXTURES.glucose.kgPerL)]),
    measureParse('Battery Level', BATTERY_LEVEL_UUID, [encodeBatteryLevel({ levelPercent: 87 })]),
    measureCms50(),
  ];
}

// ---------------------------------------------------------------------------
// The 8-hour session

interface SessionResult {
  readonly hours: number;
  readonly samples: number;
  readonly gaps: number;
  readonly minutes: number;
  readonly chunks: number;
  readonly chunkBytes: number;
  readonly rowOverheadBytes: number;
  readonly storedBytes: number;
  readonly storedPass: boolean;
  readonly syncedBytes: number;
  readonly syncedPass: boolean;
  /** Pushed every 15 min: merged updates plus per-push framing and doc id. */
  readonly syncedAs15MinPushesBytes: number;
  readonly documentGrowthBytes: number;
  readonly encodeMs: number;
  readonly summaryMs: number;
  readonly roundTripOk: boolean;
}

function monitoringSession(): SessionResult {
  const ctx = createTestContext({ startMs: Date.UTC(2026, 2, 1, 20, 0, 0) });
  const doc = new Y.Doc();
  getOrThrow(
    createPatient(doc, ctx, { homeClinicId: TEST_CLINIC_ID, profile: { givenName: 'Bench' } }),
  );
  const encounterId = getOrThrow(startEncounter(doc, ctx, {}));
  const baseline = Y.encodeStateAsUpdate(doc).length;
  const updates: Uint8Array[] = [];
  const capture = (update: Uint8Array) => updates.push(update);
  doc.on('update', capture);

  const startMs = ctx.clock.now();
  const sessionId = getOrThrow(
    startMonitoring(doc, ctx, {
      encounterId,
      device: { id: 'usb-10c4-ea60-cms50', name: 'CMS50D+' },
      startedAt: startMs,
    }),
  );
  const random = { next: seededRandom(42) };
  const sampler = new OneHertzSampler();
  const startSec = Math.floor(startMs / 60_000) * 60;
  const chunks = new Map<number, MonitorSample[]>();
  let minuteSamples: MonitorSample[] = [];
  let currentMinute: number | undefined;
  let spo2 = 97;
  let pulse = 78;
  let samples = 0;
  let gaps = 0;
  let summaryMs = 0;
  let minutes = 0;
  const totalSeconds = SESSION_HOURS * 3600;

  const onSample = (sample: MonitorSample) => {
    samples++;
    if (sample.spo2 === null) gaps++;
    const minute = Math.floor(sample.atSec / 60);
    if (currentMinute !== undefined && minute > currentMinute) {
      const t0 = performance.now();
      const summary = summariseMinute(currentMinute, minuteSamples);
      ctx.clock.advance(0);
      if (summary) {
        getOrThrow(
          recordMonitoringMinutes(doc, ctx, {
            sessionId,
            minutes: [
              {
                minute: summary.minute,
                samples: summary.samples,
                ...(summary.spo2 && { spo2: [...summary.spo2] as [number, number, number] }),
                ...(summary.pulse && { pulse: [...summary.pulse] as [number, number, number] }),
              },
            ],
          }),
        );
        minutes++;
      }
      summaryMs += performance.now() - t0;
      minuteSamples = [];
    }
    currentMinute = minute;
    minuteSamples.push(sample);
    const seq = Math.floor((sample.atSec - startSec) / CHUNK_SECONDS);
    const chunk = chunks.get(seq) ?? [];
    chunk.push(sample);
    chunks.set(seq, chunk);
  };

  for (let second = 0; second < totalSeconds; second++) {
    // Drift once a second; degrade after 5 h; finger out ~1 % of the time in runs.
    if (random.next() < 0.5) spo2 += random.next() < 0.5 ? -1 : 1;
    if (random.next() < 0.5) pulse += random.next() < 0.5 ? -1 : 1;
    const target = second > 5 * 3600 ? { spo2: 90, pulse: 112 } : { spo2: 97, pulse: 78 };
    spo2 = Math.max(
      80,
      Math.min(100, spo2 + Math.sign(target.spo2 - spo2) * (random.next() < 0.2 ? 1 : 0)),
    );
    pulse = Math.max(
      50,
      Math.min(160, pulse + Math.sign(target.pulse - pulse) * (random.next() < 0.2 ? 1 : 0)),
    );
    const fingerOut = second % 6000 >= 5940; // one minute in 100 minutes
    for (let tick = 0; tick < 10; tick++) {
      const atMs = startMs + second * 1000 + tick * 100;
      ctx.clock.advance(atMs - ctx.clock.now());
      for (const done of sampler.push({
        atMs,
        spo2Percent: fingerOut ? null : spo2,
        pulseRateBpm: fingerOut ? null : pulse,
        fingerOut,
      }))
        onSample(done);
    }
  }
  const last = sampler.flush();
  if (last) onSample(last);
  if (currentMinute !== undefined) {
    const summary = summariseMinute(currentMinute, minuteSamples);
    if (summary) {
      getOrThrow(
        recordMonitoringMinutes(doc, ctx, {
          sessionId,
          minutes: [
            {
              minute: summary.minute,
              samples: summary.samples,
              ...(summary.spo2 && { spo2: [...summary.spo2] as [number, number, number] }),
              ...(summary.pulse && { pulse: [...summary.pulse] as [number, number, number] }),
            },
          ],
        }),
      );
      minutes++;
    }
  }
  getOrThrow(stopMonitoring(doc, ctx, { sessionId }));
  doc.off('update', capture);

  // The tablet side: every chunk as stored (the real encoder), with its row fields.
  const t0 = performance.now();
  let chunkBytes = 0;
  let rowOverheadBytes = 0;
  let roundTripOk = true;
  for (const [seq, chunkSamples] of chunks) {
    const bytes = encodeChunk(chunkSamples);
    chunkBytes += bytes.length;
    const row = {
      key: `chunk|${sessionId}|${String(seq).padStart(6, '0')}`,
      kind: 'chunk',
      sessionId,
      seq,
      count: chunkSamples.length,
    };
    rowOverheadBytes += JSON.stringify(row).length;
    const decoded = decodeChunk(bytes);
    if (!decoded.ok || decoded.value.length !== chunkSamples.length) roundTripOk = false;
  }
  const encodeMs = performance.now() - t0;
  rowOverheadBytes += JSON.stringify({
    key: `session|${sessionId}`,
    kind: 'session',
    sessionId,
    patientDocId: `patient/${sessionId}`,
    encounterId,
    deviceId: 'usb-10c4-ea60-cms50',
    deviceName: 'CMS50D+',
    startSec,
    startedAt: startMs,
    stoppedAt: ctx.clock.now(),
  }).length;

  const syncedBytes = updates.reduce((sum, u) => sum + u.length, 0);
  const docId = `patient/${sessionId}`;
  let syncedAs15MinPushesBytes = 0;
  for (let i = 0; i < updates.length; i += 15) {
    syncedAs15MinPushesBytes +=
      Y.mergeUpdates(updates.slice(i, i + 15)).length + PUSH_OVERHEAD_BYTES + docId.length;
  }
  const view = readMonitoring(doc);
  if (view.sessions[0]?.minutes.length !== minutes) roundTripOk = false;
  const storedBytes = chunkBytes + rowOverheadBytes;
  return {
    hours: SESSION_HOURS,
    samples,
    gaps,
    minutes,
    chunks: chunks.size,
    chunkBytes,
    rowOverheadBytes,
    storedBytes,
    storedPass: storedBytes <= STORED_TARGET_BYTES,
    syncedBytes,
    syncedPass: syncedBytes <= SYNCED_TARGET_BYTES,
    syncedAs15MinPushesBytes,
    documentGrowthBytes: Y.encodeStateAsUpdate(doc).length - baseline,
    encodeMs: Math.round(encodeMs),
    summaryMs: Math.round(summaryMs),
    roundTripOk,
  };
}

// ---------------------------------------------------------------------------
// Output

const kib = (bytes: number): string =>
  bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(2)} MiB`
    : bytes >= 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${bytes} B`;

function table(header: readonly string[], rows: readonly string[][], numeric: Set<number>): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (numeric.has(column) ? `${'-'.repeat(width + 1)}:` : `${'-'.repeat(width + 2)}`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function render(parse: readonly ParseResult[], session: SessionResult): string {
  const parseTable = table(
    ['Characteristic', 'UUID', 'Packets/s', 'Target', 'Result'],
    parse.map((r) => [
      r.name,
      r.uuid,
      r.packetsPerSecond.toLocaleString('en-GB'),
      `≥ ${PARSE_TARGET_PER_S.toLocaleString('en-GB')}`,
      r.pass ? 'PASS' : 'FAIL',
    ]),
    new Set([2]),
  );
  const sessionTable = table(
    ['8-hour 1 Hz monitoring session', 'Bytes', 'Target', 'Result'],
    [
      [
        `Stored on the tablet (${session.chunks} chunks of ≤ 5 min + rows)`,
        kib(session.storedBytes),
        '≤ 1 MiB',
        session.storedPass ? 'PASS' : 'FAIL',
      ],
      [
        `  of which chunk bytes (${(session.chunkBytes / session.samples).toFixed(2)} B/sample)`,
        kib(session.chunkBytes),
        '',
        '',
      ],
      [
        `Synced: summary updates (${session.minutes} minutes + start + stop)`,
        kib(session.syncedBytes),
        '≤ 50 KiB',
        session.syncedPass ? 'PASS' : 'FAIL',
      ],
      [
        '  as pushed every 15 min (merged, with push framing)',
        kib(session.syncedAs15MinPushesBytes),
        '',
        '',
      ],
      ['  record document growth', kib(session.documentGrowthBytes), '', ''],
    ],
    new Set([1]),
  );
  return [
    'Device decoding: bytes → typed message → observations, packets per second (Node, one core).',
    '',
    parseTable,
    '',
    `Monitoring: ${session.samples.toLocaleString('en-GB')} samples (${session.gaps} gap seconds), ${session.minutes} minute summaries; chunk encode+decode ${session.encodeMs} ms, summaries ${session.summaryMs} ms; round trip ${session.roundTripOk ? 'ok' : 'BROKEN'}.`,
    '',
    sessionTable,
    '',
  ].join('\n');
}

function main(): void {
  progress('decoding packets…');
  const parse = parseBenchmarks();
  progress('simulating an 8-hour monitoring session…');
  const session = monitoringSession();
  if (!session.roundTripOk) throw new Error('the monitoring round trip lost data');
  const pass = parse.every((r) => r.pass) && session.storedPass && session.syncedPass;
  if (asJson) {
    process.stdout.write(
      `${JSON.stringify(
        {
          benchmark: 'devices',
          targets: {
            parsePacketsPerSecond: PARSE_TARGET_PER_S,
            syncedBytes: SYNCED_TARGET_BYTES,
            storedBytes: STORED_TARGET_BYTES,
          },
          parse,
          monitoring: session,
          pass,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    process.stdout.write(render(parse, session));
    process.stdout.write(`Overall: ${pass ? 'PASS' : 'FAIL'}\n`);
  }
}

try {
  main();
  process.exit(0);
} catch (error: unknown) {
  process.stderr.write(
    `[bench devices] the run broke: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
