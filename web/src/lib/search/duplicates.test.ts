import { describe, expect, it } from 'vitest';
import {
  DuplicateFinder,
  duplicateReasons,
  findDuplicatePairs,
  identityOfRow,
  sameNameBySound,
} from './duplicates';
import { phoneticKeys } from './phonetic';
import type { PatientRow } from '$lib/db';
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

  it('leaves out a pair marked as different people, from either record (synced or not)', () => {
    const a = testRow({ givenName: 'Wanjiru', familyName: 'Kamau', village: 'Kijiji' });
    const b = testRow({ givenName: 'Wanjiro', familyName: 'Kamau', village: 'kijiji' });
    const c = testRow({ givenName: 'Wanjiru', familyName: 'Kamau', village: 'KIJIJI' });
    expect(findDuplicatePairs([a, b, c], NOW)).toHaveLength(3);
    // Only a's half has arrived: enough to leave a–b out; a–c and b–c are still proposed.
    const keys = findDuplicatePairs([{ ...a, distinctFrom: [b.id] }, b, c], NOW).map((p) => [
      p.a.name,
      p.b.name,
    ]);
    expect(keys).toHaveLength(2);
    expect(keys).not.toContainEqual(['Wanjiru Kamau', 'Wanjiro Kamau']);
    expect(findDuplicatePairs([a, { ...b, distinctFrom: [a.id, c.id] }, c], NOW)).toHaveLength(1);
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

  it('works a row out once, yet follows the time and a replaced row', () => {
    const born = { birthDate: '1990-06-01', birthDateEstimated: false, sex: 'female' as const };
    const a = testRow({ givenName: 'Halima', familyName: 'Mushi', ...born });
    const b = testRow({
      givenName: 'Halimah',
      familyName: 'Mushi',
      ...born,
      birthDate: '1992-05-01',
    });
    // 1 year 11 months apart: within 2 years at any time.
    expect(findDuplicatePairs([a, b], NOW)[0]?.reasons).toEqual(['name', 'age']);
    expect(findDuplicatePairs([a, b], NOW + 10 * 365 * 86_400_000)[0]?.reasons).toEqual([
      'name',
      'age',
    ]);
    // The record changed (a new row object): its new village counts, its old age does not.
    const changed = { ...b, birthDate: '2000-01-01', village: 'Majengo' };
    const other = { ...a, village: 'majengo' };
    expect(findDuplicatePairs([other, changed], NOW)[0]?.reasons).toEqual(['name', 'village']);
  });

  it('compares ten thousand patients with the names of a real clinic quickly', () => {
    // As the benchmark seeds them (test-hooks.ts): 45 given and 35 family names.
    const given = [...'ABDEFGHIJKLMNPRSTUVWZ'].flatMap((l) => [`${l}amina`, `${l}oseph`]);
    const family = [...'BDFGHJKLMNPRSTVWZ'].flatMap((l) => [`${l}amau`, `${l}ushi`]);
    const rows = Array.from({ length: 10_000 }, (_, i) =>
      testRow({
        givenName: given[i % given.length]!,
        familyName: family[Math.floor(i / given.length) % family.length]!,
        village: `V${i % 15}`,
        birthDate: `${1950 + (i % 60)}-01-01`,
        birthDateEstimated: true,
      }),
    );
    const started = performance.now();
    findDuplicatePairs(rows, NOW);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('DuplicateFinder', () => {
  /** The pairs as first specified: rows blocked by sound and ID, every pair of a block compared. */
  function reference(rows: readonly PatientRow[], nowMs: number): string[] {
    const blocks = new Map<string, PatientRow[]>();
    for (const row of rows) {
      if (row.mergedInto !== undefined) continue;
      const keys = [`n:${[...phoneticKeys(row.name)].sort().join(' ')}`];
      const id = row.nationalId?.toLowerCase().replace(/[^a-z0-9]/g, '') ?? '';
      if (id.length >= 4) keys.push(`i:${id}`);
      for (const key of keys) blocks.set(key, [...(blocks.get(key) ?? []), row]);
    }
    const found = new Set<string>();
    for (const block of blocks.values())
      for (const a of block)
        for (const b of block)
          if (a.docId < b.docId && !a.distinctFrom?.includes(b.id))
            if (!b.distinctFrom?.includes(a.id))
              if (duplicateReasons(identityOfRow(a, nowMs), identityOfRow(b, nowMs)).length > 0)
                found.add(`${a.docId}|${b.docId}`);
    return [...found].sort();
  }

  it('kept up to date row by row, finds what a fresh count finds', () => {
    let seed = 7;
    const random = () => (
      (seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0),
      seed / 2 ** 32
    );
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const given = ['Amina', 'Aminah', 'Mohamed', 'Muhammad', 'Hadija', 'Khadija', 'Neema'];
    const family = ['Juma', 'Kamau', 'Camau', 'Mushi'];
    const person = (): Omit<PatientRow, 'docId' | 'id'> & { givenName: string } => {
      const row = testRow({
        givenName: pick(given),
        familyName: pick(family),
        village: pick(['Majengo', 'Mlimani']),
        birthDate: `${1980 + Math.floor(random() * 8)}-01-01`,
        birthDateEstimated: random() < 0.5,
        ...(random() < 0.2 && { nationalId: `TZ-${Math.floor(random() * 5)}000` }),
        sex: pick(['female', 'male'] as const),
      });
      return row;
    };
    let rows = Array.from({ length: 60 }, () => testRow(person()));
    const finder = new DuplicateFinder();
    finder.replaceAll(rows);
    expect(
      finder
        .pairs(NOW)
        .map((p) => p.key)
        .sort(),
    ).toEqual(reference(rows, NOW));
    for (let step = 0; step < 200; step++) {
      const i = Math.floor(random() * rows.length);
      const action = random();
      if (action < 0.5) {
        // The record changed: a new row object for the same doc.
        const changed = { ...person(), docId: rows[i]!.docId, id: rows[i]!.id };
        rows = rows.map((row, j) => (j === i ? changed : row));
        finder.upsert(changed);
      } else if (action < 0.6) {
        const merged = { ...rows[i]!, mergedInto: rows[(i + 1) % rows.length]!.id };
        rows = rows.map((row, j) => (j === i ? merged : row));
        finder.upsert(merged);
      } else if (action < 0.65) {
        // "Not the same person" reached this record (its own half only).
        const other = rows[(i + 1) % rows.length]!.id;
        const decided = { ...rows[i]!, distinctFrom: [...(rows[i]!.distinctFrom ?? []), other] };
        rows = rows.map((row, j) => (j === i ? decided : row));
        finder.upsert(decided);
      } else if (action < 0.75) {
        finder.remove(rows[i]!.docId);
        rows = rows.filter((_, j) => j !== i);
      } else {
        const added = testRow(person());
        rows = [...rows, added];
        finder.upsert(added);
      }
      if (step % 20 === 19)
        expect(
          finder
            .pairs(NOW)
            .map((p) => p.key)
            .sort(),
        ).toEqual(reference(rows, NOW));
    }
    expect(finder.pairs(NOW).length).toBeGreaterThan(0);
  });
});
