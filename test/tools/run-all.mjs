#!/usr/bin/env node
// The README's test command: every quality gate and every test suite, in order,
// ending with one summary line "total: N passed, N failed, N skipped".
//
//   node test/tools/run-all.mjs [--only check|unit|e2e] [--skip-build]
//
// PostgreSQL: TEST_DATABASE_URL, else the local server at 127.0.0.1:5432 (database
// "test"); when unreachable those suites are skipped loudly. Chromium: CHROMIUM_PATH,
// else /usr/bin/chromium; when missing the journeys are skipped loudly.
// OUTPOST_REQUIRE_ALL=1 (CI) turns every skip into a failure.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const resultsDir = join(root, 'test', 'test-results');
const requireAll = process.env.OUTPOST_REQUIRE_ALL === '1';

const { values } = parseArgs({
  options: { only: { type: 'string' }, 'skip-build': { type: 'boolean' } },
});
const only = values.only;
if (only && !['check', 'unit', 'e2e'].includes(only)) {
  console.error(`--only takes check, unit or e2e (got "${only}")`);
  process.exit(2);
}

const bin = (pkg, name) => join(root, pkg, 'node_modules', '.bin', name);
const totals = { passed: 0, failed: 0, skipped: 0 };
const problems = [];
const startedAt = Date.now();

function run(label, command, args, options = {}) {
  return new Promise((resolve) => {
    process.stdout.write(`\n━━ ${label}\n`);
    const started = Date.now();
    const child = spawn(command, args, {
      cwd: options.cwd ?? root,
      env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '1', ...options.env },
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const ok = code === 0;
      process.stdout.write(`${ok ? '✓' : '✗'} ${label} (${seconds}s)\n`);
      if (!ok) problems.push(`${label} exited with ${code ?? signal}`);
      resolve(ok);
    });
  });
}

/** A gate (type check, lint, format) counts as one test in the summary. */
async function gate(label, command, args, options) {
  const ok = await run(label, command, args, options);
  if (ok) totals.passed += 1;
  else totals.failed += 1;
}

function countVitest(label, file) {
  if (!existsSync(file)) {
    problems.push(`${label}: no results file (the run crashed)`);
    totals.failed += 1;
    return;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  const skipped = report.numPendingTests + report.numTodoTests;
  totals.skipped += skipped;
  if (skipped > 0) problems.push(`${label}: ${skipped} tests skipped`);
  if (report.numFailedTestSuites > 0 && report.numFailedTests === 0) {
    totals.failed += report.numFailedTestSuites;
  }
  return report;
}

async function vitest(pkg, extraEnv = {}) {
  const file = join(resultsDir, `vitest-${pkg}.json`);
  rmSync(file, { force: true });
  await run(
    `unit and integration tests: ${pkg}`,
    bin(pkg, 'vitest'),
    ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${file}`],
    { cwd: join(root, pkg), env: extraEnv },
  );
  countVitest(pkg, file);
}

function chromiumPath() {
  for (const candidate of [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
  ]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return undefined;
}

mkdirSync(resultsDir, { recursive: true });

if (!only || only === 'check') {
  await run('svelte-kit sync', bin('web', 'svelte-kit'), ['sync'], { cwd: join(root, 'web') });
  await gate('types: shared', bin('shared', 'tsc'), ['-p', 'shared']);
  await gate('types: server', bin('server', 'tsc'), ['-p', 'server']);
  await gate('types: test', bin('test', 'tsc'), ['-p', 'test']);
  await gate('types: service worker', bin('web', 'tsc'), ['-p', 'web/tsconfig.sw.json']);
  await gate(
    'svelte-check --fail-on-warnings',
    bin('web', 'svelte-check'),
    ['--tsconfig', './tsconfig.json', '--fail-on-warnings', '--output', 'human'],
    { cwd: join(root, 'web') },
  );
  await gate('eslint (type-aware)', join(root, 'node_modules', '.bin', 'eslint'), [
    '.',
    '--max-warnings=0',
  ]);
  await gate('prettier --check', join(root, 'node_modules', '.bin', 'prettier'), [
    '--check',
    '.',
    '--log-level',
    'warn',
  ]);
}

const needsBuild = !values['skip-build'] && (!only || only === 'unit' || only === 'e2e');
if (needsBuild) {
  // The CLI and journey tests exercise what users run: the built server and PWA.
  const webOk = await run('build: web', bin('web', 'vite'), ['build', '--logLevel', 'warn'], {
    cwd: join(root, 'web'),
  });
  const serverOk = await run('build: server', process.execPath, ['build.mjs'], {
    cwd: join(root, 'server'),
  });
  if (!webOk || !serverOk) totals.failed += 1;
}

if (!only || only === 'unit') {
  await vitest('shared');
  await vitest('server', requireAll ? { OUTPOST_REQUIRE_POSTGRES: '1' } : {});
  await vitest('web');
  // Cross-package: tablets against the real server (in process and the built server process).
  await vitest('test', requireAll ? { OUTPOST_REQUIRE_POSTGRES: '1' } : {});
}

if (!only || only === 'e2e') {
  const chromium = chromiumPath();
  if (!chromium) {
    const message =
      'Chromium not found (set CHROMIUM_PATH or apt-get install chromium): end-to-end journeys SKIPPED';
    process.stdout.write(`\n⚠ ${message}\n`);
    problems.push(message);
    totals.skipped += 1;
  } else {
    const file = join(resultsDir, 'e2e.json');
    rmSync(file, { force: true });
    await run('end-to-end journeys (Chromium)', bin('test', 'playwright'), ['test'], {
      cwd: join(root, 'test'),
      env: { CHROMIUM_PATH: chromium },
    });
    if (existsSync(file)) {
      const { stats } = JSON.parse(readFileSync(file, 'utf8'));
      totals.passed += stats.expected + stats.flaky;
      totals.failed += stats.unexpected;
      totals.skipped += stats.skipped;
      if (stats.skipped > 0) problems.push(`end-to-end: ${stats.skipped} journeys skipped`);
      if (stats.expected + stats.flaky === 0) problems.push('end-to-end: no journey ran');
    } else {
      problems.push('end-to-end: no results file (the run crashed)');
      totals.failed += 1;
    }
  }
}

const minutes = ((Date.now() - startedAt) / 60000).toFixed(1);
process.stdout.write(`\n━━ summary (${minutes} min)\n`);
for (const problem of problems) process.stdout.write(`  • ${problem}\n`);
const skipFails = requireAll && totals.skipped > 0;
if (skipFails)
  process.stdout.write('  • OUTPOST_REQUIRE_ALL=1: skipped suites count as a failure\n');
process.stdout.write(
  `total: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`,
);
process.exit(totals.failed > 0 || skipFails || problems.some((p) => p.includes('exited')) ? 1 : 0);
