/**
 * Is this the same person? Pure rules shared by the registration warning and
 * the "Possible duplicates" review after sync.
 *
 * A likely duplicate is either:
 * - the same national ID (it identifies one person), or
 * - the same name by sound (phonetic.ts: every name word of the shorter name
 *   matches one of the other's, at most one letter apart, in any order), the
 *   sex not contradicting, AND one more sign: age within 2 years (5 when
 *   either age is an estimate), the same village, the same phone number or the
 *   same clinic number.
 * A shared phone alone is not enough: a family often shares one phone.
 */
import type { PatientRow } from '$lib/db';
import { nationalNumber } from './patient-index';
import { foldWord, phoneticKeys } from './phonetic';

export interface Identity {
  readonly name: string;
  readonly sex?: string;
  readonly ageYears?: number;
  readonly ageEstimated?: boolean;
  readonly village?: string;
  readonly phone?: string;
  readonly nationalId?: string;
  readonly clinicNumber?: string;
}

export type DuplicateReason = 'nationalId' | 'name' | 'age' | 'village' | 'phone' | 'clinicNumber';

const YEAR_MS = 365.25 * 86_400_000;

export function identityOfRow(row: PatientRow, nowMs: number): Identity {
  const born = row.birthDate ? Date.parse(row.birthDate) : NaN;
  return {
    name: row.name,
    ...(row.sex !== undefined && { sex: row.sex }),
    ...(Number.isFinite(born) && {
      ageYears: (nowMs - born) / YEAR_MS,
      ageEstimated: row.birthDateEstimated === true,
    }),
    ...(row.village !== undefined && { village: row.village }),
    ...(row.phone !== undefined && { phone: row.phone }),
    ...(row.nationalId !== undefined && { nationalId: row.nationalId }),
    ...(row.clinicNumber !== undefined && { clinicNumber: row.clinicNumber }),
  };
}

/** At most one insertion, deletion or substitution apart. */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

function keyMatches(a: string, b: string): boolean {
  return a === b || (a.length >= 3 && b.length >= 3 && withinOneEdit(a, b));
}

/** Every word of the shorter name sounds like a distinct word of the other (any order). */
export function sameNameBySound(a: string, b: string): boolean {
  return sameKeysBySound(phoneticKeys(a), phoneticKeys(b));
}

function sameKeysBySound(ka: readonly string[], kb: readonly string[]): boolean {
  const [short, long] = ka.length <= kb.length ? [ka, kb] : [kb, ka];
  if (short.length === 0) return false;
  // A single-word name matches only a single-word name: "Amina" alone says too little.
  if (short.length === 1 && long.length > 1) return false;
  const used = new Set<number>();
  return short.every((key) => {
    const index = long.findIndex((other, i) => !used.has(i) && keyMatches(key, other));
    if (index < 0) return false;
    used.add(index);
    return true;
  });
}

/** `localeCompare`'s order, without building a collator per comparison. */
const byName = new Intl.Collator();

const compact = (text: string | undefined) => (text ? foldWord(text) : '');

/** A phone's national number, '' when fewer than 6 digits (too short to say anything). */
function phoneKey(phone: string | undefined): string {
  const digits = phone?.replace(/\D/g, '') ?? '';
  return digits.length >= 6 ? nationalNumber(digits) : '';
}

function sexesAgree(a: string | undefined, b: string | undefined): boolean {
  const definite = (s: string | undefined) => s === 'female' || s === 'male';
  return !(definite(a) && definite(b) && a !== b);
}

/**
 * An identity with what the comparison needs worked out once (phonetic keys,
 * folded ids and village, the phone's national number): comparing ten thousand
 * patients pairwise within blocks must not redo that work for every pair.
 */
interface Prepared {
  readonly nameKeys: readonly string[];
  readonly sex: string | undefined;
  readonly ageYears: number | undefined;
  readonly ageEstimated: boolean;
  readonly nationalId: string;
  readonly village: string;
  readonly phone: string;
  readonly clinicNumber: string;
}

function prepare(identity: Identity): Prepared {
  return {
    nameKeys: phoneticKeys(identity.name),
    sex: identity.sex,
    ageYears: identity.ageYears,
    ageEstimated: identity.ageEstimated === true,
    nationalId: compact(identity.nationalId),
    village: compact(identity.village),
    phone: phoneKey(identity.phone),
    clinicNumber: compact(identity.clinicNumber),
  };
}

