/**
 * Consult photos on the server (issue 7; research C28–C30): the checks an
 * uploaded file passes BEFORE any decoder sees it, and the re-encoding that
 * makes what is stored and served.
 *
 * Order of the checks (each refusal names the problem, nothing is stored):
 * 1. size ≤ 10 MB (declared at the start, enforced per chunk)     → 413
 * 2. SHA-256 over the whole equals the declared one               → 422 hash_mismatch
 * 3. magic bytes: JPEG, PNG or WebP only (SVG, HTML, text, PDF…)  → 415 not_an_image
 * 4. the sniffed type equals the declared one                     → 415 type_mismatch
 * 5. pixel dimensions read from the header: ≤ 40 megapixels and
 *    each side ≤ 12 000 (a small file declaring 50 000 × 50 000)  → 422 image_too_large
 * 6. decode with sharp under `limitInputPixels` (belt and braces), auto-orient,
 *    drop every metadata block (EXIF, GPS, XMP, ICC), longest side ≤ 1600 px,
 *    JPEG q80, and a ≤ 320 px thumbnail; a file that does not decode → 422.
 * Only the re-encoded JPEGs are kept: a polyglot's other personality, a
 * comment block or trailing bytes never survive, and nothing is served as sent.
 */
import sharp from 'sharp';
import {
  PHOTO_LIMITS,
  exceedsPixelLimits,
  readImageHeader,
  type ImageHeader,
  type PhotoType,
} from '@outpost/shared/media/image';
import { err, ok, type Result } from '@outpost/shared/result';

export const ATTACHMENT_LIMITS = {
  /** Largest photo accepted (the tablet sends ≈ 200 KB after its own downscale). */
  maxBytes: 10 * 1024 * 1024,
  /** Largest chunk of a resumable upload. */
  maxChunkBytes: 256 * 1024,
  maxPixels: PHOTO_LIMITS.maxPixels,
  maxSide: PHOTO_LIMITS.maxSide,
  fullLongestSidePx: 1600,
  thumbLongestSidePx: 320,
  jpegQuality: 80,
  thumbJpegQuality: 70,
  /** Unfinished uploads one device may hold at once. */
  maxOpenUploadsPerDevice: 20,
  /** Unfinished uploads older than this are dropped. */
  abandonedAfterMs: 7 * 24 * 3_600_000,
} as const;

export const PHOTO_TYPES: readonly PhotoType[] = ['image/jpeg', 'image/png', 'image/webp'];

export interface PhotoRefusal {
  readonly status: 413 | 415 | 422;
  readonly code: string;
  readonly message: string;
}

// One photo at a time is plenty for a clinic server; no cache of decoded images.
sharp.cache(false);
sharp.concurrency(1);

/**
 * Checks the header of `bytes` (the whole file, or its first chunk: `partial`)
 * against the declared type and the pixel limits. With `partial`, a header
 * that is not all there yet is not a refusal.
 */
export function checkPhotoHeader(
  bytes: Uint8Array,
  declaredType: string,
  options: { readonly partial?: boolean } = {},
): Result<ImageHeader | undefined, PhotoRefusal> {
  const header = readImageHeader(bytes);
  if (!header.ok) {
    if (header.error.code === 'not_an_image' && !(options.partial === true && bytes.length < 12))
      return err({
        status: 415,
        code: 'not_an_image',
        message: 'Only JPEG, PNG and WebP photos are accepted (this file is something else).',
      });
    if (options.partial === true) return ok(undefined);
    return err({
      status: 422,
      code: 'unreadable_image',
      message: 'The photo’s header could not be read.',
    });
  }
  if (header.value.type !== declaredType)
    return err({
      status: 415,
      code: 'type_mismatch',
      message: `The file is ${header.value.type}, not the declared ${declaredType}.`,
    });
  if (exceedsPixelLimits(header.value))
    return err({
      status: 422,
      code: 'image_too_large',
      message: `The photo declares ${header.value.width} × ${header.value.height} pixels; at most ${ATTACHMENT_LIMITS.maxPixels / 1_000_000} megapixels and ${ATTACHMENT_LIMITS.maxSide} pixels a side are accepted.`,
    });
  return ok(header.value);
}

export interface ReencodedPhoto {
  readonly full: Uint8Array;
  readonly fullWidth: number;
  readonly fullHeight: number;
  readonly thumb: Uint8Array;
}

/** Decodes (within the pixel limit) and re-encodes; metadata is never carried over. */
export async function reencodePhoto(
  bytes: Uint8Array,
): Promise<Result<ReencodedPhoto, PhotoRefusal>> {
  const input = () =>
    sharp(bytes, {
      limitInputPixels: ATTACHMENT_LIMITS.maxPixels,
      failOn: 'error',
      sequentialRead: true,
    })
      .rotate() // EXIF orientation applied to the pixels, then the EXIF is dropped
      .flatten({ background: '#ffffff' });
  try {
    const full = await input()
      .resize({
        width: ATTACHMENT_LIMITS.fullLongestSidePx,
        height: ATTACHMENT_LIMITS.fullLongestSidePx,
        fit: 'inside',
        withoutEnlargement: true,
      })
      .jpeg({ quality: ATTACHMENT_LIMITS.jpegQuality, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    const thumb = await input()
      .resize({
        width: ATTACHMENT_LIMITS.thumbLongestSidePx,
        height: ATTACHMENT_LIMITS.thumbLongestSidePx,
        fit: 'inside',
        withoutEnlargement: true,
      })
      .jpeg({ quality: ATTACHMENT_LIMITS.thumbJpegQuality, mozjpeg: true })
      .toBuffer();
    return ok({
      full: new Uint8Array(full.data),
      fullWidth: full.info.width,
      fullHeight: full.info.height,
      thumb: new Uint8Array(thumb),
    });
  } catch {
    return err({
      status: 422,
      code: 'undecodable_image',
      message: 'The photo could not be decoded; take or choose it again.',
    });
  }
}

/**
 * A display name that is only ever a name: the last path segment, no control or
 * bidirectional-override characters, at most 100 characters, ending in `.jpg`
 * (what is served is always a JPEG). Never used as a path.
 */
export function sanitizeFileName(name: string): string {
  const lastSegment = name.split(/[/\\]/).pop() ?? '';
  const cleaned = lastSegment
    .normalize('NFC')
    // C0/C1 controls, bidi overrides and isolates, zero-width characters
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/[^\p{L}\p{N} ._()-]/gu, '_')
    .replace(/\s+/g, ' ')
    .replace(/^[.\s]+/, '')
    .trim();
  const stem = cleaned
    .replace(/\.[^.]*$/, '')
    .slice(0, 90)
    .trim();
  return `${stem === '' ? 'photo' : stem}.jpg`;
}

/** `Content-Disposition` for a served photo (RFC 6266 / RFC 5987 `filename*`). */
export function contentDisposition(fileName: string): string {
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `inline; filename*=UTF-8''${encoded}`;
}
