import { describe, expect, it } from 'vitest';
import { en } from './en';
import { fr } from './fr';
import { interpolate } from './i18n.svelte';
import { sw } from './sw';

describe('messages', () => {
  it('every language translates every key, with the same parameters', () => {
    for (const messages of [fr, sw]) {
      expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
      for (const [key, english] of Object.entries(en)) {
        const params = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect(params(messages[key as keyof typeof en]), key).toEqual(params(english));
      }
    }
  });

  it('interpolates named parameters and leaves unknown ones visible', () => {
    expect(interpolate('{count} changes, {x}', { count: 3 })).toBe('3 changes, {x}');
  });
});
