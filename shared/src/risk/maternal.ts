/**
 * MEOWS — Modified Early Obstetric Warning System (CEMACH-recommended chart).
 *
 * Source: Singh S, McGlennan A, England A, Simons R. A validation study of the
 * CEMACH recommended modified early obstetric warning system (MEOWS).
 * Anaesthesia. 2012;67(1):12–18. doi:10.1111/j.1365-2044.2011.06896.x
 * (Table 1, MEOWS trigger parameters). The chart follows the recommendation
 * of the CEMACH report "Saving Mothers' Lives" 2003–2005 (2007).
 *
 * Trigger rule: one observation in a red zone, or two observations in yellow
 * zones at the same time, triggers an urgent medical review. Confirmed in the
 * text of published descriptions of this chart (Dudley et al. 2010, the same
 * unit; Singh A et al. 2016; Schuler et al. 2019; Kaur et al. 2023; quotes in
 * docs/clinical-rules.md), not in Singh 2012's abstract, which does not state it.
 *
 * !! VERIFICATION STATUS: the zone limits below were transcribed from Table 1
 * of Singh et al. 2012 but could NOT be checked against a copy of the table
 * while this code was written. `MEOWS_META.verification` is 'unverified' and
 * every result carries `verified: false` and a warning, until a clinician has
 * checked each limit against the paper and flipped the flag (with a test).
 *
 * A second search for a readable copy of the table (December 2026; recorded in
 * docs/clinical-rules.md, "Maternal chart — MEOWS") found none: the paper,
 * the CEMACH 2007 example chart, Singh A et al. 2016 (EJOGRB), Schuler 2019,
 * the Rwanda RI and MEOWS tool (Tuyishime 2020) and the NHS England 2024 MEWS
 * were each reachable only as an abstract or a first page. What it did find:
 *   - the trigger rule (1 red or 2 yellow) is confirmed word for word by
 *     several independent descriptions of this chart;
 *   - no limit is confirmed for the cited chart;
 *   - PubMed lists an erratum to the paper (Anaesthesia 2012;67(4):453) whose
 *     content was not seen: check it with Table 1;
 *   - an audit of the CEMACH example chart in the same hospital (Dudley et al.,
 *     Arch Dis Child Fetal Neonatal Ed 2010;95 Suppl 1:Fa40) counts red and
 *     yellow triggers for LOW diastolic pressure, a zone this transcription
 *     does not have. Its limits are not given, so nothing was added (we never
 *     invent a threshold); the clinician checking Table 1 must look at it.
 * The limits are therefore unchanged and still unverified.
 *
 * Zones as transcribed (limits inclusive as printed):
 *   Temperature °C       red <35 or >38        yellow 35–36
 *   Systolic BP mmHg     red <90 or >160       yellow 150–160 or 90–100
 *   Diastolic BP mmHg    red >100              yellow 90–100
 *   Heart rate /min      red <40 or >120       yellow 100–120 or 40–50
 *   Respiratory rate /min red <10 or >30       yellow 21–30
 *   SpO2 %               red <95
 *   Neurological response red pain or unresponsive, yellow voice
 * Outpost mapping (ours, not the chart's): ACVPU 'C' (new confusion) is a
 * yellow neurological response, like 'V'.
 *
 * Population: pregnant women and women up to 6 weeks after birth.
 */
import { formatValue, type Consciousness, type RuleSetMeta } from './meta';

export const MEOWS_META: RuleSetMeta = {
  id: 'meows',
  version: 'CEMACH-MEOWS-Singh-2012',
  source:
    'Singh S, McGlennan A, England A, Simons R. A validation study of the CEMACH recommended modified early ' +
    'obstetric warning system (MEOWS). Anaesthesia. 2012;67(1):12-18, Table 1 (trigger parameters).',
  verification: 'unverified',
};

export const MEOWS_UNVERIFIED_WARNING =
  'Maternal chart thresholds (MEOWS, Singh 2012 Table 1) are awaiting clinical verification against the ' +
  'published table: use clinical judgement and do not rely on a "no trigger" result alone.';

export type MeowsZone = 'red' | 'yellow' | 'none';
export type MeowsParameter =
  | 'temperature'
  | 'systolicBP'
  | 'diastolicBP'
  | 'heartRate'
  | 'respiratoryRate'
  | 'spo2'
  | 'consciousness';

export const MEOWS_PARAMETERS: readonly MeowsParameter[] = [
  'temperature',
  'systolicBP',
  'diastolicBP',
  'heartRate',
  'respiratoryRate',
  'spo2',
  'consciousness',
];

