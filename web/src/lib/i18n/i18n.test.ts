import { describe, expect, it } from 'vitest';
import { en } from './en';
import { fr } from './fr';
import { I18n, interpolate } from './i18n.svelte';
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

describe('languages on demand', () => {
  it('a language other than English is loaded once, and shown once it has arrived', async () => {
    const i18n = new I18n();
    i18n.locale = 'sw';
    // Not loaded yet: English words, never a missing one.
    expect(i18n.t('nav.register')).toBe(en['nav.register']);
    const first = i18n.load('sw');
    expect(i18n.load('sw')).toBe(first);
    await first;
    expect(i18n.t('nav.register')).toBe(sw['nav.register']);
    expect(sw['nav.register']).not.toBe(en['nav.register']);
    await i18n.load('fr');
    i18n.locale = 'fr';
    expect(i18n.t('nav.register')).toBe(fr['nav.register']);
  });
});
