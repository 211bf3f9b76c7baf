// The review's "add regions as you grow": customers per region against the pipeline's regions,
// from the deploys of the period, with advice only where the numbers call for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { regionFit, regionFitMarkdown, FIRST_STAGE_SHARE, LARGEST_REGION_SHARE } from '../../src/client/review-regions.js';
import { review, reviewMarkdown } from '../../src/client/review.js';
import type { DeployStatus } from '../../workflows/messages.js';

function deploy(service: string, startedAt: string, stages: [string, number][][]): DeployStatus {
  return {
    service, version: '1.0.0', owner: 'o', runbook: 'r', phase: 'succeeded', currentStage: 0, startedAt, events: [],
    stages: stages.map((regions, index) => ({
      index,
      regions: regions.map(([name, customers]) => ({ name, customers, state: 'promoted', attempt: 1, checks: [] })),
      gate: { name: 'g', approval: 'auto', state: 'passed' },
    })),
  };
}

test('a service whose largest region holds most customers, whose canary is large, and whose customers grew on the same regions gets all three pieces of advice', () => {
  const early = deploy('shop', '2026-10-01T00:00:00Z', [[['small', 5000]], [['medium', 10000]], [['large', 60000]]]);
  const late = deploy('shop', '2026-12-01T00:00:00Z', [[['small', 15000]], [['medium', 10000]], [['large', 75000]]]);
  const [fit] = regionFit([late, early]);
  assert.equal(fit!.regions, 3);
  assert.equal(fit!.customers, 100000);
  assert.deepEqual(fit!.largest, { region: 'large', share: 0.75 });
  assert.equal(fit!.firstStageShare, 0.15);
  assert.deepEqual(fit!.before, { regions: 3, customers: 75000 }, 'the earliest deploy of the period, whatever the input order');
  assert.equal(fit!.advice.length, 3);
  assert.match(fit!.advice[0]!, /large holds 75% of customers/);
  assert.match(fit!.advice[1]!, /first stage exposes 15%/);
  assert.match(fit!.advice[2]!, /customers grew 33% while the regions stayed 3: time to add one/);
  const md = reviewMarkdown(review([early, late]), '90d');
  assert.match(md, /## Regions and customers \(add regions as you grow\)/);
  assert.match(md, /\| shop \| 3 \| 100,000 \| large \(75%\) \| 15% \| 3 regions, 75,000 customers before \|/);
});

test('regions that fit the customers get no advice, and a period with no customer counts says so', () => {
  const fine = deploy('api', '2026-11-01T00:00:00Z', [[['a', 1000]], [['b', 30000]], [['c', 35000]], [['d', 34000]]]);
  const [fit] = regionFit([fine]);
  assert.deepEqual(fit!.advice, []);
  assert.equal(fit!.before, undefined);
  assert.ok(regionFitMarkdown([fit!]).includes("Every service's regions fit its customers."));
  assert.deepEqual(regionFit([deploy('empty', '2026-11-01T00:00:00Z', [[['a', 0]]])]), []);
  assert.ok(regionFitMarkdown([]).includes('No deploy in this period carried customer counts.'));
});

test('property: shares are fractions of the whole, and each piece of advice appears exactly when its threshold is passed', () => {
  const region = fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.nat(1_000_000));
  fc.assert(
    fc.property(fc.array(fc.array(region, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }), (stages) => {
      const [fit] = regionFit([deploy('svc', '2026-11-01T00:00:00Z', stages)]);
      const total = stages.flat().reduce((n, [, c]) => n + c, 0);
      if (total === 0) return assert.equal(fit, undefined);
      assert.ok(fit!.largest.share > 0 && fit!.largest.share <= 1);
      assert.ok(fit!.firstStageShare >= 0 && fit!.firstStageShare <= 1);
      assert.equal(fit!.advice.some((a) => /holds \d+% of customers/.test(a)), fit!.largest.share > LARGEST_REGION_SHARE);
      assert.equal(fit!.advice.some((a) => /first stage exposes/.test(a)), fit!.firstStageShare > FIRST_STAGE_SHARE);
      assert.ok(!fit!.advice.some((a) => /grew/.test(a)), 'one deploy: nothing to compare');
    }),
  );
});
