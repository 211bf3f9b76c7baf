// Lint rules. The one that matters most: workflow code must be deterministic, so workflows/
// may not import Node built-ins, the client/worker/activity SDKs, or activity implementations
// (types from activities/ are fine: `import type` is erased before the workflow sandbox).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import firebreak from './scripts/lint/plugin.js';

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));
const sandboxMessage =
  'workflows/ runs in the deterministic Temporal sandbox: do this in an activity (activities/) instead';

export default defineConfig(
  { ignores: ['node_modules/**', '.firebreak/**', 'dist/**', 'coverage/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      // Scripts, tests and the CLI run on Node.
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly',
        setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly',
        Buffer: 'readonly', AbortSignal: 'readonly', AbortController: 'readonly', URLSearchParams: 'readonly',
        TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The map of the house (scripts/lint/house-map.js, docs/design.md): import boundaries, no cycles.
    files: ['**/*.ts'],
    plugins: { firebreak },
    rules: {
      'firebreak/import-boundaries': 'error',
      'firebreak/no-import-cycles': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      // The typescript-eslint variant understands `import type` (allowTypeImports).
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: sandboxMessage })),
            { name: '@temporalio/client', message: sandboxMessage },
            { name: '@temporalio/worker', message: sandboxMessage },
            { name: '@temporalio/activity', message: sandboxMessage },
            { name: '@temporalio/testing', message: sandboxMessage },
            { name: '@temporalio/envconfig', message: sandboxMessage },
          ],
          patterns: [
            { group: ['node:*'], message: sandboxMessage },
            {
              // activities/limits.ts is plain numbers (the heartbeat timeouts the workflow sets).
              group: ['../activities/*', '../activities/**', '../../activities/**', '**/activities/index.js', '!../activities/limits.js'],
              allowTypeImports: true,
              message: 'workflows/ may only `import type` from activities/ (use proxyActivities to call them)',
            },
          ],
        },
      ],
    },
  },
);
