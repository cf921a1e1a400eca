/**
 * Glucose Measurement (0x2A18) — GATT Specification Supplement / Glucose Service 1.0.
 * flags uint8:
 *   bit 0 Time Offset present (sint16, minutes, added to Base Time)
 *   bit 1 Glucose Concentration, Type and Sample Location present (SFLOAT + uint8)
 *   bit 2 Glucose Concentration units: 0 = kg/L, 1 = mol/L
 *   bit 3 Sensor Status Annunciation present (uint16)
 *   bit 4 Context Information Follows (a 0x2A34 with the same sequence number follows)
 *   bits 5–7 reserved
 * fields: flags, sequence number uint16, base time (Date Time), [time offset],
 *   [concentration SFLOAT, type-sample location uint8], [sensor status annunciation].
 * Type-Sample Location: type in the low nibble, sample location in the high nibble
 *   (as the Nordic Android BLE Common Library reads it).
 * Type: 1 capillary whole blood, 2 capillary plasma, 3 venous whole blood,
 *   4 venous plasma, 5 arterial whole blood, 6 arterial plasma, 7 undetermined
 *   whole blood, 8 undetermined plasma, 9 interstitial fluid, 10 control solution;
 *   0 and 11–15 reserved.
 * Sample location: 1 finger, 2 alternate site test, 3 earlobe, 4 control solution,
 *   15 not available; 0 and 5–14 reserved.
 */
import { err, ok, type Result } from '../result';
import { checkLength, readFlags8, viewOf } from './bytes';
import { DATE_TIME_BYTES, readDateTime, writeDateTime, type DateTime } from './dateTime';
import type { DeviceParseError } from './errors';
import { encodeSfloat, readSfloat } from './ieee11073';

export const GLUCOSE_MEASUREMENT_UUID = 0x2a18;

const FLAG_TIME_OFFSET = 0x01;
const FLAG_CONCENTRATION = 0x02;
const FLAG_MOL_PER_L = 0x04;
const FLAG_STATUS = 0x08;
const FLAG_CONTEXT_FOLLOWS = 0x10;
export const GLUCOSE_KNOWN_FLAGS = 0x1f;

export const GLUCOSE_TYPES = [
  'capillaryWholeBlood',
  'capillaryPlasma',
  'venousWholeBlood',
  'venousPlasma',
  'arterialWholeBlood',
  'arterialPlasma',
  'undeterminedWholeBlood',
  'undeterminedPlasma',
  'interstitialFluid',
  'controlSolution',
] as const;
export type GlucoseType = (typeof GLUCOSE_TYPES)[number];

export const SAMPLE_LOCATIONS = {
  1: 'finger',
  2: 'alternateSiteTest',
  3: 'earlobe',
  4: 'controlSolution',
  15: 'notAvailable',
} as const;
export type SampleLocation = (typeof SAMPLE_LOCATIONS)[keyof typeof SAMPLE_LOCATIONS];

/**
 * Sensor Status Annunciation bits (GLS 1.0). Bits 5/6 follow the GLS
 * characteristic definition (5 = higher, 6 = lower than the device can process);
 * the Nordic library names them the other way round. Either way the reading is
 * withheld from the record (see observations.ts), so only the label is at stake.
 */
export const GLUCOSE_STATUS_BITS = {
  deviceBatteryLow: 0,
  sensorMalfunction: 1,
  sampleSizeInsufficient: 2,
  stripInsertionError: 3,
  stripTypeIncorrect: 4,
  resultHigherThanDeviceCanProcess: 5,
  resultLowerThanDeviceCanProcess: 6,
  sensorTemperatureTooHigh: 7,
  sensorTemperatureTooLow: 8,
  sensorReadInterrupted: 9,
  generalDeviceFault: 10,
  timeFault: 11,
} as const;
export type GlucoseStatusFlag = keyof typeof GLUCOSE_STATUS_BITS;

export interface GlucoseSensorStatus {
  readonly set: readonly GlucoseStatusFlag[];
  /** Bits 12–15 as sent (reserved). */
  readonly reservedBits: number;
}

export type GlucoseConcentrationUnit = 'kg/L' | 'mol/L';

export interface GlucoseMeasurement {
  readonly kind: 'glucose';
  /** Chronological record number on the meter; the key for de-duplication. */
  readonly sequenceNumber: number;
  readonly baseTime: DateTime;
  readonly timeOffsetMinutes?: number;
  readonly concentration?: {
    readonly value: number;
    readonly unit: GlucoseConcentrationUnit;
    readonly type: GlucoseType;
    readonly sampleLocation: SampleLocation;
  };
  readonly sensorStatus?: GlucoseSensorStatus;
  readonly contextFollows: boolean;
}

export function decodeGlucoseStatus(raw: number): GlucoseSensorStatus {
  const set = (Object.keys(GLUCOSE_STATUS_BITS) as GlucoseStatusFlag[]).filter(
    (k) => (raw >> GLUCOSE_STATUS_BITS[k]) & 1,
  );
  return { set, reservedBits: raw & 0xf000 };
}

