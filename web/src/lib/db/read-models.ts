/**
 * Read models: the patient list, the search tokens and the consult list,
 * derived from a record document alone, so they can always be rebuilt from the
 * documents (`LocalStore.rebuildReadModels`). Pure: time is passed in.
 */
import type * as Y from 'yjs';
import { readConsult, readPatient, type PatientView } from '@outpost/shared/model';
import { readLinks, type PatientLinks } from '@outpost/shared/model/links';
import type { ConsultRow, DocKind, LatestVital, PatientRow } from './records';

export interface DerivedRows {
  readonly patient?: PatientRow;
  readonly consult?: ConsultRow;
}

/** Rows for one document; none when its meta is missing or garbled (e.g. a partial pull). */
export function deriveRows(doc: Y.Doc, kind: DocKind, docId: string, nowMs: number): DerivedRows {
  if (kind === 'patient') {
    const view = readPatient(doc);
    return view.ok ? { patient: patientRow(view.value, docId, nowMs, readLinks(doc)) } : {};
  }
  const view = readConsult(doc);
  if (!view.ok) return {};
  const consult = view.value;
  return {
    consult: {
      docId,
      id: consult.id,
      patientId: consult.patientId,
      status: consult.status,
      priority: consult.priority,
      question: consult.question.slice(0, 200),
      messageCount: consult.messages.length,
      ...(consult.sentAt !== undefined && { sentAt: consult.sentAt }),
      ...(consult.receivedAt !== undefined && { receivedAt: consult.receivedAt }),
      ...(consult.answers.length > 0 && { answeredAt: consult.answers.at(-1)!.at }),
      createdAt: consult.createdAt,
      updatedAt: nowMs,
    },
  };
}

export function patientRow(
  view: PatientView,
  docId: string,
  nowMs: number,
  links?: PatientLinks,
): PatientRow {
  const { profile } = view;
  const givenName = profile.givenName ?? '';
  const name = [profile.givenName, profile.familyName].filter(Boolean).join(' ');
  const sex =
    view.sex.status === 'known'
      ? view.sex.current.value
      : view.sex.status === 'conflict'
        ? 'conflict'
        : undefined;
  const dob = view.dateOfBirth.status === 'known' ? view.dateOfBirth.current.value : undefined;
  const latestVitals: Record<string, LatestVital> = {};
  for (const [key, observation] of Object.entries(view.latest)) {
    if (observation === undefined) continue;
    latestVitals[key] = {
      value: observation.value,
      ...(observation.unit !== undefined && { unit: observation.unit }),
      effectiveAt: observation.effectiveAt,
    };
  }
  const tokens = searchTokens([
    profile.givenName,
    profile.familyName,
    profile.village,
    profile.nationalId,
    profile.clinicNumber,
    profile.guardian?.name,
    digitsOf(profile.phone),
    digitsOf(profile.guardian?.phone),
  ]);
  return {
    docId,
    id: view.id,
    givenName,
    ...(profile.familyName !== undefined && { familyName: profile.familyName }),
    name,
    ...(profile.village !== undefined && { village: profile.village }),
    ...(profile.phone !== undefined && { phone: profile.phone }),
    ...(profile.nationalId !== undefined && { nationalId: profile.nationalId }),
    ...(profile.clinicNumber !== undefined && { clinicNumber: profile.clinicNumber }),
    ...(sex !== undefined && { sex }),
    ...(dob !== undefined && {
      birthDate: dob.date,
      birthDateEstimated: dob.estimated,
      ageYears: ageInYears(dob.date, nowMs),
    }),
    latestVitals,
    openEncounter: view.encounters.some((encounter) => encounter.status === 'open'),
    needsReview: view.needsReview,
    ...(links?.mergedInto && { mergedInto: links.mergedInto.patientId }),
    ...(links &&
      links.mergedFrom.length > 0 && {
        mergedFrom: links.mergedFrom.map((link) => link.patientId),
      }),
    ...(links &&
      links.distinctFrom.length > 0 && {
        distinctFrom: links.distinctFrom.map((link) => link.patientId),
      }),
    createdAt: view.createdAt,
    updatedAt: nowMs,
    tokens,
  };
}

/** Whole years from an ISO date (YYYY-MM-DD) to `nowMs`, in UTC. */
export function ageInYears(isoDate: string, nowMs: number): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const now = new Date(nowMs);
  let age = now.getUTCFullYear() - year;
  const beforeBirthday =
    now.getUTCMonth() + 1 < month || (now.getUTCMonth() + 1 === month && now.getUTCDate() < day);
  if (beforeBirthday) age--;
  return Math.max(0, age);
}

/**
 * Phone digits as people type them: in full (with country code), and the
 * national number with and without its trunk 0 (last nine digits).
 */
function digitsOf(phone: string | undefined): string | undefined {
  if (phone === undefined) return undefined;
  const digits = phone.replace(/\D/g, '');
  if (digits.length === 0) return undefined;
  const national = digits.length > 9 ? digits.slice(-9) : digits;
  return [...new Set([digits, national, `0${national.replace(/^0/, '')}`])].join(' ');
}

/** Lower case, accents removed, split into words of letters and digits. */
export function normaliseWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}

export function searchTokens(values: ReadonlyArray<string | undefined>): string[] {
  const tokens = new Set<string>();
  for (const value of values) {
    if (value === undefined) continue;
    for (const word of normaliseWords(value)) tokens.add(word);
  }
  return [...tokens].sort();
}

/** True when every query word is the start of one of the row's tokens. */
export function matchesWords(row: PatientRow, words: readonly string[]): boolean {
  return words.every((word) => row.tokens.some((token) => token.startsWith(word)));
}
