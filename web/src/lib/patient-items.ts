import type { PatientRow } from '$lib/db';
import { ageInCompletedMonths } from './age';

export interface ListVital {
  /** i18n key of the short label. */
  readonly label:
    'short.bp' | 'short.heartRate' | 'short.temperature' | 'short.spo2' | 'short.respiratoryRate';
  readonly value: string;
  readonly unit: string;
}

function numberOf(row: PatientRow, key: string): number | undefined {
  const value = row.latestVitals[key]?.value;
  return typeof value === 'number' ? value : undefined;
}

/** The few vitals a list row shows, blood pressure as one "systolic/diastolic" value. */
export function listVitals(
  row: PatientRow,
  format: (value: number) => string = String,
): ListVital[] {
  const vitals: ListVital[] = [];
  const systolic = numberOf(row, 'systolicBP');
  const diastolic = numberOf(row, 'diastolicBP');
  if (systolic !== undefined)
    vitals.push({
      label: 'short.bp',
      value:
        diastolic === undefined ? format(systolic) : `${format(systolic)}/${format(diastolic)}`,
      unit: 'mm[Hg]',
    });
  const single = [
    ['heartRate', 'short.heartRate', '/min'],
    ['respiratoryRate', 'short.respiratoryRate', '/min'],
    ['spo2', 'short.spo2', '%'],
    ['temperature', 'short.temperature', 'Cel'],
  ] as const;
  for (const [key, label, unit] of single) {
    const value = numberOf(row, key);
    if (value !== undefined) vitals.push({ label, value: format(value), unit });
  }
  return vitals;
}

export function patientItem(
  row: PatientRow,
  href: string,
  sexLabel: (sex: string) => string,
  nowMs: number,
  format: (value: number) => string = String,
) {
  const months = row.birthDate ? ageInCompletedMonths(row.birthDate, nowMs) : undefined;
  return {
    id: row.id,
    href,
    name: row.name,
    ...(row.sex ? { sex: sexLabel(row.sex) } : {}),
    ...(months === undefined ? {} : { age: { years: Math.floor(months / 12), months } }),
    ...(row.village ? { village: row.village } : {}),
    ...(row.phone ? { phone: row.phone } : {}),
    needsReview: row.needsReview,
    openEncounter: row.openEncounter,
    vitals: listVitals(row, format),
  };
}
