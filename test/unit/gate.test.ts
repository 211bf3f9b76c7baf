// A stage's gate is derived from its regions' gates: regions of one wave run in parallel, and a
// sibling that passes later must not overwrite a region's failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeployState } from '../../workflows/state.js';
import { testPlan } from '../../src/local/pipelines.js';

const wave = () =>
  new DeployState(
    testPlan({ service: 'shop', regions: [['small', 10], ['big', 1000]], waves: [['small', 'big']] }, '2.0.0'),
    () => new Date(0),
  );

test('two regions of one wave: one fails, the other passes later; the stage still shows failed', () => {
  const st = wave();
  const [small, big] = st.status.stages[0].regions;
  st.setGate(small, 'watching');
  st.setGate(big, 'watching');
  st.setGate(small, 'failed');
  st.setGate(big, 'passed');
  assert.equal(st.status.stages[0].gate.state, 'failed');
  assert.equal(small.gate?.state, 'failed');
  assert.equal(big.gate?.state, 'passed');
  // The retried region passes too: only now has the stage passed.
  st.setGate(small, 'watching');
  assert.equal(st.status.stages[0].gate.state, 'watching');
  st.setGate(small, 'passed');
  assert.equal(st.status.stages[0].gate.state, 'passed');
});

test('an approval shows on the stage, with who gave it, once every region is through', () => {
  const st = wave();
  const [small, big] = st.status.stages[0].regions;
  assert.equal(st.status.stages[0].gate.state, 'pending');
  st.setGate(small, 'awaiting_approval');
  st.setGate(big, 'passed');
  assert.equal(st.status.stages[0].gate.state, 'awaiting_approval');
  st.setGate(small, 'approved', 'ana');
  assert.deepEqual(
    { state: st.status.stages[0].gate.state, by: st.status.stages[0].gate.by },
    { state: 'approved', by: 'ana' },
  );
});

test('an inconclusive region holds the stage while its sibling watches', () => {
  const st = wave();
  const [small, big] = st.status.stages[0].regions;
  st.setGate(big, 'watching');
  st.setGate(small, 'inconclusive');
  assert.equal(st.status.stages[0].gate.state, 'inconclusive');
  st.setGate(big, 'passed');
  assert.equal(st.status.stages[0].gate.state, 'inconclusive');
});
