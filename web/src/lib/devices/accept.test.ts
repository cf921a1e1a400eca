import type { Observation } from '@outpost/shared/devices';
import { describe, expect, it } from 'vitest';
import { acceptedReading, readingValues } from './accept';

const at = Date.UTC(2025, 2, 10, 9, 0);
const obs = (
  code: string,
  value: number,
  unit: string,
  extra: Partial<Observation> = {},
): Observation => ({
  code,
  value,
  unit,
  time: at,
  flags: { timeSource: 'device' },
  ...extra,
});

describe('accepting a device reading', () => {
  it('a blood pressure reading becomes systolic, diastolic and heart rate with the device as source; MAP is shown only', () => {
    const reading = {
      deviceId: 'cuff-1',
      deviceName: 'Clinic cuff',
      observations: [
        obs('8480-6', 128, 'mm[Hg]', { deviceTime: at + 60_000 }),
        obs('8462-4', 82, 'mm[Hg]'),
        obs('8478-0', 97, 'mm[Hg]'),
        obs('8867-4', 74, '/min'),
      ],
    };
    expect(
      readingValues(reading.observations).find((v) => v.key === 'meanArterialPressure')?.saved,
    ).toBe(false);
    expect(acceptedReading(reading)).toEqual({
      readings: [
        { key: 'systolicBP', value: 128, unit: 'mm[Hg]' },
        { key: 'diastolicBP', value: 82, unit: 'mm[Hg]' },
        { key: 'heartRate', value: 74, unit: '/min' },
      ],
      source: {
        kind: 'device',
        deviceId: 'cuff-1',
        deviceName: 'Clinic cuff',
        deviceTime: at + 60_000,
      },
      effectiveAt: at,
    });
  });

  it('the oximeter pulse rate is recorded as the heart rate', () => {
    const accepted = acceptedReading({
      deviceId: 'ox',
      observations: [obs('59408-5', 95, '%'), obs('8889-8', 88, '/min')],
    });
    expect(accepted?.readings).toEqual([
      { key: 'spo2', value: 95, unit: '%' },
      { key: 'heartRate', value: 88, unit: '/min' },
    ]);
  });

  it('an unusual value is highlighted and accepting it confirms it', () => {
    const values = readingValues([obs('59408-5', 76, '%')]);
    expect(values[0]?.check).toBe('unusual');
    expect(
      acceptedReading({ deviceId: 'ox', observations: [obs('59408-5', 76, '%')] })?.readings,
    ).toEqual([{ key: 'spo2', value: 76, unit: '%', confirmed: true }]);
  });

  it('an impossible value is never offered for saving', () => {
    const values = readingValues([obs('8310-5', 47, 'Cel')]);
    expect(values[0]).toMatchObject({ check: 'impossible', saved: false });
    expect(
      acceptedReading({ deviceId: 't', observations: [obs('8310-5', 47, 'Cel')] }),
    ).toBeUndefined();
  });
});
