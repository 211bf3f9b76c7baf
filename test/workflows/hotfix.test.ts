// The hotfix lane on the real stack: the plan's soaks are the usual ones scaled, never below the
// floor, and each region soaks exactly that long (soakEndsAt - soakStartedAt, not wall-clock
// speed); order, checks and rollback are as for any deploy; the hotfix is in the status and in
// the audit trail, so a review can count it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { pipelineYaml } from '../../src/local/pipelines.js';
import { parsePipeline } from '../../src/domain/pipeline/load.js';
import { plan } from '../../src/domain/pipeline/plan.js';
import { hotfixLane } from '../../src/domain/pipeline/hotfix.js';
import { settle, start, withWorker } from '../helpers/deploys.js';
import { recordHistory } from '../helpers/histories.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

test('a hotfix deploy soaks each region for the scaled soak, never below the floor, in the usual order', async () => {
  const yaml = pipelineYaml({
    service: 'hf-fix',
    regions: [
      ['small', 100],
      ['large', 90000, '4s'],
    ],
    soak: '12s',
    extra: 'hotfix: { soakScale: 0.25, minSoak: 2s }\n',
  });
  const pipeline = parsePipeline(yaml, 'hf-fix.yaml').pipeline;
  const lane = hotfixLane(pipeline, 'checkout 500s in eu');
  assert.ok(lane.ok);
  const usual = plan(pipeline, '2.0.1');
  const hot = plan(pipeline, '2.0.1', { hotfix: lane.lane });
  // 12s x 0.25 = 3s; 4s x 0.25 = 1s, raised to the 2s floor.
  assert.deepEqual(hot.stages.map((s) => s.regions.map((r) => r.soakMs)), [[3000], [2000]]);
  assert.deepEqual(hot.stages.map((s) => s.regions.map((r) => r.name)), usual.stages.map((s) => s.regions.map((r) => r.name)));
  assert.deepEqual(hot.stages.map((s) => s.regions.map((r) => r.gate)), usual.stages.map((s) => s.regions.map((r) => r.gate)));
  assert.deepEqual(hot.rollback, usual.rollback);

  await withWorker(stack, async () => {
    const handle = await start(stack, hot);
    const s = await settle(handle);
    assert.equal(s.phase, 'succeeded');
    const soaked = s.stages.flatMap((st) => st.regions).map((r) => [r.name, Date.parse(r.soakEndsAt!) - Date.parse(r.soakStartedAt!)]);
    assert.deepEqual(soaked, [
      ['small', 3000],
      ['large', 2000],
    ]);
    assert.equal(s.hotfix?.reason, 'checkout 500s in eu');
    const event = s.events.find((e) => e.kind === 'hotfix');
    assert.ok(event, 'the hotfix is in the audit trail');
    assert.match(event.message, /scaled by 0.25, never below 2s: checkout 500s in eu/);
    const { memo } = await handle.describe();
    assert.equal(memo?.firebreakHotfix, 'checkout 500s in eu', 'list reads the hotfix from the memo');
    await recordHistory(stack.address, handle, 'v6-hotfix');
  });
});

test('a hotfix lane with manualGates makes every gate wait for an approval', () => {
  const yaml = pipelineYaml({ service: 'hf-manual', regions: [['small', 100], ['large', 90000]], extra: 'hotfix: { soakScale: 0.5, minSoak: 1s, manualGates: true }\n' });
  const pipeline = parsePipeline(yaml, 'hf-manual.yaml').pipeline;
  const lane = hotfixLane(pipeline, 'fix');
  assert.ok(lane.ok);
  const hot = plan(pipeline, '1.0.1', { hotfix: lane.lane });
  assert.ok(hot.stages.every((s) => s.gate.approval === 'manual' && s.regions.every((r) => r.gate.approval === 'manual')));
  assert.ok(plan(pipeline, '1.0.1').stages.every((s) => s.gate.approval === 'auto'));
});
