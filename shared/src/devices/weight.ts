/**
 * Weight Measurement (0x2A9D) — GATT Specification Supplement / Weight Scale Service.
 * flags uint8:
 *   bit 0 units: 0 = SI (weight kg, height m), 1 = imperial (weight lb, height in)
 *   bit 1 Time Stamp present (Date Time, 7 bytes)
 *   bit 2 User ID present (uint8; 0xFF = unknown user)
 *   bit 3 BMI and Height present (BMI uint16 in 0.1 kg/m², height uint16)
 *   bits 4–7 reserved
 * fields: flags, weight uint16, [time stamp], [user id], [BMI, height].
 * Weight 0xFFFF means "measurement unsuccessful" → MeasurementUnsuccessful.
 *
 * Resolutions come from the Weight Scale Feature (0x2A9E), bits 3–6 (weight) and
 * 7–9 (height). "Not specified" (0) means the defaults: 0.005 kg / 0.01 lb and
 * 0.001 m / 0.1 in.
 */
import { err, ok, type Result } from '../result';
import { checkLength, readFlags8, viewOf } from './bytes';
import { DATE_TIME_BYTES, readDateTime, writeDateTime, type DateTime } from './dateTime';
import type { DeviceParseError } from './errors';

export const WEIGHT_MEASUREMENT_UUID = 0x2a9d;
export const WEIGHT_SCALE_FEATURE_UUID = 0x2a9e;

const FLAG_IMPERIAL = 0x01;
const FLAG_TIMESTAMP = 0x02;
const FLAG_USER_ID = 0x04;
const FLAG_BMI_HEIGHT = 0x08;
export const WEIGHT_KNOWN_FLAGS = 0x0f;
export const WEIGHT_MEASUREMENT_UNSUCCESSFUL = 0xffff;

/** Weight resolution index (Weight Scale Feature bits 3–6) → [kg, lb] per unit step, in decimal exponent form. */
const WEIGHT_RESOLUTIONS: Readonly<Record<number, { kg: [number, number]; lb: [number, number] }>> =
  {
    // [multiplier, decimal exponent]: value = raw × multiplier × 10^exponent, computed exactly.
    0: { kg: [5, -3], lb: [1, -2] },
    1: { kg: [5, -1], lb: [1, 0] },
    2: { kg: [2, -1], lb: [5, -1] },
    3: { kg: [1, -1], lb: [2, -1] },
    4: { kg: [5, -2], lb: [1, -1] },
    5: { kg: [2, -2], lb: [5, -2] },
    6: { kg: [1, -2], lb: [2, -2] },
    7: { kg: [5, -3], lb: [1, -2] },
  };

const HEIGHT_RESOLUTIONS: Readonly<Record<number, { m: [number, number]; in: [number, number] }>> =
  {
    0: { m: [1, -3], in: [1, -1] },
    1: { m: [1, -2], in: [1, 0] },
    2: { m: [5, -3], in: [5, -1] },
    3: { m: [1, -3], in: [1, -1] },
  };

export interface WeightResolution {
  /** Weight Scale Feature weight-resolution index, 0–7 (0 = not specified). */
  readonly weight: number;
  /** Weight Scale Feature height-resolution index, 0–3 (0 = not specified). */
  readonly height: number;
}

export type WeightUnits = 'SI' | 'imperial';

export interface WeightMeasurement {
  readonly kind: 'weight';
  readonly units: WeightUnits;
  /** kg when SI, lb when imperial. */
  readonly weight: number;
  readonly timestamp?: DateTime;
  /** 0xFF means "unknown user". */
  readonly userId?: number;
  /** kg/m² (resolution 0.1). */
  readonly bmi?: number;
  /** m when SI, in when imperial. */
  readonly height?: number;
  /** The raw unsigned values, so the packet can be rebuilt exactly. */
  readonly raw: { readonly weight: number; readonly bmi?: number; readonly height?: number };
  readonly resolution: WeightResolution;
}

function scale(raw: number, [multiplier, exponent]: [number, number]): number {
  // raw × multiplier is an exact integer; the decimal shift is done by the parser (exact).
  return Number(`${raw * multiplier}e${exponent}`);
}

export interface WeightScaleFeature {
  readonly kind: 'weightScaleFeature';
  readonly timeStampSupported: boolean;
  readonly multipleUsersSupported: boolean;
  readonly bmiSupported: boolean;
  readonly resolution: WeightResolution;
}

/** Weight Scale Feature (0x2A9E): uint32; bits 10–31 reserved. */
export function parseWeightScaleFeature(
  bytes: Uint8Array,
): Result<WeightScaleFeature, DeviceParseError> {
  const length = checkLength(bytes, 4);
  if (!length.ok) return length;
  const raw = viewOf(bytes).getUint32(0, true);
  const unknownBits = raw & ~0x3ff;
  if (unknownBits !== 0)
    return err({
      type: 'UnknownFlags',
      field: 'weightScaleFeature',
      raw,
      unknownBits: unknownBits >>> 0,
    });
  const weight = (raw >> 3) & 0x0f;
  const height = (raw >> 7) & 0x07;
  if (weight > 7) return err({ type: 'ReservedValue', field: 'weightResolution', raw: weight });
  if (height > 3) return err({ type: 'ReservedValue', field: 'heightResolution', raw: height });
  return ok({
    kind: 'weightScaleFeature',
    timeStampSupported: (raw & 1) !== 0,
    multipleUsersSupported: (raw & 2) !== 0,
    bmiSupported: (raw & 4) !== 0,
    resolution: { weight, height },
  });
}

