/**
 * Medical devices on this tablet: the paired devices of the clinic, their live
 * connection state, and readings waiting for the health worker to accept.
 *
 * Nothing is recorded here: `accept()` hands back the `ReadingInput[]` and the
 * device source for the visit screen to pass to `recordVitals`. Continuous
 * monitoring (managers/monitoring.svelte.ts) listens to `onLive` and keeps the
 * stream in the storage module.
 *
 * Persistence: a small JSON list per clinic in localStorage
 * (`outpost.devices.<clinicId>`, training devices under `….training`), with the
 * clock offset and last glucose record learnt per device and the recent dedupe
 * keys (so a cuff re-sending its last reading after a reload is not offered
 * twice). The storage module's owner may move this into Dexie.
 *
 * Training mode: `setTraining(true)` swaps the browser APIs for simulated devices
 * (simulated.ts) behind the same adapters. `?devices=simulated` in the URL, or
 * `window.__OUTPOST_SIMULATED_DEVICES__ = { seed }` set before the app loads (a
 * Playwright init script), installs the simulators in place of
 * `navigator.bluetooth` / `navigator.serial` so the real code paths run, and
 * exposes their controls as `window.__outpostSimulator`.
 */
import { ReadingDeduper } from '@outpost/shared/devices';
import {
  acceptedReading,
  readingValues,
  type AcceptedReading,
  type ReadingValue,
} from '$lib/devices/accept';
import { BluetoothAdapter } from '$lib/devices/bluetooth';
import { SerialAdapter, type SerialPortProvider } from '$lib/devices/serial';
import {
  createSimulatedBluetooth,
  createSimulatedSerial,
  installSimulatedBluetooth,
  installSimulatedSerial,
  type SimulatedBluetooth,
  type SimulatedSerial,
} from '$lib/devices/simulated';
import { bluetoothSupport, serialSupport } from '$lib/devices/support';
import type {
  DeviceAdapter,
  DeviceError,
  DeviceIdentity,
  DeviceInfo,
  DeviceKind,
  DeviceReading,
  DeviceStatus,
  LiveSample,
  Support,
} from '$lib/devices/types';

export interface PairedDevice extends DeviceIdentity {
  readonly pairedAtMs: number;
  /** Device clock − tablet clock, learnt at the last connection. */
  readonly clockOffsetMs?: number;
  /** Glucose meters: the newest record already downloaded. */
  readonly lastSequenceNumber?: number;
}

export interface LiveValues {
  readonly atMs: number;
  readonly spo2Percent: number | null;
  readonly pulseRateBpm: number | null;
  readonly fingerOut: boolean;
  readonly cuffPressureMmHg?: number;
  readonly sample: LiveSample;
}

export interface DeviceState {
  readonly status: DeviceStatus;
  readonly batteryPercent?: number;
  readonly info?: DeviceInfo;
  readonly live?: LiveValues;
  /** Packets that could not be used (shown as a count, logged in detail). */
  readonly problems: number;
}

export interface PendingReading {
  readonly id: string;
  readonly deviceId: string;
  readonly deviceName: string;
  readonly kind: DeviceKind;
  readonly receivedAtMs: number;
  readonly fromMemory: boolean;
  readonly values: readonly ReadingValue[];
  /** Values the device withheld as unreliable, with why. */
  readonly rejected: readonly { code: string; reasons: readonly string[] }[];
  readonly reading: Pick<DeviceReading, 'deviceId' | 'deviceName' | 'observations'>;
}

interface StoredRegistry {
  readonly v: 1;
  readonly devices: PairedDevice[];
  readonly seen?: ReturnType<ReadingDeduper['snapshot']>;
}

const PLETH_SAMPLES = 300; // 5 s at 60 Hz
const SEEN_KEPT = 200;
const PENDING_KEPT = 10;

export interface DevicesInit {
  readonly clinicId: string;
  readonly storage?: Pick<Storage, 'getItem' | 'setItem'>;
  readonly now?: () => number;
}

declare global {
  interface Window {
    __OUTPOST_SIMULATED_DEVICES__?: { readonly seed?: number };
    __outpostSimulator?: { bluetooth: SimulatedBluetooth; serial: SimulatedSerial };
  }
}

