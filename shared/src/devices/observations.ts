/**
 * Typed device message → observations in canonical units (LOINC + UCUM).
 *
 * Contract:
 * - Every emitted value is a finite number in the catalogue's canonical unit
 *   (shared/model/vitals.ts). Converted values (kPa, °F, lb, in, kg/L, mol/L)
 *   are rounded to the catalogue's `decimals`; values already in the canonical
 *   unit keep the device's own precision.
 * - A value the device itself flags as unreliable (no sensor contact, glucose
 *   "HI"/"LO", strip error, oximeter "measurement invalid", demonstration data…)
 *   is not emitted; it is listed in `rejected` with the reason, so the UI can say
 *   why nothing was recorded. Warnings that do not invalidate a value (body
 *   movement, cuff too loose, irregular pulse, low perfusion…) travel in `flags`.
 * - Device clocks are wrong: see `correctDeviceTime`.
 */
import { VITALS } from '../model/vitals';
import type { BloodPressureStatus } from './bloodPressure';
import type { DeviceMessage } from './characteristics';
import { dateTimeToEpochMs, type DateTime } from './dateTime';
import type { GlucoseStatusFlag } from './glucose';
import type { PlxDeviceSensorStatusFlag, PlxMeasurementStatusFlag } from './plx';
import type { TemperatureType } from './temperature';

/**
 * Codes with no entry in the vital catalogue. LOINC 2.77 names:
 * - 8478-0  Mean blood pressure                         mm[Hg]
 * - 39156-5 Body mass index (BMI) [Ratio]               kg/m2
 * - 8889-8  Heart rate by Pulse oximetry                /min
 * RR-intervals (beat-to-beat) are not emitted as observations: like the 60 Hz
 * oximeter stream they belong in the compact stream store (DESIGN.md), and they
 * stay in the decoded message for that.
 */
export const DEVICE_CODES = {
  meanArterialPressure: { loinc: '8478-0', ucum: 'mm[Hg]', decimals: 0 },
  bmi: { loinc: '39156-5', ucum: 'kg/m2', decimals: 1 },
  pulseRateByOximetry: { loinc: '8889-8', ucum: '/min', decimals: 0 },
} as const;

export type DeviceWarning =
  | 'bodyMovement'
  | 'cuffTooLoose'
  | 'irregularPulse'
  | 'pulseRateAboveUpperLimit'
  | 'pulseRateBelowLowerLimit'
  | 'improperMeasurementPosition'
  | 'deviceBatteryLow'
  | 'deviceTimeFault'
  | PlxDeviceSensorStatusFlag
  | 'questionableMeasurementDetected'
  | 'earlyEstimatedData'
  | 'calibrationOngoing'
  | 'dataFromMeasurementStorage';

export interface ObservationFlags {
  /** The device clock differed from the tablet's by more than maxSkewMs. */
  readonly clockSkewed?: true;
  /** Device time − tablet time, when skewed. */
  readonly clockOffsetMs?: number;
  /** Where `time` came from: the device's timestamp, or the moment the reading arrived. */
  readonly timeSource: 'device' | 'arrival';
  readonly warnings?: readonly DeviceWarning[];
  readonly bodySite?: TemperatureType;
  readonly userId?: number;
}

export interface Observation {
  /** LOINC code. */
  readonly code: string;
  /** Finite, in `unit`. */
  readonly value: number;
  /** UCUM unit (canonical for the code). */
  readonly unit: string;
  /** Epoch ms when measured, after clock correction. */
  readonly time?: number;
  /** Epoch ms the device's own clock claimed, when it sent one. */
  readonly deviceTime?: number;
  readonly flags?: ObservationFlags;
}

export type RejectionReason =
  | GlucoseStatusFlag
  | PlxMeasurementStatusFlag
  | PlxDeviceSensorStatusFlag
  | 'noSensorContact'
  | 'fingerOut'
  | 'searching'
  | 'noReading'
  | 'notFinite';

export interface RejectedValue {
  readonly code: string;
  readonly reasons: readonly RejectionReason[];
}

export interface ObservationSet {
  readonly observations: readonly Observation[];
  readonly rejected: readonly RejectedValue[];
}

export interface ObservationContext {
  /** Tablet time (epoch ms) when the reading arrived. Never read inside shared/. */
  readonly nowMs: number;
  /** Device clock error tolerated before a timestamp is flagged and corrected. Default 5 min. */
  readonly maxSkewMs?: number;
  /**
   * Device time − tablet time, learnt when a live reading (or the device's
   * current time) arrived. Supply it for readings downloaded from memory, whose
   * timestamps are legitimately in the past. Without it the reading is assumed live.
   */
  readonly learntOffsetMs?: number;
  /** Zone the device clock is set to, minutes east of UTC (usually the clinic's). Default 0. */
  readonly deviceUtcOffsetMinutes?: number;
}

