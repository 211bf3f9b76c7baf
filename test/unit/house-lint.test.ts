// The lint that keeps the map of the house true (scripts/lint): an import across a boundary
// the map forbids is an error, and so is an import cycle (type imports included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import firebreak from '../../scripts/lint/plugin.js';
import { ROOT } from '../../scripts/lint/import-graph.js';

function lint(code: string, filename: string, cwd = ROOT): string[] {
  const linter = new Linter({ configType: 'flat', cwd });
  const config: Linter.Config[] = [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser as Linter.Parser },
      plugins: { firebreak },
      rules: { 'firebreak/import-boundaries': 'error', 'firebreak/no-import-cycles': 'error' },
    },
  ];
  return linter.verify(code, config, { filename }).map((m) => m.message);
}

test('an upward import is refused: src/deploy may not import the CLI', () => {
  const got = lint(`import { CliError } from '../cli/fail.js';\n`, join(ROOT, 'src/deploy/somewhere.ts'));
  assert.equal(got.length, 1);
  assert.match(got[0], /src\/deploy\/ may not import src\/cli\/ \(src\/cli\/fail\.ts\)/);
});

test('activities are types only outside the worker: a value import fails, `import type` passes', () => {
  const file = join(ROOT, 'src/cli/somewhere.ts');
  assert.match(lint(`import { createActivities } from '../../activities/index.js';\n`, file)[0], /except with `import type`/);
  assert.deepEqual(lint(`import type { Target } from '../../activities/types.js';\n`, file), []);
  assert.deepEqual(lint(`import { type Target } from '../../activities/types.js';\n`, file), []);
});

test('the model (src/pipeline) imports nothing above it', () => {
  assert.equal(lint(`import { statusQuery } from '../../workflows/messages.js';\n`, join(ROOT, 'src/pipeline/x.ts')).length, 1);
  assert.deepEqual(lint(`import { plan } from './plan.js';\n`, join(ROOT, 'src/pipeline/x.ts')), []);
});

test('a cycle is found and named, through a type import too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'house-'));
  writeFileSync(join(dir, 'a.ts'), `import { b } from './b.js';\nexport const a = b;\n`);
  writeFileSync(join(dir, 'b.ts'), `import { c } from './c.js';\nexport const b = c;\n`);
  writeFileSync(join(dir, 'c.ts'), `import type { A } from './a.js';\nexport const c = 1 as unknown as A;\n`);
  const got = lint(`import { b } from './b.js';\nexport const a = b;\nexport type A = number;\n`, join(dir, 'a.ts'), dir);
  assert.equal(got.length, 1);
  assert.match(got[0], /import cycle: .*a\.ts -> .*b\.ts -> .*c\.ts -> .*a\.ts/);
  writeFileSync(join(dir, 'd.ts'), `import { b } from './b.js';\nexport const d = b;\n`);
  assert.deepEqual(lint(`import { b } from './b.js';\nexport const d = b;\n`, join(dir, 'd.ts'), dir), [], 'into a cycle is not a cycle');
});
