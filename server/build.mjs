// Bundles the server (with the shared package's TypeScript) into dist/cli.js.
// npm dependencies stay external and load from node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  // @outpost/shared is TypeScript source: bundle it rather than leave it external.
  alias: { '@outpost/shared': '../shared/src' },
});
