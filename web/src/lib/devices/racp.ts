/**
 * Record Access Control Point (0x2A52), Glucose Service 1.0 §3.4 / GLS 1.0.
 * Requests are written to the characteristic; the meter sends the records as
 * Glucose Measurement notifications, then ends the procedure with an indication
 * on this characteristic:
 *   [0x06 Response Code, 0x00 null operator, request op code, response code]
 *   [0x05 Number of Stored Records Response, 0x00, count uint16]
 * Filter type 0x01 = sequence number (uint16 LE). These bytes are transport
 * framing, not readings, so they live here rather than in shared/devices.
 */
import type { RacpFailure } from './types';

export const RACP_UUID = 0x2a52;

export const RACP_OP = {
  reportStoredRecords: 0x01,
  deleteStoredRecords: 0x02,
  abortOperation: 0x03,
  reportNumberOfStoredRecords: 0x04,
  numberOfStoredRecordsResponse: 0x05,
  responseCode: 0x06,
} as const;

export const RACP_OPERATOR = {
  null: 0x00,
  allRecords: 0x01,
  lessThanOrEqualTo: 0x02,
  greaterThanOrEqualTo: 0x03,
  withinRange: 0x04,
  firstRecord: 0x05,
  lastRecord: 0x06,
} as const;

export const RACP_FILTER_SEQUENCE_NUMBER = 0x01;

export const RACP_RESPONSE = {
  success: 0x01,
  opCodeNotSupported: 0x02,
  invalidOperator: 0x03,
  operatorNotSupported: 0x04,
  invalidOperand: 0x05,
  noRecordsFound: 0x06,
  abortUnsuccessful: 0x07,
  procedureNotCompleted: 0x08,
  operandNotSupported: 0x09,
} as const;

/** ATT error codes a meter may return to the write itself (GLS 1.0 §2.2). */
export const RACP_ATT_ERRORS = {
  0x80: 'procedureAlreadyInProgress',
  0x81: 'clientCharacteristicConfigurationImproperlyConfigured',
} as const satisfies Record<number, RacpFailure>;

export function racpReportAll(): Uint8Array<ArrayBuffer> {
  return Uint8Array.of(RACP_OP.reportStoredRecords, RACP_OPERATOR.allRecords);
}

/** Records with a sequence number strictly greater than `sequenceNumber`. */
export function racpReportAfter(sequenceNumber: number): Uint8Array<ArrayBuffer> {
  const from = sequenceNumber + 1;
  return Uint8Array.of(
    RACP_OP.reportStoredRecords,
    RACP_OPERATOR.greaterThanOrEqualTo,
    RACP_FILTER_SEQUENCE_NUMBER,
    from & 0xff,
    (from >> 8) & 0xff,
  );
}

export function racpReportNumberOfRecords(): Uint8Array<ArrayBuffer> {
  return Uint8Array.of(RACP_OP.reportNumberOfStoredRecords, RACP_OPERATOR.allRecords);
}

export type RacpResponse =
  | { readonly type: 'response'; readonly requestOpCode: number; readonly outcome: RacpOutcome }
  | { readonly type: 'count'; readonly count: number }
  | { readonly type: 'malformed' };

export type RacpOutcome =
  | { readonly ok: true; readonly noRecords: boolean }
  | { readonly ok: false; readonly failure: RacpFailure };

export function parseRacpResponse(bytes: Uint8Array): RacpResponse {
  const op = bytes[0];
  if (op === RACP_OP.responseCode && bytes.length === 4 && bytes[1] === RACP_OPERATOR.null) {
    const code = bytes[3] as number;
    return { type: 'response', requestOpCode: bytes[2] as number, outcome: racpOutcome(code) };
  }
  if (
    op === RACP_OP.numberOfStoredRecordsResponse &&
    bytes.length === 4 &&
    bytes[1] === RACP_OPERATOR.null
  ) {
    return { type: 'count', count: (bytes[2] as number) | ((bytes[3] as number) << 8) };
  }
  return { type: 'malformed' };
}

export function racpOutcome(code: number): RacpOutcome {
  switch (code) {
    case RACP_RESPONSE.success:
      return { ok: true, noRecords: false };
    case RACP_RESPONSE.noRecordsFound:
      return { ok: true, noRecords: true };
    case RACP_RESPONSE.opCodeNotSupported:
      return { ok: false, failure: 'opCodeNotSupported' };
    case RACP_RESPONSE.invalidOperator:
      return { ok: false, failure: 'invalidOperator' };
    case RACP_RESPONSE.operatorNotSupported:
      return { ok: false, failure: 'operatorNotSupported' };
    case RACP_RESPONSE.invalidOperand:
      return { ok: false, failure: 'invalidOperand' };
    case RACP_RESPONSE.abortUnsuccessful:
      return { ok: false, failure: 'abortUnsuccessful' };
    case RACP_RESPONSE.procedureNotCompleted:
      return { ok: false, failure: 'procedureNotCompleted' };
    case RACP_RESPONSE.operandNotSupported:
      return { ok: false, failure: 'operandNotSupported' };
    default:
      return { ok: false, failure: 'unknownResponseCode' };
  }
}

export function encodeRacpResponse(
  requestOpCode: number,
  responseCode: number,
): Uint8Array<ArrayBuffer> {
  return Uint8Array.of(RACP_OP.responseCode, RACP_OPERATOR.null, requestOpCode, responseCode);
}

export function encodeRacpCount(count: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.of(
    RACP_OP.numberOfStoredRecordsResponse,
    RACP_OPERATOR.null,
    count & 0xff,
    (count >> 8) & 0xff,
  );
}
