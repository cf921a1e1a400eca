/**
 * PLX Continuous Measurement (0x2A5F) — GATT Specification Supplement / Pulse Oximeter Service.
 * flags uint8:
 *   bit 0 SpO2PR-Fast present (SpO2 SFLOAT + PR SFLOAT)
 *   bit 1 SpO2PR-Slow present (SpO2 SFLOAT + PR SFLOAT)
 *   bit 2 Measurement Status present (uint16)
 *   bit 3 Device and Sensor Status present (uint24)
 *   bit 4 Pulse Amplitude Index present (SFLOAT, %)
 *   bits 5–7 reserved
 * fields: flags, SpO2PR-Normal (SpO2 SFLOAT, PR SFLOAT), [Fast], [Slow],
 *   [measurement status], [device and sensor status], [pulse amplitude index].
 * Normal SpO2/PR must be numbers; Fast/Slow/PAI sent as NaN are "not available".
 */
import { ok, type Result } from '../result';
import { checkLength, readFlags8, viewOf, writeUint24 } from './bytes';
import type { DeviceParseError } from './errors';
import { encodeSfloat, readOptionalSfloat, readSfloat, SFLOAT_NAN } from './ieee11073';
import {
  readPlxTrailer,
  encodePlxDeviceSensorStatus,
  encodePlxMeasurementStatus,
  type PlxDeviceSensorStatus,
  type PlxMeasurementStatus,
} from './plx';

export const PLX_CONTINUOUS_UUID = 0x2a5f;

const FLAG_FAST = 0x01;
const FLAG_SLOW = 0x02;
const FLAG_STATUS = 0x04;
const FLAG_DEVICE_STATUS = 0x08;
const FLAG_PAI = 0x10;
export const PLX_CONTINUOUS_KNOWN_FLAGS = 0x1f;

export interface SpO2Pr {
  /** Absent when the device sent NaN. */
  readonly spo2Percent?: number;
  readonly pulseRateBpm?: number;
}

export interface PlxContinuousMeasurement {
  readonly kind: 'plxContinuous';
  readonly spo2Percent: number;
  readonly pulseRateBpm: number;
  readonly fast?: SpO2Pr;
  readonly slow?: SpO2Pr;
  readonly measurementStatus?: PlxMeasurementStatus;
  readonly deviceSensorStatus?: PlxDeviceSensorStatus;
  readonly pulseAmplitudeIndexPercent?: number;
}

function readPair(view: DataView, offset: number, field: string): Result<SpO2Pr, DeviceParseError> {
  const spo2 = readOptionalSfloat(view, offset, `${field}.spo2`);
  if (!spo2.ok) return spo2;
  const pr = readOptionalSfloat(view, offset + 2, `${field}.pulseRate`);
  if (!pr.ok) return pr;
  return ok({
    ...(spo2.value && { spo2Percent: spo2.value.value }),
    ...(pr.value && { pulseRateBpm: pr.value.value }),
  });
}

export function parsePlxContinuous(
  bytes: Uint8Array,
): Result<PlxContinuousMeasurement, DeviceParseError> {
  const flagsResult = readFlags8(bytes, PLX_CONTINUOUS_KNOWN_FLAGS);
  if (!flagsResult.ok) return flagsResult;
  const flags = flagsResult.value;
  const expected =
    5 +
    (flags & FLAG_FAST ? 4 : 0) +
    (flags & FLAG_SLOW ? 4 : 0) +
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
  let fast: SpO2Pr | undefined;
  if (flags & FLAG_FAST) {
    const pair = readPair(view, offset, 'fast');
    if (!pair.ok) return pair;
    fast = pair.value;
    offset += 4;
  }
  let slow: SpO2Pr | undefined;
  if (flags & FLAG_SLOW) {
    const pair = readPair(view, offset, 'slow');
    if (!pair.ok) return pair;
    slow = pair.value;
    offset += 4;
  }
  const trailer = readPlxTrailer(view, offset, {
    status: (flags & FLAG_STATUS) !== 0,
    deviceStatus: (flags & FLAG_DEVICE_STATUS) !== 0,
    pulseAmplitudeIndex: (flags & FLAG_PAI) !== 0,
  });
  if (!trailer.ok) return trailer;
  return ok({
    kind: 'plxContinuous',
    spo2Percent: spo2.value.value,
    pulseRateBpm: pr.value.value,
    ...(fast && { fast }),
    ...(slow && { slow }),
    ...trailer.value,
  });
}

function writePair(view: DataView, offset: number, pair: SpO2Pr): void {
  view.setUint16(
    offset,
    pair.spo2Percent === undefined ? SFLOAT_NAN : encodeSfloat(pair.spo2Percent),
    true,
  );
  view.setUint16(
    offset + 2,
    pair.pulseRateBpm === undefined ? SFLOAT_NAN : encodeSfloat(pair.pulseRateBpm),
    true,
  );
}

/** Builds the bytes a continuous pulse oximeter would send. */
export function encodePlxContinuous(message: Omit<PlxContinuousMeasurement, 'kind'>): Uint8Array {
  let flags = 0;
  if (message.fast) flags |= FLAG_FAST;
  if (message.slow) flags |= FLAG_SLOW;
  if (message.measurementStatus) flags |= FLAG_STATUS;
  if (message.deviceSensorStatus) flags |= FLAG_DEVICE_STATUS;
  if (message.pulseAmplitudeIndexPercent !== undefined) flags |= FLAG_PAI;
  const bytes = new Uint8Array(
    5 +
      (message.fast ? 4 : 0) +
      (message.slow ? 4 : 0) +
      (message.measurementStatus ? 2 : 0) +
      (message.deviceSensorStatus ? 3 : 0) +
      (message.pulseAmplitudeIndexPercent !== undefined ? 2 : 0),
  );
  const view = viewOf(bytes);
  view.setUint8(0, flags);
  view.setUint16(1, encodeSfloat(message.spo2Percent), true);
  view.setUint16(3, encodeSfloat(message.pulseRateBpm), true);
  let offset = 5;
  if (message.fast) {
    writePair(view, offset, message.fast);
    offset += 4;
  }
  if (message.slow) {
    writePair(view, offset, message.slow);
    offset += 4;
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
