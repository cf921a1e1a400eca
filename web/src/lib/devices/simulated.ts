/**
 * Simulated medical devices for training mode and for tests. They produce the
 * REAL bytes a device would send (the shared/devices encode* builders) and sit
 * behind the real browser APIs:
 *
 * - `installSimulatedBluetooth(window)` replaces `navigator.bluetooth` with a fake
 *   implementing the Web Bluetooth surface our adapter uses (requestDevice,
 *   getDevices, gatt.connect/disconnect, getPrimaryService, getCharacteristic,
 *   readValue, writeValue(WithResponse), start/stopNotifications,
 *   `characteristicvaluechanged`, `gattserverdisconnected`), so training mode and
 *   Chromium journeys exercise `BluetoothAdapter` itself.
 * - `installSimulatedSerial(window)` replaces `navigator.serial` with one port
 *   streaming a Contec CMS50 at 60 packets/s, so the `SerialAdapter` read loop
 *   and the CMS50 parser run for real.
 *
 * Every simulator is seeded (same seed → same readings) and has controls:
 * `degrade(level)` (0 healthy … 1 badly deteriorated, for monitoring alerts),
 * `dropConnection()`, `refuseConnections`, `outOfRange` / `comeBack()`, and
 * for the serial port `unplug()`.
 */
import {
  BATTERY_LEVEL_UUID,
  CMS50_NO_PULSE_RATE,
  CMS50_NO_SPO2,
  CMS50_PACKETS_PER_SECOND,
  FIRMWARE_REVISION_UUID,
  GLUCOSE_CONTEXT_UUID,
  GLUCOSE_MEASUREMENT_UUID,
  MANUFACTURER_NAME_UUID,
  MODEL_NUMBER_UUID,
  SERIAL_NUMBER_UUID,
  USB_SERIAL_BRIDGES,
  encodeBatteryLevel,
  encodeBloodPressureMeasurement,
  encodeCms50Packet,
  encodeDateTime,
  encodeDeviceInfoString,
  encodeGlucoseMeasurement,
  encodeIntermediateCuffPressure,
  encodePlxContinuous,
  encodePlxSpotCheck,
  encodeTemperatureMeasurement,
  encodeWeightMeasurement,
  encodeWeightScaleFeature,
  epochMsToDateTime,
  weightToRaw,
  type DateTime,
  type GlucoseMeasurement,
} from '@outpost/shared/devices';
import type { Random } from '@outpost/shared/deps';
import { CURRENT_TIME_UUID, GATT_SERVICES, KIND_SERVICE } from './bluetooth';
import {
  RACP_OP,
  RACP_OPERATOR,
  RACP_FILTER_SEQUENCE_NUMBER,
  RACP_RESPONSE,
  RACP_UUID,
  encodeRacpCount,
  encodeRacpResponse,
} from './racp';
import type { SerialPortLike } from './serial';
import { defaultDeps, type AdapterDeps, type DeviceKind } from './types';

/** mulberry32: a small, fast, seedable PRNG (not for cryptography). */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

export const bluetoothUuid = (uuid: number): string =>
  `0000${uuid.toString(16).padStart(4, '0')}-0000-1000-8000-00805f9b34fb`;

