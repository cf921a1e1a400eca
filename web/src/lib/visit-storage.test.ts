import { describe, expect, it } from 'vitest';
import { assessRisk } from '@outpost/shared/risk';
import { toStoredJson } from './visit';

describe('stored score', () => {
  it('keeps every rule set as id, version and verification, and everything else', () => {
    const result = assessRisk(
      {
        ageCompletedMonths: 50 * 12,
        pregnant: false,
        vitals: { respiratoryRatePerMin: 22, spo2Percent: 95, heartRatePerMin: 96 },
        hasHeartFailure: true,
        history: { weightKg: [] },
      },
      Date.parse('2026-03-01T00:00:00Z'),
    );
    if (!result.ok) throw new Error('not scored');
    const stored = toStoredJson(result.value);
    expect(stored.news2?.ruleSet).toEqual({
      id: 'news2',
      version: 'RCP-2017',
      verification: 'verified',
    });
    expect(stored.trends.every((t) => !('source' in t.rule))).toBe(true);
    expect(stored.news2?.reasons).toEqual(result.value.news2?.reasons);
    expect(stored.ruleset).toBe(result.value.ruleset);
    expect(JSON.stringify(stored).length).toBeLessThan(JSON.stringify(result.value).length * 0.7);
  });
});
