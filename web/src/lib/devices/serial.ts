/**
 * USB serial pulse oximeters (Contec CMS50 family) behind the common adapter.
 *
 * The port comes from a `SerialPortProvider`: Web Serial (`navigator.serial`,
 * desktop Chrome/Edge), our WebUSB bridge drivers (Android Chrome, see
 * webusb-serial.ts) or a simulated port. The adapter opens it with the profile's
 * baud rate, data bits, parity and stop bits, reads bytes into the incremental
 * CMS50 parser (which resynchronises on the sync bit and never turns a shifted
 * byte into a value), and emits one `live` event per chunk read, carrying every
 * pleth sample of the chunk and the newest SpO2 / pulse.
 *
 * Unplugging is seen two ways, whichever comes first: the port's `disconnect`
 * event, or the read failing with a lost device. Either ends in status
 * `disconnected` with reason `unplugged`.
 */
import {
  DEVICE_PROFILES,
  createCms50Parser,
  toObservations,
  type Cms50Sample,
  type SerialProfile,
} from '@outpost/shared/devices';
import { err, ok } from '@outpost/shared/result';
import { DeviceEmitter } from './emitter';
import { serialTransport } from './support';
import {
  defaultDeps,
  type AdapterDeps,
  type DeviceAdapter,
  type DeviceEventMap,
  type DeviceEventName,
  type DeviceIdentity,
  type DeviceResult,
  type DeviceStatus,
  type RequestOptions,
  type Transport,
  type Unsubscribe,
} from './types';

/** The part of the W3C SerialPort the adapter uses; WebUSB and simulated ports implement it. */
export interface SerialPortLike extends EventTarget {
  readonly readable: ReadableStream<Uint8Array> | null;
  open(options: SerialOptions): Promise<void>;
  close(): Promise<void>;
  getInfo(): SerialPortInfo;
}

export interface SerialPortProvider {
  readonly transport: Extract<Transport, 'serial' | 'webusb'>;
  /** Shows the browser's port chooser; rejects with a NotFoundError when the user cancels. */
  requestPort(profile: SerialProfile): Promise<SerialPortLike>;
  /** Ports this origin was granted before. */
  getPorts(): Promise<SerialPortLike[]>;
}

/** `navigator.serial` as a provider. */
export function webSerialProvider(serial: Serial = navigator.serial): SerialPortProvider {
  return {
    transport: 'serial',
    requestPort: (profile) =>
      serial.requestPort({
        filters: profile.usbIds.map((id) => ({
          usbVendorId: id.vendorId,
          usbProductId: id.productId,
        })),
      }),
    getPorts: () => serial.getPorts(),
  };
}

export function profileById(profileId: string | undefined): SerialProfile {
  const profile = DEVICE_PROFILES.find((p) => p.id === profileId) ?? DEVICE_PROFILES[0];
  if (!profile) throw new Error('no serial device profiles');
  return profile;
}

export function serialOptions(profile: SerialProfile): SerialOptions {
  return {
    baudRate: profile.baudRate,
    dataBits: profile.dataBits,
    parity: profile.parity,
    stopBits: profile.stopBits,
    flowControl: profile.flowControl,
  };
}

function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface SerialAdapterOptions {
  /** Default: Web Serial where present, else WebUSB (see `defaultSerialProvider`). */
  readonly provider?: SerialPortProvider;
  readonly deps?: AdapterDeps;
}

export class SerialAdapter implements DeviceAdapter {
  #identity: DeviceIdentity | undefined;
  #status: DeviceStatus = { state: 'idle' };
  #port: SerialPortLike | undefined;
  #profile: SerialProfile = profileById(undefined);
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #closing = false;
  #unplugged = false;
  #loop: Promise<void> | undefined;
  readonly #emitter = new DeviceEmitter();
  readonly #deps: AdapterDeps;
  readonly #provider: SerialPortProvider | undefined;

  constructor(options: SerialAdapterOptions = {}) {
    this.#deps = options.deps ?? defaultDeps;
    this.#provider = options.provider;
  }

  get transport(): Extract<Transport, 'serial' | 'webusb'> {
    return this.#provider?.transport ?? serialTransport().via ?? 'serial';
  }

  get identity(): DeviceIdentity | undefined {
    return this.#identity;
  }

  get status(): DeviceStatus {
    return this.#status;
  }

  /** Resolves when the read loop has stopped (for tests and orderly shutdown). */
  get stopped(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  on<K extends DeviceEventName>(
    event: K,
    listener: (payload: DeviceEventMap[K]) => void,
  ): Unsubscribe {
    return this.#emitter.on(event, listener);
  }

  #setStatus(status: DeviceStatus): void {
    this.#status = status;
    this.#emitter.emit('status', status);
  }

  async #providerOrError(): Promise<DeviceResult<SerialPortProvider>> {
    if (this.#provider) return ok(this.#provider);
    const { support, via } = serialTransport();
    if (support !== 'supported' || !via) {
      return err({
        type: 'Unsupported',
        support: support === 'supported' ? 'unsupported-browser' : support,
      });
    }
    if (via === 'serial') return ok(webSerialProvider());
    const { webUsbSerialProvider } = await import('./webusb-serial');
    return ok(webUsbSerialProvider());
  }