export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

export interface CorrectedTime {
  readonly timeMs: number;
  readonly deviceTimeMs: number;
  readonly clockSkewed: boolean;
  /** Device − tablet, as measured or learnt. */
  readonly offsetMs: number;
}

/**
 * Places a device timestamp on the tablet's clock.
 * offset = learntOffsetMs if given, else deviceTimestamp − tabletNowMs (a live reading).
 * |offset| ≤ maxSkewMs → the device time is trusted as is. Otherwise it is flagged
 * and shifted by the offset. A corrected time still in the future (beyond the
 * tolerance) cannot be right and is clamped to tabletNowMs, flagged.
 */
export function correctDeviceTime(
  deviceTimestampMs: number,
  tabletNowMs: number,
  options: { readonly maxSkewMs: number; readonly learntOffsetMs?: number },
): CorrectedTime {
  const offsetMs = options.learntOffsetMs ?? deviceTimestampMs - tabletNowMs;
  if (Math.abs(offsetMs) <= options.maxSkewMs) {
    if (deviceTimestampMs - tabletNowMs > options.maxSkewMs) {
      return {
        timeMs: tabletNowMs,
        deviceTimeMs: deviceTimestampMs,
        clockSkewed: true,
        offsetMs: deviceTimestampMs - tabletNowMs,
      };
    }
    return {
      timeMs: deviceTimestampMs,
      deviceTimeMs: deviceTimestampMs,
      clockSkewed: false,
      offsetMs,
    };
  }
  const corrected = deviceTimestampMs - offsetMs;
  return {
    timeMs: corrected - tabletNowMs > options.maxSkewMs ? tabletNowMs : corrected,
    deviceTimeMs: deviceTimestampMs,
    clockSkewed: true,
    offsetMs,
  };
}

// --- unit conversions (exact constants; rounding happens once, at the end) ---

/** 1 mmHg = 133.322387415 Pa (ISO 80000-4 conventional value). */
export const PA_PER_MMHG = 133.322387415;
/** Glucose C6H12O6 molar mass, g/mol. */
export const GLUCOSE_MOLAR_MASS_G_PER_MOL = 180.156;
export const KG_PER_LB = 0.45359237;
export const CM_PER_IN = 2.54;

function roundTo(value: number, decimals: number): number {
  return Number(`${Math.round(Number(`${value}e${decimals}`))}e-${decimals}`);
}

export const kPaToMmHg = (kPa: number): number => (kPa * 1000) / PA_PER_MMHG;
export const fahrenheitToCelsius = (f: number): number => ((f - 32) * 5) / 9;
export const lbToKg = (lb: number): number => lb * KG_PER_LB;
export const inToCm = (inches: number): number => inches * CM_PER_IN;
/** kg/L → mmol/L: ×1000 g/kg ÷ molar mass × 1000 mmol/mol. */
export const glucoseKgPerLToMmolPerL = (kgPerL: number): number =>
  (kgPerL * 1e6) / GLUCOSE_MOLAR_MASS_G_PER_MOL;
export const glucoseMolPerLToMmolPerL = (molPerL: number): number => Number(`${molPerL}e3`);

interface TimeInfo {
  readonly time: number;
  readonly deviceTime?: number;
  readonly flags: ObservationFlags;
}

function timeFor(
  timestamp: DateTime | undefined,
  ctx: ObservationContext,
  extraMinutes = 0,
): TimeInfo {
  const deviceMs = timestamp
    ? dateTimeToEpochMs(timestamp, ctx.deviceUtcOffsetMinutes ?? 0)
    : undefined;
  if (deviceMs === undefined) return { time: ctx.nowMs, flags: { timeSource: 'arrival' } };
  const corrected = correctDeviceTime(deviceMs + extraMinutes * 60_000, ctx.nowMs, {
    maxSkewMs: ctx.maxSkewMs ?? DEFAULT_MAX_SKEW_MS,
    ...(ctx.learntOffsetMs !== undefined && { learntOffsetMs: ctx.learntOffsetMs }),
  });
  return {
    time: corrected.timeMs,
    deviceTime: corrected.deviceTimeMs,
    flags: corrected.clockSkewed
      ? { timeSource: 'device', clockSkewed: true, clockOffsetMs: corrected.offsetMs }
      : { timeSource: 'device' },
  };
}

function bpWarnings(status: BloodPressureStatus | undefined): DeviceWarning[] {
  if (!status) return [];
  const w: DeviceWarning[] = [];
  if (status.bodyMovementDetected) w.push('bodyMovement');
  if (status.cuffTooLoose) w.push('cuffTooLoose');
  if (status.irregularPulseDetected) w.push('irregularPulse');
  if (status.pulseRateRange === 'exceedsUpperLimit') w.push('pulseRateAboveUpperLimit');
  if (status.pulseRateRange === 'belowLowerLimit') w.push('pulseRateBelowLowerLimit');
  if (status.improperMeasurementPosition) w.push('improperMeasurementPosition');
  return w;
}

