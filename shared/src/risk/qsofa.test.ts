import { describe, expect, it } from 'vitest';
import { scoreQsofa } from './qsofa';

describe('qSOFA (Sepsis-3, JAMA 2016)', () => {
  it('respiratory rate 22 meets the criterion and 21 does not', () => {
    expect(scoreQsofa({ respiratoryRatePerMin: 22 }).criteria.respiratoryRate).toBe(true);
    expect(scoreQsofa({ respiratoryRatePerMin: 21 }).criteria.respiratoryRate).toBe(false);
  });

  it('systolic 100 meets the criterion and 101 does not', () => {
    expect(scoreQsofa({ systolicMmHg: 100 }).criteria.systolicBP).toBe(true);
    expect(scoreQsofa({ systolicMmHg: 101 }).criteria.systolicBP).toBe(false);
  });

  it('any ACVPU level other than alert is altered mentation', () => {
    expect(scoreQsofa({ consciousness: 'A' }).criteria.alteredMentation).toBe(false);
    for (const level of ['C', 'V', 'P', 'U'] as const) {
      expect(scoreQsofa({ consciousness: level }).criteria.alteredMentation).toBe(true);
    }
  });

  it('GCS 14 is altered mentation and GCS 15 is not', () => {
    expect(scoreQsofa({ gcs: 14 }).criteria.alteredMentation).toBe(true);
    expect(scoreQsofa({ gcs: 15 }).criteria.alteredMentation).toBe(false);
    expect(scoreQsofa({ gcs: 14, consciousness: 'A' }).criteria.alteredMentation).toBe(true);
  });

  it('two criteria met is positive', () => {
    const r = scoreQsofa({ respiratoryRatePerMin: 24, systolicMmHg: 95, consciousness: 'A' });
    expect(r).toMatchObject({ score: 2, positive: true, complete: true, missing: [] });
  });

  it('one criterion met with all measured is negative', () => {
    const r = scoreQsofa({ respiratoryRatePerMin: 24, systolicMmHg: 120, consciousness: 'A' });
    expect(r).toMatchObject({ score: 1, positive: false, complete: true });
  });

  it('three criteria met scores 3', () => {
    expect(
      scoreQsofa({ respiratoryRatePerMin: 30, systolicMmHg: 80, consciousness: 'V' }).score,
    ).toBe(3);
  });

  it('one met and one missing cannot be called negative', () => {
    const r = scoreQsofa({ respiratoryRatePerMin: 24, systolicMmHg: 120 });
    expect(r).toMatchObject({
      score: 1,
      positive: null,
      complete: false,
      missing: ['alteredMentation'],
    });
  });

  it('two met with the third missing is already positive', () => {
    const r = scoreQsofa({ respiratoryRatePerMin: 24, systolicMmHg: 90 });
    expect(r).toMatchObject({ score: 2, positive: true, complete: false });
  });

  it('none met and one missing is negative: even the missing one could not reach 2', () => {
    expect(scoreQsofa({ respiratoryRatePerMin: 16, systolicMmHg: 120 }).positive).toBe(false);
  });

  it('reasons show the values behind each criterion', () => {
    expect(scoreQsofa({ respiratoryRatePerMin: 24 }).reasons).toEqual([
      'Respiratory rate 24/min meets ≥22/min',
    ]);
  });
});
