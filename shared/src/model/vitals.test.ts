import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import type { EncounterId } from '../ids';
import { getOrThrow } from '../result';
import { TEST_CLINIC_ID, createTestContext, type TestContext } from './fixtures';
import {
  createPatient,
  markEnteredInError,
  recordVitals,
  startEncounter,
  type ReadingInput,
} from './patient';
import { roundTo } from './readings';
import { expectRefused, updateSize, view } from './testSupport';

function setup(): { doc: Y.Doc; ctx: TestContext; encounterId: EncounterId } {
  const ctx = createTestContext();
  const doc = new Y.Doc();
  getOrThrow(
    createPatient(doc, ctx, { homeClinicId: TEST_CLINIC_ID, profile: { givenName: 'Femi' } }),
  );
  const encounterId = getOrThrow(startEncounter(doc, ctx, {}));
  return { doc, ctx, encounterId };
}

const typed = { kind: 'typed' } as const;

function recordOne(reading: ReadingInput) {
  const { doc, ctx, encounterId } = setup();
  const result = recordVitals(doc, ctx, { encounterId, source: typed, readings: [reading] });
  return { doc, result, observations: view(doc).encounters[0]?.observations ?? [] };
}

describe('recordVitals', () => {
  test('several readings taken together are stored with codes, units, author, source and effective time', () => {
    const { doc, ctx, encounterId } = setup();
    const effectiveAt = ctx.clock.now() - 60_000;
    ctx.clock.advance(1000);
    const ids = getOrThrow(
      recordVitals(doc, ctx, {
        encounterId,
        effectiveAt,
        source: {
          kind: 'device',
          deviceId: 'AA:BB:CC:DD',
          deviceName: 'Oximeter',
          deviceTime: effectiveAt + 5,
        },
        readings: [
          { key: 'spo2', value: 97 },
          { key: 'heartRate', value: 88 },
          { key: 'consciousness', value: 'C' },
          { key: 'supplementalOxygen', value: false },
        ],
      }),
    );
    const observations = view(doc).encounters[0]!.observations;
    expect(observations.map((o) => o.id)).toEqual(ids);
    expect(observations[0]).toEqual({
      id: ids[0],
      encounterId,
      key: 'spo2',
      system: 'http://loinc.org',
      code: '59408-5',
      display: 'Oxygen saturation (SpO2)',
      value: 97,
      unit: '%',
      confirmedUnusual: false,
      effectiveAt,
      recordedAt: ctx.clock.now(),
      recordedBy: ctx.actor,
      source: {
        kind: 'device',
        deviceId: 'AA:BB:CC:DD',
        deviceName: 'Oximeter',
        deviceTime: effectiveAt + 5,
      },
      status: 'final',
    });
    expect(observations[2]).toMatchObject({
      key: 'consciousness',
      system: 'http://loinc.org',
      code: '67775-7',
      value: 'C',
      valueCode: 'LA6560-2',
    });
    expect(observations[3]).toMatchObject({
      key: 'supplementalOxygen',
      system: 'http://snomed.info/sct',
      code: '371825009',
      value: false,
    });
    expect(view(doc).latest.heartRate?.value).toBe(88);
  });

  describe('unit conversion into the catalogue unit is exact to its decimals', () => {
    test.each<[ReadingInput, number, string]>([
      [{ key: 'temperature', value: 98.6, unit: '[degF]' }, 37, 'Cel'],
      [{ key: 'temperature', value: 102.2, unit: '[degF]' }, 39, 'Cel'],
      [{ key: 'temperature', value: 100.4, unit: '[degF]' }, 38, 'Cel'],
      [{ key: 'systolicBP', value: 16, unit: 'kPa' }, 120, 'mm[Hg]'],
      [{ key: 'diastolicBP', value: 10.7, unit: 'kPa' }, 80, 'mm[Hg]'],
      [{ key: 'weight', value: 150, unit: '[lb_av]' }, 68.04, 'kg'],
      [{ key: 'weight', value: 3250, unit: 'g' }, 3.25, 'kg'],
      [{ key: 'height', value: 70, unit: '[in_i]' }, 177.8, 'cm'],
      [{ key: 'bloodGlucose', value: 180, unit: 'mg/dL' }, 10, 'mmol/L'],
      [{ key: 'bloodGlucose', value: 90, unit: 'mg/dL' }, 5, 'mmol/L'],
      [{ key: 'muac', value: 11.5, unit: 'cm' }, 115, 'mm'],
      [{ key: 'temperature', value: 37.25 }, 37.3, 'Cel'],
    ])('%j is stored as %d %s, keeping what was entered', (reading, value, unit) => {
      const { observations } = recordOne(reading);
      expect(observations[0]).toMatchObject({ value, unit });
      if ('unit' in reading && reading.unit !== undefined)
        expect(observations[0]?.entered).toEqual({ value: reading.value, unit: reading.unit });
      else expect(observations[0]?.entered).toBeUndefined();
    });

    test('rounding ignores binary noise and rounds halves away from zero', () => {
      expect(roundTo(36.99999999999999, 1)).toBe(37);
      expect(roundTo(1.005, 2)).toBe(1.01);
      expect(roundTo(-0.5, 0)).toBe(-1);
      expect(roundTo(0.0001, 1)).toBe(0);
    });

    test('a unit not accepted for the vital is refused naming the reading unit', () => {
      const { doc, ctx, encounterId } = setup();
      expectRefused(
        doc,
        () =>
          recordVitals(doc, ctx, {
            encounterId,
            source: typed,
            readings: [
              { key: 'heartRate', value: 80 },
              { key: 'temperature', value: 37, unit: 'K' },
            ],
          }),
        {
          type: 'ValidationFailed',
          field: 'readings.1.unit',
        },
      );
    });
  });

  describe('plausibility', () => {
    test('an impossible value is refused even when confirmed', () => {
      const { doc, ctx, encounterId } = setup();
      expectRefused(
        doc,
        () =>
          recordVitals(doc, ctx, {
            encounterId,
            source: typed,
            readings: [{ key: 'temperature', value: 98.6, confirmed: true }],
          }),
        {
          type: 'ImplausibleVitalSign',
          key: 'temperature',
          value: 98.6,
          unit: 'Cel',
          limits: { min: 25, max: 45 },
          verdict: 'impossible',
        },
      );
    });

    test('an impossible value after conversion is refused', () => {
      const { doc, ctx, encounterId } = setup();
      expectRefused(
        doc,
        () =>
          recordVitals(doc, ctx, {
            encounterId,
            source: typed,
            readings: [{ key: 'systolicBP', value: 120, unit: 'kPa' }],
          }),
        {
          type: 'ImplausibleVitalSign',
          key: 'systolicBP',
          verdict: 'impossible',
        },
      );
    });

    test('an unusual value needs confirmation, and is stored marked once confirmed', () => {
      const { doc, ctx, encounterId } = setup();
      expectRefused(
        doc,
        () =>
          recordVitals(doc, ctx, {
            encounterId,
            source: typed,
            readings: [{ key: 'heartRate', value: 190 }],
          }),
        {
          type: 'ImplausibleVitalSign',
          key: 'heartRate',
          value: 190,
          limits: { min: 40, max: 180 },
          verdict: 'needs-confirmation',
        },
      );
      getOrThrow(
        recordVitals(doc, ctx, {
          encounterId,
          source: typed,
          readings: [{ key: 'heartRate', value: 190, confirmed: true }],
        }),
      );
      expect(view(doc).latest.heartRate).toMatchObject({ value: 190, confirmedUnusual: true });
    });

    test('limits are inclusive', () => {
      expect(recordOne({ key: 'spo2', value: 80 }).result.ok).toBe(true);
      expect(recordOne({ key: 'heartRate', value: 300, confirmed: true }).result.ok).toBe(true);
      expect(recordOne({ key: 'heartRate', value: 301, confirmed: true }).result.ok).toBe(false);
    });

    test('one implausible reading refuses the whole set', () => {
      const { doc, ctx, encounterId } = setup();
      expectRefused(
        doc,
        () =>
          recordVitals(doc, ctx, {
            encounterId,
            source: typed,
            readings: [
              { key: 'heartRate', value: 80 },
              { key: 'spo2', value: 20 },
            ],
          }),
        {
          type: 'ImplausibleVitalSign',
          key: 'spo2',
        },
      );
    });
  });

  test.each<[Record<string, unknown>, string]>([
    [{ readings: [] }, 'readings'],
    [{ readings: [{ key: 'pulse', value: 80 }] }, 'readings.0.key'],
    [{ readings: [{ key: 'heartRate', value: '80' }] }, 'readings.0.value'],
    [{ readings: [{ key: 'heartRate', value: Number.POSITIVE_INFINITY }] }, 'readings.0.value'],
    [
      {
        readings: [
          { key: 'heartRate', value: 80 },
          { key: 'heartRate', value: 82 },
        ],
      },
      'readings.1.key',
    ],
    [{ readings: [{ key: 'consciousness', value: 'X' }] }, 'readings.0.value'],
    [{ readings: [{ key: 'supplementalOxygen', value: 'yes' }] }, 'readings.0.value'],
    [{ readings: [{ key: 'heartRate', value: 80, note: 'x' }] }, 'readings.0.note'],
    [{ source: { kind: 'guess' } }, 'source.kind'],
    [{ source: { kind: 'device' } }, 'source.deviceId'],
    [{ source: undefined }, 'source'],
    [{ effectiveAt: -5 }, 'effectiveAt'],
    [{ effectiveAt: 1.5 }, 'effectiveAt'],
    [{ effectiveAt: Date.UTC(2030, 0, 1) }, 'effectiveAt'],
    [{ encounterId: 'enc-1' }, 'encounterId'],
  ])('invalid input %j is refused naming %s', (patch, field) => {
    const { doc, ctx, encounterId } = setup();
    const input = {
      encounterId,
      source: typed,
      readings: [{ key: 'heartRate', value: 80 }],
      ...patch,
    };
    expectRefused(doc, () => recordVitals(doc, ctx, input as never), {
      type: 'ValidationFailed',
      field,
    });
  });

  test('recording 6 vitals adds an update of less than 1 KB (entries are plain JSON)', () => {
    const { doc, ctx, encounterId } = setup();
    const bytes = updateSize(doc, () => {
      getOrThrow(
        recordVitals(doc, ctx, {
          encounterId,
          source: { kind: 'device', deviceId: 'AA:BB:CC:DD:EE:FF' },
          readings: [
            { key: 'heartRate', value: 88 },
            { key: 'respiratoryRate', value: 18 },
            { key: 'spo2', value: 97 },
            { key: 'systolicBP', value: 16.2, unit: 'kPa' },
            { key: 'diastolicBP', value: 82 },
            { key: 'temperature', value: 99.1, unit: '[degF]' },
          ],
        }),
      );
    });
    expect(bytes).toBeLessThan(1024);
  });
});

