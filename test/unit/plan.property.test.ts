// plan() properties over generated pipelines: every region exactly once, smallest first,
// largest last, explicit waves kept as written, and independence from the input order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { plan } from '../../src/domain/pipeline/plan.js';
import { pipelineSchema, type Pipeline } from '../../src/domain/pipeline/schema.js';

const regionName = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const regionsArb = fc.uniqueArray(fc.record({ name: regionName, customers: fc.integer({ min: 0, max: 1_000_000 }) }), {
  minLength: 1,
  maxLength: 50,
  selector: (r) => r.name,
});

function pipeline(regions: { name: string; customers: number }[], extra: Record<string, unknown> = {}): Pipeline {
  return pipelineSchema.parse({
    apiVersion: 'firebreak/v1',
    service: 'svc',
    owner: 'team',
    runbook: 'https://wiki.example.com/svc',
    regions,
    gate: { name: 'g', checks: [] },
    deploy: { command: ['true'] },
    ...extra,
  });
}

const names = (p: ReturnType<typeof plan>) => p.stages.flatMap((s) => s.regions.map((r) => r.name));

test('every region appears exactly once', () => {
  fc.assert(
    fc.property(regionsArb, fc.constantFrom('smallest-first', 'as-listed'), (regions, order) => {
      const out = names(plan(pipeline(regions, { order }), '1.0.0'));
      assert.deepEqual([...out].sort(), regions.map((r) => r.name).sort());
    }),
  );
});

test('smallest-first: customers never decrease, ties by name, largest region last', () => {
  fc.assert(
    fc.property(regionsArb, (regions) => {
      const p = plan(pipeline(regions), '1.0.0');
      const flat = p.stages.flatMap((s) => s.regions);
      for (let i = 1; i < flat.length; i++) {
        const [a, b] = [flat[i - 1], flat[i]];
        assert.ok(a.customers < b.customers || (a.customers === b.customers && a.name < b.name));
      }
      assert.equal(flat[0].customers, Math.min(...regions.map((r) => r.customers)));
      assert.equal(flat[flat.length - 1].customers, Math.max(...regions.map((r) => r.customers)));
      assert.ok(p.stages.every((s) => s.regions.length === 1));
    }),
  );
});

test('smallest-first is stable under reordering of the regions list', () => {
  fc.assert(
    fc.property(
      regionsArb.chain((regions) => fc.tuple(fc.constant(regions), fc.shuffledSubarray(regions, { minLength: regions.length, maxLength: regions.length }))),
      ([regions, shuffled]) => {
        assert.deepEqual(plan(pipeline(shuffled), '1.0.0').stages, plan(pipeline(regions), '1.0.0').stages);
      },
    ),
  );
});

test('as-listed keeps the written order', () => {
  fc.assert(
    fc.property(regionsArb, (regions) => {
      assert.deepEqual(names(plan(pipeline(regions, { order: 'as-listed' }), '1.0.0')), regions.map((r) => r.name));
    }),
  );
});

test('explicit waves are respected exactly, whatever the region order or sizes', () => {
  const wavesArb = regionsArb.chain((regions) =>
    fc
      .shuffledSubarray(regions.map((r) => r.name), { minLength: regions.length, maxLength: regions.length })
      .chain((order) =>
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: order.length, maxLength: order.length }).map((sizes) => {
          const waves: string[][] = [];
          for (let i = 0, k = 0; i < order.length; i += sizes[k++]) waves.push(order.slice(i, i + sizes[k]));
          return { regions, waves };
        }),
      ),
  );
  fc.assert(
    fc.property(wavesArb, ({ regions, waves }) => {
      const p = plan(pipeline(regions, { waves }), '1.0.0');
      assert.deepEqual(p.stages.map((s) => s.regions.map((r) => r.name)), waves);
      assert.deepEqual(p.stages.map((s) => s.index), waves.map((_, i) => i));
      const byName = new Map(regions.map((r) => [r.name, r.customers]));
      for (const s of p.stages) for (const r of s.regions) assert.equal(r.customers, byName.get(r.name));
      assert.equal(p.totalCustomers, regions.reduce((n, r) => n + r.customers, 0));
    }),
  );
});

test('a stage soaks as long as its longest region and needs manual approval if any region does', () => {
  const p = plan(
    pipeline([{ name: 'a', customers: 1 }, { name: 'b', customers: 2 }, { name: 'c', customers: 3 }], {
      waves: [['a'], ['b', 'c']],
      soak: '30m',
    }),
    '1.0.0',
  );
  assert.equal(p.stages[1].soakMs, 30 * 60_000);
  const q = plan(
    pipelineSchema.parse({
      ...pipeline([{ name: 'a', customers: 1 }]),
      regions: [{ name: 'a', customers: 1 }, { name: 'b', customers: 2, soak: '50m', gate: { approval: 'manual' } }],
      waves: [['a', 'b']],
    }),
    '1.0.0',
  );
  assert.equal(q.stages[0].soakMs, 50 * 60_000);
  assert.equal(q.stages[0].gate.approval, 'manual');
});
