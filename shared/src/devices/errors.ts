/**
 * Typed errors for device parsing. Every refusal is a plain object with a
 * literal `type`, so a caller can switch over it exhaustively and a clinician
 * never sees a number the device did not really send.
 */

/** IEEE 11073 special values: none of them is a measurement. */
export type SpecialValueError =
  | { readonly type: 'NotANumber'; readonly field: string }
  | { readonly type: 'NotAtThisResolution'; readonly field: string }
  | { readonly type: 'PositiveInfinity'; readonly field: string }
  | { readonly type: 'NegativeInfinity'; readonly field: string }
  | { readonly type: 'ReservedValue'; readonly field: string; readonly raw: number };

export type TruncatedPacket = {
  readonly type: 'TruncatedPacket';
  readonly expectedBytes: number;
  readonly actualBytes: number;
};

export type TrailingBytes = {
  readonly type: 'TrailingBytes';
  readonly expectedBytes: number;
  readonly actualBytes: number;
};

export type UnknownFlags = {
  readonly type: 'UnknownFlags';
  readonly field: string;
  readonly raw: number;
  /** The bits set that this parser does not know; a newer spec may add fields behind them. */
  readonly unknownBits: number;
};

export type MalformedPacket = { readonly type: 'MalformedPacket'; readonly reason: string };

export type InvalidDateTime = {
  readonly type: 'InvalidDateTime';
  readonly field: string;
  readonly raw: number;
};

/** The device itself says the measurement failed (e.g. weight 0xFFFF). */
export type MeasurementUnsuccessful = {
  readonly type: 'MeasurementUnsuccessful';
  readonly field: string;
};

export type InvalidUtf8 = { readonly type: 'InvalidUtf8'; readonly offset: number };

export type DeviceParseError =
  | SpecialValueError
  | TruncatedPacket
  | TrailingBytes
  | UnknownFlags
  | MalformedPacket
  | InvalidDateTime
  | MeasurementUnsuccessful
  | InvalidUtf8;

/** One line a person can read, for logs and the decode CLI. */
export function describeParseError(error: DeviceParseError): string {
  switch (error.type) {
    case 'NotANumber':
      return `${error.field}: the device sent NaN (no value)`;
    case 'NotAtThisResolution':
      return `${error.field}: the device sent NRes (value not representable at this resolution)`;
    case 'PositiveInfinity':
      return `${error.field}: the device sent +INFINITY (above its range)`;
    case 'NegativeInfinity':
      return `${error.field}: the device sent -INFINITY (below its range)`;
    case 'ReservedValue':
      return `${error.field}: reserved value 0x${error.raw.toString(16)}`;
    case 'TruncatedPacket':
      return `packet too short: expected ${error.expectedBytes} bytes, got ${error.actualBytes}`;
    case 'TrailingBytes':
      return `packet too long: expected ${error.expectedBytes} bytes, got ${error.actualBytes}`;
    case 'UnknownFlags':
      return `${error.field}: unknown bits 0x${error.unknownBits.toString(16)} set in 0x${error.raw.toString(16)}`;
    case 'MalformedPacket':
      return `malformed packet: ${error.reason}`;
    case 'InvalidDateTime':
      return `${error.field}: invalid date/time component ${error.raw}`;
    case 'MeasurementUnsuccessful':
      return `${error.field}: the device reports the measurement was unsuccessful`;
    case 'InvalidUtf8':
      return `invalid UTF-8 at byte ${error.offset}`;
    default: {
      const unreachable: never = error;
      return String(unreachable);
    }
  }
}
