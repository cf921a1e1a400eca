import { describe, expect, it } from 'vitest';
import { scoreCliInput } from './cli';
import { RULESET_VERSION } from './meta';

const full = {
  respiratoryRate: 22,
  spo2: 95,
  spo2Scale: 1,
  onOxygen: false,
  systolicBP: 105,
  diastolicBP: 70,
  pulse: 95,
  consciousness: 'A',
  temperature: 37.2,
  ageYears: 52,
  pregnant: false,
};

describe('outpost score (pure part)', () => {
  it('scores a complete adult in the documented output shape', () => {
    const r = scoreCliInput(full);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual({
      news2: {
        complete: true,
        total: 5,
        band: 'medium',
        parameters: {
          respiratoryRate: 2,
          spo2: 1,
          onOxygen: 0,
          systolicBP: 1,
          pulse: 1,
          consciousness: 0,
          temperature: 0,
        },
        response: expect.objectContaining({ monitoring: 'Observations at least every hour.' }),
        reasons: expect.arrayContaining(['Respiration rate 22/min scores 2']),
      },
      qsofa: {
        score: 1,
        positive: false,
        criteria: { respiratoryRate: true, alteredMentation: false, systolicBP: false },
      },
      notApplicable: {},
      missing: [],
      ruleset: RULESET_VERSION,
    });
  });

  it('absent fields are named in missing and their sub-scores are null', () => {
    const { temperature: _t, diastolicBP: _d, ...rest } = full;
    const r = scoreCliInput(rest);
    if (!r.ok) throw new Error('expected ok');
    expect(r.value.missing).toEqual(['diastolicBP', 'temperature']);
    expect(r.value.news2?.complete).toBe(false);
    expect(r.value.news2?.parameters.temperature).toBeNull();
    expect(r.value.news2?.response.action).toMatch(/^Incomplete/);
  });

  it('null counts as absent', () => {
    const r = scoreCliInput({ ...full, pulse: null });
    if (!r.ok) throw new Error('expected ok');
    expect(r.value.missing).toEqual(['pulse']);
  });

  it('pregnant: no NEWS2 or qSOFA, with the reason', () => {
    const r = scoreCliInput({ ...full, pregnant: true });
    if (!r.ok) throw new Error('expected ok');
    expect(r.value.news2).toBeNull();
    expect(r.value.qsofa).toBeNull();
    expect(r.value.notApplicable.news2).toMatch(/not validated in pregnancy/);
  });

  it('age 12: no NEWS2, no validated score for the age', () => {
    const r = scoreCliInput({ ...full, ageYears: 12 });
    if (!r.ok) throw new Error('expected ok');
    expect(r.value.news2).toBeNull();
    expect(r.value.notApplicable.news2).toMatch(/No validated score for ages 5–15/);
  });

  it('age 3: NEWS2 is refused and IMCI is pointed to', () => {
    const r = scoreCliInput({ ...full, ageYears: 3 });
    if (!r.ok) throw new Error('expected ok');
    expect(r.value.news2).toBeNull();
    expect(r.value.notApplicable.news2).toMatch(/IMCI/);
  });

  it('age 17: NEWS2 but not qSOFA', () => {
    const r = scoreCliInput({ ...full, ageYears: 17 });
    if (!r.ok) throw new Error('expected ok');
    expect(r.value.news2).not.toBeNull();
    expect(r.value.qsofa).toBeNull();
  });

  it('age or pregnancy absent: no score, because the chart cannot be confirmed to apply', () => {
    const { pregnant: _p, ...rest } = full;
    const r = scoreCliInput(rest);
    if (!r.ok) throw new Error('expected ok');
    expect(r.value.news2).toBeNull();
    expect(r.value.missing).toEqual(['pregnant']);
    expect(r.value.notApplicable.news2).toMatch(/pregnant not given/);
  });

  it.each([
    ['pulse', 'fast'],
    ['spo2', 101],
    ['temperature', 98.6],
    ['spo2Scale', 3],
    ['onOxygen', 'yes'],
    ['consciousness', 'alert'],
    ['ageYears', -1],
    ['pregnant', 1],
    ['systolicBP', Number.POSITIVE_INFINITY],
  ])('a bad %s (%s) is refused naming the field', (field, value) => {
    const r = scoreCliInput({ ...full, [field]: value });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.type).toBe('InvalidInput');
      expect(r.error.field).toBe(field);
      expect(r.error.message).toContain(field);
    }
  });

  it('an unknown field is refused naming it', () => {
    const r = scoreCliInput({ ...full, sbp: 120 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ field: 'sbp', message: "unknown field 'sbp'" });
  });

  it('input that is not an object is refused', () => {
    for (const input of [null, 42, 'x', [1]]) {
      const r = scoreCliInput(input);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.field).toBe('(input)');
    }
  });
});