export function encodeWeightScaleFeature(feature: Omit<WeightScaleFeature, 'kind'>): Uint8Array {
  const raw =
    (feature.timeStampSupported ? 1 : 0) |
    (feature.multipleUsersSupported ? 2 : 0) |
    (feature.bmiSupported ? 4 : 0) |
    ((feature.resolution.weight & 0x0f) << 3) |
    ((feature.resolution.height & 0x07) << 7);
  return Uint8Array.of(raw & 0xff, raw >> 8, 0, 0);
}

export const DEFAULT_WEIGHT_RESOLUTION: WeightResolution = { weight: 0, height: 0 };

export function parseWeightMeasurement(
  bytes: Uint8Array,
  resolution: WeightResolution = DEFAULT_WEIGHT_RESOLUTION,
): Result<WeightMeasurement, DeviceParseError> {
  const weightRes = WEIGHT_RESOLUTIONS[resolution.weight];
  const heightRes = HEIGHT_RESOLUTIONS[resolution.height];
  if (!weightRes)
    return err({ type: 'ReservedValue', field: 'weightResolution', raw: resolution.weight });
  if (!heightRes)
    return err({ type: 'ReservedValue', field: 'heightResolution', raw: resolution.height });
  const flagsResult = readFlags8(bytes, WEIGHT_KNOWN_FLAGS);
  if (!flagsResult.ok) return flagsResult;
  const flags = flagsResult.value;
  const expected =
    3 +
    (flags & FLAG_TIMESTAMP ? DATE_TIME_BYTES : 0) +
    (flags & FLAG_USER_ID ? 1 : 0) +
    (flags & FLAG_BMI_HEIGHT ? 4 : 0);
  const length = checkLength(bytes, expected);
  if (!length.ok) return length;
  const view = viewOf(bytes);
  const imperial = (flags & FLAG_IMPERIAL) !== 0;
  const rawWeight = view.getUint16(1, true);
  if (rawWeight === WEIGHT_MEASUREMENT_UNSUCCESSFUL)
    return err({ type: 'MeasurementUnsuccessful', field: 'weight' });
  let offset = 3;
  let timestamp: DateTime | undefined;
  if (flags & FLAG_TIMESTAMP) {
    const dt = readDateTime(view, offset, 'timestamp');
    if (!dt.ok) return dt;
    timestamp = dt.value;
    offset += DATE_TIME_BYTES;
  }
  let userId: number | undefined;
  if (flags & FLAG_USER_ID) {
    userId = view.getUint8(offset);
    offset += 1;
  }
  let rawBmi: number | undefined;
  let rawHeight: number | undefined;
  if (flags & FLAG_BMI_HEIGHT) {
    rawBmi = view.getUint16(offset, true);
    rawHeight = view.getUint16(offset + 2, true);
  }
  return ok({
    kind: 'weight',
    units: imperial ? 'imperial' : 'SI',
    weight: scale(rawWeight, imperial ? weightRes.lb : weightRes.kg),
    ...(timestamp && { timestamp }),
    ...(userId !== undefined && { userId }),
    ...(rawBmi !== undefined && { bmi: scale(rawBmi, [1, -1]) }),
    ...(rawHeight !== undefined && {
      height: scale(rawHeight, imperial ? heightRes.in : heightRes.m),
    }),
    raw: {
      weight: rawWeight,
      ...(rawBmi !== undefined && { bmi: rawBmi }),
      ...(rawHeight !== undefined && { height: rawHeight }),
    },
    resolution,
  });
}

/** Builds the bytes a scale would send; uses `raw` (the unsigned steps) as the source of truth. */
export function encodeWeightMeasurement(
  message: Pick<WeightMeasurement, 'units' | 'raw'> &
    Partial<Pick<WeightMeasurement, 'timestamp' | 'userId'>>,
): Uint8Array {
  const hasBmi = message.raw.bmi !== undefined && message.raw.height !== undefined;
  let flags = message.units === 'imperial' ? FLAG_IMPERIAL : 0;
  if (message.timestamp) flags |= FLAG_TIMESTAMP;
  if (message.userId !== undefined) flags |= FLAG_USER_ID;
  if (hasBmi) flags |= FLAG_BMI_HEIGHT;
  const bytes = new Uint8Array(
    3 +
      (message.timestamp ? DATE_TIME_BYTES : 0) +
      (message.userId !== undefined ? 1 : 0) +
      (hasBmi ? 4 : 0),
  );
  const view = viewOf(bytes);
  view.setUint8(0, flags);
  view.setUint16(1, message.raw.weight, true);
  let offset = 3;
  if (message.timestamp) {
    writeDateTime(view, offset, message.timestamp);
    offset += DATE_TIME_BYTES;
  }
  if (message.userId !== undefined) {
    view.setUint8(offset, message.userId);
    offset += 1;
  }
  if (hasBmi) {
    view.setUint16(offset, message.raw.bmi, true);
    view.setUint16(offset + 2, message.raw.height, true);
  }
  return bytes;
}

/** Raw steps for a weight in the message's unit at a resolution (simulators). */
export function weightToRaw(
  weight: number,
  units: WeightUnits,
  resolution = DEFAULT_WEIGHT_RESOLUTION,
): number {
  const res = WEIGHT_RESOLUTIONS[resolution.weight];
  if (!res) throw new Error(`unknown weight resolution ${resolution.weight}`);
  const [multiplier, exponent] = units === 'imperial' ? res.lb : res.kg;
  return Math.round(weight / (multiplier * 10 ** exponent));
}

export function heightToRaw(
  height: number,
  units: WeightUnits,
  resolution = DEFAULT_WEIGHT_RESOLUTION,
): number {
  const res = HEIGHT_RESOLUTIONS[resolution.height];
  if (!res) throw new Error(`unknown height resolution ${resolution.height}`);
  const [multiplier, exponent] = units === 'imperial' ? res.in : res.m;
  return Math.round(height / (multiplier * 10 ** exponent));
}
