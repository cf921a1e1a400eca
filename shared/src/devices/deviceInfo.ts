/**
 * Battery Level (0x2A19): uint8 percent, 0–100 (101–255 reserved).
 * Device Information strings (UTF-8, GATT "utf8s"): Manufacturer Name 0x2A29,
 * Model Number 0x2A24, Serial Number 0x2A25, Firmware Revision 0x2A26.
 */
import { err, ok, type Result } from '../result';
import { checkLength, decodeUtf8, encodeUtf8 } from './bytes';
import type { DeviceParseError } from './errors';

export const BATTERY_LEVEL_UUID = 0x2a19;
export const MANUFACTURER_NAME_UUID = 0x2a29;
export const MODEL_NUMBER_UUID = 0x2a24;
export const SERIAL_NUMBER_UUID = 0x2a25;
export const FIRMWARE_REVISION_UUID = 0x2a26;

export interface BatteryLevel {
  readonly kind: 'batteryLevel';
  readonly levelPercent: number;
}

export function parseBatteryLevel(bytes: Uint8Array): Result<BatteryLevel, DeviceParseError> {
  const length = checkLength(bytes, 1);
  if (!length.ok) return length;
  const level = bytes[0] as number;
  if (level > 100) return err({ type: 'ReservedValue', field: 'batteryLevel', raw: level });
  return ok({ kind: 'batteryLevel', levelPercent: level });
}

export function encodeBatteryLevel(message: Omit<BatteryLevel, 'kind'>): Uint8Array {
  return Uint8Array.of(message.levelPercent);
}

export type DeviceInfoField =
  'manufacturerName' | 'modelNumber' | 'serialNumber' | 'firmwareRevision';

export const DEVICE_INFO_FIELDS: Readonly<Record<number, DeviceInfoField>> = {
  [MANUFACTURER_NAME_UUID]: 'manufacturerName',
  [MODEL_NUMBER_UUID]: 'modelNumber',
  [SERIAL_NUMBER_UUID]: 'serialNumber',
  [FIRMWARE_REVISION_UUID]: 'firmwareRevision',
};

export interface DeviceInfoString {
  readonly kind: 'deviceInfo';
  readonly field: DeviceInfoField;
  readonly value: string;
}

export function parseDeviceInfoString(
  field: DeviceInfoField,
  bytes: Uint8Array,
): Result<DeviceInfoString, DeviceParseError> {
  const text = decodeUtf8(bytes);
  return text.ok ? ok({ kind: 'deviceInfo', field, value: text.value }) : text;
}

export function encodeDeviceInfoString(message: Pick<DeviceInfoString, 'value'>): Uint8Array {
  return encodeUtf8(message.value);
}
