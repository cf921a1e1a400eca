import { describe, expect, it } from 'vitest';
import { duplicateReasons, findDuplicatePairs, sameNameBySound } from './duplicates';
import { testRow } from './test-rows';

const NOW = Date.parse('2026-03-01T00:00:00Z');

describe('duplicateReasons', () => {
  const base = { name: 'Mohamed Salim', sex: 'male', ageYears: 40 };

  it('needs a sound-alike name and one more sign', () => {
    expect(duplicateReasons(base, { name: 'Muhammad Salim', sex: 'male', ageYears: 41 })).toEqual([
      'name',
      'age',
    ]);
    expect(duplicateReasons(base, { name: 'Muhammad Salim', ageYears: 50 })).toEqual([]);
    expect(
      duplicateReasons(
        { ...base, village: 'Mto wa Mbu' },
        { name: 'Salim Mohammed', village: 'mto wa mbu' },
      ),
    ).toEqual(['name', 'village']);
  });

  it('widens the age window for an estimated age', () => {
    const other = { name: 'Mohamed Salim', ageYears: 44 };
    expect(duplicateReasons(base, other)).toEqual([]);
    expect(duplicateReasons({ ...base, ageEstimated: true }, other)).toEqual(['name', 'age']);
  });

  it('takes a national ID alone, but never a shared phone alone', () => {
    expect(
      duplicateReasons(
        { name: 'A B', nationalId: 'TZ-1990-0042' },
        { name: 'C D', nationalId: 'tz19900042' },
      ),
    ).toEqual(['nationalId']);
    expect(
      duplicateReasons(
        { name: 'Amina Juma', phone: '0712345678' },
        { name: 'Baraka Juma', phone: '+255712345678' },
      ),
    ).toEqual([]);
    expect(
      duplicateReasons(
        { name: 'Amina Juma', phone: '0712345678' },
        { name: 'Aminah Juma', phone: '+255712345678' },
      ),
    ).toEqual(['name', 'phone']);
  });

  it('does not match a woman and a man of one name', () => {
    expect(duplicateReasons(base, { ...base, sex: 'female' })).toEqual([]);
  });
});

describe('sameNameBySound', () => {
  it('matches transliterations, order and one consonant slip', () => {
    expect(sameNameBySound('Wanjiru Kamau', 'Kamau Wanjiro')).toBe(true);
    expect(sameNameBySound('Wanjiru Kamau', 'Wangiru Kamau')).toBe(true);
    expect(sameNameBySound('Amina', 'Amina Juma')).toBe(false);
    expect(sameNameBySound('Amina Juma', 'Neema Juma')).toBe(false);
  });
});

describe('findDuplicatePairs', () => {
  it('finds the same person registered twice, and skips merged and dismissed pairs', () => {
    const a = testRow({
      givenName: 'Wanjiru',
      familyName: 'Kamau',
      village: 'Kijiji',
      sex: 'female',
    });
    const b = testRow({
      givenName: 'Wanjiro',
      familyName: 'Kamau',
      village: 'kijiji',
      sex: 'female',
    });
    const c = testRow({
      givenName: 'Neema',
      familyName: 'Kamau',
      village: 'Kijiji',
      sex: 'female',
    });
    const pairs = findDuplicatePairs([a, b, c], NOW);
    expect(pairs.map((p) => [p.a.name, p.b.name])).toEqual([['Wanjiru Kamau', 'Wanjiro Kamau']]);
    expect(pairs[0]!.reasons).toEqual(['name', 'village']);
    expect(findDuplicatePairs([a, { ...b, mergedInto: a.id }, c], NOW)).toEqual([]);
    expect(findDuplicatePairs([a, b, c], NOW, (key) => key === pairs[0]!.key)).toEqual([]);
  });

  it('compares ten thousand patients quickly', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) =>
      testRow({
        givenName: `Name${i % 700}`,
        familyName: `Family${i % 13}`,
        village: `V${i % 50}`,
      }),
    );
    const started = performance.now();
    findDuplicatePairs(rows, NOW);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
