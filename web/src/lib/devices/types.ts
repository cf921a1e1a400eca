/**
 * One adapter interface for every transport (Web Bluetooth, Web Serial, WebUSB
 * serial, simulated). The manager and the device panel only ever see these types.
 *
 * Contract:
 * - `request()` asks the user to pick a device (a browser chooser: it must run
 *   inside a user gesture) or, for `restore()`, finds one already permitted.
 * - `connect()` resolves once notifications are flowing; failures come back as a
 *   typed `DeviceError`, never as a thrown exception.
 * - Readings arrive as `reading` events with their observations already in
 *   canonical units (shared/devices `toObservations`); a reading the device
 *   re-sends is dropped before it is emitted (`ReadingDeduper`).
 * - Values the device flags as unreliable are in `rejected`, never in `observations`.
 */
import type {
  DeviceMessage,
  DeviceParseError,
  Observation,
  RejectedValue,
  UnknownCharacteristic,
} from '@outpost/shared/devices';
import type { Result } from '@outpost/shared/result';

/** What a device measures; decides the Bluetooth service asked for and the panel's buttons. */
export type DeviceKind =
  'bloodPressure' | 'pulseOximeter' | 'thermometer' | 'scale' | 'glucometer' | 'heartRate';

export const DEVICE_KINDS: readonly DeviceKind[] = [
  'bloodPressure',
  'pulseOximeter',
  'thermometer',
  'scale',
  'glucometer',
  'heartRate',
];

export type Transport = 'bluetooth' | 'serial' | 'webusb';

/** A device as the registry remembers it. `id` is stable for this browser profile. */
export interface DeviceIdentity {
  readonly id: string;
  readonly name?: string;
  readonly kind: DeviceKind;
  readonly transport: Transport;
  /** Serial/USB: the DEVICE_PROFILES id used to open the port. */
  readonly profileId?: string;
  /** Serial/USB: the bridge's ids, to find the port again without a chooser. */
  readonly usb?: { readonly vendorId: number; readonly productId: number };
  readonly simulated?: boolean;
}

/** Why a device stopped talking to us. */
export type DisconnectReason =
  /** We (the user) asked for it. */
  | 'requested'
  /** The USB cable was pulled. */
  | 'unplugged'
  /** The Bluetooth link dropped and reconnection gave up (out of range, switched off). */
  | 'linkLost'
  /** The serial stream ended without an unplug (device switched off). */
  | 'streamEnded';

export type DeviceError =
  | { readonly type: 'Unsupported'; readonly support: Exclude<Support, 'supported'> }
  /** The user closed the browser's device chooser without picking one. */
  | { readonly type: 'NoDeviceChosen' }
  /** The browser refused (permission, not in a user gesture, blocked). */
  | { readonly type: 'PermissionDenied'; readonly message: string }
  /** The picked device does not offer the service or endpoints we need. */
  | { readonly type: 'ServiceMissing'; readonly service: string }
  | { readonly type: 'ConnectFailed'; readonly message: string }
  | { readonly type: 'ReconnectGaveUp'; readonly attempts: number }
  /** The serial port could not be opened (in use by another app, wrong settings). */
  | { readonly type: 'PortOpenFailed'; readonly message: string }
  /** A USB-serial bridge we have no driver for (e.g. PL2303, FTDI over WebUSB). */
  | { readonly type: 'UnsupportedBridge'; readonly vendorId: number; readonly productId: number }
  /** The previously paired device is not reachable without a new chooser. */
  | { readonly type: 'NotPermitted' }
  | { readonly type: 'RecordAccessFailed'; readonly code: RacpFailure }
  | { readonly type: 'Timeout'; readonly operation: string }
  | { readonly type: 'NotConnected' };

/** Record Access Control Point failures (GLS 1.0 / RACP response codes), plus our own. */
export type RacpFailure =
  | 'opCodeNotSupported'
  | 'invalidOperator'
  | 'operatorNotSupported'
  | 'invalidOperand'
  | 'abortUnsuccessful'
  | 'procedureNotCompleted'
  | 'operandNotSupported'
  | 'procedureAlreadyInProgress'
  | 'clientCharacteristicConfigurationImproperlyConfigured'
  | 'malformedResponse'
  | 'unknownResponseCode'
  | 'notSupportedByDevice';

