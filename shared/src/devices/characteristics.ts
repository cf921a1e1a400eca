/**
 * The registry of GATT characteristics we parse, by 16-bit UUID, and the union
 * of every typed message a device can produce.
 */
import { err, type Result } from '../result';
import {
  parseBloodPressureMeasurement,
  type BloodPressureMeasurement,
  BLOOD_PRESSURE_MEASUREMENT_UUID,
} from './bloodPressure';
import type { Cms50Sample } from './cms50';
import { parseDateTime, type DateTimeMessage } from './dateTime';
import {
  BATTERY_LEVEL_UUID,
  DEVICE_INFO_FIELDS,
  parseBatteryLevel,
  parseDeviceInfoString,
  type BatteryLevel,
  type DeviceInfoString,
} from './deviceInfo';
import type { DeviceParseError } from './errors';
import {
  GLUCOSE_MEASUREMENT_UUID,
  parseGlucoseMeasurement,
  type GlucoseMeasurement,
} from './glucose';
import {
  GLUCOSE_CONTEXT_UUID,
  parseGlucoseContext,
  type GlucoseMeasurementContext,
} from './glucoseContext';
import {
  HEART_RATE_MEASUREMENT_UUID,
  parseHeartRateMeasurement,
  type HeartRateMeasurement,
} from './heartRate';
import {
  INTERMEDIATE_CUFF_PRESSURE_UUID,
  parseIntermediateCuffPressure,
  type IntermediateCuffPressure,
} from './intermediateCuffPressure';
import {
  parsePlxContinuous,
  PLX_CONTINUOUS_UUID,
  type PlxContinuousMeasurement,
} from './plxContinuous';
import {
  parsePlxSpotCheck,
  PLX_SPOT_CHECK_UUID,
  type PlxSpotCheckMeasurement,
} from './plxSpotCheck';
import {
  parseTemperatureMeasurement,
  TEMPERATURE_MEASUREMENT_UUID,
  type TemperatureMeasurement,
} from './temperature';
import {
  parseWeightMeasurement,
  parseWeightScaleFeature,
  WEIGHT_MEASUREMENT_UUID,
  WEIGHT_SCALE_FEATURE_UUID,
  type WeightMeasurement,
  type WeightResolution,
  type WeightScaleFeature,
} from './weight';

export const DATE_TIME_UUID = 0x2a08;

/** Every typed message the parsers produce; switch on `kind`. */
export type DeviceMessage =
  | HeartRateMeasurement
  | BloodPressureMeasurement
  | IntermediateCuffPressure
  | TemperatureMeasurement
  | PlxSpotCheckMeasurement
  | PlxContinuousMeasurement
  | WeightMeasurement
  | WeightScaleFeature
  | GlucoseMeasurement
  | GlucoseMeasurementContext
  | BatteryLevel
  | DeviceInfoString
  | DateTimeMessage
  | Cms50Sample;

export interface ParseOptions {
  /** From the scale's Weight Scale Feature (0x2A9E); defaults to "not specified". */
  readonly weightResolution?: WeightResolution;
}

type CharacteristicParser = (
  bytes: Uint8Array,
  options: ParseOptions,
) => Result<DeviceMessage, DeviceParseError>;

export const CHARACTERISTICS: ReadonlyMap<
  number,
  { readonly name: string; readonly parse: CharacteristicParser }
> = new Map<number, { name: string; parse: CharacteristicParser }>([
  [
    HEART_RATE_MEASUREMENT_UUID,
    { name: 'Heart Rate Measurement', parse: parseHeartRateMeasurement },
  ],
  [
    BLOOD_PRESSURE_MEASUREMENT_UUID,
    { name: 'Blood Pressure Measurement', parse: parseBloodPressureMeasurement },
  ],
  [
    INTERMEDIATE_CUFF_PRESSURE_UUID,
    { name: 'Intermediate Cuff Pressure', parse: parseIntermediateCuffPressure },
  ],
  [
    TEMPERATURE_MEASUREMENT_UUID,
    { name: 'Temperature Measurement', parse: parseTemperatureMeasurement },
  ],
  [PLX_SPOT_CHECK_UUID, { name: 'PLX Spot-Check Measurement', parse: parsePlxSpotCheck }],
  [PLX_CONTINUOUS_UUID, { name: 'PLX Continuous Measurement', parse: parsePlxContinuous }],
  [
    WEIGHT_MEASUREMENT_UUID,
    { name: 'Weight Measurement', parse: (b, o) => parseWeightMeasurement(b, o.weightResolution) },
  ],
  [WEIGHT_SCALE_FEATURE_UUID, { name: 'Weight Scale Feature', parse: parseWeightScaleFeature }],
  [GLUCOSE_MEASUREMENT_UUID, { name: 'Glucose Measurement', parse: parseGlucoseMeasurement }],
  [GLUCOSE_CONTEXT_UUID, { name: 'Glucose Measurement Context', parse: parseGlucoseContext }],
  [BATTERY_LEVEL_UUID, { name: 'Battery Level', parse: parseBatteryLevel }],
  [DATE_TIME_UUID, { name: 'Date Time', parse: parseDateTime }],
  ...Object.entries(DEVICE_INFO_FIELDS).map(
    ([uuid, field]) =>
      [
        Number(uuid),
        { name: field, parse: (b: Uint8Array) => parseDeviceInfoString(field, b) },
      ] as [number, { name: string; parse: CharacteristicParser }],
  ),
]);

export type UnknownCharacteristic = {
  readonly type: 'UnknownCharacteristic';
  readonly uuid: number;
};

/** Parses a characteristic value by its 16-bit UUID. */
export function parseCharacteristic(
  uuid: number,
  bytes: Uint8Array,
  options: ParseOptions = {},
): Result<DeviceMessage, DeviceParseError | UnknownCharacteristic> {
  const entry = CHARACTERISTICS.get(uuid);
  if (!entry) return err({ type: 'UnknownCharacteristic', uuid });
  return entry.parse(bytes, options);
}