describe('markEnteredInError', () => {
  function withTwoTemperatures() {
    const { doc, ctx, encounterId } = setup();
    const [first] = getOrThrow(
      recordVitals(doc, ctx, {
        encounterId,
        source: typed,
        readings: [{ key: 'temperature', value: 37.2 }],
      }),
    );
    ctx.clock.advance(60_000);
    const [wrong] = getOrThrow(
      recordVitals(doc, ctx, {
        encounterId,
        source: typed,
        readings: [{ key: 'temperature', value: 41, confirmed: true }],
      }),
    );
    return { doc, ctx, encounterId, first: first!, wrong: wrong! };
  }

  test('the observation stays, marked with reason, who and when, and leaves latest values', () => {
    const { doc, ctx, first, wrong } = withTwoTemperatures();
    expect(view(doc).latest.temperature?.id).toBe(wrong);
    ctx.clock.advance(1000);
    getOrThrow(
      markEnteredInError(doc, ctx, { observationId: wrong, reason: 'Typed 41 instead of 37.1' }),
    );
    const patient = view(doc);
    expect(patient.encounters[0]?.observations.map((o) => [o.id, o.status])).toEqual([
      [first, 'final'],
      [wrong, 'entered-in-error'],
    ]);
    expect(patient.encounters[0]?.observations[1]).toMatchObject({
      value: 41,
      error: { reason: 'Typed 41 instead of 37.1', by: ctx.actor, at: ctx.clock.now() },
    });
    expect(patient.latest.temperature?.id).toBe(first);
  });

  test('a replacement is recorded with the original effective time and linked', () => {
    const { doc, ctx, wrong } = withTwoTemperatures();
    const original = view(doc).latest.temperature!;
    ctx.clock.advance(5000);
    const { replacementId } = getOrThrow(
      markEnteredInError(doc, ctx, {
        observationId: wrong,
        reason: 'typo',
        replacement: { key: 'temperature', value: 37.1 },
      }),
    );
    const patient = view(doc);
    expect(patient.latest.temperature).toMatchObject({
      id: replacementId,
      value: 37.1,
      effectiveAt: original.effectiveAt,
      status: 'final',
    });
    expect(patient.encounters[0]?.observations.find((o) => o.id === wrong)?.error?.replacedBy).toBe(
      replacementId,
    );
  });

  test('corrections are allowed after the encounter is closed', async () => {
    const { doc, ctx, encounterId, wrong } = withTwoTemperatures();
    const { closeEncounter } = await import('./patient');
    getOrThrow(closeEncounter(doc, ctx, { encounterId }));
    expect(markEnteredInError(doc, ctx, { observationId: wrong, reason: 'typo' }).ok).toBe(true);
  });

  test('unknown, already-marked, and wrong-key or implausible replacements are refused', () => {
    const { doc, ctx, wrong } = withTwoTemperatures();
    const unknown = '0190a000-0000-7000-8000-000000000bad';
    expectRefused(
      doc,
      () => markEnteredInError(doc, ctx, { observationId: unknown, reason: 'x' }),
      { type: 'UnknownObservation', observationId: unknown },
    );
    expectRefused(
      doc,
      () =>
        markEnteredInError(doc, ctx, {
          observationId: wrong,
          reason: 'x',
          replacement: { key: 'heartRate', value: 80 },
        }),
      {
        type: 'ValidationFailed',
        field: 'replacement.key',
      },
    );
    expectRefused(
      doc,
      () =>
        markEnteredInError(doc, ctx, {
          observationId: wrong,
          reason: 'x',
          replacement: { key: 'temperature', value: 98.6 },
        }),
      {
        type: 'ImplausibleVitalSign',
        verdict: 'impossible',
      },
    );
    getOrThrow(markEnteredInError(doc, ctx, { observationId: wrong, reason: 'x' }));
    expectRefused(
      doc,
      () => markEnteredInError(doc, ctx, { observationId: wrong, reason: 'again' }),
      { type: 'AlreadyEnteredInError', observationId: wrong },
    );
  });
});
