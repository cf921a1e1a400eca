import { describe, expect, it } from 'vitest';
import { parseBloodPressureMeasurement } from './bloodPressure';
import { encodeGlucoseMeasurement, parseGlucoseMeasurement } from './glucose';
import { FIXTURES } from './fixtures';
import { parseHeartRateMeasurement } from './heartRate';
import { correctDeviceTime, toObservations, type ObservationContext } from './observations';
import { encodePlxSpotCheck, parsePlxSpotCheck } from './plxSpotCheck';
import { parseTemperatureMeasurement } from './temperature';
import { expectOk, hex } from './testing';
import { parseWeightMeasurement } from './weight';

const nowMs = Date.UTC(2024, 2, 15, 8, 31, 0);
const ctx: ObservationContext = { nowMs };

describe('observations in canonical units', () => {
  it('a blood pressure in kPa is recorded in mm[Hg]', () => {
    const set = toObservations(
      expectOk(parseBloodPressureMeasurement(hex(FIXTURES.bloodPressure.kPa))),
      ctx,
    );
    expect(set.observations.map((o) => [o.code, o.value, o.unit])).toEqual([
      ['8480-6', 120, 'mm[Hg]'],
      ['8462-4', 80, 'mm[Hg]'],
      ['8478-0', 93, 'mm[Hg]'],
    ]);
  });
  it('blood pressure status warnings travel with the values, and the device time is used', () => {
    const set = toObservations(
      expectOk(parseBloodPressureMeasurement(hex(FIXTURES.bloodPressure.full))),
      ctx,
    );
    const systolic = set.observations.find((o) => o.code === '8480-6');
    expect(systolic?.flags?.warnings).toEqual(['bodyMovement', 'irregularPulse']);
    expect(systolic?.time).toBe(Date.UTC(2024, 2, 15, 8, 30, 0));
    expect(systolic?.flags).toMatchObject({ timeSource: 'device', userId: 1 });
    expect(set.observations.find((o) => o.code === '8867-4')?.value).toBe(72);
  });
  it('a temperature in °F is recorded in Cel', () => {
    const set = toObservations(
      expectOk(parseTemperatureMeasurement(hex(FIXTURES.temperature.fahrenheit))),
      ctx,
    );
    expect(set.observations).toEqual([
      { code: '8310-5', value: 37, unit: 'Cel', time: nowMs, flags: { timeSource: 'arrival' } },
    ]);
  });
  it('a temperature keeps its body site', () => {
    const set = toObservations(
      expectOk(parseTemperatureMeasurement(hex(FIXTURES.temperature.celsiusMouth))),
      ctx,
    );
    expect(set.observations[0]).toMatchObject({ value: 36.7, flags: { bodySite: 'mouth' } });
  });
  it('a weight in lb is recorded in kg', () => {
    const set = toObservations(expectOk(parseWeightMeasurement(hex(FIXTURES.weight.lb))), ctx);
    expect(set.observations[0]).toMatchObject({ code: '29463-7', value: 70.49, unit: 'kg' });
  });
  it('height and BMI from a scale use cm and kg/m2', () => {
    const set = toObservations(expectOk(parseWeightMeasurement(hex('081437f100e406'))), ctx);
    expect(set.observations.map((o) => [o.code, o.value, o.unit])).toEqual([
      ['29463-7', 70.5, 'kg'],
      ['8302-2', 176.4, 'cm'],
      ['39156-5', 24.1, 'kg/m2'],
    ]);
  });
  it('a glucose in kg/L is recorded in mmol/L at its corrected time', () => {
    // A record from the meter's memory: the offset learnt on connection (here 0) is supplied.
    const set = toObservations(expectOk(parseGlucoseMeasurement(hex(FIXTURES.glucose.kgPerL))), {
      ...ctx,
      learntOffsetMs: 0,
    });
    expect(set.observations[0]).toMatchObject({
      code: '15074-8',
      value: 5.3,
      unit: 'mmol/L',
      time: Date.UTC(2024, 2, 15, 7, 5),
    });
  });
  it('a glucose in mol/L is recorded in mmol/L', () => {
    const bytes = encodeGlucoseMeasurement({
      sequenceNumber: 1,
      baseTime: { year: 2024, month: 3, day: 15, hours: 8, minutes: 30, seconds: 0 },
      concentration: {
        value: 0.0061,
        unit: 'mol/L',
        type: 'capillaryPlasma',
        sampleLocation: 'finger',
      },
      contextFollows: false,
    });
    expect(
      toObservations(expectOk(parseGlucoseMeasurement(bytes)), ctx).observations[0]?.value,
    ).toBe(6.1);
  });
  it('a glucose the meter cannot measure ("HI") is withheld with its reason, never recorded as a number', () => {
    const bytes = encodeGlucoseMeasurement({
      sequenceNumber: 1,
      baseTime: { year: 2024, month: 3, day: 15, hours: 8, minutes: 30, seconds: 0 },
      concentration: {
        value: 0.006,
        unit: 'kg/L',
        type: 'capillaryPlasma',
        sampleLocation: 'finger',
      },
      sensorStatus: { set: ['resultHigherThanDeviceCanProcess'], reservedBits: 0 },
      contextFollows: false,
    });
    const set = toObservations(expectOk(parseGlucoseMeasurement(bytes)), ctx);
    expect(set.observations).toEqual([]);
    expect(set.rejected).toEqual([
      { code: '15074-8', reasons: ['resultHigherThanDeviceCanProcess'] },
    ]);
  });
  it('a heart rate without sensor contact is withheld', () => {
    const set = toObservations(
      expectOk(parseHeartRateMeasurement(hex(FIXTURES.heartRate.noContact))),
      ctx,
    );
    expect(set.observations).toEqual([]);
    expect(set.rejected[0]?.reasons).toEqual(['noSensorContact']);
  });
  it('an oximeter reading marked invalid or for demonstration is withheld', () => {
    for (const flag of ['invalidMeasurementDetected', 'dataForDemonstration'] as const) {
      const bytes = encodePlxSpotCheck({
        spo2Percent: 99,
        pulseRateBpm: 60,
        measurementStatus: { set: [flag], reservedBits: 0 },
        deviceClockNotSet: false,
      });
      const set = toObservations(expectOk(parsePlxSpotCheck(bytes)), ctx);
      expect(set.observations).toEqual([]);
      expect(set.rejected.map((r) => r.code)).toEqual(['59408-5', '8889-8']);
    }
  });
  it('low perfusion is a warning, not a rejection', () => {
    const bytes = encodePlxSpotCheck({
      spo2Percent: 94,
      pulseRateBpm: 60,
      deviceSensorStatus: { set: ['lowPerfusionDetected'], reservedBits: 0 },
      deviceClockNotSet: false,
    });
    const set = toObservations(expectOk(parsePlxSpotCheck(bytes)), ctx);
    expect(set.observations[0]?.flags?.warnings).toEqual(['lowPerfusionDetected']);
  });
  it('a spot-check whose device clock is not set uses the arrival time', () => {
    const bytes = encodePlxSpotCheck({
      spo2Percent: 94,
      pulseRateBpm: 60,
      timestamp: { year: 2000, month: 1, day: 1, hours: 0, minutes: 0, seconds: 0 },
      deviceClockNotSet: true,
    });
    const set = toObservations(expectOk(parsePlxSpotCheck(bytes)), ctx);
    expect(set.observations[0]).toMatchObject({ time: nowMs, flags: { timeSource: 'arrival' } });
  });
});

