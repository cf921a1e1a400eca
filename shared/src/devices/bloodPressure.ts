/**
 * Blood Pressure Measurement (0x2A35) — GATT Specification Supplement / Blood Pressure Service.
 * flags uint8:
 *   bit 0 units: 0 = mmHg, 1 = kPa (systolic, diastolic, MAP; pulse rate is always /min)
 *   bit 1 Time Stamp present (Date Time, 7 bytes)
 *   bit 2 Pulse Rate present (SFLOAT)
 *   bit 3 User ID present (uint8; 0xFF = unknown user)
 *   bit 4 Measurement Status present (uint16)
 *   bits 5–7 reserved
 * fields: flags, systolic SFLOAT, diastolic SFLOAT, MAP SFLOAT, [time stamp], [pulse rate],
 *   [user id], [measurement status].
 * Measurement Status bits: 0 body movement detected, 1 cuff too loose,
 *   2 irregular pulse detected, 3–4 pulse rate range (0 within range,
 *   1 exceeds upper limit, 2 below lower limit, 3 reserved), 5 improper
 *   measurement position, 6–15 reserved.
 *
 * Intermediate Cuff Pressure (0x2A36) has the same layout; see intermediateCuffPressure.ts.
 */
import { err, ok, type Result } from '../result';
import { checkLength, readFlags8, viewOf } from './bytes';
import { DATE_TIME_BYTES, readDateTime, writeDateTime, type DateTime } from './dateTime';
import type { DeviceParseError } from './errors';
import { encodeSfloat, readOptionalSfloat, readSfloat, SFLOAT_NAN } from './ieee11073';

export const BLOOD_PRESSURE_MEASUREMENT_UUID = 0x2a35;

const FLAG_KPA = 0x01;
const FLAG_TIMESTAMP = 0x02;
const FLAG_PULSE_RATE = 0x04;
const FLAG_USER_ID = 0x08;
const FLAG_STATUS = 0x10;
export const BLOOD_PRESSURE_KNOWN_FLAGS = 0x1f;

export type PressureUnit = 'mmHg' | 'kPa';
export type PulseRateRange = 'withinRange' | 'exceedsUpperLimit' | 'belowLowerLimit';

export interface BloodPressureStatus {
  readonly bodyMovementDetected: boolean;
  readonly cuffTooLoose: boolean;
  readonly irregularPulseDetected: boolean;
  readonly pulseRateRange: PulseRateRange;
  readonly improperMeasurementPosition: boolean;
  /** Bits 6–15 as sent; reserved today, kept raw (they do not move any field). */
  readonly reservedBits: number;
}

export interface BloodPressureMeasurement {
  readonly kind: 'bloodPressure';
  readonly unit: PressureUnit;
  readonly systolic: number;
  readonly diastolic: number;
  /** Absent when the device sent NaN (it did not compute a MAP). */
  readonly meanArterialPressure?: number;
  readonly timestamp?: DateTime;
  readonly pulseRateBpm?: number;
  /** 0xFF means "unknown user". */
  readonly userId?: number;
  readonly status?: BloodPressureStatus;
}

/** The shared layout of 0x2A35 and 0x2A36 before it is given a meaning. */
export interface BloodPressureFrame {
  readonly unit: PressureUnit;
  readonly view: DataView;
  readonly timestamp?: DateTime;
  readonly pulseRateBpm?: number;
  readonly userId?: number;
  readonly status?: BloodPressureStatus;
}

export function parseStatus(raw: number): Result<BloodPressureStatus, DeviceParseError> {
  const range = (raw >> 3) & 0x03;
  if (range === 3)
    return err({ type: 'ReservedValue', field: 'status.pulseRateRange', raw: range });
  return ok({
    bodyMovementDetected: (raw & 0x01) !== 0,
    cuffTooLoose: (raw & 0x02) !== 0,
    irregularPulseDetected: (raw & 0x04) !== 0,
    pulseRateRange:
      range === 0 ? 'withinRange' : range === 1 ? 'exceedsUpperLimit' : 'belowLowerLimit',
    improperMeasurementPosition: (raw & 0x20) !== 0,
    reservedBits: raw & 0xffc0,
  });
}

export function encodeStatus(status: BloodPressureStatus): number {
  const range =
    status.pulseRateRange === 'withinRange'
      ? 0
      : status.pulseRateRange === 'exceedsUpperLimit'
        ? 1
        : 2;
  return (
    (status.bodyMovementDetected ? 0x01 : 0) |
    (status.cuffTooLoose ? 0x02 : 0) |
    (status.irregularPulseDetected ? 0x04 : 0) |
    (range << 3) |
    (status.improperMeasurementPosition ? 0x20 : 0) |
    (status.reservedBits & 0xffc0)
  );
}

