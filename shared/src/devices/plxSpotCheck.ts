/**
 * PLX Spot-Check Measurement (0x2A5E) — GATT Specification Supplement / Pulse Oximeter Service.
 * flags uint8:
 *   bit 0 Timestamp present (Date Time, 7 bytes)
 *   bit 1 Measurement Status present (uint16)
 *   bit 2 Device and Sensor Status present (uint24)
 *   bit 3 Pulse Amplitude Index present (SFLOAT, %)
 *   bit 4 Device Clock is Not Set
 *   bits 5–7 reserved
 * fields: flags, SpO2 SFLOAT (%), PR SFLOAT (/min), [timestamp], [measurement status],
 *   [device and sensor status], [pulse amplitude index].
 */
import { ok, type Result } from '../result';
import { checkLength, readFlags8, viewOf, writeUint24 } from './bytes';
import { DATE_TIME_BYTES, readDateTime, writeDateTime, type DateTime } from './dateTime';
import type { DeviceParseError } from './errors';
import { encodeSfloat, readSfloat } from './ieee11073';
import {
  readPlxTrailer,
  encodePlxDeviceSensorStatus,
  encodePlxMeasurementStatus,
  type PlxDeviceSensorStatus,
  type PlxMeasurementStatus,
} from './plx';

export const PLX_SPOT_CHECK_UUID = 0x2a5e;

const FLAG_TIMESTAMP = 0x01;
const FLAG_STATUS = 0x02;
const FLAG_DEVICE_STATUS = 0x04;
const FLAG_PAI = 0x08;
const FLAG_CLOCK_NOT_SET = 0x10;
export const PLX_SPOT_CHECK_KNOWN_FLAGS = 0x1f;

export interface PlxSpotCheckMeasurement {
  readonly kind: 'plxSpotCheck';
  readonly spo2Percent: number;
  readonly pulseRateBpm: number;
  readonly timestamp?: DateTime;
  readonly measurementStatus?: PlxMeasurementStatus;
  readonly deviceSensorStatus?: PlxDeviceSensorStatus;
  /** Absent if not sent or sent as NaN. */
  readonly pulseAmplitudeIndexPercent?: number;
  /** The device says its clock was never set: its timestamp is meaningless. */
  readonly deviceClockNotSet: boolean;
}

export function parsePlxSpotCheck(
  bytes: Uint8Array,
): Result<PlxSpotCheckMeasurement, DeviceParseError> {
  const flagsResult = readFlags8(bytes, PLX_SPOT_CHECK_KNOWN_FLAGS);
  if (!flagsResult.ok) return flagsResult;
  const flags = flagsResult.value;
  const expected =
    5 +
    (flags & FLAG_TIMESTAMP ? DATE_TIME_BYTES : 0) +
    (flags & FLAG_STATUS ? 2 : 0) +
    (flags & FLAG_DEVICE_STATUS ? 3 : 0) +
    (flags & FLAG_PAI ? 2 : 0);
  const length = checkLength(bytes, expected);
  if (!length.ok) return length;
  const view = viewOf(bytes);
  const spo2 = readSfloat(view, 1, 'spo2');
  if (!spo2.ok) return spo2;
  const pr = readSfloat(view, 3, 'pulseRate');
  if (!pr.ok) return pr;
  let offset = 5;
  let timestamp: DateTime | undefined;
  if (flags & FLAG_TIMESTAMP) {
    const dt = readDateTime(view, offset, 'timestamp');
    if (!dt.ok) return dt;
    timestamp = dt.value;
    offset += DATE_TIME_BYTES;
  }
  const trailer = readPlxTrailer(view, offset, {
    status: (flags & FLAG_STATUS) !== 0,
    deviceStatus: (flags & FLAG_DEVICE_STATUS) !== 0,
    pulseAmplitudeIndex: (flags & FLAG_PAI) !== 0,
  });
  if (!trailer.ok) return trailer;
  return ok({
    kind: 'plxSpotCheck',
    spo2Percent: spo2.value.value,
    pulseRateBpm: pr.value.value,
    ...(timestamp && { timestamp }),
    ...trailer.value,
    deviceClockNotSet: (flags & FLAG_CLOCK_NOT_SET) !== 0,
  });
}

/** Builds the bytes a spot-check pulse oximeter would send. */
export function encodePlxSpotCheck(message: Omit<PlxSpotCheckMeasurement, 'kind'>): Uint8Array {
  let flags = message.deviceClockNotSet ? FLAG_CLOCK_NOT_SET : 0;
  if (message.timestamp) flags |= FLAG_TIMESTAMP;
  if (message.measurementStatus) flags |= FLAG_STATUS;
  if (message.deviceSensorStatus) flags |= FLAG_DEVICE_STATUS;
  if (message.pulseAmplitudeIndexPercent !== undefined) flags |= FLAG_PAI;
  const bytes = new Uint8Array(
    5 +
      (message.timestamp ? DATE_TIME_BYTES : 0) +
      (message.measurementStatus ? 2 : 0) +
      (message.deviceSensorStatus ? 3 : 0) +
      (message.pulseAmplitudeIndexPercent !== undefined ? 2 : 0),
  );
  const view = viewOf(bytes);
  view.setUint8(0, flags);
  view.setUint16(1, encodeSfloat(message.spo2Percent), true);
  view.setUint16(3, encodeSfloat(message.pulseRateBpm), true);
  let offset = 5;
  if (message.timestamp) {
    writeDateTime(view, offset, message.timestamp);
    offset += DATE_TIME_BYTES;
  }
  if (message.measurementStatus) {
    view.setUint16(offset, encodePlxMeasurementStatus(message.measurementStatus), true);
    offset += 2;
  }
  if (message.deviceSensorStatus) {
    writeUint24(view, offset, encodePlxDeviceSensorStatus(message.deviceSensorStatus));
    offset += 3;
  }
  if (message.pulseAmplitudeIndexPercent !== undefined) {
    view.setUint16(offset, encodeSfloat(message.pulseAmplitudeIndexPercent), true);
  }
  return bytes;
}
