import {
  encodeGlucoseMeasurement,
  epochMsToDateTime,
  ReadingDeduper,
} from '@outpost/shared/devices';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BluetoothAdapter, type BluetoothAdapterOptions } from './bluetooth';
import { RACP_RESPONSE } from './racp';
import { installSimulatedBluetooth, seededRandom, type SimulatedBluetooth } from './simulated';
import type { AdapterDeps, DeviceEventMap, DeviceEventName, DeviceKind } from './types';

const START = Date.UTC(2025, 2, 10, 9, 0, 0);

function deps(seed = 7): AdapterDeps {
  const random = seededRandom(seed);
  return {
    now: () => Date.now(),
    random: () => random.next(),
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

function record<K extends DeviceEventName>(adapter: BluetoothAdapter, event: K) {
  const events: DeviceEventMap[K][] = [];
  adapter.on(event, (payload) => events.push(payload));
  return events;
}

let sim: SimulatedBluetooth;
let target: { navigator: object };

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(START);
  target = { navigator: {} };
  sim = installSimulatedBluetooth(target, { seed: 3, deps: deps() });
});

afterEach(() => {
  vi.useRealTimers();
});

async function paired(kind: DeviceKind, options: BluetoothAdapterOptions = {}) {
  const adapter = new BluetoothAdapter({
    bluetooth: (target.navigator as { bluetooth: Bluetooth }).bluetooth,
    deps: deps(),
    deviceUtcOffsetMinutes: 0,
    backoff: { baseMs: 1000, maxMs: 8000, maxAttempts: 4 },
    ...options,
  });
  const requested = await adapter.request({ kind });
  expect(requested.ok).toBe(true);
  return adapter;
}

