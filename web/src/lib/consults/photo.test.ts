import { describe, expect, it } from 'vitest';
import { PHOTO_MIN_SIDE, PHOTO_TARGET_BYTES, scaledSize, shrinkForTarget } from './photo';

describe('scaledSize', () => {
  it('fits the longest side to 1600 px and never enlarges', () => {
    expect(scaledSize(4000, 3000)).toEqual({ width: 1600, height: 1200 });
    expect(scaledSize(1200, 1600 * 2)).toEqual({ width: 600, height: 1600 });
    expect(scaledSize(800, 600)).toEqual({ width: 800, height: 600 });
  });
});

describe('shrinkForTarget', () => {
  it('keeps a photo that is near the target', () => {
    expect(shrinkForTarget(PHOTO_TARGET_BYTES * 1.2, 1600, 1200)).toBeUndefined();
  });

  it('scales by the square root of the byte ratio when far over', () => {
    // 4× the bytes → half the side.
    expect(shrinkForTarget(PHOTO_TARGET_BYTES * 4, 1600, 1200)).toEqual({
      width: 1024,
      height: 768,
    });
    expect(shrinkForTarget(PHOTO_TARGET_BYTES * 1.5, 1600, 1200)).toEqual({
      width: 1306,
      height: 980,
    });
  });

  it('shrinks at least 10 % a step and stops at the smallest useful size', () => {
    const next = shrinkForTarget(PHOTO_TARGET_BYTES * 1.3, 1600, 1200);
    expect(next!.width).toBeLessThanOrEqual(1440);
    expect(shrinkForTarget(PHOTO_TARGET_BYTES * 10, PHOTO_MIN_SIDE, 700)).toBeUndefined();
    // Portrait: the longest side is the height.
    expect(shrinkForTarget(PHOTO_TARGET_BYTES * 100, 1200, 1600)).toEqual({
      width: 768,
      height: 1024,
    });
  });

  it('always terminates: repeated shrinking reaches the floor', () => {
    let size = { width: 1600, height: 1200 };
    let steps = 0;
    for (
      let next = shrinkForTarget(PHOTO_TARGET_BYTES * 1.26, size.width, size.height);
      next !== undefined;
      next = shrinkForTarget(PHOTO_TARGET_BYTES * 1.26, size.width, size.height)
    ) {
      size = next;
      steps++;
    }
    expect(Math.max(size.width, size.height)).toBe(PHOTO_MIN_SIDE);
    expect(steps).toBeLessThan(6);
  });
});
