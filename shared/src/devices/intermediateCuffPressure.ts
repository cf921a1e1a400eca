/**
 * Intermediate Cuff Pressure (0x2A36) — same layout as Blood Pressure Measurement
 * (see bloodPressure.ts); the systolic field carries the current cuff pressure and
 * the diastolic and MAP fields are unused (the spec sets them to NaN; any value
 * there is ignored). It shows inflation progress: it is not an observation.
 */
import { ok, type Result } from '../result';
import {
  encodeBloodPressureFrame,
  parseBloodPressureFrame,
  type BloodPressureStatus,
  type PressureUnit,
} from './bloodPressure';
import type { DateTime } from './dateTime';
import type { DeviceParseError } from './errors';
import { readSfloat } from './ieee11073';

export const INTERMEDIATE_CUFF_PRESSURE_UUID = 0x2a36;

export interface IntermediateCuffPressure {
  readonly kind: 'intermediateCuffPressure';
  readonly unit: PressureUnit;
  readonly cuffPressure: number;
  readonly timestamp?: DateTime;
  readonly pulseRateBpm?: number;
  readonly userId?: number;
  readonly status?: BloodPressureStatus;
}

export function parseIntermediateCuffPressure(
  bytes: Uint8Array,
): Result<IntermediateCuffPressure, DeviceParseError> {
  const frame = parseBloodPressureFrame(bytes);
  if (!frame.ok) return frame;
  const { view, ...rest } = frame.value;
  const cuff = readSfloat(view, 1, 'cuffPressure');
  if (!cuff.ok) return cuff;
  return ok({ kind: 'intermediateCuffPressure', ...rest, cuffPressure: cuff.value.value });
}

export function encodeIntermediateCuffPressure(
  message: Omit<IntermediateCuffPressure, 'kind'>,
): Uint8Array {
  const { cuffPressure, ...rest } = message;
  return encodeBloodPressureFrame({ ...rest, first: cuffPressure });
}
