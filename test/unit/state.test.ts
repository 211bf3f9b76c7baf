// Which operator commands make sense in which state: the rules shared by signals and updates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeployState } from '../../workflows/state.js';
import { testPlan } from '../../src/local/pipelines.js';

const fresh = () =>
  new DeployState(testPlan({ service: 'shop', regions: [['small', 10], ['big', 1000]] }, '2.0.0'), () => new Date(0));

test('resume is refused while running, with the reason', () => {
  assert.equal(fresh().whyNotResume({}), 'the deploy is running, not paused');
});

test('retry is refused when nothing failed, and for an unknown region', () => {
  const st = fresh();
  assert.match(st.whyNotRetry({ region: 'small' })!, /small is pending: nothing to retry/);
  assert.match(st.whyNotRetry({ region: 'mars' })!, /no region mars/);
});

test('retry is accepted for a held region; resume then explains retry/abort', () => {
  const st = fresh();
  st.holds.set('small', { kind: 'failed', reason: 'failed and rolled back' });
  assert.equal(st.whyNotRetry({ region: 'small' }), undefined);
  assert.match(st.whyNotResume({})!, /use retry or abort/);
  st.refreshPhase();
  assert.equal(st.status.phase, 'paused');
  assert.match(st.status.pausedReason!, /small: failed and rolled back/);
});

test('pause twice is refused; resume after pause is accepted', () => {
  const st = fresh();
  assert.equal(st.whyNotPause({ reason: 'incident' }), undefined);
  st.manualPause = { reason: 'incident', by: 'ana' };
  assert.match(st.whyNotPause({})!, /already paused by ana: incident/);
  assert.equal(st.whyNotResume({}), undefined);
});

test('approve names the regions that do wait', () => {
  const st = fresh();
  assert.equal(st.whyNotApprove({}), 'no region is awaiting approval');
  st.region('big')!.state = 'awaiting_approval';
  assert.match(st.whyNotApprove({ region: 'small' })!, /small is pending, not awaiting approval \(awaiting: big\)/);
  assert.equal(st.whyNotApprove({ region: 'big' }), undefined);
});

test('nothing is accepted after the end; abort checks its rollback scope', () => {
  const st = fresh();
  assert.match(st.whyNotAbort({ rollback: 'everything' as never })!, /rollback must be none, failed or all/);
  st.terminal = 'succeeded';
  for (const why of [st.whyNotPause({}), st.whyNotAbort({}), st.whyNotApprove({}), st.whyNotRetry({ region: 'big' })]) {
    assert.match(why!, /already ended \(succeeded\)/);
  }
});
