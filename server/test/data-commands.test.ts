/** `pnpm -s outpost score` and `decode` as a shell user runs them: the built CLI, stdin in, lines out. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from '../src/config';

const root = findRepoRoot();
const cli = join(root, 'server', 'dist', 'cli.js');

function run(command: string, input: string) {
  const result = spawnSync(process.execPath, [cli, command], {
    input,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return {
    status: result.status,
    lines: result.stdout.split('\n').filter((line) => line !== ''),
    stderr: result.stderr,
  };
}

beforeAll(() => {
  if (!existsSync(cli))
    execFileSync('node', ['build.mjs'], { cwd: join(root, 'server'), stdio: 'inherit' });
});

describe('outpost score', () => {
  it('scores one adult, with sub-scores under parameters', () => {
    const result = run(
      'score',
      JSON.stringify({
        respiratoryRate: 26,
        spo2: 91,
        spo2Scale: 1,
        onOxygen: true,
        systolicBP: 88,
        diastolicBP: 50,
        pulse: 135,
        consciousness: 'V',
        temperature: 39.5,
        ageYears: 70,
        pregnant: false,
      }),
    );
    expect(result.status).toBe(0);
    expect(result.lines).toHaveLength(1);
    const output = JSON.parse(result.lines[0] ?? '') as {
      news2: { total: number; band: string; parameters: Record<string, number> };
      qsofa: { score: number; positive: boolean };
      ruleset: string;
    };
    // RCP 2017 chart 1: RR 26 →3, SpO2 91 →3, oxygen →2, SBP 88 →3, pulse 135 →3, V →3, 39.5 →2.
    expect(output.news2.parameters).toEqual({
      respiratoryRate: 3,
      spo2: 3,
      onOxygen: 2,
      systolicBP: 3,
      pulse: 3,
      consciousness: 3,
      temperature: 2,
    });
    expect(output.news2.total).toBe(19);
    expect(output.news2.band).toBe('high');
    expect(output.qsofa).toMatchObject({ score: 3, positive: true });
    expect(output.ruleset).toMatch(/^outpost-risk-/);
  });

  it('answers JSON Lines one line per input line, in order', () => {
    const base = { ageYears: 40, pregnant: false };
    const result = run(
      'score',
      [
        { ...base, pulse: 60 },
        { ...base, pulse: 131 },
        { ...base, pulse: 95 },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n'),
    );
    expect(result.status).toBe(0);
    const pulses = result.lines.map(
      (line) =>
        (JSON.parse(line) as { news2: { parameters: { pulse: number } } }).news2.parameters.pulse,
    );
    expect(pulses).toEqual([0, 3, 1]);
  });

  it('bad input exits 2 naming the field', () => {
    const result = run('score', JSON.stringify({ respiratoryRate: 'fast' }));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('respiratoryRate');
    expect(result.lines).toHaveLength(0);
  });

  it('an impossible value is refused, naming the field', () => {
    const result = run(
      'score',
      JSON.stringify({ temperature: 98.6, ageYears: 30, pregnant: false }),
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('temperature');
  });
});

describe('outpost decode', () => {
  it('decodes a heart-rate packet and a CMS50 stream, and reports bad lines as errors', () => {
    const result = run(
      'decode',
      [
        JSON.stringify({ characteristic: '2a37', hex: '0048' }),
        JSON.stringify({ characteristic: '2A35', hex: '00' }),
        'not json',
      ].join('\n'),
    );
    expect(result.status).toBe(0);
    expect(result.lines).toHaveLength(3);
    const [heart, truncated, junk] = result.lines.map(
      (line) => JSON.parse(line) as Record<string, unknown>,
    );
    expect(heart).toMatchObject({ observations: [{ code: '8867-4', value: 72, unit: '/min' }] });
    expect(truncated).toHaveProperty('error.code');
    expect(junk).toMatchObject({ error: { code: 'InvalidJson' } });
  });
});
