import { describe, expect, it } from 'vitest';
import { PatientIndex, nationalNumber, parseQuery } from './patient-index';
import { testRow } from './test-rows';

async function indexOf(...rows: ReturnType<typeof testRow>[]) {
  const index = new PatientIndex();
  await index.replaceAll(rows);
  return index;
}

const names = (rows: { name: string }[]) => rows.map((row) => row.name);

describe('PatientIndex.search', () => {
  const wanjiru = testRow({
    givenName: 'Wanjiru',
    familyName: 'Kamau',
    village: 'Kijiji Cha Juu',
    phone: '+255 712 345 678',
    nationalId: 'TZ-1990-0042',
  });
  const mohamed = testRow({ givenName: 'Mohamed', familyName: 'Salim', village: 'Mto Wa Mbu' });
  const neema = testRow({ givenName: 'Neema', familyName: 'Otieno', clinicNumber: 'C-77' });
  const chausiku = testRow({ givenName: 'Chausiku', familyName: 'Juma', phone: '0754 111 222' });

  it('finds by the start of any name word, accents and case ignored', async () => {
    const index = await indexOf(wanjiru, mohamed, neema, chausiku);
    expect(names(index.search('wanj'))).toEqual(['Wanjiru Kamau']);
    expect(names(index.search('KAM'))).toEqual(['Wanjiru Kamau']);
    expect(names(index.search('Néema'))).toEqual(['Neema Otieno']);
  });

  it('tolerates one typing mistake, and two in a long name', async () => {
    const index = await indexOf(wanjiru, mohamed, neema, chausiku);
    expect(names(index.search('Wanjru'))).toContain('Wanjiru Kamau');
    expect(names(index.search('Wanjiur Kamau'))).toEqual(['Wanjiru Kamau']);
    expect(names(index.search('Chausikuu'))).toContain('Chausiku Juma');
    expect(names(index.search('Chuasiku'))).toContain('Chausiku Juma'); // swap = 2 edits, 8 letters
  });

  it('finds another transliteration of a name', async () => {
    const index = await indexOf(wanjiru, mohamed, neema, chausiku);
    expect(names(index.search('Muhammad'))).toEqual(['Mohamed Salim']);
    expect(names(index.search('Mohammed salim'))).toEqual(['Mohamed Salim']);
    expect(names(index.search('Wanjiro'))).toEqual(['Wanjiru Kamau']);
    expect(names(index.search('Shausiku'))).toEqual(['Chausiku Juma']);
    expect(names(index.search('Camau'))).toEqual(['Wanjiru Kamau']);
  });

  it('finds a phone number by any run of digits, with or without +255 or 0', async () => {
    const index = await indexOf(wanjiru, mohamed, neema, chausiku);
    for (const typed of [
      '0712345678',
      '+255712345678',
      '255 712 345 678',
      '345 678',
      '4567',
      '712',
    ])
      expect(names(index.search(typed)), typed).toEqual(['Wanjiru Kamau']);
    expect(names(index.search('0754'))).toEqual(['Chausiku Juma']);
    expect(index.search('99')).toEqual([]);
    expect(names(index.search('wanjiru 345'))).toEqual(['Wanjiru Kamau']);
    expect(names(index.search('muh'))).toEqual(['Mohamed Salim']);
  });

  it('finds a national or clinic ID with or without separators, and a village', async () => {
    const index = await indexOf(wanjiru, mohamed, neema, chausiku);
    expect(names(index.search('TZ-1990-0042'))).toEqual(['Wanjiru Kamau']);
    expect(names(index.search('tz19900042'))).toEqual(['Wanjiru Kamau']);
    expect(names(index.search('c-77'))).toEqual(['Neema Otieno']);
    expect(names(index.search('mto wa'))).toEqual(['Mohamed Salim']);
  });

  it('needs every word to match, and ranks an exact name first', async () => {
    const muhammad = testRow({ givenName: 'Muhammad', familyName: 'Ali' });
    const index = await indexOf(wanjiru, mohamed, muhammad);
    expect(names(index.search('Muhammad'))).toEqual(['Muhammad Ali', 'Mohamed Salim']);
    expect(names(index.search('wanjiru salim'))).toEqual([]);
  });

  it('keeps up with saves and hides records merged into another', async () => {
    const index = await indexOf(wanjiru);
    const late = testRow({ givenName: 'Baraka', familyName: 'Mushi' });
    index.upsert(late);
    expect(names(index.search('baraka'))).toEqual(['Baraka Mushi']);
    index.upsert({ ...late, givenName: 'Barakaeli', name: 'Barakaeli Mushi', updatedAt: 99 });
    expect(names(index.search('mushi'))).toEqual(['Barakaeli Mushi']);
    index.upsert({ ...late, mergedInto: wanjiru.id });
    expect(index.search('mushi')).toEqual([]);
    expect(names(index.recent())).toEqual(['Wanjiru Kamau']);
    index.remove(wanjiru.docId);
    expect(index.search('wanjiru')).toEqual([]);
  });

  it('lists the newest patients with a word starting with one or two typed letters', async () => {
    const index = await indexOf(wanjiru, mohamed, neema, chausiku);
    expect(names(index.search('ju'))).toEqual(['Chausiku Juma', 'Wanjiru Kamau']);
    expect(names(index.search('Wa'))).toEqual(['Mohamed Salim', 'Wanjiru Kamau']);
    expect(names(index.search('ot'))).toEqual(['Neema Otieno']);
    expect(names(index.search('ne ot'))).toEqual(['Neema Otieno']);
    expect(names(index.search('mohamed mb'))).toEqual(['Mohamed Salim']);
    expect(index.search('zz')).toEqual([]);
  });

  it('finds a phone number among many, each patient once', async () => {
    const many = Array.from({ length: 300 }, (_, i) =>
      testRow({ givenName: `Person`, phone: `07${String(10_000_000 + i * 7).padStart(8, '0')}` }),
    );
    const twoPhones = testRow({
      givenName: 'Guardian',
      familyName: 'Child',
      phone: '0799 555 123',
      tokens: ['child', 'guardian', '0799555124', '799555124'],
    });
    const index = await indexOf(...many, twoPhones);
    expect(names(index.search('555 12'))).toEqual(['Guardian Child']);
    expect(index.search('07 1000 0007', 5).map((row) => row.phone)).toEqual(['0710000007']);
    const holding = (digits: string) =>
      many.filter((row) => row.phone!.slice(1).includes(digits)).map((row) => row.docId);
    expect(index.search('100000', 500).map((row) => row.docId)).toEqual(holding('100000'));
    expect(index.search('1 05', 500).map((row) => row.docId)).toEqual(holding('105'));
  });

  it('lists the most recently changed patients for an empty query', async () => {
    const index = await indexOf(wanjiru, mohamed, neema);
    expect(names(index.search('  '))).toEqual(['Neema Otieno', 'Mohamed Salim', 'Wanjiru Kamau']);
  });
});

describe('query helpers', () => {
  it('strips country code and trunk zero from phone digits', () => {
    expect(nationalNumber('255712345678')).toBe('712345678');
    expect(nationalNumber('0712345678')).toBe('712345678');
    expect(nationalNumber('712')).toBe('712');
  });
  it('builds nothing for punctuation only', () => {
    expect(parseQuery(' -- ')).toBeUndefined();
    expect(parseQuery('amina k 0712')).toEqual({ words: ['amina'], filters: ['k', '0712'] });
    expect(parseQuery('w')).toEqual({ words: [], filters: ['w'] });
    expect(parseQuery('mto wa')).toEqual({ words: ['mto'], filters: ['wa'] });
  });
});
