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

/**
 * Days after birth a woman stays on the maternal chart: its population is
 * pregnant women and women up to 6 weeks after birth (MEOWS,
 * shared/src/risk/maternal.ts; docs/clinical-rules.md "Maternal chart — MEOWS").
 * Day 0 is the day of the delivery; day 42 is the last on the chart.
 */
export const MATERNAL_CHART_DAYS_AFTER_BIRTH = 42;

const DAY_MS = 86_400_000;

/** Whole calendar days (UTC, as the app's "today") from `isoDate` to `nowMs`. */
export function daysSinceDate(isoDate: string, nowMs: number): number {
  const today = Date.parse(new Date(nowMs).toISOString().slice(0, 10));
  return Math.round((today - Date.parse(isoDate)) / DAY_MS);
}

/** `isoDate` plus `days` calendar days, as YYYY-MM-DD. */
export function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(isoDate) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whether a woman who gave birth on `deliveredOn` is still on the maternal chart on `nowMs`. */
export function onMaternalChartAfterBirth(deliveredOn: string, nowMs: number): boolean {
  return daysSinceDate(deliveredOn, nowMs) <= MATERNAL_CHART_DAYS_AFTER_BIRTH;
}

/** A recorded pregnancy as it reads on `nowMs`. */
export interface PregnancyToday {
  readonly status: Pregnancy['status'];
  /** Gave birth: when, how many days ago, and the last day on the maternal chart. */
  readonly birth?: {
    readonly deliveredOn: string;
    readonly daysAgo: number;
    readonly maternalChartUntil: string;
    readonly onMaternalChart: boolean;
  };
  /** Weeks of pregnancy now: the weeks recorded plus the whole weeks since. */
  readonly weeksNow?: number;
  /** The weeks as recorded, and when (only when recorded before this week). */
  readonly recorded?: { readonly weeks: number; readonly at: number };
  /** More than 42 weeks by now: she has probably given birth; the status needs checking. */
  readonly overdue: boolean;
}

export function pregnancyToday(current: Attributed<Pregnancy>, nowMs: number): PregnancyToday {
  const { status, gestationalWeeks, deliveredOn } = current.value;
  if (status === 'postpartum' && deliveredOn !== undefined) {
    return {
      status,
      birth: {
        deliveredOn,
        daysAgo: Math.max(0, daysSinceDate(deliveredOn, nowMs)),
        maternalChartUntil: addDays(deliveredOn, MATERNAL_CHART_DAYS_AFTER_BIRTH),
        onMaternalChart: onMaternalChartAfterBirth(deliveredOn, nowMs),
      },
      overdue: false,
    };
  }
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
