/**
 * IEEE 11073-20601 SFLOAT (16-bit) and FLOAT (32-bit) medical number types,
 * as used by the Bluetooth SIG health characteristics.
 *
 * SFLOAT: 4-bit signed exponent (high nibble), 12-bit signed mantissa.
 * FLOAT:  8-bit signed exponent (high byte),   24-bit signed mantissa.
 * value = mantissa × 10^exponent.
 *
 * Special mantissas (IEEE 11073-20601 §F.8; Bluetooth GATT Specification Supplement
 * "medfloat16"/"medfloat32"): NaN, NRes (not at this resolution), +INFINITY,
 * −INFINITY and one reserved value. None of them is a measurement, so decoding
 * returns a typed error and never NaN or Infinity. They are recognised by the
 * mantissa whatever the exponent: a device sending mantissa 2047 with a non-zero
 * exponent is refused rather than guessed at (a refusal is safe, a guess is not).
 *
 * Exactness: 367 × 10^-1 computed as 367 * 0.1 gives 36.7000…01. We build the
 * decimal literal and let the engine's correctly rounded parser produce the
 * double nearest to the exact decimal, so 36.7 comes out as 36.7.
 */
import { err, ok, type Result } from '../result';
import type { SpecialValueError } from './errors';

export const SFLOAT_NAN = 0x07ff;
export const SFLOAT_NRES = 0x0800;
export const SFLOAT_POSITIVE_INFINITY = 0x07fe;
export const SFLOAT_NEGATIVE_INFINITY = 0x0802;
export const SFLOAT_RESERVED = 0x0801;

export const FLOAT_NAN = 0x007fffff;
export const FLOAT_NRES = 0x00800000;
export const FLOAT_POSITIVE_INFINITY = 0x007ffffe;
export const FLOAT_NEGATIVE_INFINITY = 0x00800002;
export const FLOAT_RESERVED = 0x00800001;

export type SpecialValue = 'NaN' | 'NRes' | '+INFINITY' | '-INFINITY' | 'reserved';

/** A decoded medical float: the value plus the decimals the device measured to. */
export interface MedFloat {
  readonly value: number;
  /** Decimal places implied by the exponent (0 for non-negative exponents). */
  readonly decimals: number;
}

function signExtend(value: number, bits: number): number {
  const shift = 32 - bits;
  return (value << shift) >> shift;
}

function exact(mantissa: number, exponent: number): number {
  // Number("367e-1") is correctly rounded: the double nearest 36.7.
  return Number(`${mantissa}e${exponent}`);
}

function specialError(kind: SpecialValue, raw: number, field: string): SpecialValueError {
  switch (kind) {
    case 'NaN':
      return { type: 'NotANumber', field };
    case 'NRes':
      return { type: 'NotAtThisResolution', field };
    case '+INFINITY':
      return { type: 'PositiveInfinity', field };
    case '-INFINITY':
      return { type: 'NegativeInfinity', field };
    case 'reserved':
      return { type: 'ReservedValue', field, raw };
  }
}

function sfloatSpecial(mantissaBits: number): SpecialValue | undefined {
  switch (mantissaBits) {
    case 0x07ff:
      return 'NaN';
    case 0x0800:
      return 'NRes';
    case 0x07fe:
      return '+INFINITY';
    case 0x0802:
      return '-INFINITY';
    case 0x0801:
      return 'reserved';
    default:
      return undefined;
  }
}

function floatSpecial(mantissaBits: number): SpecialValue | undefined {
  switch (mantissaBits) {
    case 0x7fffff:
      return 'NaN';
    case 0x800000:
      return 'NRes';
    case 0x7ffffe:
      return '+INFINITY';
    case 0x800002:
      return '-INFINITY';
    case 0x800001:
      return 'reserved';
    default:
      return undefined;
  }
}

/** Decodes a raw 16-bit SFLOAT (as an unsigned integer 0..0xFFFF). */
export function decodeSfloat(raw: number, field = 'sfloat'): Result<MedFloat, SpecialValueError> {
  const bits = raw & 0xffff;
  const mantissaBits = bits & 0x0fff;
  const special = sfloatSpecial(mantissaBits);
  if (special) return err(specialError(special, bits, field));
  const mantissa = signExtend(mantissaBits, 12);
  const exponent = signExtend(bits >> 12, 4);
  return ok({ value: exact(mantissa, exponent), decimals: Math.max(0, -exponent) });
}

/** Decodes a raw 32-bit FLOAT (as an unsigned integer 0..0xFFFFFFFF). */
export function decodeFloat(raw: number, field = 'float'): Result<MedFloat, SpecialValueError> {
  const bits = raw >>> 0;
  const mantissaBits = bits & 0x00ffffff;
  const special = floatSpecial(mantissaBits);
  if (special) return err(specialError(special, bits, field));
  const mantissa = signExtend(mantissaBits, 24);
  const exponent = signExtend(bits >>> 24, 8);
  return ok({ value: exact(mantissa, exponent), decimals: Math.max(0, -exponent) });
}

