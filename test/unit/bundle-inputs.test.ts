// The test bundle's cache key is its real inputs: the files the workflow imports (wherever they
// live) and nothing it does not, so a change to any of them rebuilds the bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { bundleInputs, ROOT } from '../../scripts/lint/import-graph.js';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../../src/worker/run.js';

test('the inputs are what the workflow imports: src/migrations/phases.ts and activities/limits.ts in, the CLI out', () => {
  const { files, packages } = bundleInputs([WORKFLOWS_PATH, ...WORKFLOW_INTERCEPTOR_MODULES]);
  const rel = files.map((f) => relative(ROOT, f));
  for (const f of ['workflows/index.ts', 'workflows/deploy.ts', 'workflows/reserved-names.ts', 'src/migrations/phases.ts', 'activities/limits.ts', 'src/notify/limits.ts']) {
    assert.ok(rel.includes(f), `${f} is an input`);
  }
  // Erased before bundling (`import type`), or never imported by the workflow.
  for (const f of ['activities/types.ts', 'activities/index.ts', 'src/cli/main.ts', 'src/pipeline/plan.ts']) {
    assert.ok(!rel.includes(f), `${f} is not an input`);
  }
  assert.ok(packages.includes('@temporalio/workflow') && packages.includes('zod'));
});
