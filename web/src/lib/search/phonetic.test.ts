import { describe, expect, it } from 'vitest';
import { phoneticKey, phoneticKeys } from './phonetic';

const same = (...names: string[]) => {
  const keys = names.map((name) => phoneticKey(name));
  expect(new Set(keys).size, `${names.join(' / ')} → ${keys.join(' / ')}`).toBe(1);
};

describe('phoneticKey', () => {
  it('gives transliterations of one Arabic name one key', () => {
    same('Mohamed', 'Muhammad', 'Mohammed', 'Mohammad', 'Muhamed');
    same('Khadija', 'Hadija', 'Khadidja');
    same('Aisha', 'Aicha', 'Ayesha', 'Aishah');
    same('Omar', 'Umar', 'Omari');
    same('Yusuf', 'Youssouf', 'Yousuf');
    same('Abdallah', 'Abdullah', 'Abdalla');
    same('Fatuma', 'Fatouma', 'Fatumah');
    same('Khamis', 'Hamisi');
  });

  it('tolerates Swahili and Bantu spelling variation', () => {
    same('Wanjiru', 'Wanjiro', 'Wanjilu');
    same('Chausiku', 'Shausiku');
    same('Kamau', 'Camau');
    same("Ng'ang'a", 'Nganga');
    same('Rehema', 'Lehema');
  });

  it('ignores case and accents', () => {
    same('AMINA', 'Amína', 'amina');
  });

  it('keeps different names apart', () => {
    expect(phoneticKey('Baraka')).not.toBe(phoneticKey('Neema'));
    expect(phoneticKey('Juma')).not.toBe(phoneticKey('Musa'));
    expect(phoneticKey('Kamau')).not.toBe(phoneticKey('Otieno'));
  });

  it('spells raw x as ks and keeps it apart from sh', () => {
    expect(phoneticKey('Alex')).toBe('arks');
    expect(phoneticKey('Alesh')).toBe('arx');
  });

  it('keeps a final h while the word is still being typed (Muh… → Muhammad)', () => {
    expect(phoneticKey('Muh', true)).toBe('mh');
    expect(phoneticKey('Fatumah', false)).toBe(phoneticKey('Fatuma'));
  });

  it('splits a full name into keys and drops empty words', () => {
    expect(phoneticKeys('Mohamed  Ally-Juma 42')).toEqual(['mhmd', 'ar', 'jm']);
  });
});
