/**
 * What the registration form collects, validated for the form's messages.
 * The model validates again (zod) before anything touches a document; this
 * layer exists to name the field in words on screen.
 */
import type { DateOfBirthInput, PregnancyInput, Sex } from '@outpost/shared/model';
import type { MessageKey } from '$lib/i18n/en';
import { parseTypedNumber } from './format';
import { mayBePregnant } from './pregnancy';

export interface RegistrationDraft {
  givenName: string;
  familyName: string;
  sex: Sex | '';
  birthMode: 'date' | 'age';
  birthDate: string;
  ageYears: string;
  ageMonths: string;
  phone: string;
  village: string;
  nationalId: string;
  clinicNumber: string;
  pregnancy: PregnancyInput['status'] | '';
  gestationalWeeks: string;
  /** With `pregnancy: 'postpartum'`: the baby's date of birth (YYYY-MM-DD). */
  deliveredOn: string;
  guardianName: string;
  guardianRelationship: string;
  conditions: string;
  allergies: string;
}

export interface Registration {
  readonly profile: {
    givenName: string;
    familyName?: string;
    phone?: string;
    village?: string;
    nationalId?: string;
    clinicNumber?: string;
    guardian?: { name: string; relationship?: string };
  };
  readonly sex: Sex;
  readonly dateOfBirth?: DateOfBirthInput;
  readonly pregnancy?: PregnancyInput;
  readonly conditions: readonly string[];
  readonly allergies: readonly string[];
}

export function emptyDraft(): RegistrationDraft {
  return {
    givenName: '',
    familyName: '',
    sex: '',
    birthMode: 'date',
    birthDate: '',
    ageYears: '',
    ageMonths: '',
    phone: '',
    village: '',
    nationalId: '',
    clinicNumber: '',
    pregnancy: '',
    gestationalWeeks: '',
    deliveredOn: '',
    guardianName: '',
    guardianRelationship: '',
    conditions: '',
    allergies: '',
  };
}

export type DraftErrors = Partial<Record<keyof RegistrationDraft, MessageKey>>;

const PHONE = /^\+?[0-9][0-9 ()-]{2,24}$/;

/** Age in whole years from the draft, when known (for showing pregnancy and guardian). */
export function draftAgeYears(draft: RegistrationDraft, todayIso: string): number | undefined {
  if (draft.birthMode === 'age') return parseTypedNumber(draft.ageYears);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(draft.birthDate)) return undefined;
  const [by, bm, bd] = draft.birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = todayIso.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

/**
 * Pregnancy is asked of women (and people whose sex is not known) of
 * reproductive age, or whose age is unknown ($lib/pregnancy).
 */
export function asksPregnancy(draft: RegistrationDraft, todayIso: string): boolean {
  return mayBePregnant(draft.sex, draftAgeYears(draft, todayIso));
}

export function isChild(draft: RegistrationDraft, todayIso: string): boolean {
  const age = draftAgeYears(draft, todayIso);
  return age !== undefined && age < 18;
}

