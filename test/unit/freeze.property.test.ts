// The freeze rules the CLI and the freeze workflow's validators share: a freeze needs a reason
// and an end in the future; anything else that arrives (nothing, null, wrong types, unknown
// fields) is refused with a reason and never throws; which freeze holds which service when.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ALL, checkFreeze, checkUnfreeze, freezeFor, freezesOf, live, nextChange, sameFreeze, type Freeze } from '../../src/domain/freeze.js';
import { parseWhen } from '../../src/cli/freeze.js';

const NOW = new Date('2026-12-05T08:00:00Z');
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const service = fc.stringMatching(/^[a-z0-9-]{1,20}$/);

test('any input at all: checkFreeze and checkUnfreeze answer, never throw', () => {
  fc.assert(
    fc.property(fc.anything(), (raw) => {
      const a = checkFreeze(raw, NOW);
      const b = checkUnfreeze(raw);
      assert.equal(typeof a.ok, 'boolean');
      assert.equal(typeof b.ok, 'boolean');
      if (!a.ok) assert.ok(a.reason.length > 0);
    }),
  );
});

test('a freeze without a reason (absent, empty, blank, not a string) is refused, naming the reason', () => {
  fc.assert(
    fc.property(fc.array(service, { minLength: 1, maxLength: 3 }), fc.oneof(fc.constant(undefined), fc.constant(''), fc.stringMatching(/^\s{1,5}$/), fc.integer(), fc.constant(null)), (services, reason) => {
      const raw = reason === undefined ? { services } : { services, reason };
      const c = checkFreeze(raw, NOW);
      assert.equal(c.ok, false);
      if (!c.ok) assert.match(c.reason, /reason/);
    }),
  );
});

test('--until in the past (or now) is refused; in the future accepted; --from must come before --until', () => {
  fc.assert(
    fc.property(fc.integer({ min: -10 * 86_400_000, max: 0 }), (back) => {
      const c = checkFreeze({ services: ['checkout'], reason: 'r', until: at(back) }, NOW);
      assert.equal(c.ok, false);
      if (!c.ok) assert.match(c.reason, /in the past/);
    }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10 * 86_400_000 }), fc.integer({ min: 0, max: 86_400_000 }), (ahead, gap) => {
      assert.equal(checkFreeze({ services: true, reason: 'r', until: at(ahead) }, NOW).ok, true);
      const c = checkFreeze({ services: true, reason: 'r', from: at(ahead + gap), until: at(ahead) }, NOW);
      assert.equal(c.ok, false);
    }),
  );
});

test('services: a list of service names or true (--all); nothing else', () => {
  for (const services of [[], false, 'checkout', ['Not A Service'], [1], null]) {
    assert.equal(checkFreeze({ services, reason: 'r' }, NOW).ok, false, JSON.stringify(services));
  }
  assert.equal(checkFreeze({ services: ['checkout'], reason: 'r', extra: 1 }, NOW).ok, false, 'unknown fields refused');
});

test('a freeze sent twice is the same freeze; a freeze holds its services from its start until its end', () => {
  fc.assert(
    fc.property(fc.array(service, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 3_600_000 }), fc.integer({ min: 1, max: 3_600_000 }), fc.integer({ min: 0, max: 60_000 }), (services, from, length, later) => {
      const input = { services, reason: 'r', from: at(from), until: at(from + length) };
      const first = freezesOf(input, NOW);
      const second = freezesOf(input, new Date(NOW.getTime() + later));
      // Sent again later: the same freeze, whatever the moment it is sent.
      for (const f of first) {
        const g = second.find((x) => x.scope === f.scope)!;
        assert.ok(sameFreeze(f, g, NOW.getTime() + later), JSON.stringify({ f, g }));
      }
      for (const s of services) {
        assert.equal(freezeFor(first, s, NOW.getTime() + from + length - 1)?.scope, s);
        assert.equal(freezeFor(first, s, NOW.getTime() + from + length), undefined, 'over at --until');
        if (from > 0) assert.equal(freezeFor(first, s, NOW.getTime() + from - 1), undefined, 'not before --from');
      }
      assert.equal(nextChange(first, NOW.getTime()), from > 0 ? NOW.getTime() + from : NOW.getTime() + from + length);
      assert.deepEqual(live(first, NOW.getTime() + from + length), []);
    }),
  );
});

test('a freeze of every service holds any service, and is named first', () => {
  const freezes: Freeze[] = [
    { scope: 'checkout', reason: 'own', from: at(0) },
    { scope: ALL, reason: 'holidays', from: at(0) },
  ];
  assert.equal(freezeFor(freezes, 'checkout', NOW.getTime())?.reason, 'holidays');
  assert.equal(freezeFor(freezes, 'search', NOW.getTime())?.reason, 'holidays');
  assert.equal(freezeFor(freezes.slice(0, 1), 'search', NOW.getTime()), undefined);
});

test('--from and --until take an ISO time or a duration from now; anything else is refused', () => {
  assert.equal(parseWhen('--until', '2h', NOW.getTime()), at(2 * 3_600_000));
  assert.equal(parseWhen('--from', '2026-12-24T00:00:00Z', NOW.getTime()), '2026-12-24T00:00:00.000Z');
  for (const bad of ['', 'tomorrow', '12', '2026-13-45T00:00Z', '-1h']) assert.throws(() => parseWhen('--until', bad, NOW.getTime()), /not a time/);
});
