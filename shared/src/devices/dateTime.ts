/**
 * Date Time (0x2A08) — GATT Specification Supplement "Date Time":
 * year uint16 (1582–9999, 0 = unknown), month uint8 (1–12, 0 = unknown),
 * day uint8 (1–31, 0 = unknown), hours 0–23, minutes 0–59, seconds 0–59.
 * Also the 7-byte time stamp embedded in BP, temperature, weight, PLX and glucose.
 *
 * The struct is the device's local wall-clock time with no zone. We never
 * guess a zone: `dateTimeToEpochMs` takes the zone offset from the caller.
 */
import { err, ok, type Result } from '../result';
import { checkLength, viewOf } from './bytes';
import type { InvalidDateTime, TrailingBytes, TruncatedPacket } from './errors';

export const DATE_TIME_BYTES = 7;

export interface DateTime {
  /** 0 = unknown. */
  readonly year: number;
  /** 1–12; 0 = unknown. */
  readonly month: number;
  /** 1–31; 0 = unknown. */
  readonly day: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

export interface DateTimeMessage {
  readonly kind: 'dateTime';
  readonly dateTime: DateTime;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Reads and validates a 7-byte Date Time at `offset` (caller has checked the length). */
export function readDateTime(
  view: DataView,
  offset: number,
  field: string,
): Result<DateTime, InvalidDateTime> {
  const year = view.getUint16(offset, true);
  const month = view.getUint8(offset + 2);
  const day = view.getUint8(offset + 3);
  const hours = view.getUint8(offset + 4);
  const minutes = view.getUint8(offset + 5);
  const seconds = view.getUint8(offset + 6);
  const bad = (part: string, raw: number) =>
    err<InvalidDateTime>({ type: 'InvalidDateTime', field: `${field}.${part}`, raw });
  if (year !== 0 && (year < 1582 || year > 9999)) return bad('year', year);
  if (month > 12) return bad('month', month);
  if (day > 31) return bad('day', day);
  if (year !== 0 && month !== 0 && day > daysInMonth(year, month)) return bad('day', day);
  if (hours > 23) return bad('hours', hours);
  if (minutes > 59) return bad('minutes', minutes);
  if (seconds > 59) return bad('seconds', seconds);
  return ok({ year, month, day, hours, minutes, seconds });
}

export function writeDateTime(view: DataView, offset: number, dt: DateTime): void {
  view.setUint16(offset, dt.year, true);
  view.setUint8(offset + 2, dt.month);
  view.setUint8(offset + 3, dt.day);
  view.setUint8(offset + 4, dt.hours);
  view.setUint8(offset + 5, dt.minutes);
  view.setUint8(offset + 6, dt.seconds);
}

export function parseDateTime(
  bytes: Uint8Array,
): Result<DateTimeMessage, TruncatedPacket | TrailingBytes | InvalidDateTime> {
  const length = checkLength(bytes, DATE_TIME_BYTES);
  if (!length.ok) return length;
  const dt = readDateTime(viewOf(bytes), 0, 'dateTime');
  return dt.ok ? ok({ kind: 'dateTime', dateTime: dt.value }) : dt;
}

export function encodeDateTime(message: DateTimeMessage | DateTime): Uint8Array {
  const dt = 'kind' in message ? message.dateTime : message;
  const bytes = new Uint8Array(DATE_TIME_BYTES);
  writeDateTime(viewOf(bytes), 0, dt);
  return bytes;
}

export function isDateKnown(dt: DateTime): boolean {
  return dt.year !== 0 && dt.month !== 0 && dt.day !== 0;
}

/**
 * The instant a device wall-clock time denotes, given the zone the device clock
 * is set to (minutes east of UTC, supplied by the caller — usually the clinic's
 * zone). Undefined when the device does not know the date.
 */
export function dateTimeToEpochMs(dt: DateTime, utcOffsetMinutes = 0): number | undefined {
  if (!isDateKnown(dt)) return undefined;
  const naive = Date.UTC(dt.year, dt.month - 1, dt.day, dt.hours, dt.minutes, dt.seconds);
  // Date.UTC maps years 0–99 to 1900+; our years are ≥ 1582 so this cannot apply.
  return naive - utcOffsetMinutes * 60_000;
}

/** The wall-clock DateTime of an instant in a zone; for simulators and tests. */
export function epochMsToDateTime(epochMs: number, utcOffsetMinutes = 0): DateTime {
  const d = new Date(epochMs + utcOffsetMinutes * 60_000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hours: d.getUTCHours(),
    minutes: d.getUTCMinutes(),
    seconds: d.getUTCSeconds(),
  };
}