export class DevicesManager {
  clinicId = $state<string | undefined>(undefined);
  training = $state(false);
  paired = $state<PairedDevice[]>([]);
  states = $state<Record<string, DeviceState>>({});
  pending = $state<PendingReading[]>([]);
  /** The last action's failure, for the panel to explain. */
  lastError = $state<DeviceError | undefined>(undefined);
  bluetooth = $state<Support>('unsupported-browser');
  serial = $state<Support>('unsupported-browser');
  /** The newest pleth samples (oldest first); replaced, never mutated, so drawing is cheap. */
  pleth = $state.raw<readonly number[]>([]);

  #storage: Pick<Storage, 'getItem' | 'setItem'> | undefined;
  #now: () => number = () => Date.now();
  #deduper = new ReadingDeduper();
  // Plain Map on purpose: adapters are not UI state (their events update $state fields).
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #adapters = new Map<string, { adapter: DeviceAdapter; off: (() => void)[] }>();
  #simulation: { bluetooth: SimulatedBluetooth; serial: SimulatedSerial } | undefined;
  // Plain Set on purpose: listeners are not UI state.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #liveListeners = new Set<(deviceId: string, sample: LiveSample) => void>();

  get #storageKey(): string {
    return `outpost.devices.${this.clinicId ?? 'none'}${this.training ? '.training' : ''}`;
  }

  /** Loads the clinic's paired devices and detects what this browser can reach. */
  init(options: DevicesInit): void {
    this.clinicId = options.clinicId;
    this.#storage =
      options.storage ?? (typeof localStorage === 'undefined' ? undefined : localStorage);
    if (options.now) this.#now = options.now;
    if (typeof window !== 'undefined') this.#installSimulatorsIfAsked();
    this.#detect();
    this.#load();
  }

  #installSimulatorsIfAsked(): void {
    const flag =
      window.__OUTPOST_SIMULATED_DEVICES__ ??
      (/[?&]devices=simulated(&|$)/.test(window.location.search) ? {} : undefined);
    if (!flag || window.__outpostSimulator) return;
    const seed = flag.seed ?? 1;
    window.__outpostSimulator = {
      bluetooth: installSimulatedBluetooth(window, { seed }),
      serial: installSimulatedSerial(window, { seed }),
    };
  }

  #detect(): void {
    // Installed simulators stand in for the APIs: a permissions policy about the
    // real radio (Chromium reports Bluetooth blocked where it has no adapter
    // support) does not apply to them.
    const simulated =
      this.training || (typeof window !== 'undefined' && window.__outpostSimulator !== undefined);
    this.bluetooth = simulated ? 'supported' : bluetoothSupport();
    this.serial = simulated ? 'supported' : serialSupport();
  }

  #load(): void {
    this.paired = [];
    this.#deduper = new ReadingDeduper({ maxEntries: SEEN_KEPT });
    try {
      const raw = this.#storage?.getItem(this.#storageKey);
      if (!raw) return;
      const stored = JSON.parse(raw) as StoredRegistry;
      if (stored.v !== 1 || !Array.isArray(stored.devices)) return;
      this.paired = stored.devices;
      this.#deduper = new ReadingDeduper({ maxEntries: SEEN_KEPT }, stored.seen);
    } catch {
      // Unreadable registry: start empty; devices can be paired again.
    }
  }

  #save(): void {
    const stored: StoredRegistry = {
      v: 1,
      devices: $state.snapshot(this.paired),
      seen: this.#deduper.snapshot(),
    };
    try {
      this.#storage?.setItem(this.#storageKey, JSON.stringify(stored));
    } catch {
      // Storage full or unavailable: pairing still holds for this session.
    }
  }

  /** Training mode: simulated devices stand in for Bluetooth and USB. */
  async setTraining(on: boolean): Promise<void> {
    if (on === this.training) return;
    await this.disconnectAll();
    this.training = on;
    if (on && !this.#simulation) {
      this.#simulation = { bluetooth: createSimulatedBluetooth(), serial: createSimulatedSerial() };
    }
    this.#detect();
    this.#load();
  }

  /** The training simulators, for the training screen's controls. */
  get simulation(): { bluetooth: SimulatedBluetooth; serial: SimulatedSerial } | undefined {
    return this.training ? this.#simulation : undefined;
  }

  #createAdapter(transport: 'bluetooth' | 'usb', device?: PairedDevice): DeviceAdapter {
    const common = {
      deduper: this.#deduper,
      ...(device?.clockOffsetMs !== undefined && { learntOffsetMs: device.clockOffsetMs }),
    };
    // Training mode's own simulators, or those installed in place of the browser APIs.
    const simulation = this.training
      ? this.#simulation
      : typeof window === 'undefined'
        ? undefined
        : window.__outpostSimulator;
    if (transport === 'bluetooth') {
      return new BluetoothAdapter({
        ...common,
        ...(simulation && {
          bluetooth: simulation.bluetooth.bluetooth as unknown as Bluetooth,
        }),
        ...(device?.lastSequenceNumber !== undefined && {
          lastSequenceNumber: device.lastSequenceNumber,
        }),
      });
    }
    const simulated = simulation?.serial;
    const provider: SerialPortProvider | undefined = simulated && {
      transport: 'serial',
      requestPort: () => simulated.serial.requestPort(),
      getPorts: () => simulated.serial.getPorts(),
    };
    return new SerialAdapter(provider ? { provider } : {});
  }

  /**
   * Pairs a new device (opens the browser's chooser: call from a click). On
   * success it is remembered for the clinic and connected.
   */
  async pair(kind: DeviceKind, via: 'bluetooth' | 'usb' = 'bluetooth'): Promise<boolean> {
    this.lastError = undefined;
    const adapter = this.#createAdapter(via);
    const requested = await adapter.request({ kind });
    if (!requested.ok) {
      this.lastError = requested.error;
      return false;
    }
    const identity = { ...requested.value, ...(this.training && { simulated: true }) };
    const existing = this.paired.find((d) => d.id === identity.id);
    if (!existing) this.paired = [...this.paired, { ...identity, pairedAtMs: this.#now() }];
    this.#save();
    return this.#start(identity.id, adapter);
  }

  /** Reconnects a paired device without a chooser where the browser allows it. */
  async connect(deviceId: string): Promise<boolean> {
    this.lastError = undefined;
    const device = this.paired.find((d) => d.id === deviceId);
    if (!device) return false;
    const current = this.#adapters.get(deviceId);
    if (current) return this.#start(deviceId, current.adapter);
    const adapter = this.#createAdapter(
      device.transport === 'bluetooth' ? 'bluetooth' : 'usb',
      device,
    );
    const restored = await adapter.restore(device);
    if (!restored.ok) {
      this.lastError = restored.error;
      this.#setState(deviceId, { status: { state: 'error', error: restored.error } });
      return false;
    }
    return this.#start(deviceId, adapter);
  }

  async #start(deviceId: string, adapter: DeviceAdapter): Promise<boolean> {
    if (!this.#adapters.has(deviceId)) {
      const off = [
        adapter.on('status', (status) => this.#setState(deviceId, { status })),
        adapter.on('battery', ({ levelPercent }) =>
          this.#setState(deviceId, { batteryPercent: levelPercent }),
        ),
        adapter.on('info', (info) => this.#setState(deviceId, { info })),
        adapter.on('live', (sample) => this.#onLive(deviceId, sample)),
        adapter.on('reading', (reading) => this.#onReading(reading)),
        adapter.on('clock', ({ offsetMs }) =>
          this.#updatePaired(deviceId, { clockOffsetMs: offsetMs }),
        ),
        adapter.on('problem', (problem) => {
          console.warn('device packet not used', deviceId, problem);
          this.#setState(deviceId, { problems: (this.states[deviceId]?.problems ?? 0) + 1 });
        }),
      ];
      this.#adapters.set(deviceId, { adapter, off });
    }
    const result = await adapter.connect();
    if (!result.ok) this.lastError = result.error;
    return result.ok;
  }

  #setState(deviceId: string, patch: Partial<DeviceState>): void {
    const previous = this.states[deviceId] ?? { status: { state: 'idle' }, problems: 0 };
    this.states[deviceId] = { ...previous, ...patch };
  }

  #updatePaired(deviceId: string, patch: Partial<PairedDevice>): void {
    this.paired = this.paired.map((d) => (d.id === deviceId ? { ...d, ...patch } : d));
    this.#save();
  }

  /**
   * Every live sample of every connected device, as it arrives (continuous
   * monitoring records from here). Returns the unsubscribe function.
   */
  onLive(listener: (deviceId: string, sample: LiveSample) => void): () => void {
    this.#liveListeners.add(listener);
    return () => this.#liveListeners.delete(listener);
  }

  #onLive(deviceId: string, sample: LiveSample): void {
    for (const listener of this.#liveListeners) {
      try {
        listener(deviceId, sample);
      } catch (error) {
        console.error('live listener failed', error);
      }
    }
    const previous = this.states[deviceId]?.live;
    this.#setState(deviceId, {
      live: {
        atMs: sample.atMs,
        spo2Percent:
          sample.spo2Percent !== undefined ? sample.spo2Percent : (previous?.spo2Percent ?? null),
        pulseRateBpm:
          sample.pulseRateBpm !== undefined
            ? sample.pulseRateBpm
            : (previous?.pulseRateBpm ?? null),
        fingerOut: sample.fingerOut ?? false,
        ...(sample.cuffPressureMmHg !== undefined && { cuffPressureMmHg: sample.cuffPressureMmHg }),
        sample: sample.observations.length > 0 || !previous ? sample : previous.sample,
      },
    });
    if (sample.pleth && sample.pleth.length > 0) {
      const next = [...this.pleth, ...sample.pleth];
      this.pleth = next.length > PLETH_SAMPLES ? next.slice(next.length - PLETH_SAMPLES) : next;
    }
  }

  #onReading(reading: DeviceReading): void {
    const device = this.paired.find((d) => d.id === reading.deviceId);
    if (reading.message.kind === 'glucose') {
      const seq = reading.message.sequenceNumber;
      if (seq > (device?.lastSequenceNumber ?? -1))
        this.#updatePaired(reading.deviceId, { lastSequenceNumber: seq });
    }
    this.#save(); // the dedupe keys
    this.#addPending({
      id: reading.id,
      deviceId: reading.deviceId,
      deviceName: reading.deviceName ?? device?.name ?? reading.deviceId,
      kind: device?.kind ?? 'heartRate',
      receivedAtMs: reading.receivedAtMs,
      fromMemory: reading.fromMemory,
      values: readingValues(reading.observations),
      rejected: reading.rejected,
      reading,
    });
  }

  #addPending(pending: PendingReading): void {
    this.pending = [pending, ...this.pending.filter((p) => p.id !== pending.id)].slice(
      0,
      PENDING_KEPT,
    );
  }

  /** Turns the current live SpO2 / pulse of a streaming device into a reading to accept. */
  capture(deviceId: string): boolean {
    const live = this.states[deviceId]?.live;
    const device = this.paired.find((d) => d.id === deviceId);
    if (!live || !device || live.sample.observations.length === 0) return false;
    this.#addPending({
      id: `${deviceId}|live|${live.atMs}`,
      deviceId,
      deviceName: device.name ?? deviceId,
      kind: device.kind,
      receivedAtMs: live.atMs,
      fromMemory: false,
      values: readingValues(live.sample.observations),
      rejected: live.sample.rejected,
      reading: {
        deviceId,
        ...(device.name && { deviceName: device.name }),
        observations: live.sample.observations,
      },
    });
    return true;
  }

  /**
   * The reading in the shape `recordVitals` takes, removed from the pending
   * list. Undefined when it holds nothing that can be saved.
   */
  accept(readingId: string): AcceptedReading | undefined {
    const pending = this.pending.find((p) => p.id === readingId);
    if (!pending) return undefined;
    this.pending = this.pending.filter((p) => p.id !== readingId);
    return acceptedReading(pending.reading);
  }

  discard(readingId: string): void {
    this.pending = this.pending.filter((p) => p.id !== readingId);
  }

  async disconnect(deviceId: string): Promise<void> {
    await this.#adapters.get(deviceId)?.adapter.disconnect();
  }

  async disconnectAll(): Promise<void> {
    await Promise.all([...this.#adapters.keys()].map((id) => this.#release(id)));
    this.pleth = [];
  }

  async #release(deviceId: string): Promise<void> {
    const entry = this.#adapters.get(deviceId);
    if (!entry) return;
    this.#adapters.delete(deviceId);
    await entry.adapter.disconnect();
    for (const off of entry.off) off();
    delete this.states[deviceId];
  }

  /** Forgets a paired device on this tablet. */
  async forget(deviceId: string): Promise<void> {
    await this.#release(deviceId);
    this.paired = this.paired.filter((d) => d.id !== deviceId);
    this.pending = this.pending.filter((p) => p.deviceId !== deviceId);
    this.#save();
  }
}

export const devices = new DevicesManager();
