/**
 * Shared pieces of the Pulse Oximeter Service (PLXS) characteristics:
 * Measurement Status (uint16) and Device and Sensor Status (uint24), as defined
 * in the GATT Specification Supplement ("PLX Spot-Check Measurement",
 * "PLX Continuous Measurement").
 *
 * Measurement Status bits: 0–4 reserved, 5 measurement ongoing, 6 early estimated
 *   data, 7 validated data, 8 fully qualified data, 9 data from measurement storage,
 *   10 data for demonstration, 11 data for testing, 12 calibration ongoing,
 *   13 measurement unavailable, 14 questionable measurement detected,
 *   15 invalid measurement detected.
 * Device and Sensor Status bits: 0 extended display update ongoing, 1 equipment
 *   malfunction detected, 2 signal processing irregularity detected, 3 inadequate
 *   signal detected, 4 poor signal detected, 5 low perfusion detected, 6 erratic
 *   signal detected, 7 nonpulsatile signal detected, 8 questionable pulse detected,
 *   9 signal analysis ongoing, 10 sensor interference detected, 11 sensor
 *   unconnected to user, 12 unknown sensor connected, 13 sensor displaced,
 *   14 sensor malfunctioning, 15 sensor disconnected, 16–23 reserved.
 */

import { ok, type Result } from '../result';
import { readUint24 } from './bytes';
import type { DeviceParseError } from './errors';
import { readOptionalSfloat } from './ieee11073';

export const PLX_MEASUREMENT_STATUS_BITS = {
  measurementOngoing: 5,
  earlyEstimatedData: 6,
  validatedData: 7,
  fullyQualifiedData: 8,
  dataFromMeasurementStorage: 9,
  dataForDemonstration: 10,
  dataForTesting: 11,
  calibrationOngoing: 12,
  measurementUnavailable: 13,
  questionableMeasurementDetected: 14,
  invalidMeasurementDetected: 15,
} as const;
export type PlxMeasurementStatusFlag = keyof typeof PLX_MEASUREMENT_STATUS_BITS;

export const PLX_DEVICE_SENSOR_STATUS_BITS = {
  extendedDisplayUpdateOngoing: 0,
  equipmentMalfunctionDetected: 1,
  signalProcessingIrregularityDetected: 2,
  inadequateSignalDetected: 3,
  poorSignalDetected: 4,
  lowPerfusionDetected: 5,
  erraticSignalDetected: 6,
  nonpulsatileSignalDetected: 7,
  questionablePulseDetected: 8,
  signalAnalysisOngoing: 9,
  sensorInterferenceDetected: 10,
  sensorUnconnectedToUser: 11,
  unknownSensorConnected: 12,
  sensorDisplaced: 13,
  sensorMalfunctioning: 14,
  sensorDisconnected: 15,
} as const;
export type PlxDeviceSensorStatusFlag = keyof typeof PLX_DEVICE_SENSOR_STATUS_BITS;

export interface PlxMeasurementStatus {
  /** The named bits that are set, in bit order. */
  readonly set: readonly PlxMeasurementStatusFlag[];
  /** Reserved bits (0–4) as sent; kept raw, they do not move any field. */
  readonly reservedBits: number;
}

export interface PlxDeviceSensorStatus {
  readonly set: readonly PlxDeviceSensorStatusFlag[];
  /** Reserved bits (16–23) as sent. */
  readonly reservedBits: number;
}

function namedBits<K extends string>(raw: number, table: Readonly<Record<K, number>>): K[] {
  return (Object.keys(table) as K[]).filter((name) => (raw >>> table[name]) & 1);
}

function bitsOf<K extends string>(names: readonly K[], table: Readonly<Record<K, number>>): number {
  return names.reduce((acc, name) => acc | (1 << table[name]), 0) >>> 0;
}

export function decodePlxMeasurementStatus(raw: number): PlxMeasurementStatus {
  return { set: namedBits(raw, PLX_MEASUREMENT_STATUS_BITS), reservedBits: raw & 0x001f };
}

export function encodePlxMeasurementStatus(status: PlxMeasurementStatus): number {
  return (
    (bitsOf(status.set, PLX_MEASUREMENT_STATUS_BITS) | (status.reservedBits & 0x001f)) & 0xffff
  );
}

export function decodePlxDeviceSensorStatus(raw: number): PlxDeviceSensorStatus {
  return { set: namedBits(raw, PLX_DEVICE_SENSOR_STATUS_BITS), reservedBits: raw & 0xff0000 };
}

export function encodePlxDeviceSensorStatus(status: PlxDeviceSensorStatus): number {
  return (
    (bitsOf(status.set, PLX_DEVICE_SENSOR_STATUS_BITS) | (status.reservedBits & 0xff0000)) >>> 0
  );
}

/** Which optional trailing fields a PLX packet's flags say are present. */
export interface PlxTrailerFlags {
  readonly status: boolean;
  readonly deviceStatus: boolean;
  readonly pulseAmplitudeIndex: boolean;
}

export interface PlxTrailer {
  readonly measurementStatus?: PlxMeasurementStatus;
  readonly deviceSensorStatus?: PlxDeviceSensorStatus;
  readonly pulseAmplitudeIndexPercent?: number;
}

/**
 * The optional fields both PLX characteristics end with, in this order
 * (GATT Specification Supplement, 0x2A5E and 0x2A5F): measurement status
 * (uint16), device and sensor status (uint24), pulse amplitude index (SFLOAT,
 * NaN = not available). The caller has already checked the packet's length.
 */
export function readPlxTrailer(
  view: DataView,
  start: number,
  present: PlxTrailerFlags,
): Result<PlxTrailer, DeviceParseError> {
  let offset = start;
  let measurementStatus: PlxMeasurementStatus | undefined;
  if (present.status) {
    measurementStatus = decodePlxMeasurementStatus(view.getUint16(offset, true));
    offset += 2;
  }
  let deviceSensorStatus: PlxDeviceSensorStatus | undefined;
  if (present.deviceStatus) {
    deviceSensorStatus = decodePlxDeviceSensorStatus(readUint24(view, offset));
    offset += 3;
  }
  let pulseAmplitudeIndexPercent: number | undefined;
  if (present.pulseAmplitudeIndex) {
    const pai = readOptionalSfloat(view, offset, 'pulseAmplitudeIndex');
    if (!pai.ok) return pai;
    pulseAmplitudeIndexPercent = pai.value?.value;
  }
  return ok({
    ...(measurementStatus && { measurementStatus }),
    ...(deviceSensorStatus && { deviceSensorStatus }),
    ...(pulseAmplitudeIndexPercent !== undefined && { pulseAmplitudeIndexPercent }),
  });
}
