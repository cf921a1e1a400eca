/**
 * The in-memory patient search index (MiniSearch, ~6 KB gzip), built from the
 * `patients` read model on the tablet; nothing here is stored. It finds a
 * returning patient by:
 * - any word of her name, village or ID as typed so far (prefix);
 * - a name with one or two typing mistakes (edit distance 1 from 4 letters,
 *   2 from 8 letters);
 * - another transliteration of her name (phonetic keys, phonetic.ts);
 * - any run of three or more digits of her (or her guardian's) phone number,
 *   typed with or without the country code (+255…) or the trunk 0 (a scan of
 *   the numbers, kept out of the index: it would triple the index's size);
 * - her national or clinic ID, with or without its separators.
 * Every word typed must match something (AND); exact matches rank above
 * prefix, phonetic and typo matches. Merged-away records are never listed.
 */
import MiniSearch, { type Query } from 'minisearch';
import type { PatientRow } from '$lib/db';
import { foldWord, phoneticKey, phoneticKeys } from './phonetic';

interface IndexedPatient {
  readonly id: string;
  readonly names: string;
  readonly phonetic: string;
  readonly place: string;
  readonly ids: string;
}

const FIELDS = ['names', 'phonetic', 'place', 'ids'] as const;
const TEXT_FIELDS = ['names', 'place', 'ids'];
const MIN_DIGITS = 3;
/** Query words this short are filters, not index lookups (`ParsedQuery.filters`). */
const SHORT_WORD = 2;

/** The national number: country code (25x…) and trunk 0 removed. */
export function nationalNumber(digits: string): string {
  if (digits.length >= 12 && /^2[0-9]{2}/.test(digits)) return digits.slice(3);
  if (digits.length > 9) return digits.slice(-9);
  return digits.replace(/^0+/, '');
}

/**
 * Digits typed to find a phone number, as a national number: a country code
 * typed with + (African codes are 2xx) or a leading 25x (East Africa: +254,
 * +255, +256…) of a longer run is dropped, then the trunk 0.
 */
export function typedNationalDigits(typed: string): string {
  const digits = typed.replace(/\D/g, '');
  if (/^\s*(\+|00)2\d\d/.test(typed)) return nationalNumber(digits.replace(/^(00)?2\d\d/, ''));
  if (/^25\d/.test(digits) && digits.length >= 6) return nationalNumber(digits.slice(3));
  return nationalNumber(digits);
}

/** A row's phone numbers (and its guardian's) as national numbers, for substring search. */
function phonesOf(row: PatientRow): string[] {
  const numbers = [row.phone ?? '', ...row.tokens.filter((t) => /^\d{6,}$/.test(t))]
    .map((phone) => phone.replace(/\D/g, ''))
    .filter((digits) => digits.length >= 6)
    .map(nationalNumber);
  return [...new Set(numbers)];
}

/** An ID as typed, and compact (separators removed), so "TZ-123" and "tz123" both find it. */
function idTerms(id: string | undefined): string[] {
  if (!id) return [];
  const compact = foldWord(id);
  return compact === '' ? [id] : [id, compact];
}

/** Rows whose record was merged into another are hidden from lists and search. */
export function isHidden(row: PatientRow): boolean {
  return row.mergedInto !== undefined;
}

function toIndexed(row: PatientRow): IndexedPatient {
  const names = [row.givenName, row.familyName ?? ''].join(' ');
  const own = new Set(names.toLowerCase().split(/\s+/));
  // Guardian names are only in `tokens`: searchable with the village.
  const extra = row.tokens.filter((token) => /^\p{L}+$/u.test(token) && !own.has(token));
  return {
    id: row.docId,
    names,
    phonetic: phoneticKeys(names).join(' '),
    place: [row.village ?? '', ...extra].join(' '),
    ids: [...idTerms(row.nationalId), ...idTerms(row.clinicNumber)].join(' '),
  };
}

function fuzzyFor(word: string): number | false {
  if (!/^\p{L}+$/u.test(word)) return false;
  if (word.length >= 8) return 2;
  if (word.length >= 4) return 1;
  return false;
}

