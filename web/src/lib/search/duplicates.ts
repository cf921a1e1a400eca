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
  const ka = phoneticKeys(a);
  const kb = phoneticKeys(b);
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

const compact = (text: string | undefined) => (text ? foldWord(text) : '');

function samePhone(a: string | undefined, b: string | undefined): boolean {
  const da = a?.replace(/\D/g, '') ?? '';
  const db = b?.replace(/\D/g, '') ?? '';
  return da.length >= 6 && db.length >= 6 && nationalNumber(da) === nationalNumber(db);
}

function sexesAgree(a: string | undefined, b: string | undefined): boolean {
  const definite = (s: string | undefined) => s === 'female' || s === 'male';
  return !(definite(a) && definite(b) && a !== b);
}

/** Why `a` and `b` look like one person; empty when they do not. */
export function duplicateReasons(a: Identity, b: Identity): DuplicateReason[] {
  const reasons: DuplicateReason[] = [];
  const idA = compact(a.nationalId);
  if (idA.length >= 4 && idA === compact(b.nationalId)) reasons.push('nationalId');
  if (sameNameBySound(a.name, b.name) && sexesAgree(a.sex, b.sex)) {
    const more: DuplicateReason[] = [];
    if (a.ageYears !== undefined && b.ageYears !== undefined) {
      const tolerance = a.ageEstimated || b.ageEstimated ? 5 : 2;
      if (Math.abs(a.ageYears - b.ageYears) <= tolerance) more.push('age');
    }
    const va = compact(a.village);
    if (va !== '' && va === compact(b.village)) more.push('village');
    if (samePhone(a.phone, b.phone)) more.push('phone');
    const ca = compact(a.clinicNumber);
    if (ca !== '' && ca === compact(b.clinicNumber)) more.push('clinicNumber');
    if (more.length > 0) reasons.push('name', ...more);
  }
  return reasons;
}

export interface DuplicatePair {
  /** Stable key: the two doc ids in order. */
  readonly key: string;
  readonly a: PatientRow;
  readonly b: PatientRow;
  readonly reasons: readonly DuplicateReason[];
}

/**
 * Every likely duplicate pair among `rows` (merged-away records left out),
 * comparing only rows that share a phonetic name key or a national ID, so ten
 * thousand patients take milliseconds, not a hundred million comparisons.
 */
export function findDuplicatePairs(
  rows: Iterable<PatientRow>,
  nowMs: number,
  skip: (key: string) => boolean = () => false,
): DuplicatePair[] {
  const blocks = new Map<string, PatientRow[]>();
  const add = (key: string, row: PatientRow) => {
    const block = blocks.get(key);
    if (block) block.push(row);
    else blocks.set(key, [row]);
  };
  for (const row of rows) {
    if (row.mergedInto !== undefined) continue;
    const keys = phoneticKeys(row.name);
    if (keys.length > 0) add(`n:${[...keys].sort().join(' ')}`, row);
    const id = compact(row.nationalId);
    if (id.length >= 4) add(`i:${id}`, row);
  }
  const pairs = new Map<string, DuplicatePair>();
  const identities = new Map<string, Identity>();
  const identity = (row: PatientRow) => {
    let found = identities.get(row.docId);
    if (!found) identities.set(row.docId, (found = identityOfRow(row, nowMs)));
    return found;
  };
  for (const block of blocks.values()) {
    if (block.length < 2 || block.length > 200) continue; // a huge block is a common name, not a person
    for (let i = 0; i < block.length; i++) {
      for (let j = i + 1; j < block.length; j++) {
        const [a, b] = [block[i]!, block[j]!].sort((x, y) => x.docId.localeCompare(y.docId)) as [
          PatientRow,
          PatientRow,
        ];
        const key = `${a.docId}|${b.docId}`;
        if (pairs.has(key) || skip(key)) continue;
        if (a.mergedFrom?.includes(b.id) || b.mergedFrom?.includes(a.id)) continue;
        const reasons = duplicateReasons(identity(a), identity(b));
        if (reasons.length > 0) pairs.set(key, { key, a, b, reasons });
      }
    }
  }
  return [...pairs.values()].sort((x, y) => x.a.name.localeCompare(y.a.name));
}
