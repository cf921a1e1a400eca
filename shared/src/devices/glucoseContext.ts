/**
 * Glucose Measurement Context (0x2A34) — GATT Specification Supplement / Glucose Service 1.0.
 * flags uint8:
 *   bit 0 Carbohydrate ID and Carbohydrate present (uint8 + SFLOAT, kg)
 *   bit 1 Meal present (uint8)
 *   bit 2 Tester-Health present (uint8: tester low nibble, health high nibble)
 *   bit 3 Exercise Duration and Intensity present (uint16 s, 0xFFFF = overrun; uint8 %)
 *   bit 4 Medication ID and Medication present (uint8 + SFLOAT)
 *   bit 5 Medication units: 0 = kg, 1 = litres
 *   bit 6 HbA1c present (SFLOAT, %)
 *   bit 7 Extended Flags present (uint8, all bits reserved)
 * fields: flags, sequence number uint16, [extended flags], [carbohydrate], [meal],
 *   [tester-health], [exercise], [medication], [HbA1c].
 * Meal: 1 preprandial, 2 postprandial, 3 fasting, 4 casual, 5 bedtime.
 * Tester: 1 self, 2 health care professional, 3 lab test, 15 not available.
 * Health: 1 minor issues, 2 major issues, 3 during menses, 4 under stress,
 *   5 no health issues, 15 not available.
 * Carbohydrate ID: 1 breakfast … 7 brunch. Medication ID: 1 rapid-acting insulin
 *   … 5 pre-mixed insulin. Unknown enumerations are refused (ReservedValue).
 */
import { err, ok, type Result } from '../result';
import { checkLength, readFlags8, viewOf } from './bytes';
import type { DeviceParseError } from './errors';
import { encodeSfloat, readSfloat } from './ieee11073';

export const GLUCOSE_CONTEXT_UUID = 0x2a34;

const FLAG_CARB = 0x01;
const FLAG_MEAL = 0x02;
const FLAG_TESTER_HEALTH = 0x04;
const FLAG_EXERCISE = 0x08;
const FLAG_MEDICATION = 0x10;
const FLAG_MEDICATION_LITRES = 0x20;
const FLAG_HBA1C = 0x40;
const FLAG_EXTENDED = 0x80;

export const MEALS = {
  1: 'preprandial',
  2: 'postprandial',
  3: 'fasting',
  4: 'casual',
  5: 'bedtime',
} as const;
export const TESTERS = {
  1: 'self',
  2: 'healthCareProfessional',
  3: 'labTest',
  15: 'notAvailable',
} as const;
export const HEALTHS = {
  1: 'minorHealthIssues',
  2: 'majorHealthIssues',
  3: 'duringMenses',
  4: 'underStress',
  5: 'noHealthIssues',
  15: 'notAvailable',
} as const;
export const CARBOHYDRATES = {
  1: 'breakfast',
  2: 'lunch',
  3: 'dinner',
  4: 'snack',
  5: 'drink',
  6: 'supper',
  7: 'brunch',
} as const;
export const MEDICATIONS = {
  1: 'rapidActingInsulin',
  2: 'shortActingInsulin',
  3: 'intermediateActingInsulin',
  4: 'longActingInsulin',
  5: 'preMixedInsulin',
} as const;

export type Meal = (typeof MEALS)[keyof typeof MEALS];
export type Tester = (typeof TESTERS)[keyof typeof TESTERS];
export type Health = (typeof HEALTHS)[keyof typeof HEALTHS];
export type Carbohydrate = (typeof CARBOHYDRATES)[keyof typeof CARBOHYDRATES];
export type Medication = (typeof MEDICATIONS)[keyof typeof MEDICATIONS];

export interface GlucoseMeasurementContext {
  readonly kind: 'glucoseContext';
  /** Matches the Glucose Measurement it describes. */
  readonly sequenceNumber: number;
  readonly extendedFlags?: number;
  readonly carbohydrate?: { readonly id: Carbohydrate; readonly kg: number };
  readonly meal?: Meal;
  readonly tester?: Tester;
  readonly health?: Health;
  readonly exercise?: { readonly durationS: number; readonly intensityPercent: number };
  readonly medication?: {
    readonly id: Medication;
    readonly amount: number;
    readonly unit: 'kg' | 'L';
  };
  readonly hba1cPercent?: number;
}

function lookup<T extends string>(
  table: Readonly<Record<number, T>>,
  raw: number,
  field: string,
): Result<T, DeviceParseError> {
  const value = table[raw];
  return value === undefined ? err({ type: 'ReservedValue', field, raw }) : ok(value);
}

function keyOf(table: Readonly<Record<number, string>>, value: string): number {
  const entry = Object.entries(table).find(([, name]) => name === value);
  if (!entry) throw new Error(`unknown enumeration value ${value}`);
  return Number(entry[0]);
}