/** Oximeter status bits that mean the number is not the patient's. */
const PLX_REJECT_MEASUREMENT: readonly PlxMeasurementStatusFlag[] = [
  'measurementUnavailable',
  'invalidMeasurementDetected',
  'dataForDemonstration',
  'dataForTesting',
  'measurementOngoing',
];
const PLX_WARN_MEASUREMENT: readonly PlxMeasurementStatusFlag[] = [
  'questionableMeasurementDetected',
  'earlyEstimatedData',
  'calibrationOngoing',
  'dataFromMeasurementStorage',
];
const PLX_REJECT_DEVICE: readonly PlxDeviceSensorStatusFlag[] = [
  'equipmentMalfunctionDetected',
  'sensorUnconnectedToUser',
  'unknownSensorConnected',
  'sensorDisplaced',
  'sensorMalfunctioning',
  'sensorDisconnected',
];
/** Glucose annunciations that invalidate the concentration; the rest are warnings. */
const GLUCOSE_REJECT: readonly GlucoseStatusFlag[] = [
  'sensorMalfunction',
  'sampleSizeInsufficient',
  'stripInsertionError',
  'stripTypeIncorrect',
  'resultHigherThanDeviceCanProcess',
  'resultLowerThanDeviceCanProcess',
  'sensorTemperatureTooHigh',
  'sensorTemperatureTooLow',
  'sensorReadInterrupted',
  'generalDeviceFault',
];

class Collector {
  readonly observations: Observation[] = [];
  readonly rejected: RejectedValue[] = [];

  add(
    code: string,
    unit: string,
    value: number,
    time: TimeInfo,
    extra: Partial<ObservationFlags> = {},
  ): void {
    if (!Number.isFinite(value)) {
      this.reject(code, ['notFinite']);
      return;
    }
    const flags: ObservationFlags = { ...time.flags, ...extra };
    this.observations.push({
      code,
      value,
      unit,
      time: time.time,
      ...(time.deviceTime !== undefined && { deviceTime: time.deviceTime }),
      flags,
    });
  }

  reject(code: string, reasons: readonly RejectionReason[]): void {
    this.rejected.push({ code, reasons });
  }
}

function warningsFlag(warnings: readonly DeviceWarning[]): Partial<ObservationFlags> {
  return warnings.length > 0 ? { warnings } : {};
}

