// Type-aware lint for the whole workspace. Import boundaries from CONVENTIONS.md:
// shared imports nothing of ours; web and server never import each other;
// components never import db/ or sync/; only server repositories/ and db/ import drizzle.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './web/svelte.config.js';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/build/**',
      '**/build-*/**',
      '**/.svelte-kit/**',
      'drizzle/**',
      'data/**',
      'test/test-results/**',
      'test/playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.browser, ...globals.node },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Asymmetric matchers (expect.objectContaining, expect.any) are typed `any`.
    files: ['**/*.test.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, svelteConfig },
    },
  },
  {
    // Type-aware lint cannot see the prop types of an imported .svelte component
    // (they come from svelte2tsx), so callbacks passed to components look `any`.
    // svelte-check --fail-on-warnings type-checks these files fully instead.
    files: ['**/*.svelte'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    // SvelteKit's tsconfig excludes the worker (it needs the WebWorker lib).
    files: ['web/src/service-worker.ts'],
    languageOptions: {
      parserOptions: { projectService: false, project: './web/tsconfig.sw.json' },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/web/**', '**/server/**', '@outpost/web*', '@outpost/server*'],
              message: 'shared imports nothing of ours.',
            },
            { group: ['node:*'], message: 'shared is pure: no Node APIs.' },
          ],
        },
      ],
    },
  },
  {
    files: ['server/**/*.ts'],
    ignores: ['server/src/repositories/**', 'server/src/db/**', 'server/test/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['drizzle-orm', 'drizzle-orm/*'],
              message: 'Only server/src/repositories and db import drizzle-orm.',
            },
            {
              group: ['**/web/**', '@outpost/web*'],
              message: 'The server never imports the web app.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['web/src/lib/components/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/db/**', '**/sync/**', '$lib/db/*', '$lib/sync/*'],
              message: 'Components are presentational: props in, events out.',
            },
          ],
        },
      ],
    },
  },
  {
    // The first screen (the lock screen, under the root layout and the `/` page) loads
    // these modules before anything is shown: the clinic store (Dexie store, Yjs, the
    // record model) and sync load after it (lib/managers/data-layer.ts). Types are free.
    files: [
      'web/src/routes/+layout.svelte',
      'web/src/routes/+page.svelte',
      'web/src/lib/screens/LockScreen.svelte',
      'web/src/lib/auth/*.ts',
      'web/src/lib/managers/session.svelte.ts',
      'web/src/lib/managers/patient-search.svelte.ts',
      'web/src/lib/managers/consult-inbox.svelte.ts',
      'web/src/lib/i18n/i18n.svelte.ts',
      'web/src/lib/sync/manager.svelte.ts',
      'web/src/lib/db/tablet-db.ts',
    ],
    ignores: ['**/*.test.ts', 'web/src/lib/auth/testing.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            '$lib/db',
            '../db',
            '$lib/db/store',
            '$lib/db/local-store',
            './store',
            './local-store',
            '$lib/sync',
            '$lib/sync/live',
            'yjs',
            'y-websocket',
            '@outpost/shared/model',
          ].map((name) => ({
            name,
            allowTypeImports: true,
            message:
              'Not in the first screen: load it with the data layer (lib/managers/data-layer.ts) or import types only.',
          })),
        },
      ],
    },
  },
  {
    files: ['web/**/*.ts', 'web/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/server/**', '@outpost/server*'],
              message: 'The web app never imports the server.',
            },
          ],
        },
      ],
    },
  },
);
