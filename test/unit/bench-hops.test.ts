// The bench's hop latency, percentiles and ratios (src/local/bench/hops.ts): pure arithmetic,
// no server, no timings asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hopLatencies, mean, percentile, ratio, type HopEvent } from '../../src/local/bench/hops.js';

test('a hop runs from the workflow start or the last completion to the next activity start', () => {
  const events: HopEvent[] = [
    { kind: 'workflowStarted', at: 1000 },
    { kind: 'activityScheduled', at: 1010, id: 5, activity: 'deploy' },
    { kind: 'activityStarted', at: 1030, scheduledId: 5 },
    { kind: 'activityCompleted', at: 1200 },
    { kind: 'activityScheduled', at: 1250, id: 11, activity: 'watch' },
    { kind: 'activityStarted', at: 1300, scheduledId: 11 },
    { kind: 'activityCompleted', at: 3300 },
  ];
  assert.deepEqual(hopLatencies(events, new Set(['deploy', 'watch'])), [30, 100]);
});

test('activities outside the set are not hops, though their completion moves the start of the next', () => {
  const events: HopEvent[] = [
    { kind: 'workflowStarted', at: 0 },
    { kind: 'activityScheduled', at: 5, id: 5, activity: 'notify' },
    { kind: 'activityStarted', at: 6, scheduledId: 5 },
    { kind: 'activityCompleted', at: 10 },
    { kind: 'activityScheduled', at: 15, id: 9, activity: 'deploy' },
    { kind: 'activityStarted', at: 20, scheduledId: 9 },
  ];
  assert.deepEqual(hopLatencies(events, new Set(['deploy'])), [10]);
});

test('parallel activities scheduled together each measure from the same completion', () => {
  const events: HopEvent[] = [
    { kind: 'workflowStarted', at: 0 },
    { kind: 'activityScheduled', at: 4, id: 5, activity: 'deploy' },
    { kind: 'activityScheduled', at: 4, id: 6, activity: 'deploy' },
    { kind: 'activityStarted', at: 7, scheduledId: 5 },
    { kind: 'activityStarted', at: 9, scheduledId: 6 },
  ];
  assert.deepEqual(hopLatencies(events, new Set(['deploy'])), [7, 9]);
});

test('percentile is nearest-rank, NaN for nothing', () => {
  const xs = [5, 1, 4, 2, 3];
  assert.equal(percentile(xs, 50), 3);
  assert.equal(percentile(xs, 99), 5);
  assert.equal(percentile(xs, 0), 1);
  assert.equal(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99), 99);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('a ratio is null rather than made up from missing or zero figures', () => {
  assert.equal(ratio(3, 2), 1.5);
  assert.equal(ratio(undefined, 2), null);
  assert.equal(ratio(3, 0), null);
  assert.equal(ratio(NaN, 2), null);
  assert.equal(mean([1, 2, 3]), 2);
  assert.ok(Number.isNaN(mean([])));
});
