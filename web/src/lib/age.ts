/**
 * A patient's age from her birth date, on its own so that the patient list
 * (the first screen) does not load the risk rules with it (clinical.ts).
 */

/** Completed months between an ISO birth date and `nowMs` (UTC calendar). */
export function ageInCompletedMonths(birthDateIso: string, nowMs: number): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDateIso);
  if (!match) return undefined;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const now = new Date(nowMs);
  let months = (now.getUTCFullYear() - y) * 12 + (now.getUTCMonth() + 1 - m);
  if (now.getUTCDate() < d) months -= 1;
  return months < 0 ? undefined : months;
}