describe('Web Bluetooth adapter against the simulated devices', () => {
  it('installSimulatedBluetooth replaces navigator.bluetooth', () => {
    expect((target.navigator as { bluetooth: unknown }).bluetooth).toBe(sim.bluetooth);
  });

  it('a blood pressure reading arrives with its observations, battery and device information', async () => {
    const adapter = await paired('bloodPressure');
    const readings = record(adapter, 'reading');
    const battery = record(adapter, 'battery');
    const info = record(adapter, 'info');
    const live = record(adapter, 'live');
    expect((await adapter.connect()).ok).toBe(true);
    expect(adapter.status).toEqual({ state: 'connected' });
    expect(battery.at(-1)).toEqual({ levelPercent: 87 });
    expect(info.at(-1)).toMatchObject({
      manufacturerName: 'Outpost Training',
      modelNumber: 'SIM-bloodPressure',
    });

    sim.bloodPressure?.measure();
    expect(live.map((l) => l.cuffPressureMmHg)).toEqual([180, 150, 120, 90, 60]);
    expect(readings).toHaveLength(1);
    const codes = readings[0]?.observations.map((o) => o.code);
    expect(codes).toEqual(['8480-6', '8462-4', '8478-0', '8867-4']);
    expect(readings[0]?.deviceId).toBe(sim.bloodPressure?.id);
    expect(readings[0]?.observations[0]?.flags?.timeSource).toBe('device');
  });

  it('a reading the cuff re-sends after reconnecting is not offered twice', async () => {
    const adapter = await paired('bloodPressure');
    const readings = record(adapter, 'reading');
    await adapter.connect();
    sim.bloodPressure?.measure();
    expect(readings).toHaveLength(1);
    sim.bloodPressure?.dropConnection();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(adapter.status.state).toBe('connected');
    // The cuff re-sent its stored measurement on subscribe; it was dropped.
    expect(readings).toHaveLength(1);
    sim.bloodPressure?.measure();
    expect(readings).toHaveLength(2);
  });

  it('a dropped link is reopened with exponentially growing, jittered delays', async () => {
    const adapter = await paired('thermometer');
    const statuses = record(adapter, 'status');
    await adapter.connect();
    const cuff = sim.thermometer;
    if (!cuff) throw new Error('no thermometer');
    cuff.refuseConnections = 2;
    cuff.dropConnection();
    await vi.advanceTimersByTimeAsync(60_000);
    const attempts = statuses.filter((s) => s.state === 'reconnecting');
    expect(attempts.map((s) => s.state === 'reconnecting' && s.attempt)).toEqual([1, 2, 3]);
    attempts.forEach((s, i) => {
      if (s.state !== 'reconnecting') return;
      const step = 1000 * 2 ** i;
      expect(s.delayMs).toBeGreaterThanOrEqual(step / 2);
      expect(s.delayMs).toBeLessThanOrEqual(step);
    });
    expect(adapter.status).toEqual({ state: 'connected' });
    const readings = record(adapter, 'reading');
    cuff.measure();
    expect(readings).toHaveLength(1);
  });

  it('reconnection gives up after the last attempt with a typed error', async () => {
    const adapter = await paired('scale');
    await adapter.connect();
    const scale = sim.scale;
    if (!scale) throw new Error('no scale');
    scale.outOfRange = true;
    scale.dropConnection();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(adapter.status).toEqual({
      state: 'error',
      error: { type: 'ReconnectGaveUp', attempts: 4 },
    });
    scale.comeBack();
    expect((await adapter.connect()).ok).toBe(true);
  });

  it('disconnecting on purpose does not start reconnection', async () => {
    const adapter = await paired('thermometer');
    const statuses = record(adapter, 'status');
    await adapter.connect();
    await adapter.disconnect();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(adapter.status).toEqual({ state: 'disconnected', reason: 'requested' });
    expect(statuses.some((s) => s.state === 'reconnecting')).toBe(false);
  });

  it('a cancelled chooser is NoDeviceChosen, not an error to show', async () => {
    sim.bluetooth.choose = () => undefined;
    const adapter = new BluetoothAdapter({ bluetooth: sim.bluetooth as unknown as Bluetooth });
    expect(await adapter.request({ kind: 'thermometer' })).toEqual({
      ok: false,
      error: { type: 'NoDeviceChosen' },
    });
  });

  it('restore finds a device permitted earlier without a chooser', async () => {
    await paired('thermometer');
    const again = new BluetoothAdapter({ bluetooth: sim.bluetooth as unknown as Bluetooth });
    const restored = await again.restore({
      id: sim.thermometer?.id ?? '',
      kind: 'thermometer',
      transport: 'bluetooth',
    });
    expect(restored.ok).toBe(true);
    expect(
      (await again.restore({ id: 'gone', kind: 'thermometer', transport: 'bluetooth' })).ok,
    ).toBe(false);
  });

  it('a packet that does not parse is a problem, never a reading', async () => {
    const adapter = await paired('glucometer', { fetchRecordsOnConnect: false });
    const readings = record(adapter, 'reading');
    const problems = record(adapter, 'problem');
    await adapter.connect();
    const meter = sim.glucometer as unknown as { send(uuid: number, bytes: Uint8Array): boolean };
    const good = encodeGlucoseMeasurement({
      sequenceNumber: 99,
      baseTime: epochMsToDateTime(START),
      contextFollows: false,
    });
    meter.send(0x2a18, good.slice(0, 5));
    expect(readings).toHaveLength(0);
    expect(problems[0]).toMatchObject({
      characteristic: 0x2a18,
      error: { type: 'TruncatedPacket' },
    });
  });
});

