// Where a rollback takes each region (workflows/undo-targets.ts), and what the `release`
// message accepts (workflows/undo-messages.ts): pure, so tested alone, with adversarial inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { rollbackTargets, targetLabel, versionsSeen, whyNoRollback } from '../../workflows/undo-targets.js';
import { parseReleaseInput, rollbackInput } from '../../workflows/undo-messages.js';
import type { DeployStatus, RegionState } from '../../workflows/messages.js';

function status(regions: [name: string, state: RegionState, from: string | null | undefined][]): Pick<DeployStatus, 'stages' | 'version' | 'service'> {
  return {
    service: 'shop',
    version: '2.0.0',
    stages: regions.map(([name, state, fromVersion], index) => ({
      index,
      gate: { name: 'g', approval: 'auto', state: 'pending' },
      regions: [{ name, customers: 1, state, attempt: 1, checks: [], ...(fromVersion !== undefined ? { fromVersion } : {}) }],
    })),
  };
}

test('each region goes to its fromVersion; one never reached is skipped; one that ran nothing fails; --to overrides all', () => {
  const s = status([
    ['small', 'promoted', '1.0.0'],
    ['medium', 'promoted', '0.9.0'],
    ['fresh', 'promoted', null],
    ['large', 'pending', undefined],
  ]);
  assert.deepEqual(rollbackTargets(s), [
    { region: 'small', to: '1.0.0' },
    { region: 'medium', to: '0.9.0' },
    { region: 'fresh', fail: 'fresh ran nothing before 2.0.0: name a version with --to' },
    { region: 'large', skip: 'large was never deployed by 2.0.0: it still runs what it ran' },
  ]);
  assert.equal(targetLabel(rollbackTargets(s)), '1.0.0, 0.9.0');
  assert.deepEqual(rollbackTargets(s, '0.8.0').map((t) => ('to' in t ? t.to : t)), ['0.8.0', '0.8.0', '0.8.0', '0.8.0']);
  assert.equal(whyNoRollback(s), undefined);
  assert.deepEqual(versionsSeen(s).sort(), ['0.9.0', '1.0.0', '2.0.0']);
});

test('nothing to roll back: a first deploy, or a deploy that touched no region, says so in one line', () => {
  assert.match(whyNoRollback(status([['small', 'promoted', null]])) ?? '', /replaced no earlier version in any region: name one with --to/);
  assert.equal(whyNoRollback(status([['small', 'promoted', null]]), '1.0.0'), undefined);
  assert.match(whyNoRollback(status([['small', 'pending', undefined]])) ?? '', /touched no region: there is nothing to roll back/);
  assert.deepEqual(versionsSeen(status([['small', 'pending', undefined]])), []);
});

test('any status: one target per region, in plan order, and a rollback is possible exactly when one region has somewhere to go', () => {
  const state = fc.constantFrom<RegionState>('pending', 'deploying', 'soaking', 'awaiting_approval', 'promoted', 'failed', 'rolling_back', 'rolled_back');
  const from = fc.option(fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: null }), { nil: undefined });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), state, from), { maxLength: 8 }), fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }), (regions, to) => {
      const s = status(regions);
      const targets = rollbackTargets(s, to);
      assert.deepEqual(targets.map((t) => t.region), regions.map((r) => r[0]));
      assert.equal(whyNoRollback(s, to) === undefined, targets.some((t) => 'to' in t));
      if (to) assert.ok(targets.every((t) => 'to' in t && t.to === to));
    }),
  );
});

test('release and rollback inputs: nothing, null, wrong types, blank reasons and unknown fields are refused with a reason', () => {
  for (const bad of [[], [null], ['x'], [42], [{}], [{ reason: '' }], [{ reason: '   ' }], [{ reason: 'ok', by: 7 }], [{ reason: 'ok', regoin: 'x' }], [{ reason: 'x'.repeat(501) }]]) {
    const parsed = parseReleaseInput(bad);
    assert.equal(parsed.ok, false, JSON.stringify(bad));
    if (!parsed.ok) assert.match(parsed.reason, /^release needs \{"reason":"\.\.\.","by":"\.\.\."\}: /);
  }
  assert.deepEqual(parseReleaseInput([{ reason: ' fix shipped ', by: 'oncall' }]), { ok: true, input: { reason: 'fix shipped', by: 'oncall' } });
  fc.assert(
    fc.property(fc.anything(), (anything) => {
      // Never throws, whatever arrives.
      parseReleaseInput([anything]);
      rollbackInput.safeParse(anything);
    }),
  );
  assert.equal(rollbackInput.safeParse({ service: 'shop', reason: 'r', by: 'b', to: '../etc' }).success, false);
  assert.equal(rollbackInput.safeParse({ service: 'shop', reason: 'r', by: 'b', to: '1.9.0', inOrder: true }).success, true);
});