function reasonsBetween(a: Prepared, b: Prepared): DuplicateReason[] {
  const reasons: DuplicateReason[] = [];
  if (a.nationalId.length >= 4 && a.nationalId === b.nationalId) reasons.push('nationalId');
  if (sameKeysBySound(a.nameKeys, b.nameKeys) && sexesAgree(a.sex, b.sex)) {
    const more: DuplicateReason[] = [];
    if (a.ageYears !== undefined && b.ageYears !== undefined) {
      const tolerance = a.ageEstimated || b.ageEstimated ? 5 : 2;
      if (Math.abs(a.ageYears - b.ageYears) <= tolerance) more.push('age');
    }
    if (a.village !== '' && a.village === b.village) more.push('village');
    if (a.phone !== '' && a.phone === b.phone) more.push('phone');
    if (a.clinicNumber !== '' && a.clinicNumber === b.clinicNumber) more.push('clinicNumber');
    if (more.length > 0) reasons.push('name', ...more);
  }
  return reasons;
}

/** Why `a` and `b` look like one person; empty when they do not. */
export function duplicateReasons(a: Identity, b: Identity): DuplicateReason[] {
  return reasonsBetween(prepare(a), prepare(b));
}

/**
 * True when someone decided these two records are not the same person (the
 * `links` root, shared/model/merge.ts, projected into `distinctFrom`). Either
 * record's half is enough: the other half may not have synced yet.
 */
export function markedDistinct(a: PatientRow, b: PatientRow): boolean {
  return a.distinctFrom?.includes(b.id) === true || b.distinctFrom?.includes(a.id) === true;
}

export interface DuplicatePair {
  /** Stable key: the two doc ids in order. */
  readonly key: string;
  readonly a: PatientRow;
  readonly b: PatientRow;
  readonly reasons: readonly DuplicateReason[];
}

/**
 * A row's comparison form without its age (which depends on `nowMs`), kept as
 * long as the row object lives: rows are replaced, never changed, when a
 * record changes, so a re-count after one save prepares one row, not all.
 */
const preparedRows = new WeakMap<PatientRow, { prepared: Prepared; born: number }>();

function preparedRow(row: PatientRow, nowMs: number): Prepared {
  let cached = preparedRows.get(row);
  if (cached === undefined) {
    const identity = identityOfRow(row, 0);
    const born = row.birthDate ? Date.parse(row.birthDate) : NaN;
    cached = { prepared: prepare(identity), born };
    preparedRows.set(row, cached);
  }
  const { prepared, born } = cached;
  return Number.isFinite(born) ? { ...prepared, ageYears: (nowMs - born) / YEAR_MS } : prepared;
}

/**
 * Every likely duplicate pair among `rows` (merged-away records and pairs
 * marked as different people left out),
 * comparing only rows that share a phonetic name key or a national ID, so ten
 * thousand patients take milliseconds, not a hundred million comparisons.
 */
export function findDuplicatePairs(
  rows: Iterable<PatientRow>,
  nowMs: number,
  skip: (key: string) => boolean = () => false,
): DuplicatePair[] {
  const finder = new DuplicateFinder();
  finder.replaceAll(rows);
  return finder.pairs(nowMs, skip);
}

const DAY_MS = 86_400_000;
/** A block this large is a common name, not a person: not compared. */
const MAX_BLOCK = 200;

/**
 * `findDuplicatePairs` kept up to date as rows change: rows are grouped in
 * blocks (same phonetic name keys; same national ID) and each block's pairs
 * are kept until one of its rows changes, so after a save only the saved
 * record's blocks are compared again, not ten thousand patients. Ages are
 * compared as of the day of the first count that day (a day's drift cannot
 * matter against a tolerance of years); a new day compares everything again.
 */
export class DuplicateFinder {
  #rows = new Map<string, PatientRow>();
  /** The blocks each row is in. */
  #blocksOf = new Map<string, readonly string[]>();
  #blocks = new Map<string, Set<string>>();
  /** Each block's pairs, for `#asOf`; dirty blocks are compared again on the next count. */
  #pairs = new Map<string, readonly DuplicatePair[]>();
  #dirty = new Set<string>();
  #day: number | undefined;
  #asOf = 0;

