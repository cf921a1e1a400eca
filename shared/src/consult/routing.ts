/**
 * Where a consult can be routed: a specialty (any specialist holding it may
 * answer) or a named specialist. Specialists' `specialties` (server users) use
 * the same ids.
 */
export const CONSULT_SPECIALTIES = [
  'general-medicine',
  'paediatrics',
  'maternal-health',
  'dermatology',
  'cardiology',
  'infectious-diseases',
  'mental-health',
  'surgery',
] as const;
export type ConsultSpecialty = (typeof CONSULT_SPECIALTIES)[number];

export function isConsultSpecialty(value: string): value is ConsultSpecialty {
  return (CONSULT_SPECIALTIES as readonly string[]).includes(value);
}