function canonicalUuid(uuid: number | string): string {
  if (typeof uuid === 'number') return bluetoothUuid(uuid);
  return /^[0-9a-f]{4}$/i.test(uuid) ? bluetoothUuid(parseInt(uuid, 16)) : uuid.toLowerCase();
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

// --- simulated peripherals ---

export interface SimCharacteristic {
  readonly uuid: number;
  readonly properties: {
    readonly read?: boolean;
    readonly write?: boolean;
    readonly notify?: boolean;
    readonly indicate?: boolean;
  };
  read?(): Uint8Array;
  write?(bytes: Uint8Array): void;
  /** Called when the client enables notifications (a CCCD write on a real device). */
  onSubscribe?(): void;
}

interface Link {
  deliver(uuid: number, bytes: Uint8Array): boolean;
  drop(): void;
}

export interface SimulatorOptions {
  readonly seed?: number;
  readonly deps?: Pick<AdapterDeps, 'now' | 'setTimeout' | 'clearTimeout'>;
  readonly id?: string;
  readonly name?: string;
  /** Device clock − true time (a device whose clock was never set right). */
  readonly clockOffsetMs?: number;
  /** Zone the device clock shows, minutes east of UTC. Default: the tablet's. */
  readonly utcOffsetMinutes?: number;
}

export abstract class SimulatedPeripheral {
  abstract readonly kind: DeviceKind;
  readonly id: string;
  readonly name: string;
  readonly services = new Map<number, Map<number, SimCharacteristic>>();
  batteryPercent = 87;
  clockOffsetMs: number;
  /** 0 = healthy … 1 = badly deteriorated. */
  degradation = 0;
  /** Fail this many connection attempts, then accept. */
  refuseConnections = 0;
  /** Every connection attempt fails until `comeBack()`. */
  outOfRange = false;
  protected readonly random: Random;
  protected readonly deps: Pick<AdapterDeps, 'now' | 'setTimeout' | 'clearTimeout'>;
  readonly #utcOffsetMinutes: number;
  #link: Link | undefined;

  protected constructor(defaultName: string, options: SimulatorOptions) {
    this.random = seededRandom(options.seed ?? 1);
    this.deps = options.deps ?? defaultDeps;
    this.id = options.id ?? `sim-${defaultName.toLowerCase().replace(/\W+/g, '-')}`;
    this.name = options.name ?? defaultName;
    this.clockOffsetMs = options.clockOffsetMs ?? 0;
    this.#utcOffsetMinutes =
      options.utcOffsetMinutes ?? -new Date(this.deps.now()).getTimezoneOffset();
    this.addService(GATT_SERVICES.battery, [
      {
        uuid: BATTERY_LEVEL_UUID,
        properties: { read: true, notify: true },
        read: () => encodeBatteryLevel({ levelPercent: this.batteryPercent }),
      },
    ]);
    const info = (uuid: number, value: () => string): SimCharacteristic => ({
      uuid,
      properties: { read: true },
      read: () => encodeDeviceInfoString({ value: value() }),
    });
    this.addService(GATT_SERVICES.deviceInformation, [
      info(MANUFACTURER_NAME_UUID, () => 'Outpost Training'),
      info(MODEL_NUMBER_UUID, () => `SIM-${this.kind}`),
      info(SERIAL_NUMBER_UUID, () => this.id.toUpperCase()),
      info(FIRMWARE_REVISION_UUID, () => '1.0.0'),
    ]);
    this.addService(GATT_SERVICES.currentTime, [
      {
        uuid: CURRENT_TIME_UUID,
        properties: { read: true },
        read: () => {
          // Exact Time 256: Date Time, day of week (0 = unknown), fractions256, adjust reason.
          const bytes = new Uint8Array(10);
          bytes.set(encodeDateTime(this.deviceDateTime()), 0);
          return bytes;
        },
      },
    ]);
  }

  protected addService(uuid: number, characteristics: readonly SimCharacteristic[]): void {
    this.services.set(uuid, new Map(characteristics.map((c) => [c.uuid, c])));
  }

  get connected(): boolean {
    return this.#link !== undefined;
  }

  /** The device's wall clock (its offset included). */
  deviceDateTime(atMs = this.deps.now()): DateTime {
    return epochMsToDateTime(atMs + this.clockOffsetMs, this.#utcOffsetMinutes);
  }

  /** Uniform noise in [−amplitude, +amplitude]. */
  protected noise(amplitude: number): number {
    return (this.random.next() * 2 - 1) * amplitude;
  }

  /** Sends a notification/indication; false when nobody is connected and subscribed. */
  protected send(uuid: number, bytes: Uint8Array): boolean {
    return this.#link?.deliver(uuid, bytes) ?? false;
  }

  degrade(level: number): void {
    this.degradation = clamp(level, 0, 1);
  }

  setBattery(percent: number): void {
    this.batteryPercent = clamp(Math.round(percent), 0, 100);
    this.send(BATTERY_LEVEL_UUID, encodeBatteryLevel({ levelPercent: this.batteryPercent }));
  }

  /** The radio link drops (walked out of range, battery pulled). */
  dropConnection(): void {
    this.#link?.drop();
  }

  comeBack(): void {
    this.outOfRange = false;
    this.refuseConnections = 0;
  }

  /** @internal used by the fake GATT server. */
  attach(link: Link): void {
    this.#link = link;
  }

  /** @internal */
  detach(): void {
    this.#link = undefined;
  }

  /** Takes a measurement and sends it (the health worker pressed the device's button). */
  abstract measure(): void;
}

export class SimulatedBloodPressureCuff extends SimulatedPeripheral {
  readonly kind = 'bloodPressure' as const;
  /** Real cuffs re-send their last stored measurement when a client subscribes. */
  resendLastOnConnect = true;
  #last: Uint8Array | undefined;

  constructor(options: SimulatorOptions = {}) {
    super('Training BP cuff', options);
    this.addService(KIND_SERVICE.bloodPressure, [
      {
        uuid: 0x2a35,
        properties: { indicate: true },
        onSubscribe: () => {
          const last = this.#last;
          if (this.resendLastOnConnect && last) queueMicrotask(() => this.send(0x2a35, last));
        },
      },
      { uuid: 0x2a36, properties: { notify: true } },
    ]);
  }

  measure(): void {
    const d = this.degradation;
    const systolic = Math.round(122 - 40 * d + this.noise(3));
    const diastolic = Math.round(78 - 26 * d + this.noise(2));
    const pulseRateBpm = Math.round(74 + 52 * d + this.noise(3));
    for (const cuff of [180, 150, 120, 90, 60]) {
      this.send(0x2a36, encodeIntermediateCuffPressure({ unit: 'mmHg', cuffPressure: cuff }));
    }
    this.#last = encodeBloodPressureMeasurement({
      unit: 'mmHg',
      systolic,
      diastolic,
      meanArterialPressure: Math.round(diastolic + (systolic - diastolic) / 3),
      timestamp: this.deviceDateTime(),
      pulseRateBpm,
      userId: 1,
    });
    this.send(0x2a35, this.#last);
  }
}

export class SimulatedPulseOximeter extends SimulatedPeripheral {
  readonly kind = 'pulseOximeter' as const;
  #timer: unknown;

  constructor(options: SimulatorOptions = {}) {
    super('Training pulse oximeter', options);
    this.addService(KIND_SERVICE.pulseOximeter, [
      { uuid: 0x2a5e, properties: { indicate: true } },
      { uuid: 0x2a5f, properties: { notify: true } },
    ]);
  }

  #values(): { spo2Percent: number; pulseRateBpm: number } {
    const d = this.degradation;
    return {
      spo2Percent: Math.round(clamp(97 - 12 * d + this.noise(1), 70, 100)),
      pulseRateBpm: Math.round(78 + 50 * d + this.noise(2)),
    };
  }

  /** A spot-check reading (with the device's timestamp). */
  measure(): void {
    this.send(
      0x2a5e,
      encodePlxSpotCheck({
        ...this.#values(),
        timestamp: this.deviceDateTime(),
        deviceClockNotSet: false,
      }),
    );
  }

  /** One continuous-measurement notification (1 Hz when streaming). */
  tick(): void {
    this.send(0x2a5f, encodePlxContinuous(this.#values()));
  }

  startStreaming(intervalMs = 1000): void {
    this.stopStreaming();
    const loop = () => {
      this.tick();
      this.#timer = this.deps.setTimeout(loop, intervalMs);
    };
    this.#timer = this.deps.setTimeout(loop, intervalMs);
  }

  stopStreaming(): void {
    if (this.#timer !== undefined) this.deps.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

export class SimulatedThermometer extends SimulatedPeripheral {
  readonly kind = 'thermometer' as const;

  constructor(options: SimulatorOptions = {}) {
    super('Training thermometer', options);
    this.addService(KIND_SERVICE.thermometer, [{ uuid: 0x2a1c, properties: { indicate: true } }]);
  }

  measure(): void {
    const celsius = Math.round((36.8 + 2.8 * this.degradation + this.noise(0.2)) * 10) / 10;
    this.send(
      0x2a1c,
      encodeTemperatureMeasurement({
        unit: 'Cel',
        temperature: celsius,
        timestamp: this.deviceDateTime(),
        temperatureType: 'armpit',
      }),
    );
  }
}

export class SimulatedScale extends SimulatedPeripheral {
  readonly kind = 'scale' as const;
  baseWeightKg = 64;

  constructor(options: SimulatorOptions = {}) {
    super('Training scale', options);
    this.addService(KIND_SERVICE.scale, [
      { uuid: 0x2a9d, properties: { indicate: true } },
      {
        uuid: 0x2a9e,
        properties: { read: true },
        read: () =>
          encodeWeightScaleFeature({
            timeStampSupported: true,
            multipleUsersSupported: false,
            bmiSupported: false,
            resolution: { weight: 0, height: 0 },
          }),
      },
    ]);
  }

  measure(): void {
    const kg = this.baseWeightKg * (1 - 0.08 * this.degradation) + this.noise(0.2);
    this.send(
      0x2a9d,
      encodeWeightMeasurement({
        units: 'SI',
        raw: { weight: weightToRaw(kg, 'SI') },
        timestamp: this.deviceDateTime(),
      }),
    );
  }
}

export class SimulatedGlucometer extends SimulatedPeripheral {
  readonly kind = 'glucometer' as const;
  readonly records: Omit<GlucoseMeasurement, 'kind'>[] = [];
  /** Answer the next RACP request with this response code instead (tests). */
  forcedRacpResponse: number | undefined;
  /** Stop sending before the final RACP response (tests the timeout). */
  silentRacp = false;

  constructor(options: SimulatorOptions & { readonly storedRecords?: number } = {}) {
    super('Training glucometer', options);
    this.addService(KIND_SERVICE.glucometer, [
      { uuid: GLUCOSE_MEASUREMENT_UUID, properties: { notify: true } },
      { uuid: GLUCOSE_CONTEXT_UUID, properties: { notify: true } },
      {
        uuid: RACP_UUID,
        properties: { write: true, indicate: true },
        write: (bytes) => this.#onRacp(bytes),
      },
    ]);
    const stored = options.storedRecords ?? 3;
    for (let i = stored; i > 0; i--) this.#addRecord(this.deps.now() - i * 6 * 3_600_000);
  }

  #addRecord(atMs: number): Omit<GlucoseMeasurement, 'kind'> {
    const mmol = Math.round((5.4 + 9 * this.degradation + this.noise(0.6)) * 10) / 10;
    const record: Omit<GlucoseMeasurement, 'kind'> = {
      sequenceNumber: (this.records.at(-1)?.sequenceNumber ?? 0) + 1,
      baseTime: this.deviceDateTime(atMs),
      // mol/L with four decimals = mmol/L with one.
      concentration: {
        value: Number(`${mmol}e-3`),
        unit: 'mol/L',
        type: 'capillaryWholeBlood',
        sampleLocation: 'finger',
      },
      contextFollows: false,
    };
    this.records.push(record);
    return record;
  }

  /** A new test strip: stored, and sent live to a connected client. */
  measure(): void {
    this.send(GLUCOSE_MEASUREMENT_UUID, encodeGlucoseMeasurement(this.#addRecord(this.deps.now())));
  }

  #onRacp(bytes: Uint8Array): void {
    const [op, operator] = bytes;
    const respond = (code: number) =>
      queueMicrotask(() => {
        if (!this.silentRacp) this.send(RACP_UUID, encodeRacpResponse(op ?? 0, code));
      });
    if (this.forcedRacpResponse !== undefined) {
      respond(this.forcedRacpResponse);
      this.forcedRacpResponse = undefined;
      return;
    }
    let selected: Omit<GlucoseMeasurement, 'kind'>[];
    if (operator === RACP_OPERATOR.allRecords && bytes.length === 2) selected = this.records;
    else if (
      operator === RACP_OPERATOR.greaterThanOrEqualTo &&
      bytes[2] === RACP_FILTER_SEQUENCE_NUMBER &&
      bytes.length === 5
    ) {
      const from = (bytes[3] ?? 0) | ((bytes[4] ?? 0) << 8);
      selected = this.records.filter((r) => r.sequenceNumber >= from);
    } else if (
      operator === RACP_OPERATOR.allRecords ||
      operator === RACP_OPERATOR.greaterThanOrEqualTo
    ) {
      respond(RACP_RESPONSE.invalidOperand);
      return;
    } else {
      respond(RACP_RESPONSE.operatorNotSupported);
      return;
    }
    switch (op) {
      case RACP_OP.reportStoredRecords:
        queueMicrotask(() => {
          for (const record of selected)
            this.send(GLUCOSE_MEASUREMENT_UUID, encodeGlucoseMeasurement(record));
        });
        respond(selected.length > 0 ? RACP_RESPONSE.success : RACP_RESPONSE.noRecordsFound);
        return;
      case RACP_OP.reportNumberOfStoredRecords:
        queueMicrotask(() => this.send(RACP_UUID, encodeRacpCount(selected.length)));
        return;
      default:
        respond(RACP_RESPONSE.opCodeNotSupported);
    }
  }
}

// --- the fake Web Bluetooth API ---

function domError(name: string, message: string): DOMException {
  return new DOMException(message, name);
}

function toBytes(data: BufferSource): Uint8Array {
  if (data instanceof Uint8Array) return Uint8Array.from(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return new Uint8Array(data.slice(0));
}

class FakeCharacteristic extends EventTarget {
  readonly uuid: string;
  readonly properties: BluetoothCharacteristicProperties;
  value: DataView | undefined;
  notifying = false;

  constructor(
    readonly service: FakeService,
    readonly spec: SimCharacteristic,
  ) {
    super();
    this.uuid = bluetoothUuid(spec.uuid);
    this.properties = {
      broadcast: false,
      read: spec.properties.read ?? false,
      writeWithoutResponse: false,
      write: spec.properties.write ?? false,
      notify: spec.properties.notify ?? false,
      indicate: spec.properties.indicate ?? false,
      authenticatedSignedWrites: false,
      reliableWrite: false,
      writableAuxiliaries: false,
    };
  }

  #check(): void {
    if (!this.service.device.gatt.connected)
      throw domError('NetworkError', 'GATT Server is disconnected.');
  }

  readValue(): Promise<DataView> {
    this.#check();
    if (!this.spec.read) return Promise.reject(domError('NotSupportedError', 'not readable'));
    const bytes = this.spec.read();
    this.value = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Promise.resolve(this.value);
  }

  writeValue(value: BufferSource): Promise<void> {
    this.#check();
    if (!this.spec.write) return Promise.reject(domError('NotSupportedError', 'not writable'));
    this.spec.write(toBytes(value));
    return Promise.resolve();
  }

  writeValueWithResponse(value: BufferSource): Promise<void> {
    return this.writeValue(value);
  }

  startNotifications(): Promise<this> {
    this.#check();
    if (!this.properties.notify && !this.properties.indicate)
      return Promise.reject(domError('NotSupportedError', 'no notify or indicate'));
    this.notifying = true;
    this.spec.onSubscribe?.();
    return Promise.resolve(this);
  }

  stopNotifications(): Promise<this> {
    this.notifying = false;
    return Promise.resolve(this);
  }

  deliver(bytes: Uint8Array): boolean {
    if (!this.notifying) return false;
    const copy = Uint8Array.from(bytes);
    this.value = new DataView(copy.buffer);
    this.dispatchEvent(new Event('characteristicvaluechanged'));
    return true;
  }
}

class FakeService {
  readonly isPrimary = true;
  readonly uuid: string;
  readonly #characteristics = new Map<number, FakeCharacteristic>();

  constructor(
    readonly device: FakeBluetoothDevice,
    readonly uuid16: number,
    specs: ReadonlyMap<number, SimCharacteristic>,
  ) {
    this.uuid = bluetoothUuid(uuid16);
    for (const [uuid, spec] of specs)
      this.#characteristics.set(uuid, new FakeCharacteristic(this, spec));
  }

  get all(): FakeCharacteristic[] {
    return [...this.#characteristics.values()];
  }

  getCharacteristic(uuid: number | string): Promise<FakeCharacteristic> {
    if (!this.device.gatt.connected)
      return Promise.reject(domError('NetworkError', 'GATT Server is disconnected.'));
    const found = this.all.find((c) => c.uuid === canonicalUuid(uuid));
    return found
      ? Promise.resolve(found)
      : Promise.reject(domError('NotFoundError', `No Characteristics matching UUID ${uuid}`));
  }

  getCharacteristics(): Promise<FakeCharacteristic[]> {
    return Promise.resolve(this.all);
  }
}

class FakeGattServer {
  connected = false;
  readonly #services: FakeService[];

  constructor(readonly device: FakeBluetoothDevice) {
    this.#services = [...device.peripheral.services].map(
      ([uuid, specs]) => new FakeService(device, uuid, specs),
    );
  }

  connect(): Promise<this> {
    const peripheral = this.device.peripheral;
    if (peripheral.outOfRange)
      return Promise.reject(domError('NetworkError', 'Connection attempt failed.'));
    if (peripheral.refuseConnections > 0) {
      peripheral.refuseConnections -= 1;
      return Promise.reject(domError('NetworkError', 'Connection attempt failed.'));
    }
    if (this.connected) return Promise.resolve(this);
    this.connected = true;
    peripheral.attach({
      deliver: (uuid, bytes) =>
        this.#services.some((s) =>
          s.all.filter((c) => c.uuid === bluetoothUuid(uuid)).some((c) => c.deliver(bytes)),
        ),
      drop: () => this.#drop(),
    });
    return Promise.resolve(this);
  }

  disconnect(): void {
    if (this.connected) this.#drop();
  }

  #drop(): void {
    this.connected = false;
    this.device.peripheral.detach();
    // A real peripheral forgets subscriptions of a non-bonded client.
    for (const service of this.#services) for (const c of service.all) c.notifying = false;
    queueMicrotask(() => this.device.dispatchEvent(new Event('gattserverdisconnected')));
  }

  getPrimaryService(uuid: number | string): Promise<FakeService> {
    if (!this.connected)
      return Promise.reject(domError('NetworkError', 'GATT Server is disconnected.'));
    const found = this.#services.find((s) => s.uuid === canonicalUuid(uuid));
    return found
      ? Promise.resolve(found)
      : Promise.reject(domError('NotFoundError', `No Services matching UUID ${uuid}`));
  }

  getPrimaryServices(): Promise<FakeService[]> {
    return Promise.resolve(this.#services);
  }
}

class FakeBluetoothDevice extends EventTarget {
  readonly id: string;
  readonly name: string;
  readonly gatt: FakeGattServer;

  constructor(readonly peripheral: SimulatedPeripheral) {
    super();
    this.id = peripheral.id;
    this.name = peripheral.name;
    this.gatt = new FakeGattServer(this);
  }
}

export type SimulatedDevice =
  | SimulatedBloodPressureCuff
  | SimulatedPulseOximeter
  | SimulatedThermometer
  | SimulatedScale
  | SimulatedGlucometer;

export class FakeBluetooth extends EventTarget {
  readonly #devices: FakeBluetoothDevice[] = [];
  readonly #granted = new Set<FakeBluetoothDevice>();
  /**
   * Plays the user at the chooser: gets the matching devices, returns the one
   * picked or undefined for "cancel". Default: the first match.
   */
  choose: (candidates: readonly SimulatedPeripheral[]) => SimulatedPeripheral | undefined = (c) =>
    c[0];

  add(peripheral: SimulatedPeripheral): void {
    this.#devices.push(new FakeBluetoothDevice(peripheral));
  }

  get peripherals(): SimulatedPeripheral[] {
    return this.#devices.map((d) => d.peripheral);
  }

  getAvailability(): Promise<boolean> {
    return Promise.resolve(true);
  }

  requestDevice(options?: RequestDeviceOptions): Promise<FakeBluetoothDevice> {
    const { filters = [], acceptAllDevices = false } = (options ?? {}) as {
      filters?: BluetoothLEScanFilter[];
      acceptAllDevices?: boolean;
    };
    const matches = this.#devices.filter(
      (device) =>
        acceptAllDevices ||
        filters.some((f) =>
          (f.services ?? []).every((s) =>
            device.peripheral.services.has(parseInt(canonicalUuid(s).slice(4, 8), 16)),
          ),
        ),
    );
    const picked = this.choose(matches.map((d) => d.peripheral));
    const device = matches.find((d) => d.peripheral === picked);
    if (!device)
      return Promise.reject(
        domError('NotFoundError', 'User cancelled the requestDevice() chooser.'),
      );
    this.#granted.add(device);
    return Promise.resolve(device);
  }

  getDevices(): Promise<FakeBluetoothDevice[]> {
    return Promise.resolve([...this.#granted]);
  }
}

export interface SimulatedBluetoothOptions extends Pick<
  SimulatorOptions,
  'deps' | 'clockOffsetMs'
> {
  readonly seed?: number;
  /** Which simulators to offer (default: all five). */
  readonly kinds?: readonly Exclude<DeviceKind, 'heartRate'>[];
}

export interface SimulatedBluetooth {
  readonly bluetooth: FakeBluetooth;
  readonly bloodPressure?: SimulatedBloodPressureCuff;
  readonly pulseOximeter?: SimulatedPulseOximeter;
  readonly thermometer?: SimulatedThermometer;
  readonly scale?: SimulatedScale;
  readonly glucometer?: SimulatedGlucometer;
  device(kind: DeviceKind): SimulatedDevice | undefined;
}

/** A fake Bluetooth with the training devices, not installed anywhere (tests, training mode). */
export function createSimulatedBluetooth(
  options: SimulatedBluetoothOptions = {},
): SimulatedBluetooth {
  const seed = options.seed ?? 1;
  const base = {
    ...(options.deps && { deps: options.deps }),
    ...(options.clockOffsetMs !== undefined && { clockOffsetMs: options.clockOffsetMs }),
  };
  const kinds = options.kinds ?? [
    'bloodPressure',
    'pulseOximeter',
    'thermometer',
    'scale',
    'glucometer',
  ];
  const devices: Partial<Record<DeviceKind, SimulatedDevice>> = {};
  const bluetooth = new FakeBluetooth();
  kinds.forEach((kind, i) => {
    const opts = { ...base, seed: seed + i };
    const device: SimulatedDevice =
      kind === 'bloodPressure'
        ? new SimulatedBloodPressureCuff(opts)
        : kind === 'pulseOximeter'
          ? new SimulatedPulseOximeter(opts)
          : kind === 'thermometer'
            ? new SimulatedThermometer(opts)
            : kind === 'scale'
              ? new SimulatedScale(opts)
              : new SimulatedGlucometer(opts);
    devices[kind] = device;
    bluetooth.add(device);
  });
  return {
    bluetooth,
    ...(devices as Omit<SimulatedBluetooth, 'bluetooth' | 'device'>),
    device: (kind) => devices[kind],
  };
}

/** The part of `window` the installers touch. */
export interface InstallTarget {
  readonly navigator: object;
}

/**
 * Replaces `navigator.bluetooth` with the simulated devices. Training mode and
 * the Chromium journeys call this before the first adapter is created.
 */
export function installSimulatedBluetooth(
  target: InstallTarget,
  options: SimulatedBluetoothOptions = {},
): SimulatedBluetooth {
  const simulated = createSimulatedBluetooth(options);
  Object.defineProperty(target.navigator, 'bluetooth', {
    value: simulated.bluetooth,
    configurable: true,
  });
  return simulated;
}

// --- simulated CMS50 over a serial port ---

/** A Contec CMS50 finger oximeter: a continuous pleth wave and slowly drifting values. */
export class SimulatedCms50 {
  degradation = 0;
  fingerOut = false;
  #packet = 0;
  #phase = 0;
  #spo2: number;
  #pulseRate: number;
  readonly #random: Random;

  constructor(
    options: { readonly seed?: number; readonly spo2?: number; readonly pulseRate?: number } = {},
  ) {
    this.#random = seededRandom(options.seed ?? 1);
    this.#spo2 = options.spo2 ?? 97;
    this.#pulseRate = options.pulseRate ?? 76;
  }

  degrade(level: number): void {
    this.degradation = clamp(level, 0, 1);
  }

  /** The next `count` packets of the stream (5 bytes each). */
  packets(count: number): Uint8Array {
    const out = new Uint8Array(count * 5);
    for (let i = 0; i < count; i++, this.#packet++) {
      if (this.#packet % CMS50_PACKETS_PER_SECOND === 0) {
        // Once a second, drift one step toward the (possibly degraded) target.
        const spo2Target = 97 - 13 * this.degradation;
        const pulseTarget = 76 + 54 * this.degradation;
        this.#spo2 = clamp(
          Math.round(this.#spo2 + Math.sign(spo2Target - this.#spo2) + (this.#random.next() - 0.5)),
          70,
          100,
        );
        this.#pulseRate = clamp(
          Math.round(
            this.#pulseRate +
              Math.sign(pulseTarget - this.#pulseRate) * 2 +
              (this.#random.next() - 0.5),
          ),
          40,
          200,
        );
      }
      this.#phase = (this.#phase + this.#pulseRate / 60 / CMS50_PACKETS_PER_SECOND) % 1;
      const wave = 64 + 48 * Math.sin(this.#phase * 2 * Math.PI) * (1 - 0.5 * this.degradation);
      out.set(
        encodeCms50Packet({
          spo2: this.fingerOut ? CMS50_NO_SPO2 : this.#spo2,
          pulseRate: this.fingerOut ? CMS50_NO_PULSE_RATE : this.#pulseRate,
          plethysmogram: clamp(Math.round(wave + (this.#random.next() * 4 - 2)), 0, 127),
          barGraph: Math.round(4 + 4 * Math.sin(this.#phase * 2 * Math.PI)),
          signalStrength: this.fingerOut ? 0 : 6,
          fingerOut: this.fingerOut,
          beep: this.#phase < this.#pulseRate / 60 / CMS50_PACKETS_PER_SECOND,
        }),
        i * 5,
      );
    }
    return out;
  }
}

export interface SimulatedSerialPortOptions {
  readonly deps?: Pick<AdapterDeps, 'setTimeout' | 'clearTimeout'>;
  /** How often bytes arrive (a USB bridge delivers in small bursts). Default 100 ms. */
  readonly chunkMs?: number;
  readonly usb?: { readonly vendorId: number; readonly productId: number };
}

/**
 * A serial port as the browser gives it. With a `SimulatedCms50` it streams by
 * itself; without, the test feeds bytes with `push()` and ends with `end()`.
 */
export class SimulatedSerialPort extends EventTarget implements SerialPortLike {
  openedWith: SerialOptions | undefined;
  #readable: ReadableStream<Uint8Array> | null = null;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #timer: unknown;
  readonly #deps: Pick<AdapterDeps, 'setTimeout' | 'clearTimeout'>;
  readonly #chunkMs: number;
  readonly #usb: { readonly vendorId: number; readonly productId: number };

  constructor(
    readonly source?: SimulatedCms50,
    options: SimulatedSerialPortOptions = {},
  ) {
    super();
    this.#deps = options.deps ?? defaultDeps;
    this.#chunkMs = options.chunkMs ?? 100;
    this.#usb = options.usb ?? USB_SERIAL_BRIDGES.cp210x;
  }

  get readable(): ReadableStream<Uint8Array> | null {
    return this.#readable;
  }

  get isOpen(): boolean {
    return this.#readable !== null;
  }

  getInfo(): SerialPortInfo {
    return { usbVendorId: this.#usb.vendorId, usbProductId: this.#usb.productId };
  }

  open(options: SerialOptions): Promise<void> {
    if (this.#readable)
      return Promise.reject(domError('InvalidStateError', 'The port is already open.'));
    this.openedWith = options;
    this.#readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => this.#stop(),
    });
    const source = this.source;
    if (source) {
      const packetsPerChunk = Math.max(
        1,
        Math.round((CMS50_PACKETS_PER_SECOND * this.#chunkMs) / 1000),
      );
      const loop = () => {
        this.push(source.packets(packetsPerChunk));
        this.#timer = this.#deps.setTimeout(loop, this.#chunkMs);
      };
      this.#timer = this.#deps.setTimeout(loop, this.#chunkMs);
    }
    return Promise.resolve();
  }

  push(bytes: Uint8Array): void {
    try {
      this.#controller?.enqueue(Uint8Array.from(bytes));
    } catch {
      // Stream already closed or errored.
    }
  }

  /** The device stops sending (switched off) without being unplugged. */
  end(): void {
    this.#stop();
    try {
      this.#controller?.close();
    } catch {
      // already closed
    }
  }

  /** The USB cable is pulled: 'disconnect' fires and the pending read fails. */
  unplug(): void {
    this.#stop();
    this.dispatchEvent(new Event('disconnect'));
    try {
      this.#controller?.error(domError('NetworkError', 'The device has been lost.'));
    } catch {
      // already closed
    }
  }

  #stop(): void {
    if (this.#timer !== undefined) this.#deps.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  close(): Promise<void> {
    this.#stop();
    this.#readable = null;
    this.#controller = undefined;
    return Promise.resolve();
  }
}

export interface SimulatedSerial {
  readonly oximeter: SimulatedCms50;
  readonly port: SimulatedSerialPort;
  readonly serial: {
    requestPort(): Promise<SimulatedSerialPort>;
    getPorts(): Promise<SimulatedSerialPort[]>;
  };
}

export interface SimulatedSerialOptions extends SimulatedSerialPortOptions {
  readonly seed?: number;
  /**
   * Where the permission is remembered, as the browser remembers a port it was
   * granted across reloads (the installed simulator uses sessionStorage).
   */
  readonly permissions?: Pick<Storage, 'getItem' | 'setItem'>;
}

const GRANT_KEY = 'outpost.simulated-serial.granted';

export function createSimulatedSerial(options: SimulatedSerialOptions = {}): SimulatedSerial {
  const oximeter = new SimulatedCms50({ seed: options.seed ?? 1 });
  const port = new SimulatedSerialPort(oximeter, options);
  let granted = options.permissions?.getItem(GRANT_KEY) === 'yes';
  const serial = Object.assign(new EventTarget(), {
    requestPort: () => {
      granted = true;
      options.permissions?.setItem(GRANT_KEY, 'yes');
      return Promise.resolve(port);
    },
    getPorts: () => Promise.resolve(granted ? [port] : []),
  });
  return { oximeter, port, serial };
}

/** Replaces `navigator.serial` with one simulated CMS50 on a CP210x cable. */
export function installSimulatedSerial(
  target: InstallTarget & { readonly sessionStorage?: Storage },
  options: SimulatedSerialOptions = {},
): SimulatedSerial {
  const simulated = createSimulatedSerial({
    ...(target.sessionStorage !== undefined && { permissions: target.sessionStorage }),
    ...options,
  });
  Object.defineProperty(target.navigator, 'serial', {
    value: simulated.serial,
    configurable: true,
  });
  return simulated;
}
