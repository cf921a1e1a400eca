/**
 * Web Bluetooth adapter for the standard health profiles.
 *
 * - `request()` opens the browser chooser filtered on the kind's service; every
 *   other health service plus Battery, Device Information and Current Time are
 *   optional services, so a combined device (cuff with pulse) is fully read.
 * - `connect()` subscribes to every measurement characteristic present
 *   (`startNotifications` enables notifications or indications, whichever the
 *   characteristic has), reads the battery, device information, the scale's
 *   resolution and the device clock, and for glucose meters downloads the stored
 *   records newer than the last one seen (RACP).
 * - A link that drops without us asking (`gattserverdisconnected`) is re-opened
 *   with exponential backoff and jitter; after `maxAttempts` the status becomes
 *   an error (`ReconnectGaveUp`) and the device stays paired for a manual retry.
 * - Every value goes through `parseCharacteristic`; a packet that does not parse
 *   is a `problem` event, never a reading.
 */
import {
  BATTERY_LEVEL_UUID,
  DEVICE_INFO_FIELDS,
  GLUCOSE_CONTEXT_UUID,
  GLUCOSE_MEASUREMENT_UUID,
  ReadingDeduper,
  WEIGHT_SCALE_FEATURE_UUID,
  dateTimeToEpochMs,
  parseCharacteristic,
  parseDateTime,
} from '@outpost/shared/devices';
import { err, ok } from '@outpost/shared/result';
import { DEFAULT_BACKOFF, backoffDelayMs, type BackoffOptions } from './backoff';
import { DeviceEmitter } from './emitter';
import { MessagePipeline } from './pipeline';
import {
  RACP_ATT_ERRORS,
  RACP_OP,
  RACP_UUID,
  parseRacpResponse,
  racpReportAfter,
  racpReportAll,
} from './racp';
import { bluetoothSupport } from './support';
import {
  defaultDeps,
  type AdapterDeps,
  type DeviceAdapter,
  type DeviceError,
  type DeviceEventMap,
  type DeviceEventName,
  type DeviceIdentity,
  type DeviceKind,
  type DeviceResult,
  type DeviceStatus,
  type RecordFilter,
  type RequestOptions,
  type Unsubscribe,
} from './types';

export const GATT_SERVICES = {
  heartRate: 0x180d,
  bloodPressure: 0x1810,
  healthThermometer: 0x1809,
  pulseOximeter: 0x1822,
  weightScale: 0x181d,
  glucose: 0x1808,
  battery: 0x180f,
  deviceInformation: 0x180a,
  currentTime: 0x1805,
} as const;

export const CURRENT_TIME_UUID = 0x2a2b;

export const KIND_SERVICE: Readonly<Record<DeviceKind, number>> = {
  heartRate: GATT_SERVICES.heartRate,
  bloodPressure: GATT_SERVICES.bloodPressure,
  thermometer: GATT_SERVICES.healthThermometer,
  pulseOximeter: GATT_SERVICES.pulseOximeter,
  scale: GATT_SERVICES.weightScale,
  glucometer: GATT_SERVICES.glucose,
};

/** Measurement characteristics we subscribe to, per health service. */
export const SUBSCRIBED_CHARACTERISTICS: Readonly<Record<number, readonly number[]>> = {
  [GATT_SERVICES.heartRate]: [0x2a37],
  [GATT_SERVICES.bloodPressure]: [0x2a35, 0x2a36],
  [GATT_SERVICES.healthThermometer]: [0x2a1c],
  [GATT_SERVICES.pulseOximeter]: [0x2a5e, 0x2a5f],
  [GATT_SERVICES.weightScale]: [0x2a9d],
  [GATT_SERVICES.glucose]: [GLUCOSE_MEASUREMENT_UUID, GLUCOSE_CONTEXT_UUID],
};

const HEALTH_SERVICES = Object.values(KIND_SERVICE);

/** 16-bit UUID of a Bluetooth SIG base UUID ("0000xxxx-0000-1000-8000-00805f9b34fb"). */
export function uuid16(uuid: string): number {
  return parseInt(uuid.slice(4, 8), 16);
}

