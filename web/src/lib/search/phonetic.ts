/**
 * A phonetic key for one name word, written for the names a health worker in
 * East Africa types: Swahili and other Bantu names, and Arabic names in their
 * English, French and Swahili transliterations. Two spellings of one name get
 * the same key: Mohamed / Muhammad / Mohammed → "mhmd"; Wanjiru / Wanjiro →
 * "wnjr"; Chausiku / Shausiku; Kamau / Camau; Khadija / Hadija / Khadidja;
 * Aisha / Aicha / Ayesha; Omari / Umar; Yusuf / Youssouf; Abdallah / Abdullah.
 *
 * Rules, in order (each one is a spelling variation seen in these names):
 * 1. Lower case, accents and apostrophes removed (Ng'ang'a → nganga).
 * 2. Digraphs: tch/sch/sh/ch → x (French "ch" and English "sh" spell one
 *    sound; Swahili ch and sh are often swapped in registers); dj → j (French
 *    Djamila); kh → h (Arabic خ: Khamis / Hamisi); gh → g; ph → f; th → t;
 *    dh → d; ck → k; c before e/i/y → s (Cécile), other c and q → k; x → ks.
 * 3. l → r: many Bantu languages do not distinguish them (Wanjilu / Wanjiru).
 * 4. A final h after a vowel is dropped (Fatumah / Fatuma, Abdallah).
 * 5. Doubled letters collapse (Mohammed / Mohamed).
 * 6. Vowels (a e i o u y) after the first letter are dropped: vowels carry
 *    most transliteration noise (Wanjiro, Fatouma). A leading vowel becomes
 *    "a" (Omar / Umar, Ibrahim / Ebrahim).
 *
 * The key is deliberately coarse; callers rank exact and typo matches above
 * phonetic ones, and duplicate checks need more than a name (see duplicates.ts).
 */
const VOWEL = /[aeiouy]/;

/**
 * Word → result memos. Names repeat: a clinic's ten thousand patients share a
 * few hundred name words, and every index build, search keystroke and
 * duplicate count folds and keys them again. Bounded: cleared when full, and
 * by `forgetWords` when the key leaves memory (they are patients' names).
 */
const MEMO_LIMIT = 20_000;
const memos: Array<Map<string, string>> = [];

/** Drops every memoised word (the patient index calls it when it forgets its rows). */
export function forgetWords(): void {
  for (const memo of memos) memo.clear();
}

function memoised(compute: (word: string) => string): (word: string) => string {
  const memo = new Map<string, string>();
  memos.push(memo);
  return (word) => {
    let result = memo.get(word);
    if (result === undefined) {
      if (memo.size >= MEMO_LIMIT) memo.clear();
      result = compute(word);
      memo.set(word, result);
    }
    return result;
  };
}

export const foldWord: (word: string) => string = memoised((word) =>
  word
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, ''),
);

/**
 * `partial`: the word is still being typed, so a final h is kept (it may be
 * the start of "Muh|ammad", not the silent end of "Fatumah").
 */
export function phoneticKey(word: string, partial = false): string {
  return partial ? partialKey(word) : wholeKey(word);
}

const wholeKey = memoised((word) => computeKey(word, false));
const partialKey = memoised((word) => computeKey(word, true));

function computeKey(word: string, partial: boolean): string {
  let s = foldWord(word).replace(/[0-9]/g, '');
  if (s === '') return '';
  // Placeholders in upper case cannot collide with letters (the word is lower case).
  s = s
    .replace(/x/g, 'ks')
    .replace(/tch|sch|sh|ch/g, 'X')
    .replace(/dj/g, 'j')
    .replace(/kh/g, 'h')
    .replace(/gh/g, 'g')
    .replace(/ph/g, 'f')
    .replace(/th/g, 't')
    .replace(/dh/g, 'd')
    .replace(/ck/g, 'k')
    .replace(/c(?=[eiy])/g, 's')
    .replace(/[cq]/g, 'k')
    .replace(/l/g, 'r');
  if (!partial) s = s.replace(/([aeiouy])h$/, '$1');
  s = s.replace(/(.)\1+/g, '$1');
  const first = VOWEL.test(s[0]!) ? 'a' : s[0]!;
  const rest = s.slice(1).replace(/[aeiouy]/g, '');
  // Raw x became ks above, so x in a key only ever stands for the sh sound.
  return (first + rest).toLowerCase();
}

/** The phonetic keys of every word of a name, in order, without empties. */
export function phoneticKeys(text: string): string[] {
  return text
    .split(/[\s\-'’.,]+/u)
    .map((word) => phoneticKey(word))
    .filter((key) => key !== '');
}