describe('glucose stored records through the Record Access Control Point', () => {
  it('on connect every stored record is downloaded and offered once, marked as from memory', async () => {
    const adapter = await paired('glucometer');
    const readings = record(adapter, 'reading');
    await adapter.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(readings.map((r) => r.message.kind === 'glucose' && r.message.sequenceNumber)).toEqual([
      1, 2, 3,
    ]);
    expect(readings.every((r) => r.fromMemory)).toBe(true);
    expect(adapter.lastSequenceNumber).toBe(3);
  });

  it('after a reconnection only the records newer than the last one are asked for', async () => {
    const adapter = await paired('glucometer');
    const readings = record(adapter, 'reading');
    await adapter.connect();
    await vi.advanceTimersByTimeAsync(0);
    sim.glucometer?.dropConnection();
    // While away, two more tests on the meter.
    sim.glucometer?.measure();
    sim.glucometer?.measure();
    const racp = sim.glucometer?.services.get(0x1808)?.get(0x2a52) as {
      write(bytes: Uint8Array): void;
    };
    const writes: number[][] = [];
    const original = racp.write.bind(racp);
    racp.write = (bytes) => {
      writes.push([...bytes]);
      original(bytes);
    };
    await vi.advanceTimersByTimeAsync(10_000);
    expect(adapter.status.state).toBe('connected');
    expect(writes[0]).toEqual([0x01, 0x03, 0x01, 4, 0]);
    expect(readings.map((r) => r.message.kind === 'glucose' && r.message.sequenceNumber)).toEqual([
      1, 2, 3, 4, 5,
    ]);
  });

  it('asking again for all records offers none twice', async () => {
    const adapter = await paired('glucometer');
    const readings = record(adapter, 'reading');
    await adapter.connect();
    await vi.advanceTimersByTimeAsync(0);
    const again = await adapter.fetchStoredRecords({ all: true });
    expect(again).toEqual({ ok: true, value: { count: 3 } });
    expect(readings).toHaveLength(3);
  });

  it('"no records found" is success with nothing downloaded', async () => {
    const adapter = await paired('glucometer', { fetchRecordsOnConnect: false });
    await adapter.connect();
    expect(await adapter.fetchStoredRecords({ afterSequenceNumber: 3 })).toEqual({
      ok: true,
      value: { count: 0 },
    });
  });

  it('a RACP failure response code comes back as a typed error', async () => {
    const adapter = await paired('glucometer', { fetchRecordsOnConnect: false });
    await adapter.connect();
    if (sim.glucometer) sim.glucometer.forcedRacpResponse = RACP_RESPONSE.operatorNotSupported;
    expect(await adapter.fetchStoredRecords({ all: true })).toEqual({
      ok: false,
      error: { type: 'RecordAccessFailed', code: 'operatorNotSupported' },
    });
  });

  it('a meter that never ends the procedure times out', async () => {
    const adapter = await paired('glucometer', {
      fetchRecordsOnConnect: false,
      racpTimeoutMs: 5000,
    });
    await adapter.connect();
    if (sim.glucometer) sim.glucometer.silentRacp = true;
    const pending = adapter.fetchStoredRecords({ all: true });
    await vi.advanceTimersByTimeAsync(5000);
    expect(await pending).toEqual({
      ok: false,
      error: { type: 'Timeout', operation: 'recordAccess' },
    });
  });

  it('records from memory are placed on the tablet clock with the offset learnt at connection', async () => {
    // A meter whose clock runs 2 hours fast.
    const fast = installSimulatedBluetooth(target, {
      seed: 3,
      deps: deps(),
      clockOffsetMs: 2 * 3_600_000,
      kinds: ['glucometer'],
    });
    const adapter = new BluetoothAdapter({
      bluetooth: fast.bluetooth as unknown as Bluetooth,
      deps: deps(),
      deviceUtcOffsetMinutes: -new Date(START).getTimezoneOffset(),
    });
    await adapter.request({ kind: 'glucometer' });
    const clock = record(adapter, 'clock');
    const readings = record(adapter, 'reading');
    await adapter.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(clock[0]?.offsetMs).toBe(2 * 3_600_000);
    // The third stored record was taken 6 hours ago by the tablet's clock.
    const last = readings.at(-1)?.observations[0];
    expect(last?.time).toBe(START - 6 * 3_600_000);
    expect(last?.flags?.clockSkewed).toBe(true);
  });

  it('a deduper shared across adapters keeps a reading from being offered by a second connection', async () => {
    const deduper = new ReadingDeduper();
    const first = await paired('glucometer', { deduper });
    const firstReadings = record(first, 'reading');
    await first.connect();
    await vi.advanceTimersByTimeAsync(0);
    await first.disconnect();
    const second = await paired('glucometer', { deduper });
    const secondReadings = record(second, 'reading');
    await second.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(firstReadings).toHaveLength(3);
    expect(secondReadings).toHaveLength(0);
  });
});