function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface BluetoothAdapterOptions {
  /** Default: `navigator.bluetooth`. */
  readonly bluetooth?: Bluetooth;
  readonly deps?: AdapterDeps;
  /** Shared with the registry so re-sent readings are dropped across reconnections. */
  readonly deduper?: ReadingDeduper;
  readonly backoff?: BackoffOptions;
  readonly learntOffsetMs?: number;
  readonly deviceUtcOffsetMinutes?: number;
  /** Glucose: the last record already downloaded; the next download asks for newer ones. */
  readonly lastSequenceNumber?: number;
  /** Glucose: download stored records on every connection. Default true. */
  readonly fetchRecordsOnConnect?: boolean;
  readonly racpTimeoutMs?: number;
}

interface Subscription {
  readonly characteristic: BluetoothRemoteGATTCharacteristic;
  readonly listener: (event: Event) => void;
}

interface RacpProcedure {
  count: number;
  finish(result: DeviceResult<{ count: number }>): void;
}

export class BluetoothAdapter implements DeviceAdapter {
  readonly transport = 'bluetooth' as const;
  #identity: DeviceIdentity | undefined;
  #status: DeviceStatus = { state: 'idle' };
  #device: BluetoothDevice | undefined;
  #subscriptions: Subscription[] = [];
  #racp: BluetoothRemoteGATTCharacteristic | undefined;
  #racpProcedure: RacpProcedure | undefined;
  #userDisconnect = false;
  #reconnectTimer: unknown;
  #reconnecting = false;
  readonly #emitter = new DeviceEmitter();
  readonly #deps: AdapterDeps;
  readonly #backoff: BackoffOptions;
  readonly #pipeline: MessagePipeline;
  readonly #options: BluetoothAdapterOptions;

