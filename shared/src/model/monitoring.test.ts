import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import type { EncounterId } from '../ids';
import { getOrThrow } from '../result';
import { TEST_CLINIC_ID, createTestContext, type TestContext } from './fixtures';
import {
  MINUTE_MS,
  median,
  readMonitoring,
  recordMonitoringMinutes,
  sessionRef,
  startMonitoring,
  stopMonitoring,
  summariseMinute,
  type MinuteSummary,
} from './monitoring';
import { closeEncounter, createPatient, startEncounter } from './patient';
import { expectRefused, updateSize } from './testSupport';
import { validateDocument } from './validate';

function setup(): { doc: Y.Doc; ctx: TestContext; encounterId: EncounterId } {
  const ctx = createTestContext();
  const doc = new Y.Doc();
  getOrThrow(
    createPatient(doc, ctx, { homeClinicId: TEST_CLINIC_ID, profile: { givenName: 'Baraka' } }),
  );
  const encounterId = getOrThrow(startEncounter(doc, ctx, {}));
  return { doc, ctx, encounterId };
}

const device = { id: 'cms50-1', name: 'CMS50D+' };

function minuteAt(ms: number, spo2: number, pulse: number): MinuteSummary {
  return {
    minute: Math.floor(ms / MINUTE_MS),
    spo2: [spo2 - 1, spo2, spo2 + 1],
    pulse: [pulse - 2, pulse, pulse + 3],
    samples: 60,
  };
}

describe('summariseMinute', () => {
  test('min, median and max of the minute, gaps excluded from the ranges but counted', () => {
    const minute = 29_000_000;
    const base = minute * 60;
    const samples = [
      { atSec: base, spo2: 97, pulse: 80 },
      { atSec: base + 1, spo2: 95, pulse: 90 },
      { atSec: base + 2, spo2: null, pulse: null },
      { atSec: base + 3, spo2: 96, pulse: 84 },
      { atSec: base + 4, spo2: 98, pulse: null },
      { atSec: base + 60, spo2: 70, pulse: 200 }, // next minute: ignored
    ];
    expect(summariseMinute(minute, samples)).toEqual({
      minute,
      spo2: [95, 96.5, 98],
      pulse: [80, 84, 90],
      samples: 5,
    });
  });

  test('a minute of gaps only has no ranges; no sample at all is no summary', () => {
    const minute = 10;
    expect(summariseMinute(minute, [{ atSec: 600, spo2: null, pulse: null }])).toEqual({
      minute,
      samples: 1,
    });
    expect(summariseMinute(minute, [{ atSec: 0, spo2: 97, pulse: 70 }])).toBeUndefined();
  });

  test('median of an even count is the mean of the middle two', () => {
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(median([5])).toBe(5);
    expect(median([])).toBeUndefined();
  });
});

