import { DEVICE_PROFILES, encodeCms50Packet, generateCms50Stream } from '@outpost/shared/devices';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SerialAdapter, type SerialPortProvider } from './serial';
import {
  SimulatedCms50,
  SimulatedSerialPort,
  installSimulatedSerial,
  seededRandom,
} from './simulated';
import type { DeviceEventMap, DeviceEventName, DeviceStatus } from './types';

function providerFor(port: SimulatedSerialPort): SerialPortProvider {
  return {
    transport: 'serial',
    requestPort: () => Promise.resolve(port),
    getPorts: () => Promise.resolve([port]),
  };
}

function record<K extends DeviceEventName>(adapter: SerialAdapter, event: K) {
  const events: DeviceEventMap[K][] = [];
  adapter.on(event, (payload) => events.push(payload));
  return events;
}

/** Lets the read loop drain what was pushed (real timers only). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('serial adapter (Web Serial path) with a CMS50', () => {
  it('opens the port with the profile baud rate, data bits, parity and stop bits', async () => {
    const port = new SimulatedSerialPort();
    const adapter = new SerialAdapter({ provider: providerFor(port) });
    const requested = await adapter.request({
      kind: 'pulseOximeter',
      profileId: 'contec-cms50dplus',
    });
    expect(requested.ok && requested.value).toMatchObject({
      kind: 'pulseOximeter',
      transport: 'serial',
      profileId: 'contec-cms50dplus',
      usb: { vendorId: 0x10c4, productId: 0xea60 },
    });
    await adapter.connect();
    expect(port.openedWith).toEqual({
      baudRate: 19200,
      dataBits: 8,
      parity: 'odd',
      stopBits: 1,
      flowControl: 'none',
    });
    await adapter.disconnect();
    expect(adapter.status).toEqual({ state: 'disconnected', reason: 'requested' });
    expect(port.isOpen).toBe(false);
  });

  it('a stream joined mid-packet yields live SpO2, pulse and every pleth sample, never a shifted value', async () => {
    const port = new SimulatedSerialPort();
    const adapter = new SerialAdapter({ provider: providerFor(port) });
    const live = record(adapter, 'live');
    const problems = record(adapter, 'problem');
    await adapter.request({ kind: 'pulseOximeter' });
    await adapter.connect();
    const bytes = generateCms50Stream(seededRandom(5), {
      packets: 120,
      spo2: 96,
      pulseRate: 80,
      startOffset: 3,
    });
    for (let i = 0; i < bytes.length; i += 17) port.push(bytes.slice(i, i + 17));
    await settle();
    const pleth = live.flatMap((l) => l.pleth ?? []);
    // 120 packets, the first cut (3 bytes dropped) and the last awaiting its next sync byte.
    expect(pleth).toHaveLength(118);
    expect(problems[0]?.error).toEqual({ type: 'Resync', droppedBytes: 2 });
    for (const sample of live) {
      expect(sample.spo2Percent).toBeGreaterThanOrEqual(95);
      expect(sample.spo2Percent).toBeLessThanOrEqual(97);
      expect(sample.observations.map((o) => o.code)).toEqual(['59408-5', '8889-8']);
    }
    await adapter.disconnect();
  });

  it('a finger out of the probe gives no values, only the reason', async () => {
    const port = new SimulatedSerialPort();
    const adapter = new SerialAdapter({ provider: providerFor(port) });
    const live = record(adapter, 'live');
    await adapter.request({ kind: 'pulseOximeter' });
    await adapter.connect();
    const packet = encodeCms50Packet({ spo2: 127, pulseRate: 255, fingerOut: true });
    port.push(Uint8Array.from([...packet, ...packet]));
    await settle();
    expect(live[0]).toMatchObject({
      spo2Percent: null,
      pulseRateBpm: null,
      fingerOut: true,
      observations: [],
    });
    expect(live[0]?.rejected.map((r) => r.reasons)).toEqual([['fingerOut'], ['fingerOut']]);
    await adapter.disconnect();
  });

  it('pulling the USB cable ends in "unplugged"', async () => {
    const port = new SimulatedSerialPort();
    const adapter = new SerialAdapter({ provider: providerFor(port) });
    const statuses = record(adapter, 'status');
    await adapter.request({ kind: 'pulseOximeter' });
    await adapter.connect();
    port.unplug();
    await adapter.stopped;
    expect(statuses.at(-1)).toEqual<DeviceStatus>({ state: 'disconnected', reason: 'unplugged' });
  });

  it('a device that stops sending without an unplug ends in "streamEnded"', async () => {
    const port = new SimulatedSerialPort();
    const adapter = new SerialAdapter({ provider: providerFor(port) });
    await adapter.request({ kind: 'pulseOximeter' });
    await adapter.connect();
    port.end();
    await settle();
    await adapter.stopped;
    expect(adapter.status).toEqual({ state: 'disconnected', reason: 'streamEnded' });
  });

  it('a port that cannot be opened is a typed PortOpenFailed', async () => {
    const port = new SimulatedSerialPort();
    await port.open({ baudRate: 9600 }); // another app holds it
    const adapter = new SerialAdapter({ provider: providerFor(port) });
    await adapter.request({ kind: 'pulseOximeter' });
    const result = await adapter.connect();
    expect(!result.ok && result.error.type).toBe('PortOpenFailed');
  });

  it('the simulated CMS50 streams 60 packets a second and its SpO2 falls when degraded', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const oximeter = new SimulatedCms50({ seed: 2 });
    const simulated = installSimulatedSerial({ navigator: {} }, { seed: 2 });
    expect(simulated.port.getInfo()).toEqual({ usbVendorId: 0x10c4, usbProductId: 0xea60 });
    const port = new SimulatedSerialPort(oximeter);
    const adapter = new SerialAdapter({ provider: providerFor(port) });
    const live = record(adapter, 'live');
    await adapter.request({ kind: 'pulseOximeter' });
    await adapter.connect();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(live.flatMap((l) => l.pleth ?? []).length).toBeGreaterThanOrEqual(595);
    expect(live.at(-1)?.spo2Percent).toBeGreaterThanOrEqual(95);
    oximeter.degrade(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(live.at(-1)?.spo2Percent).toBeLessThanOrEqual(86);
    expect(live.at(-1)?.pulseRateBpm).toBeGreaterThanOrEqual(125);
    await adapter.disconnect();
  });

  it('every CMS50 profile has serial settings the Web Serial API accepts', () => {
    for (const profile of DEVICE_PROFILES) {
      expect([7, 8]).toContain(profile.dataBits);
      expect(['none', 'even', 'odd']).toContain(profile.parity);
      expect(profile.baudRate).toBeGreaterThan(0);
    }
  });
});
