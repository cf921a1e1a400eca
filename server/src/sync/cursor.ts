/**
 * The pull cursor (SPEC S5, S6, S8b). Opaque to the tablet; two formats, told
 * apart by their first byte:
 *
 * Version 1 — a clinic's records (health workers, clinicians, district admins):
 *
 *   byte 0   format version (1)
 *   varuint  FNV-1a 32-bit hash of the device clinic it was issued for
 *   byte     mode: 0 = snapshot, 1 = log
 *   snapshot: varuint high-water mark (the clinic's last committed seq when the
 *             snapshot began) · varstring last document id sent ('' = none yet)
 *   log:      varuint last seq covered (every committed seq of the clinic ≤ it
 *             has been sent or skipped as the caller's own)
 *
 * Version 2 — consults routed to a specialist from every clinic (S8b):
 *
 *   byte 0   format version (2)
 *   varuint  FNV-1a 32-bit hash of the device clinic it was issued for
 *   varuint  FNV-1a 32-bit hash of the routing it was issued for: the user id and
 *            their specialties (`routingKey`); a specialty added later routes
 *            consults whose last update the vector already passed, so a cursor of
 *            another routing starts over
 *   varuint  n, the number of clinics (≤ MAX_CURSOR_CLINICS), then n times, in
 *            ascending clinic id order:
 *     16 bytes  the clinic id (a UUID)
 *     varuint   last seq covered in that clinic (every routed consult of the
 *               clinic whose last update has a seq ≤ it was sent whole)
 *   A clinic absent from the vector is at 0 (nothing of it sent yet).
 *
 * An empty cursor is a new tablet. A cursor issued for another device clinic, of
 * an unknown version, truncated or otherwise malformed is refused: the tablet
 * drops it and syncs from an empty cursor (everything is re-sent; applying a Yjs
 * update twice changes nothing). A well-formed cursor of the other format, or a
 * version 2 cursor of another routing, is not an error: the scope changed (a user
 * became a specialist, another specialist signed in on the laptop, an admin
 * changed their specialties), so the pull starts its scope over
 * (`clinicStartOf`, `routedStartOf`).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { err, ok, type Result } from '@outpost/shared/result';

export const CLINIC_CURSOR_VERSION = 1;
export const ROUTED_CURSOR_VERSION = 2;
/** More clinics than this in one cursor is garbage, not a district (refused before allocating). */
export const MAX_CURSOR_CLINICS = 65_536;

export type CursorPosition =
  | { readonly mode: 'snapshot'; readonly highWater: number; readonly afterDocId: string }
  | { readonly mode: 'log'; readonly afterSeq: number };

/** Per clinic (id → last seq covered): where a specialist's pull of routed consults stands. */
export type RoutedPosition = ReadonlyMap<string, number>;

export type DecodedCursor =
  | { readonly format: 'clinic'; readonly position: CursorPosition }
  | {
      readonly format: 'routed';
      /** False when it was issued for another user or other specialties. */
      readonly sameRouting: boolean;
      readonly position: RoutedPosition;
    };

/** What a cursor is bound to: the device's clinic and the signed-in user's routing. */
export interface CursorBinding {
  readonly clinicId: string;
  readonly userId: string;
  readonly specialties?: readonly string[];
}

export interface InvalidCursor {
  readonly type: 'InvalidCursor';
  readonly message: string;
}

const MODE_SNAPSHOT = 0;
const MODE_LOG = 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A version 1 cursor (a clinic's records). */
export function encodeCursor(clinicId: string, position: CursorPosition): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, CLINIC_CURSOR_VERSION);
  encoding.writeVarUint(encoder, fnv1a(clinicId));
  if (position.mode === 'snapshot') {
    encoding.writeUint8(encoder, MODE_SNAPSHOT);
    encoding.writeVarUint(encoder, position.highWater);
    encoding.writeVarString(encoder, position.afterDocId);
  } else {
    encoding.writeUint8(encoder, MODE_LOG);
    encoding.writeVarUint(encoder, position.afterSeq);
  }
  return encoding.toUint8Array(encoder);
}

/** A version 2 cursor (routed consults). Throws on a clinic id that is not a UUID (a programmer error). */
export function encodeRoutedCursor(binding: CursorBinding, position: RoutedPosition): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, ROUTED_CURSOR_VERSION);
  encoding.writeVarUint(encoder, fnv1a(binding.clinicId));
  encoding.writeVarUint(encoder, fnv1a(routingKey(binding)));
  const clinics = [...position].filter(([, seq]) => seq > 0).sort(([a], [b]) => (a < b ? -1 : 1));
  encoding.writeVarUint(encoder, clinics.length);
  for (const [clinicId, seq] of clinics) {
    encoding.writeUint8Array(encoder, uuidToBytes(clinicId));
    encoding.writeVarUint(encoder, seq);
  }
  return encoding.toUint8Array(encoder);
}

