import { describe, expect, it } from 'vitest';
import { decodeLine } from './decode';
import { FIXTURES } from './fixtures';

const nowMs = Date.UTC(2024, 2, 15, 8, 31, 0);

describe('decodeLine (outpost decode)', () => {
  it('decodes a blood pressure characteristic into observations and fields', () => {
    const out = decodeLine({ characteristic: '2A35', hex: FIXTURES.bloodPressure.kPa }, nowMs);
    expect(out).toMatchObject({
      observations: [
        { code: '8480-6', value: 120, unit: 'mm[Hg]', time: '2024-03-15T08:31:00.000Z' },
        { code: '8462-4', value: 80, unit: 'mm[Hg]' },
        { code: '8478-0', value: 93, unit: 'mm[Hg]' },
      ],
      fields: {
        characteristic: '2a35',
        kind: 'bloodPressure',
        unit: 'kPa',
        systolic: 16,
        diastolic: 10.7,
      },
    });
  });
  it('accepts 0x-prefixed and full 128-bit UUIDs', () => {
    for (const characteristic of ['0x2a1c', '00002a1c-0000-1000-8000-00805f9b34fb']) {
      expect(
        decodeLine({ characteristic, hex: FIXTURES.temperature.fahrenheit }, nowMs),
      ).toHaveProperty('observations');
    }
  });
  it('decodes a CMS50 capture', () => {
    const out = decodeLine(
      { protocol: 'cms50', hex: FIXTURES.cms50.packet + FIXTURES.cms50.packet },
      nowMs,
    );
    expect(out).toMatchObject({
      observations: [
        { code: '59408-5', value: 97, unit: '%' },
        { code: '8889-8', value: 72, unit: '/min' },
        { code: '59408-5', value: 97, unit: '%' },
        { code: '8889-8', value: 72, unit: '/min' },
      ],
      fields: { protocol: 'cms50' },
    });
  });
  it.each([
    [{ characteristic: '2a35', hex: '0078' }, 'TruncatedPacket'],
    [{ characteristic: '2a35', hex: '00780050005d0000' }, 'TrailingBytes'],
    [{ characteristic: '2a35', hex: '0xzz' }, 'BadHex'],
    [{ characteristic: '2a35', hex: '007' }, 'BadHex'],
    [{ characteristic: 'ffff', hex: '00' }, 'UnknownCharacteristic'],
    [{ characteristic: 'blood', hex: '00' }, 'InvalidInput'],
    [{ hex: '00' }, 'InvalidInput'],
    [{ characteristic: '2a35' }, 'InvalidInput'],
    [null, 'InvalidInput'],
    [[1, 2], 'InvalidInput'],
    [{ protocol: 'nonin', hex: '00' }, 'UnknownProtocol'],
    [{ protocol: 'cms50', hex: '864005' }, 'TruncatedPacket'],
    [{ protocol: 'cms50', hex: '' }, 'NoPacket'],
    [{ characteristic: '2a35', hex: '00ff07500064 00' }, 'NotANumber'],
  ])('%j is refused as %s', (input, code) => {
    const out = decodeLine(input, nowMs);
    expect(out).toHaveProperty('error.code', code);
    expect(typeof (out as { error: { message: string } }).error.message).toBe('string');
  });
  it('reports withheld values', () => {
    const out = decodeLine({ characteristic: '2a37', hex: FIXTURES.heartRate.noContact }, nowMs);
    expect(out).toMatchObject({
      observations: [],
      rejected: [{ code: '8867-4', reasons: ['noSensorContact'] }],
    });
  });
  it('output survives JSON unchanged (no undefined, NaN or Infinity)', () => {
    for (const [characteristic, hex] of [
      ['2a35', FIXTURES.bloodPressure.full],
      ['2a35', FIXTURES.bloodPressure.mapNaN],
      ['2a18', FIXTURES.glucose.kgPerL],
      ['2a9d', FIXTURES.weight.lb],
      ['2a37', FIXTURES.heartRate.contactWithRr],
    ] as const) {
      const out = decodeLine({ characteristic, hex }, nowMs);
      expect(JSON.parse(JSON.stringify(out))).toEqual(out);
    }
  });
});