/** Converts one typed message into observations in canonical units. */
export function toObservations(message: DeviceMessage, ctx: ObservationContext): ObservationSet {
  const out = new Collector();
  switch (message.kind) {
    case 'heartRate': {
      const time = timeFor(undefined, ctx);
      if (message.sensorContact === 'notDetected')
        out.reject(VITALS.heartRate.loinc, ['noSensorContact']);
      else if (message.heartRateBpm === 0) out.reject(VITALS.heartRate.loinc, ['noReading']);
      else out.add(VITALS.heartRate.loinc, VITALS.heartRate.ucum, message.heartRateBpm, time);
      break;
    }
    case 'bloodPressure': {
      const time = timeFor(message.timestamp, ctx);
      const warnings = warningsFlag(bpWarnings(message.status));
      const user =
        message.userId !== undefined && message.userId !== 0xff ? { userId: message.userId } : {};
      const toMmHg = (v: number) =>
        message.unit === 'kPa' ? roundTo(kPaToMmHg(v), VITALS.systolicBP.decimals) : v;
      out.add(VITALS.systolicBP.loinc, VITALS.systolicBP.ucum, toMmHg(message.systolic), time, {
        ...warnings,
        ...user,
      });
      out.add(VITALS.diastolicBP.loinc, VITALS.diastolicBP.ucum, toMmHg(message.diastolic), time, {
        ...warnings,
        ...user,
      });
      if (message.meanArterialPressure !== undefined) {
        const map = DEVICE_CODES.meanArterialPressure;
        out.add(map.loinc, map.ucum, toMmHg(message.meanArterialPressure), time, {
          ...warnings,
          ...user,
        });
      }
      if (message.pulseRateBpm !== undefined) {
        out.add(VITALS.heartRate.loinc, VITALS.heartRate.ucum, message.pulseRateBpm, time, {
          ...warnings,
          ...user,
        });
      }
      break;
    }
    case 'temperature': {
      const time = timeFor(message.timestamp, ctx);
      const def = VITALS.temperature;
      const value =
        message.unit === 'degF'
          ? roundTo(fahrenheitToCelsius(message.temperature), def.decimals)
          : message.temperature;
      out.add(
        def.loinc,
        def.ucum,
        value,
        time,
        message.temperatureType ? { bodySite: message.temperatureType } : {},
      );
      break;
    }
    case 'plxSpotCheck':
    case 'plxContinuous': {
      const timestamp =
        message.kind === 'plxSpotCheck' && !message.deviceClockNotSet
          ? message.timestamp
          : undefined;
      const time = timeFor(timestamp, ctx);
      const measurement = message.measurementStatus?.set ?? [];
      const device = message.deviceSensorStatus?.set ?? [];
      const reasons: RejectionReason[] = [
        ...measurement.filter((f) => PLX_REJECT_MEASUREMENT.includes(f)),
        ...device.filter((f) => PLX_REJECT_DEVICE.includes(f)),
      ];
      const warnings: DeviceWarning[] = [
        ...measurement.filter((f): f is DeviceWarning & PlxMeasurementStatusFlag =>
          PLX_WARN_MEASUREMENT.includes(f),
        ),
        ...device.filter((f) => !PLX_REJECT_DEVICE.includes(f)),
      ];
      const pr = DEVICE_CODES.pulseRateByOximetry;
      if (reasons.length > 0) {
        out.reject(VITALS.spo2.loinc, reasons);
        out.reject(pr.loinc, reasons);
        break;
      }
      out.add(
        VITALS.spo2.loinc,
        VITALS.spo2.ucum,
        message.spo2Percent,
        time,
        warningsFlag(warnings),
      );
      out.add(pr.loinc, pr.ucum, message.pulseRateBpm, time, warningsFlag(warnings));
      break;
    }
    case 'weight': {
      const time = timeFor(message.timestamp, ctx);
      const imperial = message.units === 'imperial';
      const user =
        message.userId !== undefined && message.userId !== 0xff ? { userId: message.userId } : {};
      const w = VITALS.weight;
      out.add(
        w.loinc,
        w.ucum,
        imperial ? roundTo(lbToKg(message.weight), w.decimals) : message.weight,
        time,
        user,
      );
      if (message.height !== undefined) {
        const h = VITALS.height;
        const cm = imperial
          ? roundTo(inToCm(message.height), h.decimals)
          : roundTo(Number(`${message.height}e2`), 3);
        out.add(h.loinc, h.ucum, cm, time, user);
      }
      if (message.bmi !== undefined)
        out.add(DEVICE_CODES.bmi.loinc, DEVICE_CODES.bmi.ucum, message.bmi, time, user);
      break;
    }
    case 'glucose': {
      if (!message.concentration) break;
      const time = timeFor(message.baseTime, ctx, message.timeOffsetMinutes ?? 0);
      const status = message.sensorStatus?.set ?? [];
      const def = VITALS.bloodGlucose;
      const reasons = status.filter((f) => GLUCOSE_REJECT.includes(f));
      if (
        message.concentration.type === 'controlSolution' ||
        message.concentration.sampleLocation === 'controlSolution'
      ) {
        // A control-solution test checks the meter; it is not the patient's glucose.
        out.reject(def.loinc, ['noReading']);
        break;
      }
      if (reasons.length > 0) {
        out.reject(def.loinc, reasons);
        break;
      }
      const warnings: DeviceWarning[] = [];
      if (status.includes('deviceBatteryLow')) warnings.push('deviceBatteryLow');
      if (status.includes('timeFault')) warnings.push('deviceTimeFault');
      const c = message.concentration;
      const mmol =
        c.unit === 'mol/L' ? glucoseMolPerLToMmolPerL(c.value) : glucoseKgPerLToMmolPerL(c.value);
      out.add(def.loinc, def.ucum, roundTo(mmol, def.decimals), time, warningsFlag(warnings));
      break;
    }
    case 'cms50Sample': {
      const time = timeFor(undefined, ctx);
      const pr = DEVICE_CODES.pulseRateByOximetry;
      const reasons: RejectionReason[] = message.fingerOut
        ? ['fingerOut']
        : message.searching
          ? ['searching']
          : ['noReading'];
      if (message.spo2Percent === null) out.reject(VITALS.spo2.loinc, reasons);
      else out.add(VITALS.spo2.loinc, VITALS.spo2.ucum, message.spo2Percent, time);
      if (message.pulseRateBpm === null) out.reject(pr.loinc, reasons);
      else out.add(pr.loinc, pr.ucum, message.pulseRateBpm, time);
      break;
    }
    case 'intermediateCuffPressure': // inflation progress, not a measurement
    case 'weightScaleFeature':
    case 'glucoseContext': // context for a glucose reading, not an observation on its own
    case 'batteryLevel':
    case 'deviceInfo':
    case 'dateTime':
      break;
    default: {
      const unreachable: never = message;
      throw new Error(`unhandled device message ${JSON.stringify(unreachable)}`);
    }
  }
  return { observations: out.observations, rejected: out.rejected };
}
