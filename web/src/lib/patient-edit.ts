/**
 * Correcting a registered patient: the registration form opened on the
 * record as it is, and what the health worker changed turned into the few
 * domain operations that say exactly that.
 *
 * Only what changed is written. The profile is last-writer-wins per field, so
 * a phone number corrected on another tablet meanwhile survives a name
 * corrected here; sex, date of birth and pregnancy are attributed assertions
 * (`assertFact`), written only when they changed. An optional field emptied
 * is cleared (`null`). Pure: no storage, no screen.
 */
import {
  assertFact,
  updateProfile,
  type AssertFactInput,
  type DateOfBirthInput,
  type ModelError,
  type OpContext,
  type PatientView,
  type PregnancyInput,
  type ProfilePatch,
  type Sex,
} from '@outpost/shared/model';
import { ok, type Result } from '@outpost/shared/result';
import type * as Y from 'yjs';
import { ageInCompletedMonths } from './age';
import { pregnancyToday } from './pregnancy';
import {
  asksPregnancy,
  emptyDraft,
  isChild,
  personErrors,
  readBirth,
  readPregnancy,
  type DraftErrors,
  type RegistrationDraft,
} from './registration';

/** What the edit form opens with. */
export interface EditBase {
  readonly draft: RegistrationDraft;
  /** The guardian's phone: not on the form, kept when the guardian's name changes. */
  readonly guardianPhone?: string;
}

/** The changes to save; a field left out did not change. */
export interface PatientChanges {
  readonly profile?: ProfilePatch;
  readonly sex?: Sex;
  readonly dateOfBirth?: DateOfBirthInput;
  readonly pregnancy?: PregnancyInput;
}

export type EditOp =
  | { readonly op: 'updateProfile'; readonly input: ProfilePatch }
  | { readonly op: 'assertFact'; readonly input: AssertFactInput };

/** Profile fields typed as plain text on the form (the guardian is two fields). */
const TEXT_FIELDS = [
  'givenName',
  'familyName',
  'phone',
  'village',
  'nationalId',
  'clinicNumber',
] as const;

/**
 * The form filled in from the record. A fact in conflict (or never recorded)
 * is left empty: choosing a value then settles it. An estimated birth date
 * shows the age it gives today, not the age stated at registration; a
 * pregnancy shows its weeks today.
 */
export function editBaseOf(view: PatientView, nowMs: number): EditBase {
  const draft = emptyDraft();
  const { profile } = view;
  for (const field of TEXT_FIELDS) draft[field] = profile[field] ?? '';
  if (view.sex.status === 'known') draft.sex = view.sex.current.value;
  if (view.dateOfBirth.status === 'known') {
    const dob = view.dateOfBirth.current.value;
    const months = ageInCompletedMonths(dob.date, nowMs);
    if (dob.estimated && months !== undefined) {
      draft.birthMode = 'age';
      draft.ageYears = String(Math.floor(months / 12));
      if (dob.statedAge?.months !== undefined) draft.ageMonths = String(months % 12);
    } else {
      draft.birthDate = dob.date;
    }
  }
  if (view.pregnancy.status === 'known') {
    const today = pregnancyToday(view.pregnancy.current, nowMs);
    draft.pregnancy = today.status;
    if (today.weeksNow !== undefined) draft.gestationalWeeks = String(today.weeksNow);
    if (today.birth) draft.deliveredOn = today.birth.deliveredOn;
  }
  if (profile.guardian) {
    draft.guardianName = profile.guardian.name;
    draft.guardianRelationship = profile.guardian.relationship ?? '';
  }
  return {
    draft,
    ...(profile.guardian?.phone !== undefined && { guardianPhone: profile.guardian.phone }),
  };
}

/** The guardian fields are shown for a child, and whenever the record has a guardian. */
export function showsGuardian(base: EditBase, draft: RegistrationDraft, todayIso: string): boolean {
  return isChild(draft, todayIso) || base.draft.guardianName !== '';
}

/**
 * The pregnancy fields are shown where registration asks them, and whenever
 * the record has a pregnancy status (so it can be corrected).
 */
export function showsPregnancy(
  base: EditBase,
  draft: RegistrationDraft,
  todayIso: string,
): boolean {
  return asksPregnancy(draft, todayIso) || base.draft.pregnancy !== '';
}

const birthKey = (d: RegistrationDraft) =>
  d.birthMode === 'date'
    ? `date|${d.birthDate}`
    : `age|${d.ageYears.trim()}|${d.ageMonths.trim() === '0' ? '' : d.ageMonths.trim()}`;
