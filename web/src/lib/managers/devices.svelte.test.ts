import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DevicesManager } from './devices.svelte';

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    map,
  };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(Date.UTC(2025, 2, 10, 9, 0));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('devices manager in training mode', () => {
  it('pair → reading pending → accept gives the readings and device source for recordVitals', async () => {
    const storage = memoryStorage();
    const manager = new DevicesManager();
    manager.init({ clinicId: 'clinic-a', storage });
    await manager.setTraining(true);
    expect(manager.bluetooth).toBe('supported');
    expect(await manager.pair('thermometer')).toBe(true);
    const device = manager.paired[0];
    expect(device).toMatchObject({ kind: 'thermometer', transport: 'bluetooth', simulated: true });
    expect(manager.states[device?.id ?? '']?.status).toEqual({ state: 'connected' });
    expect(storage.map.has('outpost.devices.clinic-a.training')).toBe(true);

    manager.simulation?.bluetooth.thermometer?.measure();
    expect(manager.pending).toHaveLength(1);
    const accepted = manager.accept(manager.pending[0]?.id ?? '');
    expect(accepted?.readings).toEqual([
      { key: 'temperature', value: expect.any(Number), unit: 'Cel' },
    ]);
    expect(accepted?.source).toMatchObject({
      kind: 'device',
      deviceId: device?.id,
      deviceName: 'Training thermometer',
    });
    expect(manager.pending).toHaveLength(0);
    await manager.disconnectAll();
  });

  it('live values from the USB oximeter can be captured as a reading', async () => {
    const manager = new DevicesManager();
    manager.init({ clinicId: 'clinic-b', storage: memoryStorage() });
    await manager.setTraining(true);
    expect(await manager.pair('pulseOximeter', 'usb')).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    const id = manager.paired[0]?.id ?? '';
    expect(manager.states[id]?.live?.spo2Percent).toBeGreaterThan(90);
    expect(manager.pleth.length).toBeGreaterThan(60);
    expect(manager.capture(id)).toBe(true);
    expect(manager.accept(manager.pending[0]?.id ?? '')?.readings.map((r) => r.key)).toEqual([
      'spo2',
      'heartRate',
    ]);
    await manager.disconnectAll();
  });

  it('the paired list is kept per clinic', async () => {
    const storage = memoryStorage();
    const manager = new DevicesManager();
    manager.init({ clinicId: 'clinic-a', storage });
    await manager.setTraining(true);
    await manager.pair('scale');
    await manager.disconnectAll();
    const other = new DevicesManager();
    other.init({ clinicId: 'clinic-c', storage });
    await other.setTraining(true);
    expect(other.paired).toEqual([]);
    const same = new DevicesManager();
    same.init({ clinicId: 'clinic-a', storage });
    await same.setTraining(true);
    expect(same.paired.map((d) => d.kind)).toEqual(['scale']);
  });
});
