/**
 * The pull cursor (SPEC S5, S6). Opaque to the tablet; this is its encoding:
 *
 *   byte 0   format version (1)
 *   varuint  FNV-1a 32-bit hash of the clinic id it was issued for
 *   byte     mode: 0 = snapshot, 1 = log
 *   snapshot: varuint high-water mark (the clinic's last committed seq when the
 *             snapshot began) · varstring last document id sent ('' = none yet)
 *   log:      varuint last seq covered (every committed seq of the clinic ≤ it
 *             has been sent or skipped as the caller's own)
 *
 * An empty cursor is a new tablet (snapshot from the start). A cursor issued for
 * another clinic, of an unknown version or truncated is refused: the tablet
 * should drop it and sync from an empty cursor (everything is re-sent; applying
 * a Yjs update twice changes nothing).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { err, ok, type Result } from '@outpost/shared/result';

export const CURSOR_VERSION = 1;

export type CursorPosition =
  | { readonly mode: 'snapshot'; readonly highWater: number; readonly afterDocId: string }
  | { readonly mode: 'log'; readonly afterSeq: number };

export interface InvalidCursor {
  readonly type: 'InvalidCursor';
  readonly message: string;
}

const MODE_SNAPSHOT = 0;
const MODE_LOG = 1;

export function encodeCursor(clinicId: string, position: CursorPosition): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, CURSOR_VERSION);
  encoding.writeVarUint(encoder, clinicHash(clinicId));
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

/** Undefined for the empty cursor (start a snapshot). Never throws. */
export function decodeCursor(
  clinicId: string,
  bytes: Uint8Array,
): Result<CursorPosition | undefined, InvalidCursor> {
  if (bytes.length === 0) return ok(undefined);
  try {
    const decoder = decoding.createDecoder(bytes);
    const version = decoding.readUint8(decoder);
    if (version !== CURSOR_VERSION) throw new Error(`unknown cursor version ${version}`);
    if (decoding.readVarUint(decoder) !== clinicHash(clinicId))
      throw new Error('the cursor was issued for another clinic');
    const mode = decoding.readUint8(decoder);
    let position: CursorPosition;
    if (mode === MODE_SNAPSHOT) {
      const highWater = decoding.readVarUint(decoder);
      const afterDocId = decoding.readVarString(decoder);
      position = { mode: 'snapshot', highWater, afterDocId };
    } else if (mode === MODE_LOG) {
      position = { mode: 'log', afterSeq: decoding.readVarUint(decoder) };
    } else {
      throw new Error(`unknown cursor mode ${mode}`);
    }
    if (decoding.hasContent(decoder)) throw new Error('trailing bytes');
    return ok(position);
  } catch (error) {
    return err({
      type: 'InvalidCursor',
      message: error instanceof Error ? error.message : 'unreadable cursor',
    });
  }
}

/** FNV-1a, 32 bits: binds a cursor to its clinic (a guard against mix-ups, not a secret). */
function clinicHash(clinicId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < clinicId.length; index++) {
    hash ^= clinicId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
