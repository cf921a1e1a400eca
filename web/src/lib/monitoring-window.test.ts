/**
 * A consult attaches a window of the monitoring raw stream: taken from the
 * chunks stored on the tablet, gaps kept as gaps, at most an hour.
 */
import { describe, expect, test } from 'vitest';
import { encodeChunk, type MonitorSample } from '@outpost/shared/devices';
import { summariseMonitoringWindow } from '@outpost/shared/consult';
import { monitoringWindowSchema } from '@outpost/shared/model';
import { getOrThrow } from '@outpost/shared/result';
import { createHarness } from '$lib/db/testing';
import type { LocalStore } from '$lib/db';
import { monitoringWindowFor } from './monitoring';

const START = 1_772_000_040; // a whole minute
const SESSION = '0190a000-0000-7000-8000-00000000beef';

/** A session of `seconds` at 1 Hz with the finger out for 20 s and a 60 s hole with no sample at all. */
async function storedSession(store: LocalStore, patientDocId: string, seconds: number) {
  await store.saveStreamSession({
    sessionId: SESSION,
    patientDocId,
    encounterId: '0190a000-0000-7000-8000-00000000e001',
    deviceId: 'sim-cms50',
    startSec: START,
    startedAt: START * 1000,
  });
  const samples: MonitorSample[] = [];
  for (let i = 0; i < seconds; i++) {
    const atSec = START + i;
    if (atSec >= START + seconds - 400 && atSec < START + seconds - 340) continue; // tablet asleep
    const fingerOut = i >= seconds - 100 && i < seconds - 80;
    samples.push({
      atSec,
      spo2: fingerOut ? null : 90 + (i % 5),
      pulse: fingerOut ? null : 120 + (i % 7),
    });
  }
  for (let seq = 0; seq * 300 < seconds; seq++) {
    const inChunk = samples.filter((s) => Math.floor((s.atSec - START) / 300) === seq);
    if (inChunk.length > 0)
      await store.saveStreamChunk({
        sessionId: SESSION,
        seq,
        count: inChunk.length,
        bytes: encodeChunk(inChunk),
      });
  }
}

describe('a window of the monitoring stream for a consult', () => {
  test('the last 15 minutes end at the last sample; holes and finger-out seconds are gaps', async () => {
    const harness = createHarness('memory');
    const store = await harness.open();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Juma' } }));
    const seconds = 2 * 3600;
    await storedSession(store, docId, seconds);

    const window = (await monitoringWindowFor(store, docId, 15))!;
    const end = START + seconds - 1;
    expect(window.startSec).toBe(end - 899);
    expect(window.spo2).toHaveLength(900);
    expect(window.pulse).toHaveLength(900);
    expect(monitoringWindowSchema.safeParse(window).success).toBe(true);
    const at = (sec: number) => sec - window.startSec;
    // The second hole (no sample stored): null, not carried over from a neighbour.
    expect(window.spo2[at(START + seconds - 400)]).toBeNull();
    expect(window.pulse[at(START + seconds - 341)]).toBeNull();
    expect(window.spo2[at(START + seconds - 339)]).not.toBeNull();
    // Finger out.
    expect(window.spo2[at(START + seconds - 100)]).toBeNull();
    expect(window.pulse[at(START + seconds - 81)]).toBeNull();
    expect(window.spo2.at(-1)).toBe(90 + ((seconds - 1) % 5));
    const summary = summariseMonitoringWindow(window);
    expect(summary).toMatchObject({
      seconds: 900,
      secondsWithReadings: 900 - 60 - 20,
      spo2: [90, 92, 94],
      pulse: [120, 123, 126],
    });

    // Never more than an hour.
    expect((await monitoringWindowFor(store, docId, 60))!.spo2).toHaveLength(3600);
  });

  test('a session shorter than the window gives what there is; no session gives none', async () => {
    const harness = createHarness('memory');
    const store = await harness.open();
    const { docId } = getOrThrow(await store.createPatient({ profile: { givenName: 'Neema' } }));
    expect(await monitoringWindowFor(store, docId, 30)).toBeUndefined();
    await storedSession(store, docId, 600);
    const window = (await monitoringWindowFor(store, docId, 30))!;
    expect(window.startSec).toBe(START);
    expect(window.spo2).toHaveLength(600);
  });
});