export function encodeGlucoseStatus(status: GlucoseSensorStatus): number {
  return (
    status.set.reduce(
      (acc, k) => acc | (1 << GLUCOSE_STATUS_BITS[k]),
      status.reservedBits & 0xf000,
    ) & 0xffff
  );
}

export function parseGlucoseMeasurement(
  bytes: Uint8Array,
): Result<GlucoseMeasurement, DeviceParseError> {
  const flagsResult = readFlags8(bytes, GLUCOSE_KNOWN_FLAGS);
  if (!flagsResult.ok) return flagsResult;
  const flags = flagsResult.value;
  const expected =
    3 +
    DATE_TIME_BYTES +
    (flags & FLAG_TIME_OFFSET ? 2 : 0) +
    (flags & FLAG_CONCENTRATION ? 3 : 0) +
    (flags & FLAG_STATUS ? 2 : 0);
  const length = checkLength(bytes, expected);
  if (!length.ok) return length;
  const view = viewOf(bytes);
  const sequenceNumber = view.getUint16(1, true);
  const baseTime = readDateTime(view, 3, 'baseTime');
  if (!baseTime.ok) return baseTime;
  let offset = 3 + DATE_TIME_BYTES;
  let timeOffsetMinutes: number | undefined;
  if (flags & FLAG_TIME_OFFSET) {
    timeOffsetMinutes = view.getInt16(offset, true);
    offset += 2;
  }
  let concentration: GlucoseMeasurement['concentration'];
  if (flags & FLAG_CONCENTRATION) {
    const value = readSfloat(view, offset, 'concentration');
    if (!value.ok) return value;
    const typeLocation = view.getUint8(offset + 2);
    const typeRaw = typeLocation & 0x0f;
    const locationRaw = typeLocation >> 4;
    const type = GLUCOSE_TYPES[typeRaw - 1];
    if (typeRaw === 0 || type === undefined)
      return err({ type: 'ReservedValue', field: 'glucoseType', raw: typeRaw });
    const sampleLocation = (SAMPLE_LOCATIONS as Record<number, SampleLocation | undefined>)[
      locationRaw
    ];
    if (sampleLocation === undefined)
      return err({ type: 'ReservedValue', field: 'sampleLocation', raw: locationRaw });
    concentration = {
      value: value.value.value,
      unit: flags & FLAG_MOL_PER_L ? 'mol/L' : 'kg/L',
      type,
      sampleLocation,
    };
    offset += 3;
  } else if (flags & FLAG_MOL_PER_L) {
    // The unit bit only qualifies a concentration; set without one it is meaningless.
    return err({
      type: 'MalformedPacket',
      reason: 'concentration unit flag set without a concentration',
    });
  }
  let sensorStatus: GlucoseSensorStatus | undefined;
  if (flags & FLAG_STATUS) sensorStatus = decodeGlucoseStatus(view.getUint16(offset, true));
  return ok({
    kind: 'glucose',
    sequenceNumber,
    baseTime: baseTime.value,
    ...(timeOffsetMinutes !== undefined && { timeOffsetMinutes }),
    ...(concentration && { concentration }),
    ...(sensorStatus && { sensorStatus }),
    contextFollows: (flags & FLAG_CONTEXT_FOLLOWS) !== 0,
  });
}

/** Builds the bytes a glucose meter would send. */
export function encodeGlucoseMeasurement(message: Omit<GlucoseMeasurement, 'kind'>): Uint8Array {
  let flags = message.contextFollows ? FLAG_CONTEXT_FOLLOWS : 0;
  if (message.timeOffsetMinutes !== undefined) flags |= FLAG_TIME_OFFSET;
  if (message.concentration)
    flags |= FLAG_CONCENTRATION | (message.concentration.unit === 'mol/L' ? FLAG_MOL_PER_L : 0);
  if (message.sensorStatus) flags |= FLAG_STATUS;
  const bytes = new Uint8Array(
    3 +
      DATE_TIME_BYTES +
      (message.timeOffsetMinutes !== undefined ? 2 : 0) +
      (message.concentration ? 3 : 0) +
      (message.sensorStatus ? 2 : 0),
  );
  const view = viewOf(bytes);
  view.setUint8(0, flags);
  view.setUint16(1, message.sequenceNumber, true);
  writeDateTime(view, 3, message.baseTime);
  let offset = 3 + DATE_TIME_BYTES;
  if (message.timeOffsetMinutes !== undefined) {
    view.setInt16(offset, message.timeOffsetMinutes, true);
    offset += 2;
  }
  if (message.concentration) {
    const c = message.concentration;
    view.setUint16(offset, encodeSfloat(c.value), true);
    const locationRaw = Number(
      Object.entries(SAMPLE_LOCATIONS).find(([, name]) => name === c.sampleLocation)?.[0] ?? 15,
    );
    view.setUint8(offset + 2, (GLUCOSE_TYPES.indexOf(c.type) + 1) | (locationRaw << 4));
    offset += 3;
  }
  if (message.sensorStatus) view.setUint16(offset, encodeGlucoseStatus(message.sensorStatus), true);
  return bytes;
}
