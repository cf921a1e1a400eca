/**
 * The pure core of `pnpm -s outpost decode`: one JSON line in, one JSON value out.
 * The CLI wrapper (stdin/stdout) lives elsewhere.
 *
 * Input:  {"characteristic": "2a35", "hex": "…"}  (16-bit UUID, case-insensitive,
 *         optional 0x; the full 128-bit Bluetooth base UUID is accepted too)
 *      or {"protocol": "cms50", "hex": "…"}      (a capture of the serial stream)
 * Output: {observations: [{code, value, unit, time?, flags?}], fields: {…}, rejected?: […]}
 *      or {error: {code, message}}
 * Times are ISO 8601 strings. The output is JSON-safe: no undefined, NaN or Infinity.
 */
import { bytesToHex, hexToBytes } from './bytes';
import { CHARACTERISTICS, parseCharacteristic, type DeviceMessage } from './characteristics';
import { createCms50Parser, type Cms50Event } from './cms50';
import { describeParseError } from './errors';
import {
  toObservations,
  type Observation,
  type ObservationFlags,
  type RejectedValue,
} from './observations';

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface DecodedObservation {
  readonly code: string;
  readonly value: number;
  readonly unit: string;
  readonly time?: string;
  readonly deviceTime?: string;
  readonly flags?: { [key: string]: JsonValue };
}

export type DecodeOutput =
  | {
      readonly observations: DecodedObservation[];
      readonly fields: { [key: string]: JsonValue };
      readonly rejected?: RejectedValue[];
    }
  | { readonly error: { readonly code: string; readonly message: string } };

const BASE_UUID_SUFFIX = '-0000-1000-8000-00805f9b34fb';

function parseUuid(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  const short = /^(?:0x)?([0-9a-f]{4})$/.exec(t);
  if (short?.[1]) return parseInt(short[1], 16);
  const long = /^0000([0-9a-f]{4})(-0000-1000-8000-00805f9b34fb)$/.exec(t);
  if (long?.[1] && long[2] === BASE_UUID_SUFFIX) return parseInt(long[1], 16);
  return undefined;
}

/** Strips undefined, turns non-finite numbers into null, bytes into hex. */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return bytesToHex(value);
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonValue(v);
    return out;
  }
  return null;
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString();
}

function decodeObservation(o: Observation): DecodedObservation {
  const time = iso(o.time);
  const deviceTime = iso(o.deviceTime);
  return {
    code: o.code,
    value: o.value,
    unit: o.unit,
    ...(time && { time }),
    ...(deviceTime && { deviceTime }),
    ...(o.flags && {
      flags: toJsonValue(o.flags satisfies ObservationFlags) as { [key: string]: JsonValue },
    }),
  };
}

function fail(code: string, message: string): DecodeOutput {
  return { error: { code, message } };
}

function success(
  messages: readonly DeviceMessage[],
  fields: { [key: string]: JsonValue },
  nowMs: number,
): DecodeOutput {
  const observations: DecodedObservation[] = [];
  const rejected: RejectedValue[] = [];
  for (const message of messages) {
    const set = toObservations(message, { nowMs });
    observations.push(...set.observations.map(decodeObservation));
    rejected.push(...set.rejected);
  }
  return { observations, fields, ...(rejected.length > 0 && { rejected }) };
}

function describeCms50(event: Cms50Event): string {
  switch (event.type) {
    case 'sample':
      return 'sample';
    case 'resync':
      return `dropped ${event.droppedBytes} bytes to regain sync`;
    case 'error':
      return event.error.type === 'ReservedValue'
        ? `spo2: reserved value ${event.error.raw}`
        : `packet too short: expected ${event.error.expectedBytes} bytes, got ${event.error.actualBytes}`;
  }
}

export function decodeLine(input: unknown, nowMs: number): DecodeOutput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail(
      'InvalidInput',
      'expected an object {"characteristic": "2a35", "hex": "…"} or {"protocol": "cms50", "hex": "…"}',
    );
  }
  const record = input as Record<string, unknown>;
  if (typeof record.hex !== 'string')
    return fail('InvalidInput', '"hex" must be a string of hex digits');
  const bytes = hexToBytes(record.hex);
  if (!bytes.ok) return fail('BadHex', `"hex" is not valid hex: ${bytes.error.reason}`);

  if (record.protocol !== undefined) {
    if (record.protocol !== 'cms50')
      return fail(
        'UnknownProtocol',
        `unknown protocol ${JSON.stringify(record.protocol)}; known: "cms50"`,
      );
    const parser = createCms50Parser();
    const events = [...parser.push(bytes.value), ...parser.end()];
    const samples = events.flatMap((e) => (e.type === 'sample' ? [e.sample] : []));
    const others = events.filter((e) => e.type !== 'sample');
    if (samples.length === 0) {
      const first = others.find((e) => e.type === 'error') ?? others[0];
      const code = first?.type === 'error' ? first.error.type : 'NoPacket';
      return fail(code, first ? describeCms50(first) : 'no CMS50 packet in the input');
    }
    return success(
      samples,
      { protocol: 'cms50', samples: toJsonValue(samples), events: toJsonValue(others) },
      nowMs,
    );
  }

  if (typeof record.characteristic !== 'string') {
    return fail(
      'InvalidInput',
      'give "characteristic" (a 16-bit UUID such as "2a35") or "protocol": "cms50"',
    );
  }
  const uuid = parseUuid(record.characteristic);
  if (uuid === undefined)
    return fail(
      'InvalidInput',
      `"characteristic" is not a Bluetooth UUID: ${record.characteristic}`,
    );
  const parsed = parseCharacteristic(uuid, bytes.value);
  if (!parsed.ok) {
    const error = parsed.error;
    if (error.type === 'UnknownCharacteristic') {
      const known = [...CHARACTERISTICS.keys()]
        .map((k) => k.toString(16).padStart(4, '0'))
        .join(', ');
      return fail(
        'UnknownCharacteristic',
        `characteristic ${record.characteristic} is not supported; known: ${known}`,
      );
    }
    return fail(error.type, describeParseError(error));
  }
  const fields = toJsonValue({
    characteristic: uuid.toString(16).padStart(4, '0'),
    ...parsed.value,
  }) as { [key: string]: JsonValue };
  return success([parsed.value], fields, nowMs);
}
