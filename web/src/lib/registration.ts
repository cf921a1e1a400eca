/**
 * What the registration form collects, validated for the form's messages.
 * The model validates again (zod) before anything touches a document; this
 * layer exists to name the field in words on screen.
 */
import type { DateOfBirthInput, PregnancyInput, Sex } from '@outpost/shared/model';
import type { MessageKey } from '$lib/i18n/en';
import { parseTypedNumber } from './format';

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

/** Pregnancy is asked of women of reproductive age (or whose age is unknown). */
export function asksPregnancy(draft: RegistrationDraft, todayIso: string): boolean {
  if (draft.sex !== 'female') return false;
  const age = draftAgeYears(draft, todayIso);
  return age === undefined || (age >= 10 && age <= 55);
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

export function validateDraft(
  draft: RegistrationDraft,
  todayIso: string,
): { ok: true; value: Registration } | { ok: false; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const text = (value: string) => value.trim();
  if (text(draft.givenName) === '') errors.givenName = 'register.error.required';
  if (draft.sex === '') errors.sex = 'register.error.required';
  if (text(draft.phone) !== '' && !PHONE.test(text(draft.phone)))
    errors.phone = 'register.error.phone';

  let dateOfBirth: DateOfBirthInput | undefined;
  if (draft.birthMode === 'date') {
    if (draft.birthDate === '') errors.birthDate = 'register.error.date';
    else if (draft.birthDate > todayIso) errors.birthDate = 'register.error.future';
    else dateOfBirth = { date: draft.birthDate };
  } else {
    const years = parseTypedNumber(draft.ageYears);
    const months = draft.ageMonths.trim() === '' ? 0 : parseTypedNumber(draft.ageMonths);
    if (years === undefined || !Number.isInteger(years) || years < 0 || years > 130) {
      errors.ageYears = 'register.error.age';
    } else if (months === undefined || !Number.isInteger(months) || months < 0 || months > 11) {
      errors.ageMonths = 'register.error.age';
    } else {
      dateOfBirth = months > 0 ? { ageYears: years, ageMonths: months } : { ageYears: years };
    }
  }

  let pregnancy: PregnancyInput | undefined;
  if (asksPregnancy(draft, todayIso) && draft.pregnancy !== '') {
    if (draft.pregnancy === 'pregnant') {
      const weeksText = draft.gestationalWeeks.trim();
      const weeks = weeksText === '' ? undefined : parseTypedNumber(weeksText);
      if (
        weeksText !== '' &&
        (weeks === undefined || !Number.isInteger(weeks) || weeks < 1 || weeks > 45)
      ) {
        errors.gestationalWeeks = 'register.error.weeks';
      }
      pregnancy =
        weeks === undefined
          ? { status: 'pregnant' }
          : { status: 'pregnant', gestationalWeeks: weeks };
    } else {
      pregnancy = { status: draft.pregnancy };
    }
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
