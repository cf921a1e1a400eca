import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addCondition,
  closeEncounter,
  createPatient,
  readPatient,
  startEncounter,
  type ReadingInput,
} from '@outpost/shared/model';
import { createTestContext, TEST_CLINIC_ID } from '@outpost/shared/model/fixtures';
import {
  adultBandApplies,
  heartFailureWeightFlag,
  scoreHistory,
  vitalSeries,
} from './patient-trends';
import { saveReadings } from './visit';

const DAY = 86_400_000;

function patient(options: { ageYears: number; heartFailure?: boolean; visits: ReadingInput[][] }) {
  const ctx = createTestContext({ startMs: Date.parse('2026-01-01T08:00:00Z') });
  const doc = new Y.Doc();
  createPatient(doc, ctx, {
    homeClinicId: TEST_CLINIC_ID,
    profile: { givenName: 'Test' },
    sex: 'male',
    dateOfBirth: { ageYears: options.ageYears },
  });
  if (options.heartFailure) addCondition(doc, ctx, { name: 'Heart failure' });
  for (const readings of options.visits) {
    ctx.clock.advance(DAY);
    const encounter = startEncounter(doc, ctx, {});
    if (!encounter.ok) throw new Error('no encounter');
    saveReadings(doc, ctx, { encounterId: encounter.value, readings, source: { kind: 'typed' } });
    closeEncounter(doc, ctx, { encounterId: encounter.value });
  }
  const view = readPatient(doc);
  if (!view.ok) throw new Error('unreadable');
  return { view: view.value, now: ctx.clock.now() };
}

describe('patient trends', () => {
  it('charts each vital across visits, with the adult NEWS2 0-score band', () => {
    const { view, now } = patient({
      ageYears: 40,
      visits: [
        [
          { key: 'heartRate', value: 96 },
          { key: 'diastolicBP', value: 90 },
        ],
        [{ key: 'heartRate', value: 84 }],
      ],
    });
    expect(adultBandApplies(view, now)).toBe(true); // a man of 40: NEWS2 applies
    const series = vitalSeries(view.encounters, true);
    expect(series.map((s) => s.key)).toEqual(['heartRate', 'diastolicBP']);
    expect(series[0]!.points.map((p) => p.value)).toEqual([96, 84]);
    expect(series[0]!.band).toEqual([51, 90]);
    expect(series[1]!.band).toBeUndefined();
    expect(vitalSeries(view.encounters, false)[0]!.band).toBeUndefined();
  });

  it('shades no band for a child (no cited band)', () => {
    const { view, now } = patient({ ageYears: 6, visits: [[{ key: 'heartRate', value: 100 }]] });
    expect(adultBandApplies(view, now)).toBe(false);
  });

  it('lists each visit’s stored score with its rule-set version, newest first', () => {
    const { view } = patient({
      ageYears: 40,
      visits: [[{ key: 'heartRate', value: 96 }], [{ key: 'heartRate', value: 140 }]],
    });
    const history = scoreHistory(view.encounters);
    expect(history).toHaveLength(2);
    expect(history[0]!.at).toBeGreaterThan(history[1]!.at);
    expect(history[0]!.rulesetVersion).toMatch(/^outpost-risk-/);
  });

  it('flags a heart-failure patient whose weight rose more than 2 kg in 3 days', () => {
    const visits = [
      [{ key: 'weight' as const, value: 70 }],
      [{ key: 'weight' as const, value: 72.5 }],
    ];
    const hf = patient({ ageYears: 60, heartFailure: true, visits });
    expect(heartFailureWeightFlag(hf.view, hf.view.encounters, hf.now)).toEqual({ gainKg: 2.5 });
    const other = patient({ ageYears: 60, visits });
    expect(heartFailureWeightFlag(other.view, other.view.encounters, other.now)).toBeUndefined();
    const small = patient({
      ageYears: 60,
      heartFailure: true,
      visits: [[{ key: 'weight', value: 70 }], [{ key: 'weight', value: 72 }]],
    });
    expect(heartFailureWeightFlag(small.view, small.view.encounters, small.now)).toBeUndefined();
  });
});
