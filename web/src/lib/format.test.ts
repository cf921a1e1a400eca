import { describe, expect, it } from 'vitest';
import { parseTypedNumber, unitLabel } from './format';

describe('typed numbers', () => {
  it('accepts a decimal comma and a decimal point', () => {
    expect(parseTypedNumber('37,5')).toBe(37.5);
    expect(parseTypedNumber(' 37.5 ')).toBe(37.5);
    expect(parseTypedNumber('120')).toBe(120);
  });

  it('refuses what is not a number', () => {
    for (const text of ['', 'abc', '12a', '1.2.3', '--1', '1e3', 'Infinity']) {
      expect(parseTypedNumber(text), text).toBeUndefined();
    }
  });

  it('shows units the way health workers write them', () => {
    expect(unitLabel('mm[Hg]')).toBe('mmHg');
    expect(unitLabel('Cel')).toBe('°C');
    expect(unitLabel('[lb_av]')).toBe('lb');
  });
});
