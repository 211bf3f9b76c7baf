// A region's `gate:` changes only the fields it names. Before, the override schema kept the
// gate's defaults, so `{approval: manual}` alone also reset checks to none, minSamples to 10 and
// the interval to 60s: the region deployed with no checks at all, and `plan` did not show it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parsePipeline } from '../../src/domain/pipeline/load.js';
import { plan } from '../../src/domain/pipeline/plan.js';
import { REPO_ROOT } from '../../src/local/tools.js';

const demo = readFileSync(join(REPO_ROOT, 'examples', 'demo-shop.yaml'), 'utf8');

function withOverride(region: string, override: string): string {
  return demo.replace(`  - { name: ${region}, customers: `, `  - { name: ${region}, gate: ${override}, customers: `);
}

test('a region that only asks for a manual approval keeps the pipeline gate\'s checks and settings', () => {
  const { pipeline } = parsePipeline(withOverride('us-east-1', '{ approval: manual }'));
  const p = plan(pipeline, '2.0.0');
  const largest = p.stages.flatMap((s) => s.regions).find((r) => r.name === 'us-east-1')!;
  const other = p.stages.flatMap((s) => s.regions).find((r) => r.name === 'eu-west-1')!;
  assert.equal(largest.gate.approval, 'manual');
  assert.deepEqual(largest.gate.checks.map((c) => c.name), ['error-rate']);
  assert.equal(largest.gate.minSamples, 5);
  assert.equal(largest.gate.intervalMs, other.gate.intervalMs);
  assert.equal(largest.gate.failAfter, 2);
});

test('whatever single gate field a region overrides, every other field comes from the pipeline', () => {
  const overrides: [string, (g: ReturnType<typeof plan>['stages'][number]['regions'][number]['gate']) => unknown][] = [
    ['{ approval: manual }', (g) => g.approval],
    ['{ interval: 2s }', (g) => g.intervalMs],
    ['{ failAfter: 3 }', (g) => g.failAfter],
    ['{ minSamples: 7 }', (g) => g.minSamples],
    ['{ onNoData: fail }', (g) => g.onNoData],
    ['{ checks: [] }', (g) => g.checks.length],
  ];
  fc.assert(
    fc.property(fc.constantFrom(...overrides), fc.constantFrom('us-east-1', 'eu-west-1', 'ap-south-1', 'ap-southeast-2'), ([override, changed], region) => {
      const base = plan(parsePipeline(demo).pipeline, '2.0.0').stages.flatMap((s) => s.regions).find((r) => r.name === region)!.gate;
      const got = plan(parsePipeline(withOverride(region, override)).pipeline, '2.0.0').stages.flatMap((s) => s.regions).find((r) => r.name === region)!.gate;
      assert.notDeepEqual(changed(got), changed(base), `${override} changes its field`);
      for (const [, field] of overrides) {
        if (field === changed) continue;
        assert.deepEqual(field(got), field(base), `${override} leaves the other fields as the pipeline has them`);
      }
    }),
    { numRuns: 50 },
  );
});