  #adopt(port: SerialPortLike, kind: DeviceIdentity['kind'], transport: Transport): DeviceIdentity {
    this.#port?.removeEventListener('disconnect', this.#onUnplug);
    this.#port = port;
    port.addEventListener('disconnect', this.#onUnplug);
    const info = port.getInfo();
    const usb =
      info.usbVendorId !== undefined && info.usbProductId !== undefined
        ? { vendorId: info.usbVendorId, productId: info.usbProductId }
        : undefined;
    const hex = (n: number) => n.toString(16).padStart(4, '0');
    this.#identity = {
      id: `${transport}:${this.#profile.id}:${usb ? `${hex(usb.vendorId)}:${hex(usb.productId)}` : 'port'}`,
      name: this.#profile.name,
      kind,
      transport,
      profileId: this.#profile.id,
      ...(usb && { usb }),
    };
    return this.#identity;
  }

  async request(options: RequestOptions): Promise<DeviceResult<DeviceIdentity>> {
    const provider = await this.#providerOrError();
    if (!provider.ok) return provider;
    this.#profile = profileById(options.profileId);
    try {
      const port = await provider.value.requestPort(this.#profile);
      return ok(this.#adopt(port, options.kind, provider.value.transport));
    } catch (error) {
      if (errorName(error) === 'NotFoundError') return err({ type: 'NoDeviceChosen' });
      if (errorName(error) === 'UnsupportedBridgeError') {
        const { vendorId, productId } = error as { vendorId: number; productId: number };
        return err({ type: 'UnsupportedBridge', vendorId, productId });
      }
      return err({ type: 'PermissionDenied', message: errorMessage(error) });
    }
  }

  async restore(identity: DeviceIdentity): Promise<DeviceResult<DeviceIdentity>> {
    const provider = await this.#providerOrError();
    if (!provider.ok) return provider;
    this.#profile = profileById(identity.profileId);
    try {
      const ports = await provider.value.getPorts();
      const port = ports.find((p) => {
        const info = p.getInfo();
        return (
          !identity.usb ||
          (info.usbVendorId === identity.usb.vendorId &&
            info.usbProductId === identity.usb.productId)
        );
      });
      if (!port) return err({ type: 'NotPermitted' });
      return ok(this.#adopt(port, identity.kind, provider.value.transport));
    } catch {
      return err({ type: 'NotPermitted' });
    }
  }

  async connect(): Promise<DeviceResult<void>> {
    const port = this.#port;
    if (!port) return err({ type: 'NotConnected' });
    if (this.#loop) await this.disconnect();
    this.#closing = false;
    this.#unplugged = false;
    this.#setStatus({ state: 'connecting' });
    try {
      await port.open(serialOptions(this.#profile));
    } catch (error) {
      const e = { type: 'PortOpenFailed', message: errorMessage(error) } as const;
      this.#setStatus({ state: 'error', error: e });
      return err(e);
    }
    if (!port.readable) {
      const e = { type: 'PortOpenFailed', message: 'port is not readable' } as const;
      this.#setStatus({ state: 'error', error: e });
      return err(e);
    }
    this.#reader = port.readable.getReader();
    this.#setStatus({ state: 'connected' });
    this.#loop = this.#readLoop(this.#reader, port);
    return ok(undefined);
  }

  async #readLoop(reader: ReadableStreamDefaultReader<Uint8Array>, port: SerialPortLike) {
    const parser = createCms50Parser();
    let lost = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (value && value.byteLength > 0) this.#onBytes(parser.push(value));
      }
    } catch (error) {
      // NetworkError "The device has been lost" when the cable is pulled mid-read.
      lost = !this.#closing;
      if (lost && errorName(error) !== 'NetworkError' && !this.#unplugged)
        console.warn('serial read failed', error);
    } finally {
      reader.releaseLock();
      this.#reader = undefined;
    }
    this.#onBytes(parser.end());
    await port.close().catch(() => {});
    this.#loop = undefined;
    if (this.#closing) this.#setStatus({ state: 'disconnected', reason: 'requested' });
    else if (this.#unplugged || lost)
      this.#setStatus({ state: 'disconnected', reason: 'unplugged' });
    else this.#setStatus({ state: 'disconnected', reason: 'streamEnded' });
  }

  #onBytes(events: ReturnType<ReturnType<typeof createCms50Parser>['push']>): void {
    const pleth: number[] = [];
    let last: Cms50Sample | undefined;
    for (const event of events) {
      switch (event.type) {
        case 'sample':
          pleth.push(event.sample.plethysmogram);
          last = event.sample;
          break;
        case 'resync':
          this.#emitter.emit('problem', {
            error: { type: 'Resync', droppedBytes: event.droppedBytes },
          });
          break;
        case 'error':
          this.#emitter.emit('problem', { error: event.error });
          break;
      }
    }
    if (!last) return;
    const nowMs = this.#deps.now();
    const set = toObservations(last, { nowMs });
    this.#emitter.emit('live', {
      atMs: nowMs,
      spo2Percent: last.spo2Percent,
      pulseRateBpm: last.pulseRateBpm,
      pleth,
      signalStrength: last.signalStrength,
      fingerOut: last.fingerOut,
      observations: set.observations,
      rejected: set.rejected,
    });
  }

  #onUnplug = (): void => {
    this.#unplugged = true;
    void this.#reader?.cancel().catch(() => {});
  };

  async disconnect(): Promise<void> {
    this.#closing = true;
    if (this.#reader) {
      await this.#reader.cancel().catch(() => {});
      await this.#loop;
    } else if (this.#status.state !== 'disconnected' && this.#status.state !== 'idle') {
      this.#setStatus({ state: 'disconnected', reason: 'requested' });
    }
  }
}
