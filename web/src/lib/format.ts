/** Display helpers shared by components: no state, no I/O. */

const UNIT_LABELS: Readonly<Record<string, string>> = {
  '/min': '/min',
  '%': '%',
  'mm[Hg]': 'mmHg',
  kPa: 'kPa',
  Cel: '°C',
  '[degF]': '°F',
  kg: 'kg',
  g: 'g',
  '[lb_av]': 'lb',
  cm: 'cm',
  m: 'm',
  '[in_i]': 'in',
  'mmol/L': 'mmol/L',
  'mg/dL': 'mg/dL',
  mm: 'mm',
};

/** A UCUM unit code as a health worker writes it (mm[Hg] → mmHg, Cel → °C). */
export function unitLabel(ucum: string): string {
  return UNIT_LABELS[ucum] ?? ucum;
}

/**
 * Parses a number typed on a tablet keyboard: a decimal comma is accepted
 * (French keyboards), spaces are ignored. Anything else → undefined.
 */
export function parseTypedNumber(text: string): number | undefined {
  const cleaned = text.trim().replace(/\s/g, '').replace(',', '.');
  if (cleaned === '' || !/^-?\d+(\.\d+)?$/.test(cleaned)) return undefined;
  const value = Number(cleaned);
  return Number.isFinite(value) ? value : undefined;
}
