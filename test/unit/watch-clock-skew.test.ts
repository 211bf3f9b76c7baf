// The watcher clock-skew fault is for tests and chaos only: a worker given a value that is not a
// number must refuse to start (createActivities reads it at once), not fail its first soak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createActivities, watchClockSkew } from '../../activities/index.js';

test('no fault: unset or empty is a clock with no skew', () => {
  assert.equal(watchClockSkew({}), 0);
  assert.equal(watchClockSkew({ FIREBREAK_FAULT_WATCH_CLOCK_SKEW_MS: '' }), 0);
});

test('a number of milliseconds is taken, and announced', (t) => {
  const warn = t.mock.method(console, 'warn', () => undefined);
  assert.equal(watchClockSkew({ FIREBREAK_FAULT_WATCH_CLOCK_SKEW_MS: '4000' }), 4000);
  assert.equal(watchClockSkew({ FIREBREAK_FAULT_WATCH_CLOCK_SKEW_MS: '-250' }), -250);
  assert.match(String(warn.mock.calls[0].arguments[0]), /FAULT INJECTED.*4000 ms ahead/);
});

test('anything that is not a number is refused with the value named, before any soak', (t) => {
  t.mock.method(console, 'warn', () => undefined);
  fc.assert(
    fc.property(fc.oneof(fc.constantFrom('4s', 'NaN', 'Infinity', 'ahead', '1e999', '0x'), fc.string().filter((s) => s.trim() !== '' && !Number.isFinite(Number(s)))), (raw) => {
      assert.throws(() => watchClockSkew({ FIREBREAK_FAULT_WATCH_CLOCK_SKEW_MS: raw }), (err: Error) => err.message === `FIREBREAK_FAULT_WATCH_CLOCK_SKEW_MS=${raw} is not a number of milliseconds`);
    }),
  );
  assert.throws(() => createActivities({ env: { FIREBREAK_FAULT_WATCH_CLOCK_SKEW_MS: 'soon' } }), /is not a number of milliseconds/);
});