/** What was typed, split into index query words and cheap filters. */
export interface ParsedQuery {
  /** A phone number typed alone (spaces, dashes, +): its digits. */
  readonly phoneDigits?: string;
  /** Words looked up in the index (AND). */
  readonly words: readonly string[];
  /**
   * Words checked against each candidate row instead: digit runs (a phone
   * number part or an ID part) and words of one or two letters (such a prefix
   * would score a large part of the index on every keystroke; alone, it lists
   * the recent patients with a word starting with it, found by scanning the
   * newest first: the first keystrokes of every search stay fast). Typo and
   * sound-alike matching start at three letters anyway.
   */
  readonly filters: readonly string[];
}

export function parseQuery(text: string): ParsedQuery | undefined {
  const trimmed = text.trim();
  if (/^[\d\s+().-]+$/.test(trimmed)) {
    const digits = trimmed.replace(/\D/g, '');
    return digits.length === 0 ? undefined : { phoneDigits: digits, words: [], filters: [] };
  }
  const all = trimmed
    .split(/[^\p{L}\p{N}]+/u)
    .map(foldWord)
    .filter((word) => word !== '');
  if (all.length === 0) return undefined;
  const isFilter = (word: string) => /^\d+$/.test(word) || word.length <= SHORT_WORD;
  return { words: all.filter((w) => !isFilter(w)), filters: all.filter(isFilter) };
}

/** The index query for the words (AND of: text prefix/typo OR phonetic). */
export function buildQuery(words: readonly string[]): Query {
  return {
    combineWith: 'AND',
    queries: words.map((word, index): Query => {
      const last = index === words.length - 1;
      const text: Query = {
        queries: [word],
        fields: TEXT_FIELDS,
        prefix: true,
        fuzzy: fuzzyFor(word),
      };
      if (!/^\p{L}{3,}$/u.test(word)) return text;
      const key = phoneticKey(word, last);
      if (key.length < 2) return text;
      return {
        combineWith: 'OR',
        queries: [text, { queries: [key], fields: ['phonetic'], prefix: last }],
      };
    }),
  };
}

export class PatientIndex {
  #mini = PatientIndex.#create();
  #rows = new Map<string, PatientRow>();
  #phones = new Map<string, string[]>();
  /**
   * Every phone number in one string (`\n` before each), with where each one
   * starts and whose it is: a typed digit run is found with the native
   * `indexOf` instead of a substring test per number (ten thousand per keystroke).
   */
  #phoneText: { text: string; starts: number[]; docIds: string[] } | undefined;

