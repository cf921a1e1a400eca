/**
 * From a device reading to what `recordVitals` takes. Pure, so the mapping is
 * tested without a browser.
 *
 * - Observations map to vital keys by LOINC; the oximeter's "heart rate by
 *   pulse oximetry" (8889-8) is recorded as the heart rate (NEWS2 scores pulse).
 * - Mean arterial pressure and BMI have no vital key: they are shown, not saved.
 * - A value outside the catalogue's possible range is never offered for saving
 *   (`recordVitals` would refuse the whole set); one outside the usual range is
 *   shown highlighted, and tapping "Accept reading" after seeing it is the
 *   confirmation `recordVitals` requires.
 */
import { DEVICE_CODES, type Observation } from '@outpost/shared/devices';
import {
  VITALS,
  checkPlausibility,
  vitalByLoinc,
  type ReadingInput,
  type SourceInput,
  type VitalKey,
} from '@outpost/shared/model';
import type { DeviceReading } from './types';

export type ValueCheck = 'usual' | 'unusual' | 'impossible';

export interface ReadingValue {
  /** A vital key, or the extra device codes shown but not saved. */
  readonly key: VitalKey | 'meanArterialPressure' | 'bmi';
  readonly value: number;
  /** Canonical UCUM unit. */
  readonly unit: string;
  readonly timeMs?: number;
  readonly check: ValueCheck;
  /** Part of what "Accept reading" saves. */
  readonly saved: boolean;
  readonly clockSkewed: boolean;
  readonly warnings: readonly string[];
}

function keyFor(code: string): ReadingValue['key'] | undefined {
  if (code === DEVICE_CODES.pulseRateByOximetry.loinc) return 'heartRate';
  if (code === DEVICE_CODES.meanArterialPressure.loinc) return 'meanArterialPressure';
  if (code === DEVICE_CODES.bmi.loinc) return 'bmi';
  return vitalByLoinc(code)?.key;
}

export function readingValues(observations: readonly Observation[]): ReadingValue[] {
  const values: ReadingValue[] = [];
  for (const observation of observations) {
    const key = keyFor(observation.code);
    if (!key || values.some((v) => v.key === key)) continue;
    let check: ValueCheck = 'usual';
    if (key !== 'meanArterialPressure' && key !== 'bmi') {
      const plausible = checkPlausibility(key, observation.value, false);
      if (!plausible.ok)
        check = plausible.error.verdict === 'impossible' ? 'impossible' : 'unusual';
    }
    values.push({
      key,
      value: observation.value,
      unit: observation.unit,
      ...(observation.time !== undefined && { timeMs: observation.time }),
      check,
      saved: key !== 'meanArterialPressure' && key !== 'bmi' && check !== 'impossible',
      clockSkewed: observation.flags?.clockSkewed === true,
      warnings: observation.flags?.warnings ?? [],
    });
  }
  return values;
}

export interface AcceptedReading {
  readonly readings: ReadingInput[];
  readonly source: SourceInput;
  /** When the reading was taken (device time, corrected), for `recordVitals.effectiveAt`. */
  readonly effectiveAt?: number;
}

export function acceptedReading(
  reading: Pick<DeviceReading, 'deviceId' | 'deviceName' | 'observations'>,
): AcceptedReading | undefined {
  const values = readingValues(reading.observations).filter((v) => v.saved);
  if (values.length === 0) return undefined;
  const readings: ReadingInput[] = values.map((v) => ({
    key: v.key as VitalKey,
    value: v.value,
    unit: VITALS[v.key as VitalKey].ucum,
    ...(v.check === 'unusual' && { confirmed: true }),
  }));
  const deviceTime = reading.observations.find((o) => o.deviceTime !== undefined)?.deviceTime;
  const effectiveAt = values.find((v) => v.timeMs !== undefined)?.timeMs;
  return {
    readings,
    source: {
      kind: 'device',
      deviceId: reading.deviceId.slice(0, 100),
      ...(reading.deviceName && { deviceName: reading.deviceName.slice(0, 100) }),
      ...(deviceTime !== undefined && { deviceTime }),
    },
    ...(effectiveAt !== undefined && { effectiveAt }),
  };
}
