// The test bundle's cache key is what the bundler read: webpack's own list of the files it read
// for the workflow entry (wherever they live) and nothing it did not, so a change to any of them
// rebuilds the bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bundleHash, bundleInputs, workflowBundle } from '../../src/local/bundle.js';
import { REPO_ROOT } from '../../src/local/tools.js';
import { WORKFLOWS_PATH } from '../../src/worker/run.js';

test('the inputs are what the bundler read: the workflow, the domain files it imports and the SDK; not activities or the CLI', async () => {
  await workflowBundle();
  const files = bundleInputs(WORKFLOWS_PATH);
  assert.ok(files, 'a build records its inputs');
  const rel = files.map((f) => relative(REPO_ROOT, f));
  for (const f of ['workflows/index.ts', 'workflows/deploy.ts', 'workflows/reserved-names.ts', 'src/domain/migrations/phases.ts', 'src/domain/limits.ts', 'src/domain/notify-limits.ts']) {
    assert.ok(rel.includes(f), `${f} is an input`);
  }
  // Erased before bundling (`import type`), or never imported by the workflow.
  for (const f of ['activities/types.ts', 'activities/index.ts', 'src/cli/main.ts', 'src/domain/soak/watch.ts']) {
    assert.ok(!rel.includes(f), `${f} is not an input`);
  }
  assert.ok(rel.some((f) => f.startsWith('node_modules/@temporalio/workflow/')), 'the SDK workflow runtime is an input');
});

test('the key changes with any input file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-key-'));
  const a = join(dir, 'a.ts');
  writeFileSync(a, 'export const a = 1;\n');
  const before = bundleHash(WORKFLOWS_PATH, [a]);
  assert.equal(bundleHash(WORKFLOWS_PATH, [a]), before);
  writeFileSync(a, 'export const a = 2;\n');
  assert.notEqual(bundleHash(WORKFLOWS_PATH, [a]), before);
});
