/**
 * Heart Rate Measurement (0x2A37) — GATT Specification Supplement / Heart Rate Service.
 * flags uint8:
 *   bit 0    heart rate value format: 0 = uint8, 1 = uint16 (bpm)
 *   bits 1–2 sensor contact status: 0/1 = not supported, 2 = supported but not
 *            detected, 3 = supported and detected
 *   bit 3    Energy Expended present (uint16, kJ; 0xFFFF = at or above the maximum)
 *   bit 4    RR-Interval present (one or more uint16, units of 1/1024 s)
 *   bits 5–7 reserved
 * The RR-intervals run to the end of the packet, so the remaining length must be
 * a positive even number when bit 4 is set.
 */
import { err, ok, type Result } from '../result';
import { checkLength, readFlags8, viewOf } from './bytes';
import type { DeviceParseError } from './errors';

export const HEART_RATE_MEASUREMENT_UUID = 0x2a37;

const FLAG_UINT16 = 0x01;
const FLAG_CONTACT_DETECTED = 0x02;
const FLAG_CONTACT_SUPPORTED = 0x04;
const FLAG_ENERGY = 0x08;
const FLAG_RR = 0x10;
export const HEART_RATE_KNOWN_FLAGS = 0x1f;

export type SensorContact = 'notSupported' | 'notDetected' | 'detected';

export interface HeartRateMeasurement {
  readonly kind: 'heartRate';
  readonly heartRateBpm: number;
  readonly valueFormat: 'uint8' | 'uint16';
  readonly sensorContact: SensorContact;
  /** Cumulative since the last reset; 0xFFFF means "at least 65535". */
  readonly energyExpendedKj?: number;
  /** RR-intervals converted from 1/1024 s; exact (1000/1024 is a binary fraction). */
  readonly rrIntervalsMs?: readonly number[];
}

export function parseHeartRateMeasurement(
  bytes: Uint8Array,
): Result<HeartRateMeasurement, DeviceParseError> {
  const flagsResult = readFlags8(bytes, HEART_RATE_KNOWN_FLAGS);
  if (!flagsResult.ok) return flagsResult;
  const flags = flagsResult.value;
  const wide = (flags & FLAG_UINT16) !== 0;
  const hasEnergy = (flags & FLAG_ENERGY) !== 0;
  const hasRr = (flags & FLAG_RR) !== 0;
  const fixedBytes = 1 + (wide ? 2 : 1) + (hasEnergy ? 2 : 0);
  if (hasRr) {
    if (bytes.length < fixedBytes + 2) {
      return err({
        type: 'TruncatedPacket',
        expectedBytes: fixedBytes + 2,
        actualBytes: bytes.length,
      });
    }
    if ((bytes.length - fixedBytes) % 2 !== 0) {
      return err({
        type: 'MalformedPacket',
        reason: 'RR-interval field has an odd number of bytes',
      });
    }
  } else {
    const length = checkLength(bytes, fixedBytes);
    if (!length.ok) return length;
  }
  const view = viewOf(bytes);
  let offset = 1;
  const heartRateBpm = wide ? view.getUint16(offset, true) : view.getUint8(offset);
  offset += wide ? 2 : 1;
  const contactBits = flags & (FLAG_CONTACT_DETECTED | FLAG_CONTACT_SUPPORTED);
  const sensorContact: SensorContact =
    (contactBits & FLAG_CONTACT_SUPPORTED) === 0
      ? 'notSupported'
      : (contactBits & FLAG_CONTACT_DETECTED) !== 0
        ? 'detected'
        : 'notDetected';
  let energyExpendedKj: number | undefined;
  if (hasEnergy) {
    energyExpendedKj = view.getUint16(offset, true);
    offset += 2;
  }
  let rrIntervalsMs: number[] | undefined;
  if (hasRr) {
    rrIntervalsMs = [];
    for (; offset < bytes.length; offset += 2)
      rrIntervalsMs.push((view.getUint16(offset, true) * 1000) / 1024);
  }
  return ok({
    kind: 'heartRate',
    heartRateBpm,
    valueFormat: wide ? 'uint16' : 'uint8',
    sensorContact,
    ...(energyExpendedKj !== undefined && { energyExpendedKj }),
    ...(rrIntervalsMs !== undefined && { rrIntervalsMs }),
  });
}

/** Builds the bytes a heart-rate strap would send (simulators, benchmarks, round-trip tests). */
export function encodeHeartRateMeasurement(
  message: Omit<HeartRateMeasurement, 'kind'>,
): Uint8Array {
  const wide = message.valueFormat === 'uint16';
  const rr = message.rrIntervalsMs ?? [];
  const length =
    1 + (wide ? 2 : 1) + (message.energyExpendedKj !== undefined ? 2 : 0) + rr.length * 2;
  const bytes = new Uint8Array(length);
  const view = viewOf(bytes);
  let flags = wide ? FLAG_UINT16 : 0;
  if (message.sensorContact === 'detected') flags |= FLAG_CONTACT_SUPPORTED | FLAG_CONTACT_DETECTED;
  if (message.sensorContact === 'notDetected') flags |= FLAG_CONTACT_SUPPORTED;
  if (message.energyExpendedKj !== undefined) flags |= FLAG_ENERGY;
  if (rr.length > 0) flags |= FLAG_RR;
  view.setUint8(0, flags);
  let offset = 1;
  if (wide) {
    view.setUint16(offset, message.heartRateBpm, true);
    offset += 2;
  } else {
    view.setUint8(offset, message.heartRateBpm);
    offset += 1;
  }
  if (message.energyExpendedKj !== undefined) {
    view.setUint16(offset, message.energyExpendedKj, true);
    offset += 2;
  }
  for (const ms of rr) {
    view.setUint16(offset, Math.round((ms * 1024) / 1000), true);
    offset += 2;
  }
  return bytes;
}
