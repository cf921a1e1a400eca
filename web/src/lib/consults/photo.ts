/**
 * A photo for a consult, prepared on the tablet: refused unless its bytes say
 * JPEG, PNG or WebP and its header's pixel count is sane (no decoding of a
 * bomb); decoded upright, downscaled so the longest side is at most 1600 px and
 * re-encoded as JPEG near 200 KB — which also drops EXIF, GPS location and any
 * other metadata — then named by the SHA-256 of the result (content address).
 */
import {
  PHOTO_LIMITS,
  exceedsPixelLimits,
  readImageHeader,
  type ImageHeader,
} from '@outpost/shared/media';

export const PHOTO_MAX_SIDE = 1600;
export const PHOTO_TARGET_BYTES = 200 * 1024;
const QUALITIES = [0.85, 0.75, 0.65, 0.55, 0.45] as const;
/** Below this longest side a wound, a rash or an ECG strip loses what a specialist needs. */
export const PHOTO_MIN_SIDE = 1024;
/** The quality used once the photo must also get smaller in pixels. */
const SHRINK_QUALITY = 0.65;

export interface PreparedPhoto {
  readonly sha256: string;
  readonly bytes: Uint8Array;
  readonly contentType: 'image/jpeg';
  readonly width: number;
  readonly height: number;
}

export type PhotoError =
  | { readonly code: 'too_large'; readonly message: string }
  | { readonly code: 'not_an_image'; readonly message: string }
  | { readonly code: 'unreadable_image'; readonly message: string }
  | { readonly code: 'too_many_pixels'; readonly message: string };

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(bytes));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The size a photo is scaled to: longest side at most `max`, never enlarged. */
export function scaledSize(
  width: number,
  height: number,
  max = PHOTO_MAX_SIDE,
): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * When even the lowest quality leaves a photo well over the target (a very
 * detailed or noisy picture), the next, smaller size to try: scaled by the
 * square root of the byte ratio (JPEG bytes grow with the pixel count), never
 * below `PHOTO_MIN_SIDE` on the longest side. Undefined: keep what we have.
 */
export function shrinkForTarget(
  bytes: number,
  width: number,
  height: number,
  target = PHOTO_TARGET_BYTES,
): { width: number; height: number } | undefined {
  const longest = Math.max(width, height);
  if (bytes <= target * 1.25 || longest <= PHOTO_MIN_SIDE) return undefined;
  const side = Math.max(
    PHOTO_MIN_SIDE,
    Math.floor(longest * Math.min(0.9, Math.sqrt(target / bytes))),
  );
  return scaledSize(width, height, side);
}

/** Checks a file before any decoding: size, magic bytes, header dimensions. */
export async function checkPhotoFile(
  file: Blob,
): Promise<{ ok: true; header: ImageHeader } | { ok: false; error: PhotoError }> {
  if (file.size > PHOTO_LIMITS.maxInputBytes)
    return {
      ok: false,
      error: {
        code: 'too_large',
        message: `This file is ${Math.round(file.size / 1024 / 1024)} MB; photos up to ${PHOTO_LIMITS.maxInputBytes / 1024 / 1024} MB can be added.`,
      },
    };
  const head = new Uint8Array(await file.slice(0, 256 * 1024).arrayBuffer());
  const header = readImageHeader(head);
  if (!header.ok) return { ok: false, error: header.error };
  if (exceedsPixelLimits(header.value))
    return {
      ok: false,
      error: {
        code: 'too_many_pixels',
        message: `This image declares ${header.value.width} × ${header.value.height} pixels, more than a photo can have.`,
      },
    };
  return { ok: true, header: header.value };
}

async function encode(bitmap: ImageBitmap, width: number, height: number, quality: number) {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (context === null) throw new Error('no 2D canvas');
    context.drawImage(bitmap, 0, 0, width, height);
    return canvas.convertToBlob({ type: 'image/jpeg', quality });
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('no 2D canvas');
  context.drawImage(bitmap, 0, 0, width, height);
  return new Promise<Blob>((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('encoding failed'))),
      'image/jpeg',
      quality,
    ),
  );
}

/** Checks, decodes, downscales and re-encodes a camera photo or a picked file. */
export async function preparePhoto(
  file: Blob,
): Promise<{ ok: true; value: PreparedPhoto } | { ok: false; error: PhotoError }> {
  const checked = await checkPhotoFile(file);
  if (!checked.ok) return checked;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return {
      ok: false,
      error: { code: 'unreadable_image', message: 'This photo could not be opened.' },
    };
  }
  try {
    let { width, height } = scaledSize(bitmap.width, bitmap.height);
    let blob = await encode(bitmap, width, height, QUALITIES[0]);
    for (const quality of QUALITIES.slice(1)) {
      if (blob.size <= PHOTO_TARGET_BYTES) break;
      blob = await encode(bitmap, width, height, quality);
    }
    // Still far too large for a 2G link: fewer pixels, never below PHOTO_MIN_SIDE.
    for (
      let smaller = shrinkForTarget(blob.size, width, height);
      smaller !== undefined;
      smaller = shrinkForTarget(blob.size, width, height)
    ) {
      ({ width, height } = smaller);
      blob = await encode(bitmap, width, height, SHRINK_QUALITY);
    }
    const bytes = new Uint8Array(await blob.arrayBuffer());
    return {
      ok: true,
      value: { sha256: await sha256Hex(bytes), bytes, contentType: 'image/jpeg', width, height },
    };
  } finally {
    bitmap.close();
  }
}
