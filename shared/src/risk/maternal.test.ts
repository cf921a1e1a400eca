import { describe, expect, it } from 'vitest';
import {
  assessMeows,
  consciousnessZone,
  diastolicZone,
  heartRateZone,
  MEOWS_META,
  respiratoryRateZone,
  spo2Zone,
  systolicZone,
  temperatureZone,
  type MeowsInput,
  type MeowsZone,
} from './maternal';

const wellWoman: Required<MeowsInput> = {
  temperatureCel: 36.8,
  systolicMmHg: 115,
  diastolicMmHg: 70,
  heartRatePerMin: 80,
  respiratoryRatePerMin: 16,
  spo2Percent: 98,
  consciousness: 'A',
};

const rows = (r: readonly (readonly [number, MeowsZone])[]) => r;

describe('MEOWS zones at both sides of every limit (as transcribed from Singh 2012 Table 1)', () => {
  it.each(
    rows([
      [34.9, 'red'],
      [35, 'yellow'],
      [36, 'yellow'],
      [36.1, 'none'],
      [38, 'none'],
      [38.1, 'red'],
    ]),
  )('temperature %s °C is %s', (v, zone) => expect(temperatureZone(v)).toBe(zone));
  it.each(
    rows([
      [89, 'red'],
      [90, 'yellow'],
      [100, 'yellow'],
      [101, 'none'],
      [149, 'none'],
      [150, 'yellow'],
      [160, 'yellow'],
      [161, 'red'],
    ]),
  )('systolic %s mmHg is %s', (v, zone) => expect(systolicZone(v)).toBe(zone));
  it.each(
    rows([
      [89, 'none'],
      [90, 'yellow'],
      [100, 'yellow'],
      [101, 'red'],
    ]),
  )('diastolic %s mmHg is %s', (v, zone) => expect(diastolicZone(v)).toBe(zone));
  it.each(
    rows([
      [39, 'red'],
      [40, 'yellow'],
      [50, 'yellow'],
      [51, 'none'],
      [99, 'none'],
      [100, 'yellow'],
      [120, 'yellow'],
      [121, 'red'],
    ]),
  )('heart rate %s/min is %s', (v, zone) => expect(heartRateZone(v)).toBe(zone));
  it.each(
    rows([
      [9, 'red'],
      [10, 'none'],
      [20, 'none'],
      [21, 'yellow'],
      [30, 'yellow'],
      [31, 'red'],
    ]),
  )('respiratory rate %s/min is %s', (v, zone) => expect(respiratoryRateZone(v)).toBe(zone));
  it.each(
    rows([
      [94, 'red'],
      [95, 'none'],
    ]),
  )('SpO2 %s%% is %s', (v, zone) => expect(spo2Zone(v)).toBe(zone));

  it('alert is no trigger, voice and new confusion are yellow, pain and unresponsive are red', () => {
    expect(consciousnessZone('A')).toBe('none');
    expect(consciousnessZone('C')).toBe('yellow');
    expect(consciousnessZone('V')).toBe('yellow');
    expect(consciousnessZone('P')).toBe('red');
    expect(consciousnessZone('U')).toBe('red');
  });
});

describe('MEOWS trigger: one red or two yellow', () => {
  it('a well woman does not trigger', () => {
    const r = assessMeows(wellWoman);
    expect(r).toMatchObject({ triggered: false, redCount: 0, yellowCount: 0, complete: true });
  });

  it('one yellow alone does not trigger', () => {
    expect(assessMeows({ ...wellWoman, heartRatePerMin: 110 }).triggered).toBe(false);
  });

  it('two yellows at once trigger', () => {
    const r = assessMeows({ ...wellWoman, heartRatePerMin: 110, respiratoryRatePerMin: 24 });
    expect(r).toMatchObject({ triggered: true, yellowCount: 2 });
    expect(r.action).toMatch(/urgent review/);
  });

  it('one red triggers', () => {
    const r = assessMeows({ ...wellWoman, systolicMmHg: 165 });
    expect(r).toMatchObject({ triggered: true, redCount: 1 });
    expect(r.findings.find((f) => f.parameter === 'systolicBP')?.text).toBe(
      'Systolic BP (mmHg) 165: red zone',
    );
  });

  it('missing observations are named and a non-trigger says so', () => {
    const { diastolicMmHg: _d, ...rest } = wellWoman;
    const r = assessMeows(rest);
    expect(r.missing).toEqual(['diastolicBP']);
    expect(r.complete).toBe(false);
    expect(r.action).toMatch(/diastolicBP not measured/);
  });

  it('while the transcribed limits are unverified every result says so', () => {
    expect(MEOWS_META.verification).toBe('unverified');
    const r = assessMeows(wellWoman);
    expect(r.verified).toBe(false);
    expect(r.warnings[0]).toMatch(/awaiting clinical verification/);
  });
});
