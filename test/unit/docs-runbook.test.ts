// docs/runbook.md is the runbook `firebreak runbook examples/demo-shop.yaml` prints: kept
// true to the code by comparing it with a fresh rendering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPipelineFile } from '../../src/domain/pipeline/load.js';
import { runbookMarkdown } from '../../src/domain/pipeline/runbook.js';
import { REPO_ROOT } from '../../src/local/tools.js';

test('docs/runbook.md matches `firebreak runbook examples/demo-shop.yaml`', () => {
  process.chdir(REPO_ROOT);
  const expected = runbookMarkdown(loadPipelineFile('examples/demo-shop.yaml'), {});
  const actual = readFileSync(join(REPO_ROOT, 'docs', 'runbook.md'), 'utf8');
  assert.equal(actual, expected, 'regenerate with: npx firebreak runbook examples/demo-shop.yaml > docs/runbook.md');
});