  static #create(): MiniSearch<IndexedPatient> {
    return new MiniSearch<IndexedPatient>({
      fields: [...FIELDS],
      storeFields: [],
      processTerm: (term) => foldWord(term) || null,
      searchOptions: {
        boost: { names: 3, ids: 3, place: 1, phonetic: 1 },
        processTerm: (term) => foldWord(term) || null,
      },
      autoVacuum: { minDirtCount: 200, minDirtFactor: 0.1, batchSize: 2000, batchWait: 10 },
    });
  }

  get size(): number {
    return this.#rows.size;
  }

  get(docId: string): PatientRow | undefined {
    return this.#rows.get(docId);
  }

  /** Every row, hidden (merged) ones included. */
  all(): IterableIterator<PatientRow> {
    return this.#rows.values();
  }

  /** Replaces the whole index, yielding to the page every `chunkSize` rows. */
  async replaceAll(rows: readonly PatientRow[], chunkSize = 500): Promise<void> {
    const mini = PatientIndex.#create();
    const map = new Map<string, PatientRow>();
    const phones = new Map<string, string[]>();
    for (const row of rows) {
      map.set(row.docId, row);
      phones.set(row.docId, phonesOf(row));
    }
    await mini.addAllAsync(
      [...map.values()].map((row) => toIndexed(row)),
      { chunkSize },
    );
    this.#mini = mini;
    this.#rows = map;
    this.#phones = phones;
    this.#recency = undefined;
    this.#phoneText = undefined;
  }

  /** Adds or replaces one row (a record saved, synced or changed live). */
  upsert(row: PatientRow): void {
    if (this.#rows.has(row.docId)) this.#mini.discard(row.docId);
    this.#rows.set(row.docId, row);
    this.#phones.set(row.docId, phonesOf(row));
    this.#mini.add(toIndexed(row));
    this.#recency = undefined;
    this.#phoneText = undefined;
  }

  remove(docId: string): void {
    if (!this.#rows.has(docId)) return;
    this.#mini.discard(docId);
    this.#rows.delete(docId);
    this.#phones.delete(docId);
    this.#recency = undefined;
    this.#phoneText = undefined;
  }

  /** Best matches first; an empty query gives the most recently changed patients. */
  search(text: string, limit = 50): PatientRow[] {
    const parsed = parseQuery(text);
    if (parsed === undefined) return this.recent(limit);
    const rows: PatientRow[] = [];
    const seen = new Set<string>();
    const take = (docId: string) => {
      const row = this.#rows.get(docId);
      if (row === undefined || isHidden(row) || seen.has(docId)) return;
      seen.add(docId);
      rows.push(row);
    };
    if (parsed.phoneDigits !== undefined) {
      const digits = parsed.phoneDigits;
      if (digits.length < MIN_DIGITS) return [];
      for (const hit of this.#mini.search({ queries: [digits], fields: ['ids'], prefix: true }))
        take(hit.id as string);
      const national = typedNationalDigits(text);
      if (national.length >= MIN_DIGITS) for (const docId of this.#withPhone(national)) take(docId);
      return rows.slice(0, limit);
    }
    const passes = (docId: string) => {
      if (parsed.filters.length === 0) return true;
      const row = this.#rows.get(docId);
      if (row === undefined) return false;
      return parsed.filters.every(
        (filter) =>
          row.tokens.some((token) => token.startsWith(filter)) ||
          (filter.length >= MIN_DIGITS &&
            (this.#phones.get(docId) ?? []).some((phone) => phone.includes(filter))),
      );
    };
    const candidates: Iterable<string> =
      parsed.words.length > 0
        ? this.#mini.search(buildQuery(parsed.words)).map((hit) => hit.id as string)
        : this.#byRecency().map((row) => row.docId);
    for (const docId of candidates) {
      if (!passes(docId)) continue;
      take(docId);
      if (rows.length >= limit) break;
    }
    return rows;
  }

  /** Patients with `digits` in one of their phone numbers, in index order (each once). */
  *#withPhone(digits: string): Generator<string> {
    if (this.#phoneText === undefined) {
      let text = '';
      const starts: number[] = [];
      const docIds: string[] = [];
      for (const [docId, phones] of this.#phones)
        for (const phone of phones) {
          starts.push(text.length);
          docIds.push(docId);
          text += `\n${phone}`;
        }
      this.#phoneText = { text, starts, docIds };
    }
    const { text, starts, docIds } = this.#phoneText;
    let last: string | undefined;
    for (let at = text.indexOf(digits); at >= 0; at = text.indexOf(digits, at + 1)) {
      // The number the match is in: the last start at or before it.
      let low = 0;
      let high = starts.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if (starts[mid]! <= at) low = mid;
        else high = mid - 1;
      }
      const docId = docIds[low]!;
      if (docId !== last) yield docId;
      last = docId;
    }
  }

  /** The most recently changed patients (merged-away records left out). */
  recent(limit = 50): PatientRow[] {
    return this.#byRecency().slice(0, limit);
  }

  #recency: PatientRow[] | undefined;

  #byRecency(): PatientRow[] {
    if (this.#recency === undefined) {
      const rows: PatientRow[] = [];
      for (const row of this.#rows.values()) if (!isHidden(row)) rows.push(row);
      this.#recency = rows.sort((a, b) => b.updatedAt - a.updatedAt);
    }
    return this.#recency;
  }
}
