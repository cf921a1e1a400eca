#!/usr/bin/env node
// `pnpm bench <name> [--json]`: speed and size benchmarks, each printing a table
// that compares against its named baseline in the same run. Never part of `pnpm test`.
import { readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const benchDir = join(here, '..', 'bench');
const [name, ...rest] = process.argv.slice(2);
let available = [];
try {
  available = readdirSync(benchDir)
    .filter((file) => file.endsWith('.bench.ts'))
    .map((file) => file.replace(/\.bench\.ts$/, ''));
} catch {
  // No benchmarks yet.
}
if (!name || !available.includes(name)) {
  console.error(
    available.length === 0
      ? 'No benchmarks yet.'
      : `Usage: pnpm bench <${available.join('|')}> [--json]`,
  );
  process.exit(name ? 2 : available.length === 0 ? 0 : 2);
}
const tsx = join(here, '..', '..', 'server', 'node_modules', '.bin', 'tsx');
const child = spawn(tsx, [join(benchDir, `${name}.bench.ts`), ...rest], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
