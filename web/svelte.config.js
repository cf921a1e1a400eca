import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The deployed version. It must be the same every time this file is evaluated
 * within one build (SvelteKit evaluates it more than once), so it is derived
 * from the release and the commit, never from the clock.
 */
function appVersion() {
  if (process.env.OUTPOST_VERSION) return process.env.OUTPOST_VERSION;
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  try {
    const commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    return `${version}+${commit}`;
  } catch {
    return version;
  }
}

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
  kit: {
    // A single-page app: every route renders on the tablet, offline.
    adapter: adapter({
      pages: process.env.OUTPOST_WEB_OUT ?? 'build',
      assets: process.env.OUTPOST_WEB_OUT ?? 'build',
      fallback: 'index.html',
      precompress: true,
      strict: true,
    }),
    serviceWorker: { register: false },
    version: {
      name: appVersion(),
      pollInterval: 0,
    },
    alias: {
      $components: 'src/lib/components',
    },
  },
};

export default config;
