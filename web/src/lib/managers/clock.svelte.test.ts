import { describe, expect, it } from 'vitest';
import { MinuteClock } from './clock.svelte';

describe('MinuteClock', () => {
  it('keeps the time of the last minute and moves at each tick, with one timer', () => {
    let time = 1_000;
    const ticks: Array<() => void> = [];
    const clock = new MinuteClock(60_000, () => time, {
      setInterval: (fn, ms) => {
        expect(ms).toBe(60_000);
        ticks.push(fn);
        return ticks.length;
      },
    });
    expect(clock.now).toBe(1_000);
    time = 30_000;
    expect(clock.now).toBe(1_000); // between ticks: the last minute's time
    time = 61_000;
    ticks[0]!();
    expect(clock.now).toBe(61_000);
    time = 121_000;
    ticks[0]!();
    expect(clock.now).toBe(121_000);
    expect(ticks).toHaveLength(1);
  });
});