  replaceAll(rows: Iterable<PatientRow>): void {
    this.#rows.clear();
    this.#blocksOf.clear();
    this.#blocks.clear();
    this.#pairs.clear();
    this.#dirty.clear();
    for (const row of rows) this.upsert(row);
  }

  upsert(row: PatientRow): void {
    this.remove(row.docId);
    if (row.mergedInto !== undefined) return;
    this.#rows.set(row.docId, row);
    const prepared = preparedRow(row, 0);
    const keys: string[] = [];
    if (prepared.nameKeys.length > 0) keys.push(`n:${[...prepared.nameKeys].sort().join(' ')}`);
    if (prepared.nationalId.length >= 4) keys.push(`i:${prepared.nationalId}`);
    this.#blocksOf.set(row.docId, keys);
    for (const key of keys) {
      let block = this.#blocks.get(key);
      if (block === undefined) this.#blocks.set(key, (block = new Set()));
      block.add(row.docId);
      this.#dirty.add(key);
    }
  }

  remove(docId: string): void {
    const keys = this.#blocksOf.get(docId);
    this.#rows.delete(docId);
    this.#blocksOf.delete(docId);
    for (const key of keys ?? []) {
      const block = this.#blocks.get(key);
      block?.delete(docId);
      if (block?.size === 0) {
        this.#blocks.delete(key);
        this.#pairs.delete(key);
        this.#dirty.delete(key);
      } else this.#dirty.add(key);
    }
  }

  /**
   * The likely duplicate pairs, by name; `skip`: pairs to leave out besides
   * those whose records say they are different people (a decision not saved yet).
   */
  pairs(nowMs: number, skip: (key: string) => boolean = () => false): DuplicatePair[] {
    this.compare(nowMs);
    const found = new Map<string, DuplicatePair>();
    for (const pairs of this.#pairs.values())
      for (const pair of pairs)
        if (!found.has(pair.key) && !skip(pair.key)) found.set(pair.key, pair);
    return [...found.values()].sort((x, y) => byName.compare(x.a.name, y.a.name));
  }

  /**
   * Compares the blocks changed since the last count, at most `maxBlocks` of
   * them (a caller spreading a first count over several tasks); true when none
   * is left.
   */
  compare(nowMs: number, maxBlocks = Infinity): boolean {
    const day = Math.floor(nowMs / DAY_MS);
    if (day !== this.#day) {
      this.#day = day;
      this.#asOf = nowMs;
      this.#pairs.clear();
      for (const key of this.#blocks.keys()) this.#dirty.add(key);
    }
    let compared = 0;
    for (const key of this.#dirty) {
      if (compared++ >= maxBlocks) return false;
      this.#compare(key);
      this.#dirty.delete(key);
    }
    return true;
  }

  #compare(blockKey: string): void {
    const ids = this.#blocks.get(blockKey);
    if (ids === undefined || ids.size < 2 || ids.size > MAX_BLOCK) {
      this.#pairs.delete(blockKey);
      return;
    }
    const block = [...ids].map((docId) => this.#rows.get(docId)!);
    const pairs: DuplicatePair[] = [];
    for (let i = 0; i < block.length; i++) {
      for (let j = i + 1; j < block.length; j++) {
        // Doc ids are `patient/<uuid>`: code-unit order is the locale order the
        // dismissed keys were made with (hex digits, dashes at the same places).
        const [a, b] =
          block[i]!.docId < block[j]!.docId ? [block[i]!, block[j]!] : [block[j]!, block[i]!];
        if (a.mergedFrom?.includes(b.id) || b.mergedFrom?.includes(a.id)) continue;
        if (markedDistinct(a, b)) continue;
        const reasons = reasonsBetween(preparedRow(a, this.#asOf), preparedRow(b, this.#asOf));
        if (reasons.length > 0) pairs.push({ key: `${a.docId}|${b.docId}`, a, b, reasons });
      }
    }
    if (pairs.length > 0) this.#pairs.set(blockKey, pairs);
    else this.#pairs.delete(blockKey);
  }
}
