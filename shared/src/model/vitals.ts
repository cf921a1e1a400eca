/**
 * The vital-sign catalogue: one entry per vital the record model accepts.
 *
 * Codes are standard from day one so FHIR export is a mapping, not a migration:
 * - `loinc`: the LOINC code of the observation (LOINC 2.77 names in comments).
 *   Vitals follow the FHIR R4 vital-signs profile codes where one exists.
 * - `ucum`: the canonical UCUM unit the value is stored in. Devices or people
 *   may enter other units (°F, kPa, mg/dL, lb); they are converted before storage.
 *
 * Ranges are data-quality limits, not clinical thresholds:
 * - `possible`: outside it a value is physiologically impossible in a living
 *   patient or a unit mix-up (e.g. 98.6 typed into a °C field) → refused.
 * - `usual`: outside it a value is possible but rare enough that the health
 *   worker must confirm it (a typo is likelier than the value) → confirm.
 * Limits are inclusive. Clinical thresholds live only in shared/risk, cited.
 */
export interface VitalDefinition {
  readonly key: VitalKey;
  readonly loinc: string;
  readonly display: string;
  readonly ucum: string;
  /** Number of decimals worth keeping for this vital. */
  readonly decimals: number;
  readonly possible: readonly [min: number, max: number];
  readonly usual: readonly [min: number, max: number];
}

export const VITAL_KEYS = [
  'heartRate',
  'respiratoryRate',
  'spo2',
  'systolicBP',
  'diastolicBP',
  'temperature',
  'weight',
  'height',
  'bloodGlucose',
  'muac',
] as const;

export type VitalKey = (typeof VITAL_KEYS)[number];

export const VITALS: Readonly<Record<VitalKey, VitalDefinition>> = {
  // 8867-4 Heart rate
  heartRate: {
    key: 'heartRate',
    loinc: '8867-4',
    display: 'Heart rate',
    ucum: '/min',
    decimals: 0,
    possible: [20, 300],
    usual: [40, 180],
  },
  // 9279-1 Respiratory rate
  respiratoryRate: {
    key: 'respiratoryRate',
    loinc: '9279-1',
    display: 'Respiratory rate',
    ucum: '/min',
    decimals: 0,
    possible: [2, 120],
    usual: [8, 70],
  },
  // 59408-5 Oxygen saturation in Arterial blood by Pulse oximetry
  spo2: {
    key: 'spo2',
    loinc: '59408-5',
    display: 'Oxygen saturation (SpO2)',
    ucum: '%',
    decimals: 0,
    possible: [40, 100],
    usual: [80, 100],
  },
  // 8480-6 Systolic blood pressure
  systolicBP: {
    key: 'systolicBP',
    loinc: '8480-6',
    display: 'Systolic blood pressure',
    ucum: 'mm[Hg]',
    decimals: 0,
    possible: [40, 300],
    usual: [70, 220],
  },
  // 8462-4 Diastolic blood pressure
  diastolicBP: {
    key: 'diastolicBP',
    loinc: '8462-4',
    display: 'Diastolic blood pressure',
    ucum: 'mm[Hg]',
    decimals: 0,
    possible: [15, 200],
    usual: [40, 130],
  },
  // 8310-5 Body temperature
  temperature: {
    key: 'temperature',
    loinc: '8310-5',
    display: 'Body temperature',
    ucum: 'Cel',
    decimals: 1,
    possible: [25, 45],
    usual: [34, 41.5],
  },
  // 29463-7 Body weight
  weight: {
    key: 'weight',
    loinc: '29463-7',
    display: 'Body weight',
    ucum: 'kg',
    decimals: 2,
    possible: [0.3, 350],
    usual: [1.5, 200],
  },
  // 8302-2 Body height
  height: {
    key: 'height',
    loinc: '8302-2',
    display: 'Body height',
    ucum: 'cm',
    decimals: 1,
    possible: [20, 260],
    usual: [40, 210],
  },
  // 15074-8 Glucose [Moles/volume] in Blood
  bloodGlucose: {
    key: 'bloodGlucose',
    loinc: '15074-8',
    display: 'Blood glucose',
    ucum: 'mmol/L',
    decimals: 1,
    possible: [0.5, 60],
    usual: [2.5, 30],
  },
  // 56072-2 Circumference Mid upper arm by Tape measure
  muac: {
    key: 'muac',
    loinc: '56072-2',
    display: 'Mid-upper arm circumference (MUAC)',
    ucum: 'mm',
    decimals: 0,
    possible: [50, 600],
    usual: [90, 450],
  },
};

const BY_LOINC: ReadonlyMap<string, VitalDefinition> = new Map(
  Object.values(VITALS).map((definition) => [definition.loinc, definition]),
);

export function vitalByLoinc(code: string): VitalDefinition | undefined {
  return BY_LOINC.get(code);
}

export function isVitalKey(value: string): value is VitalKey {
  return (VITAL_KEYS as readonly string[]).includes(value);
}
