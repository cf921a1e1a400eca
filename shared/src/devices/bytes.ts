/**
 * Byte helpers shared by the parsers: little-endian views, exact-length checks,
 * hex and strict UTF-8 (no TextDecoder: shared/ has no DOM or Node lib).
 */
import { err, ok, type Result } from '../result';
import type { InvalidUtf8, TrailingBytes, TruncatedPacket, UnknownFlags } from './errors';

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * GATT values are fixed by their flags: a packet shorter or longer than the
 * flags say is refused, never read partially (a shifted field is a wrong number).
 */
export function checkLength(
  bytes: Uint8Array,
  expectedBytes: number,
): Result<void, TruncatedPacket | TrailingBytes> {
  if (bytes.length < expectedBytes) {
    return err({ type: 'TruncatedPacket', expectedBytes, actualBytes: bytes.length });
  }
  if (bytes.length > expectedBytes) {
    return err({ type: 'TrailingBytes', expectedBytes, actualBytes: bytes.length });
  }
  return ok(undefined);
}

/** Reads the 8-bit flags field and refuses bits outside `knownMask`. */
export function readFlags8(
  bytes: Uint8Array,
  knownMask: number,
  field = 'flags',
): Result<number, TruncatedPacket | UnknownFlags> {
  const raw = bytes[0];
  if (raw === undefined) return err({ type: 'TruncatedPacket', expectedBytes: 1, actualBytes: 0 });
  const unknownBits = raw & ~knownMask & 0xff;
  if (unknownBits !== 0) return err({ type: 'UnknownFlags', field, raw, unknownBits });
  return ok(raw);
}

export function readUint24(view: DataView, offset: number): number {
  return (
    view.getUint8(offset) | (view.getUint8(offset + 1) << 8) | (view.getUint8(offset + 2) << 16)
  );
}

export function writeUint24(view: DataView, offset: number, value: number): void {
  view.setUint8(offset, value & 0xff);
  view.setUint8(offset + 1, (value >>> 8) & 0xff);
  view.setUint8(offset + 2, (value >>> 16) & 0xff);
}

export type BadHex = { readonly type: 'BadHex'; readonly reason: string };

/** Parses hex with optional whitespace, ':' or '-' separators and an optional 0x prefix. */
export function hexToBytes(hex: string): Result<Uint8Array, BadHex> {
  const compact = hex.replace(/^0x/i, '').replace(/[\s:-]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(compact)) return err({ type: 'BadHex', reason: 'non-hex character' });
  if (compact.length % 2 !== 0) return err({ type: 'BadHex', reason: 'odd number of hex digits' });
  const out = new Uint8Array(compact.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(compact.slice(i * 2, i * 2 + 2), 16);
  return ok(out);
}

export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * Strict UTF-8 decoding (rejects overlong forms, surrogates, truncation).
 * Trailing NUL padding, common in Device Information strings, is removed;
 * an embedded NUL is refused (a string a person reads has none).
 */
export function decodeUtf8(bytes: Uint8Array): Result<string, InvalidUtf8> {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  let out = '';
  let i = 0;
  while (i < end) {
    const b0 = bytes[i] as number;
    let cp: number;
    let need: number;
    let min: number;
    if (b0 < 0x80) {
      cp = b0;
      need = 0;
      min = 0;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      cp = b0 & 0x1f;
      need = 1;
      min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      cp = b0 & 0x0f;
      need = 2;
      min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      cp = b0 & 0x07;
      need = 3;
      min = 0x10000;
    } else {
      return err({ type: 'InvalidUtf8', offset: i });
    }
    for (let k = 1; k <= need; k++) {
      const b = bytes[i + k];
      if (b === undefined || i + k >= end || (b & 0xc0) !== 0x80)
        return err({ type: 'InvalidUtf8', offset: i });
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0) {
      return err({ type: 'InvalidUtf8', offset: i });
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return ok(out);
}

export function encodeUtf8(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000)
      out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else
      out.push(
        0xf0 | (cp >> 18),
        0x80 | ((cp >> 12) & 0x3f),
        0x80 | ((cp >> 6) & 0x3f),
        0x80 | (cp & 0x3f),
      );
  }
  return Uint8Array.from(out);
}