export function readSfloat(
  view: DataView,
  offset: number,
  field: string,
): Result<MedFloat, SpecialValueError> {
  return decodeSfloat(view.getUint16(offset, true), field);
}

export function readFloat(
  view: DataView,
  offset: number,
  field: string,
): Result<MedFloat, SpecialValueError> {
  return decodeFloat(view.getUint32(offset, true), field);
}

/**
 * Like readSfloat, but NaN means "not available" (undefined), for fields the
 * spec allows a device to leave unset (e.g. mean arterial pressure, the unused
 * diastolic/MAP of Intermediate Cuff Pressure). Other special values stay errors.
 */
export function readOptionalSfloat(
  view: DataView,
  offset: number,
  field: string,
): Result<MedFloat | undefined, SpecialValueError> {
  const result = readSfloat(view, offset, field);
  if (!result.ok && result.error.type === 'NotANumber') return ok(undefined);
  return result;
}

const SFLOAT_MANTISSA_MAX = 2045; // 2046 and 2047 are special
const SFLOAT_MANTISSA_MIN = -2045; // −2046…−2048 are special
const FLOAT_MANTISSA_MAX = 0x7ffffd;
const FLOAT_MANTISSA_MIN = -0x7ffffd;

function scaled(value: number, exponent: number): number {
  return exponent >= 0 ? value / 10 ** exponent : value * 10 ** -exponent;
}

function encodeMantissaExponent(
  value: number,
  decimals: number | undefined,
  mantissaMin: number,
  mantissaMax: number,
  exponentMin: number,
  exponentMax: number,
): { mantissa: number; exponent: number } {
  if (!Number.isFinite(value)) throw new Error(`cannot encode a non-finite value: ${value}`);
  let exponent: number;
  if (decimals === undefined) {
    // Fewest decimals that represent the value exactly and fit.
    exponent = 0;
    for (let d = 0; d <= -exponentMin; d++) {
      const m = scaled(value, -d);
      const rounded = Math.round(m);
      if (rounded > mantissaMax || rounded < mantissaMin) break;
      exponent = -d;
      if (Math.abs(m - rounded) <= 1e-9 * Math.max(1, Math.abs(m))) break;
    }
  } else {
    exponent = -decimals;
  }
  let mantissa = Math.round(scaled(value, exponent));
  // Too many digits: drop precision until it fits (devices do the same).
  while ((mantissa > mantissaMax || mantissa < mantissaMin) && exponent < exponentMax) {
    exponent++;
    mantissa = Math.round(scaled(value, exponent));
  }
  if (mantissa > mantissaMax || mantissa < mantissaMin || exponent < exponentMin) {
    throw new Error(`value ${value} does not fit the medical float format`);
  }
  return { mantissa, exponent };
}

/**
 * Encodes a value as a raw SFLOAT with `decimals` places, or by default the
 * fewest places that represent it exactly. Throws (programmer error) if it cannot fit.
 */
export function encodeSfloat(value: number, decimals?: number): number {
  const { mantissa, exponent } = encodeMantissaExponent(
    value,
    decimals,
    SFLOAT_MANTISSA_MIN,
    SFLOAT_MANTISSA_MAX,
    -8,
    7,
  );
  return (((exponent & 0x0f) << 12) | (mantissa & 0x0fff)) & 0xffff;
}

/** Encodes a value as a raw FLOAT with `decimals` places. */
export function encodeFloat(value: number, decimals?: number): number {
  const { mantissa, exponent } = encodeMantissaExponent(
    value,
    decimals,
    FLOAT_MANTISSA_MIN,
    FLOAT_MANTISSA_MAX,
    -128,
    127,
  );
  return (((exponent & 0xff) << 24) | (mantissa & 0x00ffffff)) >>> 0;
}

export function sfloatSpecialRaw(kind: SpecialValue): number {
  switch (kind) {
    case 'NaN':
      return SFLOAT_NAN;
    case 'NRes':
      return SFLOAT_NRES;
    case '+INFINITY':
      return SFLOAT_POSITIVE_INFINITY;
    case '-INFINITY':
      return SFLOAT_NEGATIVE_INFINITY;
    case 'reserved':
      return SFLOAT_RESERVED;
  }
}

export function floatSpecialRaw(kind: SpecialValue): number {
  switch (kind) {
    case 'NaN':
      return FLOAT_NAN;
    case 'NRes':
      return FLOAT_NRES;
    case '+INFINITY':
      return FLOAT_POSITIVE_INFINITY;
    case '-INFINITY':
      return FLOAT_NEGATIVE_INFINITY;
    case 'reserved':
      return FLOAT_RESERVED;
  }
}
