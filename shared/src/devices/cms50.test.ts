import { describe, expect, it } from 'vitest';
import {
  createCms50Parser,
  encodeCms50Packet,
  generateCms50Stream,
  type Cms50Event,
} from './cms50';
import { FIXTURES } from './fixtures';
import { toObservations } from './observations';
import { DEVICE_PROFILES } from './profiles';
import { hex } from './testing';

function seeded(seed: number) {
  let s = seed >>> 0;
  return { next: () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 };
}

const all = (bytes: Uint8Array, chunk = bytes.length): Cms50Event[] => {
  const p = createCms50Parser();
  const events: Cms50Event[] = [];
  for (let i = 0; i < bytes.length; i += chunk) events.push(...p.push(bytes.slice(i, i + chunk)));
  return [...events, ...p.end()];
};
const samples = (events: Cms50Event[]) =>
  events.flatMap((e) => (e.type === 'sample' ? [e.sample] : []));

describe('Contec CMS50 stream', () => {
  it('a packet reports SpO2, pulse rate, pleth and bar graph', () => {
    const [event] = all(hex(FIXTURES.cms50.packet));
    expect(event).toEqual({
      type: 'sample',
      sample: {
        kind: 'cms50Sample',
        spo2Percent: 97,
        pulseRateBpm: 72,
        plethysmogram: 64,
        barGraph: 5,
        signalStrength: 6,
        fingerOut: false,
        searching: false,
        searchingTooLong: false,
        spo2Dropping: false,
        beep: false,
        raw: { spo2: 97, pulseRate: 72 },
      },
    });
  });
  it('a pulse rate above 127 uses the bit carried in byte 3', () => {
    expect(samples(all(encodeCms50Packet({ spo2: 95, pulseRate: 180 })))[0]?.pulseRateBpm).toBe(
      180,
    );
  });
  it('finger out with 127/255 sentinels gives no reading', () => {
    const [s] = samples(all(hex(FIXTURES.cms50.fingerOut)));
    expect(s).toMatchObject({
      fingerOut: true,
      spo2Percent: null,
      pulseRateBpm: null,
      raw: { spo2: 127, pulseRate: 255 },
    });
    const set = toObservations(s!, { nowMs: 0 });
    expect(set.observations).toEqual([]);
    expect(set.rejected.map((r) => r.reasons)).toEqual([['fingerOut'], ['fingerOut']]);
  });
  it('searching withholds the values even when they look valid', () => {
    const [s] = samples(all(encodeCms50Packet({ spo2: 97, pulseRate: 72, searching: true })));
    expect(s).toMatchObject({ searching: true, spo2Percent: null, pulseRateBpm: null });
  });
  it('a stream joined mid-packet resynchronises on the sync bit', () => {
    const stream = generateCms50Stream(seeded(1), { packets: 10, startOffset: 3 });
    const events = all(stream);
    expect(events[0]).toEqual({ type: 'resync', droppedBytes: 2 });
    expect(samples(events)).toHaveLength(9);
  });
  it('gives the same events whatever the chunking', () => {
    const stream = generateCms50Stream(seeded(2), {
      packets: 120,
      startOffset: 1,
      noiseProbability: 0.05,
    });
    const whole = all(stream);
    for (const chunk of [1, 2, 3, 7, 64]) expect(all(stream, chunk)).toEqual(whole);
  });
  it('noise bytes cost packets, never produce a wrong sample', () => {
    const clean = generateCms50Stream(seeded(3), { packets: 600 });
    const noisy = generateCms50Stream(seeded(3), { packets: 600, noiseProbability: 0.1 });
    const truth = samples(all(clean)).map((s) => `${s.spo2Percent}/${s.pulseRateBpm}`);
    const got = samples(all(noisy));
    expect(got.length).toBeGreaterThan(400);
    expect(got.length).toBeLessThan(600);
    const allowed = new Set(truth);
    for (const s of got) expect(allowed.has(`${s.spo2Percent}/${s.pulseRateBpm}`)).toBe(true);
    expect(all(noisy).some((e) => e.type === 'resync')).toBe(true);
  });
  it('an inserted byte inside a packet drops that packet', () => {
    const a = encodeCms50Packet({ spo2: 97, pulseRate: 72 });
    const b = encodeCms50Packet({ spo2: 50, pulseRate: 40 });
    const corrupted = Uint8Array.from([...a.slice(0, 2), 0x11, ...a.slice(2), ...b]);
    const s = samples(all(corrupted));
    expect(s.map((x) => x.spo2Percent)).toEqual([50]);
  });
  it('a lost byte drops that packet', () => {
    const a = encodeCms50Packet({ spo2: 97, pulseRate: 72 });
    const b = encodeCms50Packet({ spo2: 96, pulseRate: 70 });
    const s = samples(all(Uint8Array.from([...a.slice(0, 4), ...b])));
    expect(s.map((x) => x.spo2Percent)).toEqual([96]);
  });
  it('a packet is held until the next sync byte confirms its end', () => {
    const p = createCms50Parser();
    expect(p.push(hex(FIXTURES.cms50.packet))).toEqual([]);
    expect(samples(p.push(hex('86')))).toHaveLength(1);
  });
  it('an SpO2 of 101–126 is reported as an error, not a sample', () => {
    const events = all(encodeCms50Packet({ spo2: 110, pulseRate: 72 }));
    expect(events).toEqual([
      { type: 'error', error: { type: 'ReservedValue', field: 'spo2', raw: 110 } },
    ]);
  });
  it('a partial packet at the end of the stream is a truncated packet', () => {
    expect(all(hex('864005'))).toEqual([
      { type: 'error', error: { type: 'TruncatedPacket', expectedBytes: 5, actualBytes: 3 } },
    ]);
  });
  it('the generator is deterministic for a seed and goes finger-out on request', () => {
    expect(generateCms50Stream(seeded(9), { packets: 60 })).toEqual(
      generateCms50Stream(seeded(9), { packets: 60 }),
    );
    const s = samples(all(generateCms50Stream(seeded(9), { packets: 120, fingerOutFrom: 60 })));
    expect(s.slice(60).every((x) => x.fingerOut && x.spo2Percent === null)).toBe(true);
    expect(s.slice(0, 60).every((x) => x.spo2Percent !== null)).toBe(true);
  });
  it('device profiles are plain serial settings', () => {
    for (const p of DEVICE_PROFILES) {
      expect(JSON.parse(JSON.stringify(p))).toEqual(p);
      expect(p.baudRate).toBeGreaterThan(0);
    }
  });
});