export type DeviceStatus =
  | { readonly state: 'idle' }
  | { readonly state: 'connecting' }
  | { readonly state: 'connected' }
  | { readonly state: 'reconnecting'; readonly attempt: number; readonly delayMs: number }
  | { readonly state: 'disconnected'; readonly reason: DisconnectReason }
  | { readonly state: 'error'; readonly error: DeviceError };

/** A measurement ready to be shown and accepted (never recorded automatically). */
export interface DeviceReading {
  /** Stable identity of the reading (its dedupe key). */
  readonly id: string;
  readonly deviceId: string;
  readonly deviceName?: string;
  readonly message: DeviceMessage;
  readonly observations: readonly Observation[];
  readonly rejected: readonly RejectedValue[];
  /** Tablet time (epoch ms) the packet arrived. */
  readonly receivedAtMs: number;
  /** Downloaded from the meter's memory (RACP), not measured just now. */
  readonly fromMemory: boolean;
}

/** The live values of a streaming device (oximeter, heart-rate strap, cuff inflating). */
export interface LiveSample {
  readonly atMs: number;
  readonly spo2Percent?: number | null;
  readonly pulseRateBpm?: number | null;
  /** Plethysmogram samples (0–127) received since the previous live event, oldest first. */
  readonly pleth?: readonly number[];
  readonly signalStrength?: number;
  readonly fingerOut?: boolean;
  readonly cuffPressureMmHg?: number;
  /** What a health worker would accept now, in canonical units (no unreliable values). */
  readonly observations: readonly Observation[];
  readonly rejected: readonly RejectedValue[];
}

export interface DeviceInfo {
  readonly manufacturerName?: string;
  readonly modelNumber?: string;
  readonly serialNumber?: string;
  readonly firmwareRevision?: string;
}

/** A packet we could not use; the UI counts them, the log keeps them. */
export interface DeviceProblem {
  readonly characteristic?: number;
  readonly error:
    | DeviceParseError
    | UnknownCharacteristic
    | { readonly type: 'Resync'; readonly droppedBytes: number };
}

export interface DeviceEventMap {
  reading: DeviceReading;
  live: LiveSample;
  battery: { readonly levelPercent: number };
  info: DeviceInfo;
  status: DeviceStatus;
  /** Device clock − tablet clock, learnt on this connection (persist it per device). */
  clock: { readonly offsetMs: number };
  problem: DeviceProblem;
}

export type DeviceEventName = keyof DeviceEventMap;
export type Unsubscribe = () => void;

export interface RequestOptions {
  readonly kind: DeviceKind;
  /** Serial/USB: which DEVICE_PROFILES entry (default: the first for the kind). */
  readonly profileId?: string;
}

/** Which stored records to download (RACP "report stored records"). */
export type RecordFilter = { readonly all: true } | { readonly afterSequenceNumber: number };

export interface DeviceAdapter {
  readonly transport: Transport;
  readonly identity: DeviceIdentity | undefined;
  readonly status: DeviceStatus;
  /** Shows the browser's chooser (call from a click handler). */
  request(options: RequestOptions): Promise<DeviceResult<DeviceIdentity>>;
  /** Finds a device permitted earlier, without a chooser; `NotPermitted` if the browser forgot it. */
  restore(identity: DeviceIdentity): Promise<DeviceResult<DeviceIdentity>>;
  connect(): Promise<DeviceResult<void>>;
  on<K extends DeviceEventName>(
    event: K,
    listener: (payload: DeviceEventMap[K]) => void,
  ): Unsubscribe;
  /** Stops reconnecting and closes the link; idempotent. */
  disconnect(): Promise<void>;
  /** Glucose meters: downloads stored records (they arrive as `reading` events). */
  fetchStoredRecords?(filter: RecordFilter): Promise<DeviceResult<{ readonly count: number }>>;
}

export type DeviceResult<T> = Result<T, DeviceError>;

/** Why a transport is or is not available, so the UI can say it plainly. */
export type Support =
  'supported' | 'unsupported-browser' | 'disabled-by-policy' | 'insecure-context';

/** Time, randomness and timers, injected so tests and replays are deterministic. */
export interface AdapterDeps {
  now(): number;
  /** A float in [0, 1), for backoff jitter. */
  random(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const defaultDeps: AdapterDeps = {
  now: () => Date.now(),
  random: () => Math.random(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};