describe('monitoring sessions in the record', () => {
  test('start, minutes and stop read back as one session with its per-minute summary', () => {
    const { doc, ctx, encounterId } = setup();
    const start = ctx.clock.now();
    const id = getOrThrow(startMonitoring(doc, ctx, { encounterId, device }));
    const minutes = [0, 1, 2].map((i) => minuteAt(start + i * MINUTE_MS, 97 - i, 80 + i));
    expect(getOrThrow(recordMonitoringMinutes(doc, ctx, { sessionId: id, minutes }))).toBe(3);
    ctx.clock.advance(3 * MINUTE_MS);
    getOrThrow(stopMonitoring(doc, ctx, { sessionId: id }));
    const view = readMonitoring(doc);
    expect(view.problems).toEqual([]);
    expect(view.sessions).toHaveLength(1);
    const session = view.sessions[0]!;
    expect(session).toMatchObject({
      id,
      encounterId,
      device,
      startedAt: start,
      stoppedAt: start + 3 * MINUTE_MS,
      firstMinute: Math.floor(start / MINUTE_MS),
    });
    expect(session.minutes).toEqual(minutes);
    expect(validateDocument(doc).ok).toBe(true);
  });

  test('minutes already recorded are skipped (resuming after a reload), new ones added', () => {
    const { doc, ctx, encounterId } = setup();
    const start = ctx.clock.now();
    const id = getOrThrow(startMonitoring(doc, ctx, { encounterId, device }));
    const first = minuteAt(start, 96, 90);
    getOrThrow(recordMonitoringMinutes(doc, ctx, { sessionId: id, minutes: [first] }));
    const again = { ...first, spo2: [80, 80, 80] as const };
    const next = minuteAt(start + MINUTE_MS, 95, 91);
    expect(
      getOrThrow(recordMonitoringMinutes(doc, ctx, { sessionId: id, minutes: [again, next] })),
    ).toBe(1);
    const before = Y.encodeStateAsUpdate(doc);
    expect(getOrThrow(recordMonitoringMinutes(doc, ctx, { sessionId: id, minutes: [next] }))).toBe(
      0,
    );
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    expect(readMonitoring(doc).sessions[0]!.minutes).toEqual([first, next]);
  });

  test('refusals leave the document untouched', () => {
    const { doc, ctx, encounterId } = setup();
    const id = getOrThrow(startMonitoring(doc, ctx, { encounterId, device }));
    const now = ctx.clock.now();
    expectRefused(
      doc,
      () =>
        recordMonitoringMinutes(doc, ctx, {
          sessionId: id,
          minutes: [{ ...minuteAt(now, 97, 80), spo2: [99, 97, 98] }],
        }),
      { type: 'ValidationFailed' },
    );
    expectRefused(
      doc,
      () =>
        recordMonitoringMinutes(doc, ctx, {
          sessionId: id,
          minutes: [{ ...minuteAt(now, 97, 80), pulse: [10, 12, 14] }],
        }),
      { type: 'ValidationFailed' },
    );
    expectRefused(
      doc,
      () =>
        recordMonitoringMinutes(doc, ctx, {
          sessionId: id,
          minutes: [minuteAt(now - 3 * MINUTE_MS, 97, 80)],
        }),
      { type: 'ValidationFailed', field: 'minutes.0.minute' },
    );
    const other = {
      ...ctx,
      actor: { ...ctx.actor, deviceId: '01930000-0000-7000-8000-00000000dddd' },
    } as TestContext;
    expectRefused(
      doc,
      () =>
        recordMonitoringMinutes(doc, other, { sessionId: id, minutes: [minuteAt(now, 97, 80)] }),
      { type: 'ValidationFailed', field: 'sessionId' },
    );
    getOrThrow(stopMonitoring(doc, ctx, { sessionId: id }));
    expectRefused(doc, () => stopMonitoring(doc, ctx, { sessionId: id }), {
      type: 'ValidationFailed',
    });
    expectRefused(
      doc,
      () => recordMonitoringMinutes(doc, ctx, { sessionId: id, minutes: [minuteAt(now, 97, 80)] }),
      { type: 'ValidationFailed', field: 'sessionId' },
    );
    getOrThrow(closeEncounter(doc, ctx, { encounterId }));
    expectRefused(doc, () => startMonitoring(doc, ctx, { encounterId, device }), {
      type: 'EncounterClosed',
    });
  });

  test('a minute whose session start has not arrived waits; a hostile entry is a problem', () => {
    const { doc, ctx, encounterId } = setup();
    const id = getOrThrow(startMonitoring(doc, ctx, { encounterId, device }));
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
    const vector = Y.encodeStateVector(doc);
    getOrThrow(
      recordMonitoringMinutes(doc, ctx, {
        sessionId: id,
        minutes: [minuteAt(ctx.clock.now(), 97, 80)],
      }),
    );
    const orphan = new Y.Doc();
    Y.applyUpdate(orphan, Y.encodeStateAsUpdate(doc, vector));
    expect(readMonitoring(orphan).sessions).toEqual([]);
    replica.getArray('monitoring').push([{ t: 'min', s: sessionRef(id), m: -1, n: 3 }]);
    expect(readMonitoring(replica).problems).toHaveLength(1);
    expect(validateDocument(replica).ok).toBe(false);
  });

  test('eight hours of minutes stay under 50 KB of updates and of document growth', () => {
    const { doc, ctx, encounterId } = setup();
    const id = getOrThrow(startMonitoring(doc, ctx, { encounterId, device }));
    const start = ctx.clock.now();
    const before = Y.encodeStateAsUpdate(doc).length;
    let pushed = 0;
    for (let i = 0; i < 480; i++) {
      ctx.clock.advance(MINUTE_MS);
      pushed += updateSize(doc, () =>
        getOrThrow(
          recordMonitoringMinutes(doc, ctx, {
            sessionId: id,
            minutes: [minuteAt(start + i * MINUTE_MS, 90 + (i % 7), 100 + (i % 30))],
          }),
        ),
      );
    }
    expect(pushed).toBeLessThan(50_000);
    expect(Y.encodeStateAsUpdate(doc).length - before).toBeLessThan(50_000);
    expect(readMonitoring(doc).sessions[0]!.minutes).toHaveLength(480);
  });
});