const pregnancyKey = (d: RegistrationDraft) =>
  d.pregnancy === 'pregnant'
    ? `pregnant|${d.gestationalWeeks.trim()}`
    : d.pregnancy === 'postpartum'
      ? `postpartum|${d.deliveredOn.trim()}`
      : d.pregnancy;

/**
 * Validates the edited form against what it opened with. A field left as it
 * was is never refused (a fact in conflict may stay empty); a changed one is
 * checked as at registration. A date of birth cannot be emptied (it can only
 * be corrected), nor can the given name.
 */
export function validateEdit(
  base: EditBase,
  draft: RegistrationDraft,
  todayIso: string,
): { ok: true; value: PatientChanges } | { ok: false; errors: DraftErrors } {
  const before = base.draft;
  const errors: DraftErrors = {};
  const person = personErrors(draft);
  if (person.givenName) errors.givenName = person.givenName;
  if (person.sex && before.sex !== '') errors.sex = person.sex;
  if (person.phone && draft.phone.trim() !== before.phone.trim()) errors.phone = person.phone;

  let dateOfBirth: DateOfBirthInput | undefined;
  if (birthKey(draft) !== birthKey(before)) {
    const birth = readBirth(draft, todayIso);
    if (birth.ok) dateOfBirth = birth.value;
    else Object.assign(errors, birth.errors);
  }

  let pregnancy: PregnancyInput | undefined;
  if (
    showsPregnancy(base, draft, todayIso) &&
    draft.pregnancy !== '' &&
    pregnancyKey(draft) !== pregnancyKey(before)
  ) {
    const read = readPregnancy(draft, todayIso);
    if (!read.ok) errors[read.field] = read.error;
    else if (
      (read.value?.status === 'pregnant' || read.value?.status === 'postpartum') &&
      draft.sex === 'male'
    )
      errors.pregnancy = 'patient.edit.error.pregnantMale';
    else pregnancy = read.value;
  }

  const profile: ProfilePatch = {};
  for (const field of TEXT_FIELDS) {
    const now = draft[field].trim();
    if (now === before[field].trim()) continue;
    // The given name cannot be emptied (refused above); any other field emptied is cleared.
    if (field === 'givenName') profile.givenName = now;
    else profile[field] = now === '' ? null : now;
  }
  if (showsGuardian(base, draft, todayIso)) {
    const name = draft.guardianName.trim();
    const relationship = draft.guardianRelationship.trim();
    if (
      name !== before.guardianName.trim() ||
      relationship !== before.guardianRelationship.trim()
    ) {
      if (name === '' && relationship !== '') errors.guardianName = 'register.error.required';
      else if (name === '') profile.guardian = null;
      else
        profile.guardian = {
          name,
          ...(relationship !== '' && { relationship }),
          ...(base.guardianPhone !== undefined && { phone: base.guardianPhone }),
        };
    }
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      ...(Object.keys(profile).length > 0 && { profile }),
      ...(draft.sex !== '' && draft.sex !== before.sex && { sex: draft.sex }),
      ...(dateOfBirth && { dateOfBirth }),
      ...(pregnancy && { pregnancy }),
    },
  };
}

/**
 * The operations that save `changes`: one profile update for every changed
 * profile field, then one assertion per changed fact — sex before pregnancy,
 * since a pregnancy is refused for a patient recorded as male.
 */
export function editOps(changes: PatientChanges): EditOp[] {
  const ops: EditOp[] = [];
  if (changes.profile) ops.push({ op: 'updateProfile', input: changes.profile });
  if (changes.sex) ops.push({ op: 'assertFact', input: { field: 'sex', value: changes.sex } });
  if (changes.dateOfBirth)
    ops.push({ op: 'assertFact', input: { field: 'dateOfBirth', value: changes.dateOfBirth } });
  if (changes.pregnancy)
    ops.push({ op: 'assertFact', input: { field: 'pregnancy', value: changes.pregnancy } });
  return ops;
}

/** Whether the operations change what chooses the early-warning chart (sex, age, pregnancy). */
export const changesChart = (ops: readonly EditOp[]): boolean =>
  ops.some((op) => op.op === 'assertFact');

/**
 * Runs the operations on one document, stopping at the first refusal (the
 * store then saves nothing: `LocalStore.applyOp`). Returns how many ran.
 */
export function applyEditOps(
  doc: Y.Doc,
  ctx: OpContext,
  ops: readonly EditOp[],
): Result<number, ModelError> {
  for (const op of ops) {
    const result =
      op.op === 'updateProfile'
        ? updateProfile(doc, ctx, op.input)
        : assertFact(doc, ctx, op.input);
    if (!result.ok) return result;
  }
  return ok(ops.length);
}
