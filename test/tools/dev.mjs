#!/usr/bin/env node
// `pnpm dev`: the API server (rebuilt on change) on :8787 and the Vite dev server
// (hot reload, proxying /api and /ws to it) on :5173. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const children = [
  spawn(
    join(root, 'server', 'node_modules', '.bin', 'tsx'),
    ['watch', 'src/cli.ts', 'serve', '--data', join(root, 'data')],
    {
      cwd: join(root, 'server'),
      stdio: 'inherit',
    },
  ),
  spawn(join(root, 'web', 'node_modules', '.bin', 'vite'), ['dev'], {
    cwd: join(root, 'web'),
    stdio: 'inherit',
  }),
];
const stop = () => children.forEach((child) => child.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children) child.on('exit', stop);