describe('device clock correction', () => {
  it('a device time within tolerance is trusted', () => {
    expect(correctDeviceTime(nowMs - 60_000, nowMs, { maxSkewMs: 300_000 })).toEqual({
      timeMs: nowMs - 60_000,
      deviceTimeMs: nowMs - 60_000,
      clockSkewed: false,
      offsetMs: -60_000,
    });
  });
  it('a live reading from a device clock two hours fast is flagged and corrected to the arrival time', () => {
    const device = nowMs + 2 * 3600_000;
    expect(correctDeviceTime(device, nowMs, { maxSkewMs: 300_000 })).toEqual({
      timeMs: nowMs,
      deviceTimeMs: device,
      clockSkewed: true,
      offsetMs: 2 * 3600_000,
    });
  });
  it('a stored reading is corrected by the offset learnt when the device connected', () => {
    const learntOffsetMs = -3 * 365 * 86_400_000; // clock reset to years ago
    const takenAt = nowMs - 86_400_000;
    const r = correctDeviceTime(takenAt + learntOffsetMs, nowMs, {
      maxSkewMs: 300_000,
      learntOffsetMs,
    });
    expect(r).toMatchObject({ timeMs: takenAt, clockSkewed: true, offsetMs: learntOffsetMs });
  });
  it('a time still in the future after correction is clamped to now and flagged', () => {
    const r = correctDeviceTime(nowMs + 86_400_000, nowMs, {
      maxSkewMs: 300_000,
      learntOffsetMs: 0,
    });
    expect(r).toMatchObject({ timeMs: nowMs, clockSkewed: true });
  });
  it('observations carry the skew flag and the measured offset', () => {
    const skewed = expectOk(parseBloodPressureMeasurement(hex(FIXTURES.bloodPressure.full)));
    const set = toObservations(skewed, { nowMs: nowMs + 86_400_000 });
    expect(set.observations[0]).toMatchObject({
      time: nowMs + 86_400_000,
      deviceTime: Date.UTC(2024, 2, 15, 8, 30),
      flags: {
        clockSkewed: true,
        clockOffsetMs: Date.UTC(2024, 2, 15, 8, 30) - nowMs - 86_400_000,
      },
    });
  });
});