export function parseGlucoseContext(
  bytes: Uint8Array,
): Result<GlucoseMeasurementContext, DeviceParseError> {
  const flagsResult = readFlags8(bytes, 0xff);
  if (!flagsResult.ok) return flagsResult;
  const flags = flagsResult.value;
  const expected =
    3 +
    (flags & FLAG_EXTENDED ? 1 : 0) +
    (flags & FLAG_CARB ? 3 : 0) +
    (flags & FLAG_MEAL ? 1 : 0) +
    (flags & FLAG_TESTER_HEALTH ? 1 : 0) +
    (flags & FLAG_EXERCISE ? 3 : 0) +
    (flags & FLAG_MEDICATION ? 3 : 0) +
    (flags & FLAG_HBA1C ? 2 : 0);
  const length = checkLength(bytes, expected);
  if (!length.ok) return length;
  if (flags & FLAG_MEDICATION_LITRES && !(flags & FLAG_MEDICATION)) {
    return err({
      type: 'MalformedPacket',
      reason: 'medication unit flag set without a medication',
    });
  }
  const view = viewOf(bytes);
  const out: { -readonly [K in keyof GlucoseMeasurementContext]: GlucoseMeasurementContext[K] } = {
    kind: 'glucoseContext',
    sequenceNumber: view.getUint16(1, true),
  };
  let offset = 3;
  if (flags & FLAG_EXTENDED) {
    const extended = view.getUint8(offset);
    if (extended !== 0)
      return err({
        type: 'UnknownFlags',
        field: 'extendedFlags',
        raw: extended,
        unknownBits: extended,
      });
    out.extendedFlags = extended;
    offset += 1;
  }
  if (flags & FLAG_CARB) {
    const id = lookup(CARBOHYDRATES, view.getUint8(offset), 'carbohydrateId');
    if (!id.ok) return id;
    const kg = readSfloat(view, offset + 1, 'carbohydrate');
    if (!kg.ok) return kg;
    out.carbohydrate = { id: id.value, kg: kg.value.value };
    offset += 3;
  }
  if (flags & FLAG_MEAL) {
    const meal = lookup(MEALS, view.getUint8(offset), 'meal');
    if (!meal.ok) return meal;
    out.meal = meal.value;
    offset += 1;
  }
  if (flags & FLAG_TESTER_HEALTH) {
    const raw = view.getUint8(offset);
    const tester = lookup(TESTERS, raw & 0x0f, 'tester');
    if (!tester.ok) return tester;
    const health = lookup(HEALTHS, raw >> 4, 'health');
    if (!health.ok) return health;
    out.tester = tester.value;
    out.health = health.value;
    offset += 1;
  }
  if (flags & FLAG_EXERCISE) {
    const intensityPercent = view.getUint8(offset + 2);
    if (intensityPercent > 100)
      return err({ type: 'ReservedValue', field: 'exerciseIntensity', raw: intensityPercent });
    out.exercise = { durationS: view.getUint16(offset, true), intensityPercent };
    offset += 3;
  }
  if (flags & FLAG_MEDICATION) {
    const id = lookup(MEDICATIONS, view.getUint8(offset), 'medicationId');
    if (!id.ok) return id;
    const amount = readSfloat(view, offset + 1, 'medication');
    if (!amount.ok) return amount;
    out.medication = {
      id: id.value,
      amount: amount.value.value,
      unit: flags & FLAG_MEDICATION_LITRES ? 'L' : 'kg',
    };
    offset += 3;
  }
  if (flags & FLAG_HBA1C) {
    const hba1c = readSfloat(view, offset, 'hba1c');
    if (!hba1c.ok) return hba1c;
    out.hba1cPercent = hba1c.value.value;
  }
  return ok(out);
}

/** Builds the bytes a glucose meter would send as context. */
export function encodeGlucoseContext(message: Omit<GlucoseMeasurementContext, 'kind'>): Uint8Array {
  const hasTesterHealth = message.tester !== undefined || message.health !== undefined;
  let flags = 0;
  if (message.extendedFlags !== undefined) flags |= FLAG_EXTENDED;
  if (message.carbohydrate) flags |= FLAG_CARB;
  if (message.meal) flags |= FLAG_MEAL;
  if (hasTesterHealth) flags |= FLAG_TESTER_HEALTH;
  if (message.exercise) flags |= FLAG_EXERCISE;
  if (message.medication)
    flags |= FLAG_MEDICATION | (message.medication.unit === 'L' ? FLAG_MEDICATION_LITRES : 0);
  if (message.hba1cPercent !== undefined) flags |= FLAG_HBA1C;
  const bytes: number[] = [flags, message.sequenceNumber & 0xff, message.sequenceNumber >> 8];
  const u16 = (v: number) => bytes.push(v & 0xff, (v >> 8) & 0xff);
  if (message.extendedFlags !== undefined) bytes.push(message.extendedFlags);
  if (message.carbohydrate) {
    bytes.push(keyOf(CARBOHYDRATES, message.carbohydrate.id));
    u16(encodeSfloat(message.carbohydrate.kg));
  }
  if (message.meal) bytes.push(keyOf(MEALS, message.meal));
  if (hasTesterHealth) {
    bytes.push(
      keyOf(TESTERS, message.tester ?? 'notAvailable') |
        (keyOf(HEALTHS, message.health ?? 'notAvailable') << 4),
    );
  }
  if (message.exercise) {
    u16(message.exercise.durationS);
    bytes.push(message.exercise.intensityPercent);
  }
  if (message.medication) {
    bytes.push(keyOf(MEDICATIONS, message.medication.id));
    u16(encodeSfloat(message.medication.amount));
  }
  if (message.hba1cPercent !== undefined) u16(encodeSfloat(message.hba1cPercent));
  return Uint8Array.from(bytes);
}
