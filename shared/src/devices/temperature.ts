/**
 * Temperature Measurement (0x2A1C) — GATT Specification Supplement / Health Thermometer Service.
 * flags uint8:
 *   bit 0 units: 0 = Celsius, 1 = Fahrenheit
 *   bit 1 Time Stamp present (Date Time, 7 bytes)
 *   bit 2 Temperature Type present (uint8)
 *   bits 3–7 reserved
 * fields: flags, temperature FLOAT (32-bit), [time stamp], [temperature type].
 * Temperature Type: 1 armpit, 2 body (general), 3 ear (usually earlobe), 4 finger,
 *   5 gastro-intestinal tract, 6 mouth, 7 rectum, 8 toe, 9 tympanum (ear drum);
 *   0 and 10–255 reserved.
 */
import { err, ok, type Result } from '../result';
import { checkLength, readFlags8, viewOf } from './bytes';
import { DATE_TIME_BYTES, readDateTime, writeDateTime, type DateTime } from './dateTime';
import type { DeviceParseError } from './errors';
import { encodeFloat, readFloat } from './ieee11073';

export const TEMPERATURE_MEASUREMENT_UUID = 0x2a1c;

const FLAG_FAHRENHEIT = 0x01;
const FLAG_TIMESTAMP = 0x02;
const FLAG_TYPE = 0x04;
export const TEMPERATURE_KNOWN_FLAGS = 0x07;

export const TEMPERATURE_TYPES = [
  'armpit',
  'body',
  'ear',
  'finger',
  'gastrointestinalTract',
  'mouth',
  'rectum',
  'toe',
  'tympanum',
] as const;
export type TemperatureType = (typeof TEMPERATURE_TYPES)[number];

export type TemperatureUnit = 'Cel' | 'degF';

export interface TemperatureMeasurement {
  readonly kind: 'temperature';
  readonly unit: TemperatureUnit;
  readonly temperature: number;
  readonly timestamp?: DateTime;
  readonly temperatureType?: TemperatureType;
}

export function parseTemperatureMeasurement(
  bytes: Uint8Array,
): Result<TemperatureMeasurement, DeviceParseError> {
  const flagsResult = readFlags8(bytes, TEMPERATURE_KNOWN_FLAGS);
  if (!flagsResult.ok) return flagsResult;
  const flags = flagsResult.value;
  const expected = 5 + (flags & FLAG_TIMESTAMP ? DATE_TIME_BYTES : 0) + (flags & FLAG_TYPE ? 1 : 0);
  const length = checkLength(bytes, expected);
  if (!length.ok) return length;
  const view = viewOf(bytes);
  const value = readFloat(view, 1, 'temperature');
  if (!value.ok) return value;
  let offset = 5;
  let timestamp: DateTime | undefined;
  if (flags & FLAG_TIMESTAMP) {
    const dt = readDateTime(view, offset, 'timestamp');
    if (!dt.ok) return dt;
    timestamp = dt.value;
    offset += DATE_TIME_BYTES;
  }
  let temperatureType: TemperatureType | undefined;
  if (flags & FLAG_TYPE) {
    const raw = view.getUint8(offset);
    const type = TEMPERATURE_TYPES[raw - 1];
    if (raw === 0 || type === undefined)
      return err({ type: 'ReservedValue', field: 'temperatureType', raw });
    temperatureType = type;
  }
  return ok({
    kind: 'temperature',
    unit: flags & FLAG_FAHRENHEIT ? 'degF' : 'Cel',
    temperature: value.value.value,
    ...(timestamp && { timestamp }),
    ...(temperatureType && { temperatureType }),
  });
}

/** Builds the bytes a thermometer would send. */
export function encodeTemperatureMeasurement(
  message: Omit<TemperatureMeasurement, 'kind'>,
): Uint8Array {
  let flags = message.unit === 'degF' ? FLAG_FAHRENHEIT : 0;
  if (message.timestamp) flags |= FLAG_TIMESTAMP;
  if (message.temperatureType) flags |= FLAG_TYPE;
  const bytes = new Uint8Array(
    5 + (message.timestamp ? DATE_TIME_BYTES : 0) + (message.temperatureType ? 1 : 0),
  );
  const view = viewOf(bytes);
  view.setUint8(0, flags);
  view.setUint32(1, encodeFloat(message.temperature), true);
  let offset = 5;
  if (message.timestamp) {
    writeDateTime(view, offset, message.timestamp);
    offset += DATE_TIME_BYTES;
  }
  if (message.temperatureType)
    view.setUint8(offset, TEMPERATURE_TYPES.indexOf(message.temperatureType) + 1);
  return bytes;
}