/** Checks flags and length, and reads the optional fields shared by 0x2A35 and 0x2A36. */
export function parseBloodPressureFrame(
  bytes: Uint8Array,
): Result<BloodPressureFrame, DeviceParseError> {
  const flagsResult = readFlags8(bytes, BLOOD_PRESSURE_KNOWN_FLAGS);
  if (!flagsResult.ok) return flagsResult;
  const flags = flagsResult.value;
  const expected =
    7 +
    (flags & FLAG_TIMESTAMP ? DATE_TIME_BYTES : 0) +
    (flags & FLAG_PULSE_RATE ? 2 : 0) +
    (flags & FLAG_USER_ID ? 1 : 0) +
    (flags & FLAG_STATUS ? 2 : 0);
  const length = checkLength(bytes, expected);
  if (!length.ok) return length;
  const view = viewOf(bytes);
  let offset = 7;
  let timestamp: DateTime | undefined;
  if (flags & FLAG_TIMESTAMP) {
    const dt = readDateTime(view, offset, 'timestamp');
    if (!dt.ok) return dt;
    timestamp = dt.value;
    offset += DATE_TIME_BYTES;
  }
  let pulseRateBpm: number | undefined;
  if (flags & FLAG_PULSE_RATE) {
    const pr = readSfloat(view, offset, 'pulseRate');
    if (!pr.ok) return pr;
    pulseRateBpm = pr.value.value;
    offset += 2;
  }
  let userId: number | undefined;
  if (flags & FLAG_USER_ID) {
    userId = view.getUint8(offset);
    offset += 1;
  }
  let status: BloodPressureStatus | undefined;
  if (flags & FLAG_STATUS) {
    const parsed = parseStatus(view.getUint16(offset, true));
    if (!parsed.ok) return parsed;
    status = parsed.value;
  }
  return ok({
    unit: flags & FLAG_KPA ? 'kPa' : 'mmHg',
    view,
    ...(timestamp && { timestamp }),
    ...(pulseRateBpm !== undefined && { pulseRateBpm }),
    ...(userId !== undefined && { userId }),
    ...(status && { status }),
  });
}

export function parseBloodPressureMeasurement(
  bytes: Uint8Array,
): Result<BloodPressureMeasurement, DeviceParseError> {
  const frame = parseBloodPressureFrame(bytes);
  if (!frame.ok) return frame;
  const { view, ...rest } = frame.value;
  const systolic = readSfloat(view, 1, 'systolic');
  if (!systolic.ok) return systolic;
  const diastolic = readSfloat(view, 3, 'diastolic');
  if (!diastolic.ok) return diastolic;
  const map = readOptionalSfloat(view, 5, 'meanArterialPressure');
  if (!map.ok) return map;
  return ok({
    kind: 'bloodPressure',
    unit: rest.unit,
    systolic: systolic.value.value,
    diastolic: diastolic.value.value,
    ...(map.value && { meanArterialPressure: map.value.value }),
    ...(rest.timestamp && { timestamp: rest.timestamp }),
    ...(rest.pulseRateBpm !== undefined && { pulseRateBpm: rest.pulseRateBpm }),
    ...(rest.userId !== undefined && { userId: rest.userId }),
    ...(rest.status && { status: rest.status }),
  });
}

export interface BloodPressureFrameInput {
  readonly unit: PressureUnit;
  readonly first: number;
  readonly second?: number;
  readonly third?: number;
  readonly timestamp?: DateTime;
  readonly pulseRateBpm?: number;
  readonly userId?: number;
  readonly status?: BloodPressureStatus;
}

export function encodeBloodPressureFrame(input: BloodPressureFrameInput): Uint8Array {
  let flags = input.unit === 'kPa' ? FLAG_KPA : 0;
  if (input.timestamp) flags |= FLAG_TIMESTAMP;
  if (input.pulseRateBpm !== undefined) flags |= FLAG_PULSE_RATE;
  if (input.userId !== undefined) flags |= FLAG_USER_ID;
  if (input.status) flags |= FLAG_STATUS;
  const length =
    7 +
    (input.timestamp ? DATE_TIME_BYTES : 0) +
    (input.pulseRateBpm !== undefined ? 2 : 0) +
    (input.userId !== undefined ? 1 : 0) +
    (input.status ? 2 : 0);
  const bytes = new Uint8Array(length);
  const view = viewOf(bytes);
  view.setUint8(0, flags);
  view.setUint16(1, encodeSfloat(input.first), true);
  view.setUint16(3, input.second === undefined ? SFLOAT_NAN : encodeSfloat(input.second), true);
  view.setUint16(5, input.third === undefined ? SFLOAT_NAN : encodeSfloat(input.third), true);
  let offset = 7;
  if (input.timestamp) {
    writeDateTime(view, offset, input.timestamp);
    offset += DATE_TIME_BYTES;
  }
  if (input.pulseRateBpm !== undefined) {
    view.setUint16(offset, encodeSfloat(input.pulseRateBpm), true);
    offset += 2;
  }
  if (input.userId !== undefined) {
    view.setUint8(offset, input.userId);
    offset += 1;
  }
  if (input.status) view.setUint16(offset, encodeStatus(input.status), true);
  return bytes;
}

/** Builds the bytes a blood pressure monitor would send. */
export function encodeBloodPressureMeasurement(
  message: Omit<BloodPressureMeasurement, 'kind'>,
): Uint8Array {
  return encodeBloodPressureFrame({
    unit: message.unit,
    first: message.systolic,
    second: message.diastolic,
    ...(message.meanArterialPressure !== undefined && { third: message.meanArterialPressure }),
    ...(message.timestamp && { timestamp: message.timestamp }),
    ...(message.pulseRateBpm !== undefined && { pulseRateBpm: message.pulseRateBpm }),
    ...(message.userId !== undefined && { userId: message.userId }),
    ...(message.status && { status: message.status }),
  });
}
