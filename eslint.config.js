// Lint rules. The one that matters most: workflow code must be deterministic, so workflows/
// may not import Node built-ins, the client/worker/activity SDKs, or activity implementations
// (types from activities/ are fine: `import type` is erased before the workflow sandbox).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * The map of the house, bottom to top: each folder, what it holds, and the folders it may import
 * besides itself and packages (`types`: with `import type` only, erased before anything runs).
 * docs/design.md opens with the same map in words; test/unit/house-lint.test.ts checks that it is
 * acyclic and that ESLint refuses an upward import and a cycle.
 */
export const LAYERS = [
  { layer: 'domain', pattern: 'src/domain/**', may: [] },
  { layer: 'workflows', pattern: 'workflows/**', may: ['domain'], types: ['activities'] },
  { layer: 'activities', pattern: 'activities/**', may: ['domain'] },
  { layer: 'client', pattern: 'src/client/**', may: ['domain', 'workflows'], types: ['activities'] },
  { layer: 'worker', pattern: 'src/worker/**', may: ['domain', 'workflows', 'activities', 'client'] },
  { layer: 'local', pattern: 'src/local/**', may: ['domain', 'workflows', 'activities', 'client', 'worker'] },
  { layer: 'cli', pattern: 'src/cli/**', may: ['domain', 'workflows', 'activities', 'client', 'worker', 'local'] },
  { layer: 'bin', pattern: 'bin/**', may: ['cli'] },
  // Entry points and tests: both may use every layer of the program, never each other.
  { layer: 'scripts', pattern: 'scripts/**', may: ['domain', 'workflows', 'activities', 'client', 'worker', 'local', 'cli'] },
  { layer: 'test', pattern: 'test/**', may: ['domain', 'workflows', 'activities', 'client', 'worker', 'local', 'cli'] },
];

/** A layer's map entry as eslint-plugin-boundaries policies. */
function policiesOf({ layer, may, types = [] }) {
  const from = { element: { type: layer } };
  const out = [{ from, allow: { to: { element: { types: { anyOf: [layer, ...may] } } } } }];
  if (types.length) out.push({ from, allow: { to: { element: { types: { anyOf: types } } }, dependency: { kind: 'type' } } });
  return out;
}

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
    // The map of the house (docs/design.md opens with it): each folder a layer, every arrow points
    // down. eslint-plugin-boundaries refuses any import the map does not allow (folder level);
    // import-x/no-cycle refuses any cycle between files, type imports included.
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    plugins: { boundaries, 'import-x': importX },
    settings: {
      'boundaries/elements': LAYERS.map(({ layer, pattern }) => ({ type: layer, pattern, partialMatch: false })),
      'boundaries/include': ['src/**', 'workflows/**', 'activities/**', 'scripts/**', 'test/**', 'bin/**'],
      'import/resolver': { typescript: { project: './tsconfig.json' } },
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', policies: LAYERS.flatMap(policiesOf) }],
      // A file outside every layer would escape the map.
      'boundaries/no-unknown-files': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
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
              group: ['../activities/*', '../activities/**', '../../activities/**', '**/activities/index.js'],
              allowTypeImports: true,
              message: 'workflows/ may only `import type` from activities/ (use proxyActivities to call them)',
            },
          ],
        },
      ],
      // One door and one clock for the deploy's state: a region's state word changes only
      // through DeployState.setRegionState, and time is read only through DeployState.now, so
      // every transition and every recorded time can be found from workflows/state.ts.
      'no-restricted-syntax': [
        'error',
        {
          selector: "AssignmentExpression[left.type='MemberExpression'][left.property.name='state'][right.type='Literal']",
          message: "change a region's state through DeployState.setRegionState (workflows/state.ts)",
        },
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now'], NewExpression[callee.name='Date'][arguments.length=0]",
          message: "read the time through DeployState.now (workflows/state.ts): the deploy has one clock",
        },
      ],
    },
  },
  {
    // The door and the clock themselves.
    files: ['workflows/state.ts', 'workflows/run.ts', 'workflows/freeze-clock.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