  constructor(options: BluetoothAdapterOptions = {}) {
    this.#options = options;
    this.#deps = options.deps ?? defaultDeps;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#pipeline = new MessagePipeline(
      this.#emitter,
      options.deduper ?? new ReadingDeduper(),
      this.#deps,
      () => this.#identity,
      {
        ...(options.learntOffsetMs !== undefined && { learntOffsetMs: options.learntOffsetMs }),
        ...(options.deviceUtcOffsetMinutes !== undefined && {
          deviceUtcOffsetMinutes: options.deviceUtcOffsetMinutes,
        }),
      },
    );
    if (options.lastSequenceNumber !== undefined)
      this.#pipeline.lastSequenceNumber = options.lastSequenceNumber;
  }

  get identity(): DeviceIdentity | undefined {
    return this.#identity;
  }

  get status(): DeviceStatus {
    return this.#status;
  }

  /** Glucose: the highest record sequence number seen (persist it with the device). */
  get lastSequenceNumber(): number | undefined {
    return this.#pipeline.lastSequenceNumber;
  }

  on<K extends DeviceEventName>(
    event: K,
    listener: (payload: DeviceEventMap[K]) => void,
  ): Unsubscribe {
    return this.#emitter.on(event, listener);
  }

  #bluetooth(): Bluetooth | DeviceError {
    if (this.#options.bluetooth) return this.#options.bluetooth;
    const support = bluetoothSupport();
    if (support !== 'supported') return { type: 'Unsupported', support };
    return navigator.bluetooth;
  }

  #setStatus(status: DeviceStatus): void {
    this.#status = status;
    this.#emitter.emit('status', status);
  }

  #adopt(device: BluetoothDevice, kind: DeviceKind): DeviceIdentity {
    this.#device?.removeEventListener('gattserverdisconnected', this.#onDisconnected);
    this.#device = device;
    device.addEventListener('gattserverdisconnected', this.#onDisconnected);
    this.#identity = {
      id: device.id,
      ...(device.name && { name: device.name }),
      kind,
      transport: 'bluetooth',
    };
    return this.#identity;
  }

  async request(options: RequestOptions): Promise<DeviceResult<DeviceIdentity>> {
    const bluetooth = this.#bluetooth();
    if ('type' in bluetooth) return err(bluetooth);
    try {
      const device = await bluetooth.requestDevice({
        filters: [{ services: [KIND_SERVICE[options.kind]] }],
        optionalServices: [
          ...HEALTH_SERVICES,
          GATT_SERVICES.battery,
          GATT_SERVICES.deviceInformation,
          GATT_SERVICES.currentTime,
        ],
      });
      return ok(this.#adopt(device, options.kind));
    } catch (error) {
      // Chrome reports a closed chooser as NotFoundError ("User cancelled…").
      if (errorName(error) === 'NotFoundError') return err({ type: 'NoDeviceChosen' });
      return err({ type: 'PermissionDenied', message: errorMessage(error) });
    }
  }

  async restore(identity: DeviceIdentity): Promise<DeviceResult<DeviceIdentity>> {
    const bluetooth = this.#bluetooth();
    if ('type' in bluetooth) return err(bluetooth);
    // getDevices() is missing where the browser does not keep permissions across sessions.
    if (typeof bluetooth.getDevices !== 'function') return err({ type: 'NotPermitted' });
    try {
      const device = (await bluetooth.getDevices()).find((d) => d.id === identity.id);
      if (!device) return err({ type: 'NotPermitted' });
      const adopted = this.#adopt(device, identity.kind);
      this.#identity = {
        ...adopted,
        ...(identity.name && !adopted.name && { name: identity.name }),
      };
      return ok(this.#identity);
    } catch {
      return err({ type: 'NotPermitted' });
    }
  }

  async connect(): Promise<DeviceResult<void>> {
    if (!this.#device) return err({ type: 'NotConnected' });
    this.#userDisconnect = false;
    this.#cancelReconnect();
    this.#setStatus({ state: 'connecting' });
    const result = await this.#connectOnce();
    if (!result.ok) this.#setStatus({ state: 'error', error: result.error });
    return result;
  }

  async #connectOnce(): Promise<DeviceResult<void>> {
    const device = this.#device;
    const gatt = device?.gatt;
    if (!device || !gatt) return err({ type: 'NotConnected' });
    this.#unsubscribeAll();
    try {
      const server = await gatt.connect();
      const found = await this.#subscribe(server);
      if (!found) {
        gatt.disconnect();
        return err({
          type: 'ServiceMissing',
          service: `0x${KIND_SERVICE[this.#identity?.kind ?? 'heartRate'].toString(16)}`,
        });
      }
      await this.#readExtras(server);
      if (this.#userDisconnect) return err({ type: 'NotConnected' });
      this.#setStatus({ state: 'connected' });
      if (this.#racp && this.#options.fetchRecordsOnConnect !== false) {
        const last = this.#pipeline.lastSequenceNumber;
        void this.fetchStoredRecords(
          last === undefined ? { all: true } : { afterSequenceNumber: last },
        );
      }
      return ok(undefined);
    } catch (error) {
      return err({ type: 'ConnectFailed', message: errorMessage(error) });
    }
  }

  /** Subscribes to every measurement characteristic; false when the kind's service is absent. */
  async #subscribe(server: BluetoothRemoteGATTServer): Promise<boolean> {
    let foundMain = false;
    const mainService = KIND_SERVICE[this.#identity?.kind ?? 'heartRate'];
    for (const serviceUuid of HEALTH_SERVICES) {
      const service = await server.getPrimaryService(serviceUuid).catch(() => undefined);
      if (!service) continue;
      if (serviceUuid === mainService) foundMain = true;
      if (serviceUuid === GATT_SERVICES.weightScale) {
        await this.#readAndHandle(service, WEIGHT_SCALE_FEATURE_UUID);
      }
      for (const uuid of SUBSCRIBED_CHARACTERISTICS[serviceUuid] ?? []) {
        const characteristic = await service.getCharacteristic(uuid).catch(() => undefined);
        if (!characteristic) continue;
        await this.#listen(characteristic, uuid);
      }
      if (serviceUuid === GATT_SERVICES.glucose) {
        const racp = await service.getCharacteristic(RACP_UUID).catch(() => undefined);
        if (racp) {
          const listener = (event: Event) => this.#onRacp(event);
          racp.addEventListener('characteristicvaluechanged', listener);
          this.#subscriptions.push({ characteristic: racp, listener });
          await racp.startNotifications();
          this.#racp = racp;
        }
      }
    }
    // A device picked for one kind may still be used if it offers any health service.
    return foundMain || this.#subscriptions.length > 0;
  }

  async #listen(characteristic: BluetoothRemoteGATTCharacteristic, uuid: number): Promise<void> {
    const listener = (event: Event) => {
      const value = (event.target as BluetoothRemoteGATTCharacteristic).value;
      if (value) this.#onValue(uuid, value);
    };
    characteristic.addEventListener('characteristicvaluechanged', listener);
    this.#subscriptions.push({ characteristic, listener });
    const { notify, indicate } = characteristic.properties;
    if (notify || indicate) await characteristic.startNotifications();
  }

  async #readAndHandle(service: BluetoothRemoteGATTService, uuid: number): Promise<boolean> {
    try {
      const characteristic = await service.getCharacteristic(uuid);
      const value = await characteristic.readValue();
      this.#onValue(uuid, value);
      return true;
    } catch {
      return false; // optional characteristic: absent or unreadable
    }
  }

  async #readExtras(server: BluetoothRemoteGATTServer): Promise<void> {
    const battery = await server.getPrimaryService(GATT_SERVICES.battery).catch(() => undefined);
    if (battery) {
      await this.#readAndHandle(battery, BATTERY_LEVEL_UUID);
      const level = await battery.getCharacteristic(BATTERY_LEVEL_UUID).catch(() => undefined);
      if (level?.properties.notify) await this.#listen(level, BATTERY_LEVEL_UUID).catch(() => {});
    }
    const info = await server
      .getPrimaryService(GATT_SERVICES.deviceInformation)
      .catch(() => undefined);
    if (info) {
      for (const uuid of Object.keys(DEVICE_INFO_FIELDS).map(Number)) {
        await this.#readAndHandle(info, uuid);
      }
    }
    const time = await server.getPrimaryService(GATT_SERVICES.currentTime).catch(() => undefined);
    if (time) {
      try {
        const value = await (await time.getCharacteristic(CURRENT_TIME_UUID)).readValue();
        // Current Time = Exact Time 256: Date Time (7 bytes), day of week, fractions, reason.
        const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
        const parsed = parseDateTime(bytes.slice(0, 7));
        if (parsed.ok) {
          const ms = dateTimeToEpochMs(
            parsed.value.dateTime,
            this.#pipeline.deviceUtcOffsetMinutes,
          );
          if (ms !== undefined) this.#pipeline.learnClock(ms);
        }
      } catch {
        // No readable clock: live readings still measure their own offset.
      }
    }
  }

  #onValue(uuid: number, value: DataView): void {
    const bytes = new Uint8Array(
      value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength),
    );
    const parsed = parseCharacteristic(uuid, bytes, {
      weightResolution: this.#pipeline.weightResolution,
    });
    if (!parsed.ok) {
      this.#emitter.emit('problem', { characteristic: uuid, error: parsed.error });
      return;
    }
    const inProcedure = this.#racpProcedure !== undefined;
    if (inProcedure && parsed.value.kind === 'glucose' && this.#racpProcedure)
      this.#racpProcedure.count += 1;
    this.#pipeline.handle(parsed.value, inProcedure && uuid === GLUCOSE_MEASUREMENT_UUID);
  }

  #onRacp(event: Event): void {
    const value = (event.target as BluetoothRemoteGATTCharacteristic).value;
    const procedure = this.#racpProcedure;
    if (!value || !procedure) return;
    const response = parseRacpResponse(
      new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
    );
    switch (response.type) {
      case 'count':
        return; // only asked for by "report number of records", which we do not send
      case 'malformed':
        procedure.finish(err({ type: 'RecordAccessFailed', code: 'malformedResponse' }));
        return;
      case 'response':
        if (response.requestOpCode !== RACP_OP.reportStoredRecords) return;
        procedure.finish(
          response.outcome.ok
            ? ok({ count: procedure.count })
            : err({ type: 'RecordAccessFailed', code: response.outcome.failure }),
        );
    }
  }

  /**
   * Downloads stored glucose records. Records arrive as Glucose Measurement
   * notifications (emitted as `reading`s with `fromMemory`), then the meter ends
   * the procedure with a RACP response code. "No records found" is success with
   * count 0. One procedure at a time (the spec allows no more).
   */
  async fetchStoredRecords(filter: RecordFilter): Promise<DeviceResult<{ count: number }>> {
    const racp = this.#racp;
    if (!racp || !this.#device?.gatt?.connected)
      return err({ type: 'RecordAccessFailed', code: 'notSupportedByDevice' });
    if (this.#racpProcedure)
      return err({ type: 'RecordAccessFailed', code: 'procedureAlreadyInProgress' });
    const timeoutMs = this.#options.racpTimeoutMs ?? 30_000;
    let resolveDone: (result: DeviceResult<{ count: number }>) => void = () => {};
    const done = new Promise<DeviceResult<{ count: number }>>((resolve) => {
      resolveDone = resolve;
    });
    const procedure: RacpProcedure = {
      count: 0,
      finish: (result) => {
        if (this.#racpProcedure !== procedure) return;
        this.#deps.clearTimeout(timer);
        this.#racpProcedure = undefined;
        resolveDone(result);
      },
    };
    const timer = this.#deps.setTimeout(
      () => procedure.finish(err({ type: 'Timeout', operation: 'recordAccess' })),
      timeoutMs,
    );
    this.#racpProcedure = procedure;
    const request = 'all' in filter ? racpReportAll() : racpReportAfter(filter.afterSequenceNumber);
    try {
      await (racp.writeValueWithResponse
        ? racp.writeValueWithResponse(request)
        : racp.writeValue(request));
    } catch (error) {
      // Web Bluetooth surfaces the ATT error only in the message (e.g. "…0x80…").
      const code = /0x8([01])/.exec(errorMessage(error));
      procedure.finish(
        err({
          type: 'RecordAccessFailed',
          code: code ? RACP_ATT_ERRORS[code[1] === '0' ? 0x80 : 0x81] : 'procedureNotCompleted',
        }),
      );
    }
    return done;
  }

  #onDisconnected = (): void => {
    this.#unsubscribeAll();
    this.#racpProcedure?.finish(err({ type: 'NotConnected' }));
    if (this.#userDisconnect) {
      this.#setStatus({ state: 'disconnected', reason: 'requested' });
      return;
    }
    if (this.#reconnecting) return; // a failed attempt inside the loop
    void this.#reconnectLoop();
  };

  async #reconnectLoop(): Promise<void> {
    this.#reconnecting = true;
    try {
      for (let attempt = 1; attempt <= this.#backoff.maxAttempts; attempt++) {
        const delayMs = backoffDelayMs(attempt, this.#deps.random(), this.#backoff);
        this.#setStatus({ state: 'reconnecting', attempt, delayMs });
        const waited = await new Promise<boolean>((resolve) => {
          this.#reconnectTimer = this.#deps.setTimeout(() => resolve(true), delayMs);
          this.#cancelWait = () => resolve(false);
        });
        this.#cancelWait = undefined;
        if (!waited || this.#userDisconnect) return;
        const result = await this.#connectOnce();
        if (this.#userDisconnect) return;
        if (result.ok) return;
      }
      this.#setStatus({
        state: 'error',
        error: { type: 'ReconnectGaveUp', attempts: this.#backoff.maxAttempts },
      });
    } finally {
      this.#reconnecting = false;
    }
  }

  #cancelWait: (() => void) | undefined;

  #cancelReconnect(): void {
    if (this.#reconnectTimer !== undefined) this.#deps.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#cancelWait?.();
    this.#cancelWait = undefined;
  }

  #unsubscribeAll(): void {
    for (const { characteristic, listener } of this.#subscriptions)
      characteristic.removeEventListener('characteristicvaluechanged', listener);
    this.#subscriptions = [];
    this.#racp = undefined;
  }

  async disconnect(): Promise<void> {
    this.#userDisconnect = true;
    this.#cancelReconnect();
    const gatt = this.#device?.gatt;
    if (gatt?.connected) {
      gatt.disconnect(); // fires gattserverdisconnected → status 'requested'
    } else if (this.#status.state !== 'disconnected') {
      this.#unsubscribeAll();
      this.#setStatus({ state: 'disconnected', reason: 'requested' });
    }
    await Promise.resolve();
  }
}
