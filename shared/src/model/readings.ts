/**
 * What `recordVitals` accepts besides the numeric vital catalogue (vitals.ts):
 * non-numeric assessments NEWS2 needs, accepted input units and their exact
 * conversions, and the plausibility check.
 */
import { err, ok, type Result } from '../result';
import { validationFailed, type ImplausibleVitalSign, type ValidationFailed } from './errors';
import { VITALS, isVitalKey, type VitalKey } from './vitals';

export const LOINC_SYSTEM = 'http://loinc.org';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';

/** ACVPU level of consciousness (NEWS2, RCP 2017): Alert, new Confusion, Voice, Pain, Unresponsive. */
export const ACVPU = ['A', 'C', 'V', 'P', 'U'] as const;
export type Acvpu = (typeof ACVPU)[number];

export interface CodedAnswer {
  readonly code: string;
  readonly display: string;
}

/**
 * Non-numeric assessments. Codes:
 * - consciousness: LOINC 67775-7 "Level of responsiveness" with LOINC answers
 *   LA9340-6 Alert, LA6560-2 Confused, LA17108-4 Verbal, LA17107-6 Painful,
 *   LA9343-0 Unresponsive (the answer set NEWS2 FHIR mappings use for ACVPU).
 * - supplementalOxygen: LOINC has no general yes/no "on supplemental oxygen"
 *   observation (3150-0 is FiO2 as a quantity, 3151-8 the flow rate, 74206-4 is
 *   trauma-registry specific), so this uses SNOMED CT 371825009 "Patient on
 *   oxygen" with a boolean value, as the NHS NEWS2 FHIR inspired-oxygen profile does.
 * Catalogue codes are frozen per schema version: entries store the key, and
 * changing a key's code is a schema change with an upgrade step.
 */
export const ASSESSMENTS = {
  consciousness: {
    key: 'consciousness',
    system: LOINC_SYSTEM,
    code: '67775-7',
    display: 'Level of responsiveness (ACVPU)',
    answers: {
      A: { code: 'LA9340-6', display: 'Alert' },
      C: { code: 'LA6560-2', display: 'New confusion' },
      V: { code: 'LA17108-4', display: 'Responds to voice' },
      P: { code: 'LA17107-6', display: 'Responds to pain' },
      U: { code: 'LA9343-0', display: 'Unresponsive' },
    } satisfies Record<Acvpu, CodedAnswer>,
  },
  supplementalOxygen: {
    key: 'supplementalOxygen',
    system: SNOMED_SYSTEM,
    code: '371825009',
    display: 'Patient on supplemental oxygen',
  },
} as const;

export type AssessmentKey = keyof typeof ASSESSMENTS;
export const ASSESSMENT_KEYS = Object.keys(ASSESSMENTS) as AssessmentKey[];
export type ObservationKey = VitalKey | AssessmentKey;

export function isObservationKey(value: string): value is ObservationKey {
  return isVitalKey(value) || value in ASSESSMENTS;
}

/** Code, system and display for any observation key (for views and FHIR export). */
export function observationCoding(key: ObservationKey): {
  system: string;
  code: string;
  display: string;
} {
  if (isVitalKey(key)) {
    const vital = VITALS[key];
    return { system: LOINC_SYSTEM, code: vital.loinc, display: vital.display };
  }
  const assessment = ASSESSMENTS[key];
  return { system: assessment.system, code: assessment.code, display: assessment.display };
}

type Converter = (value: number) => number;
const identity: Converter = (value) => value;

/**
 * Input units accepted per vital (UCUM codes) and their exact conversion into the
 * catalogue unit. Factors are the defined ones: 1 lb = 0.45359237 kg, 1 in = 2.54 cm,
 * 1 kPa = 760/101.325 mm[Hg]; glucose 1 mmol/L = 18.0156 mg/dL (molar mass 180.156 g/mol).
 */
export const INPUT_UNITS: Readonly<Record<VitalKey, Readonly<Record<string, Converter>>>> = {
  heartRate: { '/min': identity },
  respiratoryRate: { '/min': identity },
  spo2: { '%': identity },
  systolicBP: { 'mm[Hg]': identity, kPa: (kPa) => (kPa * 760) / 101.325 },
  diastolicBP: { 'mm[Hg]': identity, kPa: (kPa) => (kPa * 760) / 101.325 },
  temperature: { Cel: identity, '[degF]': (f) => ((f - 32) * 5) / 9 },
  weight: { kg: identity, g: (g) => g / 1000, '[lb_av]': (lb) => lb * 0.45359237 },
  height: { cm: identity, m: (m) => m * 100, '[in_i]': (inches) => inches * 2.54 },
  bloodGlucose: { 'mmol/L': identity, 'mg/dL': (mgDl) => mgDl / 18.0156 },
  muac: { mm: identity, cm: (cm) => cm * 10 },
};

/** Rounds half away from zero to `decimals`, robust to binary noise (36.99999… → 37.0). */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  const scaled = Math.abs(value) * factor;
  const rounded = Math.round(Number(scaled.toPrecision(12))) / factor;
  return Math.sign(value) * rounded || 0;
}

/** Converts a reading into the catalogue unit and rounds it to the catalogue's decimals. */
export function toCatalogueUnit(
  key: VitalKey,
  value: number,
  unit: string | undefined,
): Result<number, ValidationFailed> {
  const definition = VITALS[key];
  const convert = INPUT_UNITS[key][unit ?? definition.ucum];
  if (convert === undefined) {
    const accepted = Object.keys(INPUT_UNITS[key]).join(', ');
    return err(
      validationFailed('unit', `unit ${unit} not accepted for ${key} (accepted: ${accepted})`),
    );
  }
  return ok(roundTo(convert(value), definition.decimals));
}

/**
 * Plausibility of a value in the catalogue unit. Outside `possible`: impossible,
 * refused whatever the confirmation. Outside `usual`: refused unless confirmed.
 * Limits are inclusive (see vitals.ts).
 */
export function checkPlausibility(
  key: VitalKey,
  value: number,
  confirmed: boolean,
): Result<'usual' | 'unusual', ImplausibleVitalSign> {
  const { possible, usual, ucum } = VITALS[key];
  if (value < possible[0] || value > possible[1]) {
    return err({
      type: 'ImplausibleVitalSign',
      key,
      value,
      unit: ucum,
      limits: { min: possible[0], max: possible[1] },
      verdict: 'impossible',
    });
  }
  if (value < usual[0] || value > usual[1]) {
    if (confirmed) return ok('unusual');
    return err({
      type: 'ImplausibleVitalSign',
      key,
      value,
      unit: ucum,
      limits: { min: usual[0], max: usual[1] },
      verdict: 'needs-confirmation',
    });
  }
  return ok('usual');
}
