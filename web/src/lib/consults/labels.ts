/** Words for consult values that arrive as free strings (routing, snapshot). */
import { isConsultSpecialty } from '@outpost/shared/consult';
import { DANGER_SIGNS, type DangerSign } from '@outpost/shared/model';
import { i18n } from '$lib/i18n/i18n.svelte';

/** A specialty's name in the user's language; an unknown one as written. */
export function specialtyLabel(specialty: string): string {
  return isConsultSpecialty(specialty) ? i18n.t(`specialty.${specialty}`) : specialty;
}

export function dangerSignLabel(sign: string): string {
  return (DANGER_SIGNS as readonly string[]).includes(sign)
    ? i18n.t(`danger.${sign as DangerSign}`)
    : sign;
}

const SEX_KEYS = ['female', 'male', 'other', 'unknown', 'conflict'] as const;

/** A sex as the snapshot or the queue gives it (a conflict or nothing included). */
export function sexLabel(sex: string | null | undefined): string {
  const known = SEX_KEYS.find((key) => key === sex) ?? 'unknown';
  return i18n.t(`sex.${known}`);
}