export function splitList(text: string): string[] {
  return text
    .split(/[,;\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** The same day a year before `todayIso` (29 February → 28 February). */
function aYearBefore(todayIso: string): string {
  const [y, m, d] = todayIso.split('-').map(Number) as [number, number, number];
  const day = Math.min(d, new Date(Date.UTC(y - 1, m, 0)).getUTCDate());
  return new Date(Date.UTC(y - 1, m - 1, day)).toISOString().slice(0, 10);
}

/**
 * The pregnancy status chosen in a form (`pregnancy`, `gestationalWeeks`,
 * `deliveredOn`): undefined when none is chosen; an error, with the field it
 * belongs to, when the weeks are not 1–45 or the baby's date of birth is
 * missing, after today or more than a year ago (as the model checks).
 */
export function readPregnancy(
  draft: Pick<RegistrationDraft, 'pregnancy' | 'gestationalWeeks' | 'deliveredOn'>,
  todayIso: string,
):
  | { ok: true; value: PregnancyInput | undefined }
  | { ok: false; field: 'gestationalWeeks' | 'deliveredOn'; error: MessageKey } {
  if (draft.pregnancy === '') return { ok: true, value: undefined };
  if (draft.pregnancy === 'postpartum') {
    const deliveredOn = draft.deliveredOn.trim();
    const fail = (error: MessageKey) => ({
      ok: false as const,
      field: 'deliveredOn' as const,
      error,
    });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(deliveredOn) || Number.isNaN(Date.parse(deliveredOn)))
      return fail('register.error.date');
    if (deliveredOn > todayIso) return fail('register.error.future');
    if (deliveredOn < aYearBefore(todayIso)) return fail('pregnancy.postpartum.error.tooLongAgo');
    return { ok: true, value: { status: 'postpartum', deliveredOn } };
  }
  if (draft.pregnancy !== 'pregnant') return { ok: true, value: { status: draft.pregnancy } };
  const weeksText = draft.gestationalWeeks.trim();
  if (weeksText === '') return { ok: true, value: { status: 'pregnant' } };
  const weeks = parseTypedNumber(weeksText);
  if (weeks === undefined || !Number.isInteger(weeks) || weeks < 1 || weeks > 45)
    return { ok: false, field: 'gestationalWeeks', error: 'register.error.weeks' };
  return { ok: true, value: { status: 'pregnant', gestationalWeeks: weeks } };
}

/** What identifies a person in the form, for the duplicate warning ($lib/search/duplicates). */
export interface DraftIdentity {
  readonly name: string;
  readonly phone: string;
  readonly nationalId: string;
  readonly village: string;
  readonly clinicNumber: string;
  readonly sex?: Sex;
  readonly ageYears?: number;
  readonly ageEstimated: boolean;
}

/** A patient on this tablet who may be the person typed (the form's duplicate warning). */
export interface DuplicateCandidate {
  readonly id: string;
  readonly name: string;
  /** Village, phone, birth date and why they look alike, in words. */
  readonly detail: string;
  /** Her record (built with resolve()). */
  readonly href: string;
}

export function identityOfDraft(draft: RegistrationDraft, todayIso: string): DraftIdentity {
  const years = draftAgeYears(draft, todayIso);
  return {
    name: `${draft.givenName.trim()} ${draft.familyName.trim()}`.trim(),
    phone: draft.phone.trim(),
    nationalId: draft.nationalId.trim(),
    village: draft.village.trim(),
    clinicNumber: draft.clinicNumber.trim(),
    ...(draft.sex === '' ? {} : { sex: draft.sex }),
    ...(years === undefined || !Number.isFinite(years) ? {} : { ageYears: years }),
    ageEstimated: draft.birthMode === 'age',
  };
}

/** Errors of the name, sex and phone fields (the birth and pregnancy fields have their own readers). */
export function personErrors(draft: RegistrationDraft): DraftErrors {
  const errors: DraftErrors = {};
  if (draft.givenName.trim() === '') errors.givenName = 'register.error.required';
  if (draft.sex === '') errors.sex = 'register.error.required';
  const phone = draft.phone.trim();
  if (phone !== '' && !PHONE.test(phone)) errors.phone = 'register.error.phone';
  return errors;
}

/** The date of birth typed (an exact date, or an age in years and months), or the birth field's error. */
export function readBirth(
  draft: RegistrationDraft,
  todayIso: string,
):
  | { ok: true; value: DateOfBirthInput }
  | { ok: false; errors: Pick<DraftErrors, 'birthDate' | 'ageYears' | 'ageMonths'> } {
  if (draft.birthMode === 'date') {
    if (draft.birthDate === '') return { ok: false, errors: { birthDate: 'register.error.date' } };
    if (draft.birthDate > todayIso)
      return { ok: false, errors: { birthDate: 'register.error.future' } };
    return { ok: true, value: { date: draft.birthDate } };
  }
  const years = parseTypedNumber(draft.ageYears);
  const months = draft.ageMonths.trim() === '' ? 0 : parseTypedNumber(draft.ageMonths);
  if (years === undefined || !Number.isInteger(years) || years < 0 || years > 130)
    return { ok: false, errors: { ageYears: 'register.error.age' } };
  if (months === undefined || !Number.isInteger(months) || months < 0 || months > 11)
    return { ok: false, errors: { ageMonths: 'register.error.age' } };
  return {
    ok: true,
    value: months > 0 ? { ageYears: years, ageMonths: months } : { ageYears: years },
  };
}

export function validateDraft(
  draft: RegistrationDraft,
  todayIso: string,
): { ok: true; value: Registration } | { ok: false; errors: DraftErrors } {
  const errors = personErrors(draft);
  const text = (value: string) => value.trim();
  let dateOfBirth: DateOfBirthInput | undefined;
  const birth = readBirth(draft, todayIso);
  if (birth.ok) dateOfBirth = birth.value;
  else Object.assign(errors, birth.errors);

  let pregnancy: PregnancyInput | undefined;
  if (asksPregnancy(draft, todayIso)) {
    const read = readPregnancy(draft, todayIso);
    if (!read.ok) errors[read.field] = read.error;
    else pregnancy = read.value;
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const optional = (value: string) => (text(value) === '' ? undefined : text(value));
  const guardianName = isChild(draft, todayIso) ? optional(draft.guardianName) : undefined;
  const relationship = optional(draft.guardianRelationship);
  const profile: Registration['profile'] = {
    givenName: text(draft.givenName),
    ...(optional(draft.familyName) && { familyName: text(draft.familyName) }),
    ...(optional(draft.phone) && { phone: text(draft.phone) }),
    ...(optional(draft.village) && { village: text(draft.village) }),
    ...(optional(draft.nationalId) && { nationalId: text(draft.nationalId) }),
    ...(optional(draft.clinicNumber) && { clinicNumber: text(draft.clinicNumber) }),
    ...(guardianName && {
      guardian: relationship ? { name: guardianName, relationship } : { name: guardianName },
    }),
  };
  return {
    ok: true,
    value: {
      profile,
      sex: draft.sex as Sex,
      ...(dateOfBirth && { dateOfBirth }),
      ...(pregnancy && { pregnancy }),
      conditions: splitList(draft.conditions),
      allergies: splitList(draft.allergies),
    },
  };
}
