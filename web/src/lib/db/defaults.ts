/**
 * The platform's clock and randomness, the defaults of the store and of sync.
 * A module of their own: the sync status (in the first screen) needs them
 * without the store.
 */
import type { Clock, Random } from '@outpost/shared/deps';

/** Randomness for client ids: the platform CSPRNG when present. */
export const cryptoRandom: Random = {
  next: () => {
    if (typeof crypto !== 'undefined' && typeof crypto.getRandomValues === 'function')
      return crypto.getRandomValues(new Uint32Array(1))[0]! / 0x1_0000_0000;
    return Math.random();
  },
};

export const systemClock: Clock = { now: () => Date.now() };
