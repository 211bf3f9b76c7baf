// `firebreak plan FILE --diff OLD`: what a pipeline change does to the rollout, in
// the order, the gates, the soaks and the exposure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/local/tools.js';
import { testPlan, writePipelineFile, type TestPipeline } from '../../src/local/pipelines.js';
import { diffPlans } from '../../src/domain/pipeline/plan-diff.js';

const base: TestPipeline = { service: 'shop', regions: [['small', 10], ['middle', 90], ['large', 900]], soak: '30m' };

test('no change: nothing to say', () => {
  assert.deepEqual(diffPlans(testPlan(base, '1'), testPlan(base, '1')), []);
});

test('order, soaks, gates and exposure, each as old -> new', () => {
  const changed: TestPipeline = { ...base, regions: [['small', 10], ['middle', 90, '1h'], ['large', 900]], waves: [['small'], ['middle', 'large']], approval: 'manual' };
  const lines = diffPlans(testPlan(base, '1'), testPlan(changed, '1'));
  assert.ok(lines.includes('order: small > middle > large -> small > middle+large'), lines.join('\n'));
  assert.ok(lines.includes('middle soak: 30m (+15m) -> 1h (+30m)'), lines.join('\n'));
  assert.ok(lines.some((l) => /^large gate: ".*", auto, .* -> ".*", manual, /.test(l)), lines.join('\n'));
  assert.ok(lines.includes('exposure after each stage: stage 1 1.0% -> 1.0%, stage 2 10.0% -> 100.0%, stage 3 100.0% -> -'), lines.join('\n'));
});

test('regions added and removed, and the first exposure', () => {
  const lines = diffPlans(testPlan(base, '1'), testPlan({ ...base, regions: [['tiny', 1], ['middle', 90], ['large', 900]] }, '1'));
  assert.ok(lines.some((l) => l.startsWith('region tiny added in stage 1 (1 customers, soak 30m')), lines.join('\n'));
  assert.ok(lines.includes('region small removed (was stage 1)'), lines.join('\n'));
  assert.ok(lines.includes('first exposure: 1.0% in small -> 0.1% in tiny'), lines.join('\n'));
});

test('the CLI: the diff after the plan; an invalid OLD is one line and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-diff-'));
  const oldFile = writePipelineFile(mkdtempSync(join(dir, 'old-')), base);
  const newFile = writePipelineFile(mkdtempSync(join(dir, 'new-')), { ...base, soak: '45m' });
  const bin = join(REPO_ROOT, 'bin', 'firebreak.js');
  const out = execFileSync(process.execPath, [bin, 'plan', newFile, '--diff', oldFile], { encoding: 'utf8' });
  assert.match(out, new RegExp(`against ${oldFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, this change:\n  - small soak: 30m \\(\\+15m\\) -> 45m \\(\\+22m30s\\)`));
  const json = JSON.parse(execFileSync(process.execPath, [bin, 'plan', newFile, '--json', '--diff', oldFile], { encoding: 'utf8' })) as { diff: { changes: string[] } };
  assert.ok(json.diff.changes.includes('large soak: 30m (+15m) -> 45m (+22m30s)'));
  const bad = spawnSync(process.execPath, [bin, 'plan', newFile, '--diff', join(REPO_ROOT, 'test/fixtures/invalid/train-mode.yaml')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^firebreak: --diff .*train-mode\.yaml is not a valid pipeline \(.*train\.mode: must be one of "refuse", "queue".*\); nothing to compare\n$/);
});
