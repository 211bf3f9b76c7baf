// A good version walks every stage, smallest region first, each region deployed exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { seedVersion, settle, simDeployments, simRegion, start, withWorker } from '../helpers/deploys.js';
import { recordHistory } from '../helpers/histories.js';
import { FirebreakPhase, FirebreakService, FirebreakVersion } from '../../workflows/search-attributes.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

test('happy path across four stages: smallest first, largest last, each region once', async () => {
  const regions: [string, number][] = [
    ['us-east-1', 310000],
    ['ap-southeast-2', 1200],
    ['eu-west-1', 48000],
    ['sa-east-1', 9000],
  ];
  await seedVersion(stack, 'shop', regions.map(([r]) => r), '1.0.0');
  const before = (await simDeployments(stack)).length;
  const plan = testPlan({ service: 'shop', regions, soak: '2s' }, '2.0.0');
  const handle = await start(stack, plan);
  const result = await withWorker(stack, () => settle(handle));

  assert.equal(result.phase, 'succeeded');
  await recordHistory(stack.address, handle, 'v1-happy-four-stages');
  const deploys = (await simDeployments(stack)).slice(before).filter((d) => d.version === '2.0.0');
  assert.deepEqual(
    deploys.map((d) => d.region),
    ['ap-southeast-2', 'sa-east-1', 'eu-west-1', 'us-east-1'],
    'deployed smallest first, largest last, each exactly once',
  );
  for (const [name] of regions) {
    const r = await simRegion(stack, 'shop', name);
    assert.equal(r.version, '2.0.0');
    const status = result.stages.flatMap((s) => s.regions).find((x) => x.name === name)!;
    assert.equal(status.state, 'promoted');
    assert.equal(status.fromVersion, '1.0.0', 'the rollback target was read from the adapter');
    assert.ok(status.checks[0].samples >= 3, `${name} soaked with samples: ${JSON.stringify(status.checks)}`);
  }
  // Each region's deploy started only after the previous region was promoted.
  const promotedAt = new Map(result.events.filter((e) => e.kind === 'promoted').map((e) => [e.region, Date.parse(e.at)]));
  const deployingAt = new Map(result.events.filter((e) => e.kind === 'deploying').map((e) => [e.region, Date.parse(e.at)]));
  assert.ok(deployingAt.get('sa-east-1')! >= promotedAt.get('ap-southeast-2')!);
  assert.ok(deployingAt.get('us-east-1')! >= promotedAt.get('eu-west-1')!);

  const desc = await handle.describe();
  assert.equal(desc.typedSearchAttributes.get(FirebreakService), 'shop');
  assert.equal(desc.typedSearchAttributes.get(FirebreakVersion), '2.0.0');
  assert.equal(desc.typedSearchAttributes.get(FirebreakPhase), 'succeeded');
  assert.equal(await desc.staticSummary(), 'shop 2.0.0: ap-southeast-2 > sa-east-1 > eu-west-1 > us-east-1');
});