/** Undefined for the empty cursor. Never throws. */
export function decodeCursor(
  binding: CursorBinding,
  bytes: Uint8Array,
): Result<DecodedCursor | undefined, InvalidCursor> {
  if (bytes.length === 0) return ok(undefined);
  try {
    const decoder = decoding.createDecoder(bytes);
    const version = decoding.readUint8(decoder);
    if (version !== CLINIC_CURSOR_VERSION && version !== ROUTED_CURSOR_VERSION)
      throw new Error(`unknown cursor version ${version}`);
    if (decoding.readVarUint(decoder) !== fnv1a(binding.clinicId))
      throw new Error('the cursor was issued for another clinic');
    let decoded: DecodedCursor;
    if (version === CLINIC_CURSOR_VERSION) {
      const mode = decoding.readUint8(decoder);
      if (mode === MODE_SNAPSHOT) {
        const highWater = decoding.readVarUint(decoder);
        const afterDocId = decoding.readVarString(decoder);
        decoded = { format: 'clinic', position: { mode: 'snapshot', highWater, afterDocId } };
      } else if (mode === MODE_LOG) {
        decoded = { format: 'clinic', position: { mode: 'log', afterSeq: readSeq(decoder) } };
      } else {
        throw new Error(`unknown cursor mode ${mode}`);
      }
    } else {
      const sameRouting = decoding.readVarUint(decoder) === fnv1a(routingKey(binding));
      const count = decoding.readVarUint(decoder);
      if (count > MAX_CURSOR_CLINICS) throw new Error('too many clinics');
      const position = new Map<string, number>();
      let previous = '';
      for (let index = 0; index < count; index++) {
        const clinicId = bytesToUuid(decoding.readUint8Array(decoder, 16));
        if (clinicId <= previous) throw new Error('clinics out of order or repeated');
        previous = clinicId;
        const seq = readSeq(decoder);
        if (seq === 0) throw new Error('a clinic at seq 0 is never written');
        position.set(clinicId, seq);
      }
      decoded = { format: 'routed', sameRouting, position };
    }
    if (decoding.hasContent(decoder)) throw new Error('trailing bytes');
    return ok(decoded);
  } catch (error) {
    return err({
      type: 'InvalidCursor',
      message: error instanceof Error ? error.message : 'unreadable cursor',
    });
  }
}

/**
 * Where a pull of a clinic's records starts: undefined (a snapshot from the
 * start, S6) for the empty cursor and for a routed cursor (the user is no
 * longer a specialist).
 */
export function clinicStartOf(decoded: DecodedCursor | undefined): CursorPosition | undefined {
  return decoded?.format === 'clinic' ? decoded.position : undefined;
}

/**
 * Where a pull of routed consults starts: every clinic at 0 (each routed consult
 * sent whole once) for the empty cursor, a version 1 cursor (issued before this
 * format, or before the user became a specialist) and a cursor of another
 * routing (user or specialties).
 */
export function routedStartOf(decoded: DecodedCursor | undefined): RoutedPosition {
  return decoded?.format === 'routed' && decoded.sameRouting ? decoded.position : new Map();
}

/** Who consults are routed to (auth/policy.ts `isRoutedTo`): the user, by name or by specialty. */
function routingKey(binding: CursorBinding): string {
  return `${binding.userId}|${[...(binding.specialties ?? [])].sort().join(',')}`;
}

/** A seq is a bigserial: larger than 2^53 cannot be one of ours. */
function readSeq(decoder: decoding.Decoder): number {
  const seq = decoding.readVarUint(decoder);
  if (!Number.isSafeInteger(seq)) throw new Error('sequence number out of range');
  return seq;
}

function uuidToBytes(uuid: string): Uint8Array {
  const lower = uuid.toLowerCase();
  if (!UUID.test(lower)) throw new Error(`not a UUID: ${uuid}`);
  const hex = lower.replaceAll('-', '');
  const bytes = new Uint8Array(16);
  for (let index = 0; index < 16; index++)
    bytes[index] = parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

function bytesToUuid(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new Error('truncated clinic id');
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** FNV-1a, 32 bits: binds a cursor to its clinic and user (a guard against mix-ups, not a secret). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