export interface MeowsInput {
  readonly temperatureCel?: number;
  readonly systolicMmHg?: number;
  readonly diastolicMmHg?: number;
  readonly heartRatePerMin?: number;
  readonly respiratoryRatePerMin?: number;
  readonly spo2Percent?: number;
  readonly consciousness?: Consciousness;
}

export interface MeowsFinding {
  readonly parameter: MeowsParameter;
  readonly value: number | string;
  readonly zone: MeowsZone;
  readonly text: string;
}

export interface MeowsResult {
  readonly ruleSet: RuleSetMeta;
  readonly verified: boolean;
  readonly warnings: readonly string[];
  /** One red, or two or more yellow. A lower bound when `missing` is not empty. */
  readonly triggered: boolean;
  readonly redCount: number;
  readonly yellowCount: number;
  readonly findings: readonly MeowsFinding[];
  readonly missing: readonly MeowsParameter[];
  readonly complete: boolean;
  readonly action: string;
}

export function temperatureZone(celsius: number): MeowsZone {
  if (celsius < 35 || celsius > 38) return 'red';
  if (celsius <= 36) return 'yellow';
  return 'none';
}

export function systolicZone(mmHg: number): MeowsZone {
  if (mmHg < 90 || mmHg > 160) return 'red';
  if (mmHg >= 150 || mmHg <= 100) return 'yellow';
  return 'none';
}

export function diastolicZone(mmHg: number): MeowsZone {
  if (mmHg > 100) return 'red';
  if (mmHg >= 90) return 'yellow';
  return 'none';
}

export function heartRateZone(perMin: number): MeowsZone {
  if (perMin < 40 || perMin > 120) return 'red';
  if (perMin >= 100 || perMin <= 50) return 'yellow';
  return 'none';
}

export function respiratoryRateZone(perMin: number): MeowsZone {
  if (perMin < 10 || perMin > 30) return 'red';
  if (perMin >= 21) return 'yellow';
  return 'none';
}

export function spo2Zone(percent: number): MeowsZone {
  return percent < 95 ? 'red' : 'none';
}

export function consciousnessZone(level: Consciousness): MeowsZone {
  switch (level) {
    case 'A':
      return 'none';
    case 'C':
    case 'V':
      return 'yellow';
    case 'P':
    case 'U':
      return 'red';
  }
}

export function assessMeows(input: MeowsInput): MeowsResult {
  const findings: MeowsFinding[] = [];
  const missing: MeowsParameter[] = [];
  const add = (
    parameter: MeowsParameter,
    value: number | string | undefined,
    zone: (v: never) => MeowsZone,
    label: string,
  ) => {
    if (value === undefined) {
      missing.push(parameter);
      return;
    }
    const z = zone(value as never);
    findings.push({
      parameter,
      value,
      zone: z,
      text: `${label} ${typeof value === 'number' ? formatValue(value) : value}: ${z === 'none' ? 'no trigger' : `${z} zone`}`,
    });
  };
  add('temperature', input.temperatureCel, temperatureZone, 'Temperature (°C)');
  add('systolicBP', input.systolicMmHg, systolicZone, 'Systolic BP (mmHg)');
  add('diastolicBP', input.diastolicMmHg, diastolicZone, 'Diastolic BP (mmHg)');
  add('heartRate', input.heartRatePerMin, heartRateZone, 'Heart rate (/min)');
  add(
    'respiratoryRate',
    input.respiratoryRatePerMin,
    respiratoryRateZone,
    'Respiratory rate (/min)',
  );
  add('spo2', input.spo2Percent, spo2Zone, 'SpO2 (%)');
  add('consciousness', input.consciousness, consciousnessZone, 'Consciousness (ACVPU)');

  const redCount = findings.filter((f) => f.zone === 'red').length;
  const yellowCount = findings.filter((f) => f.zone === 'yellow').length;
  const triggered = redCount >= 1 || yellowCount >= 2;
  const verified = MEOWS_META.verification === 'verified';
  const action = triggered
    ? 'MEOWS trigger: the woman needs urgent review by the obstetric or medical team. Start an urgent consult ' +
      'now and arrange referral to a facility with obstetric care; repeat the observations while you wait.'
    : missing.length > 0
      ? `No trigger in what was measured, but ${missing.join(', ')} not measured: measure them now.`
      : 'No trigger: continue observations as planned and repeat them if she feels or looks worse.';

  return {
    ruleSet: MEOWS_META,
    verified,
    warnings: verified ? [] : [MEOWS_UNVERIFIED_WARNING],
    triggered,
    redCount,
    yellowCount,
    findings,
    missing,
    complete: missing.length === 0,
    action,
  };
}
