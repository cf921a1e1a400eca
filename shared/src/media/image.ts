/**
 * Image sniffing before decoding: the type from the file's first bytes (never
 * its name or declared type) and the pixel dimensions from its header, so a
 * decompression bomb (a small file declaring 50 000 × 50 000 pixels) is refused
 * before any decoder allocates for it — on the tablet and on the server.
 * Only JPEG, PNG and WebP are photos; SVG, HTML, GIF, PDF… are not.
 */

export type PhotoType = 'image/jpeg' | 'image/png' | 'image/webp';

export interface ImageHeader {
  readonly type: PhotoType;
  readonly width: number;
  readonly height: number;
}

export type ImageHeaderError =
  | { readonly code: 'not_an_image'; readonly message: string }
  | { readonly code: 'unreadable_image'; readonly message: string };

/** Limits for photos before decoding (both sides). */
export const PHOTO_LIMITS = {
  /** Largest file accepted from the camera or a file picker. */
  maxInputBytes: 25 * 1024 * 1024,
  maxPixels: 40_000_000,
  maxSide: 12_000,
} as const;

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/** The photo type from magic bytes, or undefined. */
export function sniffPhotoType(bytes: Uint8Array): PhotoType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return 'image/jpeg';
  if (
    bytes.length >= 8 &&
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b)
  )
    return 'image/png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP')
    return 'image/webp';
  return undefined;
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u32be = (b: Uint8Array, i: number) =>
  ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);

function jpegSize(b: Uint8Array): { width: number; height: number } | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    // Standalone markers carry no length.
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const length = u16be(b, i + 2);
    if (length < 2) return undefined;
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return { height: u16be(b, i + 5), width: u16be(b, i + 7) };
    if (marker === 0xda || marker === 0xd9) return undefined; // scan before any frame header
    i += 2 + length;
  }
  return undefined;
}

function webpSize(b: Uint8Array): { width: number; height: number } | undefined {
  if (b.length < 30) return undefined;
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a)
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  return undefined;
}

/**
 * Reads type and dimensions from the first bytes of a file (64 KiB is plenty
 * for the JPEGs cameras write; pass the whole file when it is smaller).
 */
export function readImageHeader(
  bytes: Uint8Array,
): { ok: true; value: ImageHeader } | { ok: false; error: ImageHeaderError } {
  const type = sniffPhotoType(bytes);
  if (type === undefined)
    return {
      ok: false,
      error: { code: 'not_an_image', message: 'This file is not a JPEG, PNG or WebP photo.' },
    };
  const size =
    type === 'image/jpeg'
      ? jpegSize(bytes)
      : type === 'image/png'
        ? bytes.length >= 24 && ascii(bytes, 12, 4) === 'IHDR'
          ? { width: u32be(bytes, 16), height: u32be(bytes, 20) }
          : undefined
        : webpSize(bytes);
  if (size === undefined || size.width === 0 || size.height === 0)
    return {
      ok: false,
      error: { code: 'unreadable_image', message: 'The photo’s header could not be read.' },
    };
  return { ok: true, value: { type, ...size } };
}

/** True when decoding would need more pixels than the limits allow. */
export function exceedsPixelLimits(header: { width: number; height: number }): boolean {
  return (
    header.width > PHOTO_LIMITS.maxSide ||
    header.height > PHOTO_LIMITS.maxSide ||
    header.width * header.height > PHOTO_LIMITS.maxPixels
  );
}
