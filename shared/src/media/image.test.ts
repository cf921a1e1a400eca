import { describe, expect, test } from 'vitest';
import { exceedsPixelLimits, readImageHeader, sniffPhotoType } from './image';

function png(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  b.set(
    [...'IHDR'].map((c) => c.charCodeAt(0)),
    12,
  );
  new DataView(b.buffer).setUint32(16, width);
  new DataView(b.buffer).setUint32(20, height);
  return b;
}

/** A minimal baseline JPEG prefix: SOI, an APP1 (EXIF-like) segment, then SOF0. */
function jpeg(width: number, height: number): Uint8Array {
  const app1 = [0xff, 0xe1, 0x00, 0x08, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00];
  const sof = [
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    0x03,
  ];
  return new Uint8Array([0xff, 0xd8, ...app1, ...sof, ...new Array<number>(20).fill(0)]);
}

function webpVp8x(width: number, height: number): Uint8Array {
  const b = new Uint8Array(40);
  b.set(
    [...'RIFF'].map((c) => c.charCodeAt(0)),
    0,
  );
  b.set(
    [...'WEBP'].map((c) => c.charCodeAt(0)),
    8,
  );
  b.set(
    [...'VP8X'].map((c) => c.charCodeAt(0)),
    12,
  );
  const w = width - 1;
  const h = height - 1;
  b.set(
    [w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff],
    24,
  );
  return b;
}

const text = (s: string) => new TextEncoder().encode(s);

describe('photos are recognised by their bytes, measured before decoding', () => {
  test('PNG, JPEG (after an EXIF segment) and WebP report type and size', () => {
    expect(readImageHeader(png(1200, 900))).toEqual({
      ok: true,
      value: { type: 'image/png', width: 1200, height: 900 },
    });
    expect(readImageHeader(jpeg(4032, 3024))).toEqual({
      ok: true,
      value: { type: 'image/jpeg', width: 4032, height: 3024 },
    });
    expect(readImageHeader(webpVp8x(1600, 1200))).toEqual({
      ok: true,
      value: { type: 'image/webp', width: 1600, height: 1200 },
    });
  });

  test('a text file named .jpg, an SVG with script and HTML are not images', () => {
    for (const body of [
      text('just some text, named photo.jpg'),
      text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      text('<!doctype html><script>alert(1)</script>'),
      new Uint8Array(0),
    ]) {
      expect(sniffPhotoType(body)).toBeUndefined();
      expect(readImageHeader(body)).toMatchObject({ ok: false, error: { code: 'not_an_image' } });
    }
  });

  test('a truncated header is unreadable, never a guessed size', () => {
    expect(readImageHeader(png(10, 10).subarray(0, 20))).toMatchObject({
      ok: false,
      error: { code: 'unreadable_image' },
    });
    expect(readImageHeader(jpeg(10, 10).subarray(0, 14))).toMatchObject({
      ok: false,
      error: { code: 'unreadable_image' },
    });
  });

  test('an image bomb (50 000 × 50 000 declared) exceeds the pixel limits; a camera photo does not', () => {
    const bomb = readImageHeader(png(50_000, 50_000));
    expect(bomb.ok && exceedsPixelLimits(bomb.value)).toBe(true);
    expect(exceedsPixelLimits({ width: 4032, height: 3024 })).toBe(false);
    expect(exceedsPixelLimits({ width: 20_000, height: 100 })).toBe(true);
  });
});
