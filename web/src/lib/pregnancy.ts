/**
 * Pregnancy on screen: whom Outpost asks, and how a recorded pregnancy reads
 * on a later day. Small and free of the risk rules, so the registration form
 * can use it without loading them.
 *
 * Pregnancy status chooses the early-warning chart (the maternal chart
 * instead of NEWS2: docs/clinical-rules.md, "Which chart applies").
 */
import type { Attributed, Pregnancy, Sex } from '@outpost/shared/model';

/**
 * The ages (whole years) at which a woman is asked whether she is pregnant.
 * Outside them she is not asked, and the risk rules count her as not pregnant
 * (clinical.ts `pregnancyForRisk`): one rule for both.
 */
export const PREGNANCY_ASKED_AGES = { min: 10, max: 55 } as const;

const WEEK_MS = 7 * 86_400_000;
/** Past this many weeks a pregnancy recorded earlier has most likely ended. */
const OVERDUE_WEEKS = 42;

/**
 * Whether to ask about pregnancy: a woman, or someone whose sex is not known,
 * of reproductive age or of unknown age.
 */
export function mayBePregnant(sex: Sex | '' | undefined, ageYears: number | undefined): boolean {
  if (sex !== 'female' && sex !== 'unknown') return false;
  return (
    ageYears === undefined ||
    (ageYears >= PREGNANCY_ASKED_AGES.min && ageYears <= PREGNANCY_ASKED_AGES.max)
  );
}

/** A recorded pregnancy as it reads on `nowMs`. */
export interface PregnancyToday {
  readonly status: Pregnancy['status'];
  /** Weeks of pregnancy now: the weeks recorded plus the whole weeks since. */
  readonly weeksNow?: number;
  /** The weeks as recorded, and when (only when recorded before this week). */
  readonly recorded?: { readonly weeks: number; readonly at: number };
  /** More than 42 weeks by now: she has probably given birth; the status needs checking. */
  readonly overdue: boolean;
}

export function pregnancyToday(current: Attributed<Pregnancy>, nowMs: number): PregnancyToday {
  const { status, gestationalWeeks } = current.value;
  if (status !== 'pregnant' || gestationalWeeks === undefined) return { status, overdue: false };
  const since = Math.max(0, Math.floor((nowMs - current.at) / WEEK_MS));
  const weeksNow = gestationalWeeks + since;
  return {
    status,
    weeksNow,
    ...(since > 0 && { recorded: { weeks: gestationalWeeks, at: current.at } }),
    overdue: weeksNow > OVERDUE_WEEKS,
  };
}
