// The renderings of a deploy, snapshot-tested: for each region state, the TTY frame (colour,
// exactly as a terminal receives it: `cat` a fixture to see it) and the CI lines of the change
// into that state. Fixtures live in test/fixtures/render/; UPDATE_SNAPSHOTS=1 rewrites them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { CheckStatus, DeployEvent, DeployStatus, RegionState, RegionStatus } from '../../workflows/messages.js';
import { newEvents, redrawSequence, renderCiLines, renderStatus, renderTty, stripAnsi, type ViewStatus } from '../../src/cli/render.js';
import { judge, span, truncateVisible, visibleWidth } from '../../src/cli/render/format.js';
import { mergeLive } from '../../src/cli/live.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/render/', import.meta.url));

function snapshot(name: string, actual: string): void {
  const file = join(FIXTURES, name);
  if (process.env.UPDATE_SNAPSHOTS || !existsSync(file)) {
    mkdirSync(FIXTURES, { recursive: true });
    writeFileSync(file, actual.endsWith('\n') ? actual : `${actual}\n`);
    if (!process.env.UPDATE_SNAPSHOTS) assert.fail(`new snapshot written: ${name} (check it in and run again)`);
    return;
  }
  const expected = readFileSync(file, 'utf8');
  assert.equal(`${actual}\n`.replace(/\n\n$/, '\n'), expected, `snapshot ${name} differs (UPDATE_SNAPSHOTS=1 to rewrite)`);
}

// --- a deploy of checkout 1.4.2 over three stages; eu-west-1 (stage 2) goes through every state ---

const at = (hms: string) => `2026-11-27T${hms}.000Z`;
const GATE = '5xx < 1% and p99 < 400ms through the soak';

const checks = (errorRate: number | null, samples: number, breaches = 0): CheckStatus[] => [
  { name: 'error-rate', value: errorRate, samples, breaches, threshold: '<= 0.01', limits: { max: 0.01 } },
  { name: 'latency-p99', value: samples ? 0.2125 : null, samples, breaches: 0, threshold: '<= 0.4', limits: { max: 0.4 } },
  { name: 'health', value: samples ? true : null, samples, breaches: 0, threshold: '== true', limits: { equals: true } },
];

function base(): DeployStatus {
  const region = (name: string, customers: number): RegionStatus => ({ name, customers, state: 'pending', attempt: 1, checks: [] });
  return {
    service: 'checkout',
    version: '1.4.2',
    owner: 'payments-team',
    runbook: 'https://wiki.example.com/checkout/deploys',
    phase: 'running',
    currentStage: 0,
    stages: [
      { index: 0, regions: [region('ap-southeast-2', 1200)], gate: { name: GATE, approval: 'auto', state: 'pending' } },
      { index: 1, regions: [region('eu-west-1', 48000)], gate: { name: GATE, approval: 'manual', state: 'pending' } },
      { index: 2, regions: [region('us-east-1', 310000)], gate: { name: GATE, approval: 'auto', state: 'pending' } },
    ],
    events: [
      { at: at('10:00:00'), kind: 'started', message: 'deploy of checkout 1.4.2 started: ap-southeast-2 > eu-west-1 > us-east-1', by: 'ci' },
    ],
    startedAt: at('10:00:00'),
  };
}

const R = (s: DeployStatus, name: string) => s.stages.flatMap((x) => x.regions).find((r) => r.name === name)!;
const ev = (s: DeployStatus, e: DeployEvent) => s.events.push(e);

interface Scenario {
  status: ViewStatus;
  now: string;
  /** The scenario before it, for the CI lines of the change. */
  prev?: string;
}

function scenarios(): Record<RegionState | 'succeeded', Scenario> {
  // pending: the first region soaks (live values), eu-west-1 waits its turn.
  const pending = base();
  Object.assign(R(pending, 'ap-southeast-2'), { state: 'soaking', fromVersion: '1.4.1', soakStartedAt: at('10:00:30'), soakEndsAt: at('10:15:30') });
  ev(pending, { at: at('10:00:00'), kind: 'deploying', message: 'deploying 1.4.2 to ap-southeast-2 (was 1.4.1)', region: 'ap-southeast-2' });
  pending.stages[0].gate.state = 'watching';
  const pendingView = mergeLive(pending, [{ activityId: '5', region: 'ap-southeast-2', attempt: 1, lastHeartbeatAt: at('10:05:58'), tally: { checks: checks(0.0012, 5), consecutive: {}, evaluations: 5 } }], 'deploy-checkout');

  // deploying: ap-southeast-2 promoted, eu-west-1 deploying.
  const deploying = structuredClone(pending);
  Object.assign(R(deploying, 'ap-southeast-2'), { state: 'promoted', checks: checks(0.0011, 15) });
  deploying.stages[0].gate.state = 'passed';
  ev(deploying, { at: at('10:15:30'), kind: 'promoted', message: `ap-southeast-2 promoted: gate "${GATE}" passed`, region: 'ap-southeast-2' });
  deploying.currentStage = 1;
  Object.assign(R(deploying, 'eu-west-1'), { state: 'deploying', fromVersion: '1.4.1' });
  ev(deploying, { at: at('10:15:31'), kind: 'deploying', message: 'deploying 1.4.2 to eu-west-1 (was 1.4.1)', region: 'eu-west-1' });

  // soaking: live values from the watch's heartbeat, 46% through a 30m soak.
  const soaking = structuredClone(deploying);
  Object.assign(R(soaking, 'eu-west-1'), { state: 'soaking', soakStartedAt: at('10:16:00'), soakEndsAt: at('10:46:00') });
  soaking.stages[1].gate.state = 'watching';
  const soakingView = mergeLive(soaking, [{ activityId: '9', region: 'eu-west-1', attempt: 1, lastHeartbeatAt: at('10:29:59'), tally: { checks: checks(0.0031, 14), consecutive: {}, evaluations: 14 } }], 'deploy-checkout');

  // awaiting_approval: the soak passed; the manual gate waits for a person.
  const awaiting = structuredClone(soaking);
  Object.assign(R(awaiting, 'eu-west-1'), { state: 'awaiting_approval', checks: checks(0.0029, 30) });
  awaiting.stages[1].gate.state = 'awaiting_approval';
  ev(awaiting, { at: at('10:46:01'), kind: 'awaiting_approval', message: `eu-west-1 passed its checks; waiting for approval of gate "${GATE}"`, region: 'eu-west-1' });

  // promoted: approved by alice; us-east-1 deploying.
  const promoted = structuredClone(awaiting);
  Object.assign(R(promoted, 'eu-west-1'), { state: 'promoted' });
  Object.assign(promoted.stages[1].gate, { state: 'approved', by: 'alice' });
  ev(promoted, { at: at('10:50:00'), kind: 'approved', message: 'eu-west-1 approved', by: 'alice', region: 'eu-west-1' });
  ev(promoted, { at: at('10:50:00'), kind: 'promoted', message: `eu-west-1 promoted: gate "${GATE}" approved`, by: 'alice', region: 'eu-west-1' });
  promoted.currentStage = 2;
  Object.assign(R(promoted, 'us-east-1'), { state: 'deploying', fromVersion: '1.4.1' });
  ev(promoted, { at: at('10:50:01'), kind: 'deploying', message: 'deploying 1.4.2 to us-east-1 (was 1.4.1)', region: 'us-east-1' });

  // rolling_back: a breach 5 minutes into the soak.
  const reason = 'error-rate = 0.042 breached <= 0.01 2 times in a row in eu-west-1';
  const rollingBack = structuredClone(soaking);
  Object.assign(R(rollingBack, 'eu-west-1'), { state: 'rolling_back', checks: checks(0.042, 5, 2), error: reason });
  rollingBack.stages[1].gate.state = 'failed';
  ev(rollingBack, { at: at('10:21:00'), kind: 'breach', message: reason, region: 'eu-west-1' });
  ev(rollingBack, { at: at('10:21:00'), kind: 'region_failed', message: `eu-west-1 failed: ${reason}`, region: 'eu-west-1' });
  ev(rollingBack, { at: at('10:21:00'), kind: 'rollback_started', message: `rolling eu-west-1 back to 1.4.1: ${reason}`, region: 'eu-west-1' });

  // rolled_back: back on 1.4.1, the deploy paused for retry or abort.
  const rolledBack = structuredClone(rollingBack);
  R(rolledBack, 'eu-west-1').state = 'rolled_back';
  ev(rolledBack, { at: at('10:21:40'), kind: 'rolled_back', message: 'eu-west-1 rolled back to 1.4.1', region: 'eu-west-1' });
  rolledBack.phase = 'paused';
  rolledBack.pausedReason = `eu-west-1: failed and rolled back to 1.4.1: ${reason}`;

  // failed: the rollback itself failed; the region stays failed and the deploy paused.
  const failed = structuredClone(rollingBack);
  Object.assign(R(failed, 'eu-west-1'), { state: 'failed', error: `${reason}; rollback to 1.4.1 failed: deploy of 1.4.1 to eu-west-1 failed: image pull backoff` });
  ev(failed, { at: at('10:21:30'), kind: 'rollback_failed', message: 'rollback of eu-west-1 to 1.4.1 failed: deploy of 1.4.1 to eu-west-1 failed: image pull backoff', region: 'eu-west-1' });
  failed.phase = 'paused';
  failed.pausedReason = `eu-west-1: failed, not rolled back: ${R(failed, 'eu-west-1').error}`;

  // succeeded: every region promoted.
  const succeeded = structuredClone(promoted);
  Object.assign(R(succeeded, 'us-east-1'), { state: 'promoted', soakStartedAt: at('10:50:30'), soakEndsAt: at('11:35:30'), checks: checks(0.0008, 45) });
  succeeded.stages[2].gate.state = 'passed';
  ev(succeeded, { at: at('11:35:31'), kind: 'promoted', message: `us-east-1 promoted: gate "${GATE}" passed`, region: 'us-east-1' });
  ev(succeeded, { at: at('11:35:31'), kind: 'succeeded', message: 'checkout 1.4.2 promoted in all 3 regions' });
  succeeded.phase = 'succeeded';
  succeeded.endedAt = at('11:35:31');

  const id = (s: DeployStatus): ViewStatus => ({ ...s, workflowId: 'deploy-checkout' });
  return {
    pending: { status: pendingView, now: at('10:06:00') },
    deploying: { status: id(deploying), now: at('10:15:40'), prev: 'pending' },
    soaking: { status: soakingView, now: at('10:30:00'), prev: 'deploying' },
    awaiting_approval: { status: id(awaiting), now: at('10:47:00'), prev: 'soaking' },
    promoted: { status: id(promoted), now: at('10:50:05'), prev: 'awaiting_approval' },
    rolling_back: { status: id(rollingBack), now: at('10:21:10'), prev: 'soaking' },
    rolled_back: { status: id(rolledBack), now: at('10:22:00'), prev: 'rolling_back' },
    failed: { status: id(failed), now: at('10:22:00'), prev: 'rolling_back' },
    succeeded: { status: id(succeeded), now: at('11:40:00'), prev: 'promoted' },
  };
}

const all = scenarios();

for (const [name, sc] of Object.entries(all)) {
  test(`TTY frame: eu-west-1 ${name}`, () => {
    const frame = renderTty(sc.status, Date.parse(sc.now));
    snapshot(`${name}.tty.txt`, frame);
    assert.ok(frame.includes('\x1b['), 'coloured');
    // Without colour it is the same text: what `status` prints into a pipe.
    assert.equal(stripAnsi(renderTty(sc.status, Date.parse(sc.now))), renderTty(sc.status, Date.parse(sc.now), { colour: false }));
  });
  test(`CI lines: eu-west-1 into ${name}`, () => {
    const prev = sc.prev ? all[sc.prev as keyof typeof all].status : undefined;
    const lines = renderCiLines(prev, sc.status, Date.parse(sc.now));
    snapshot(`${name}.ci.txt`, lines.join('\n'));
    for (const l of lines) assert.ok(!l.includes('\x1b'), 'no escape codes in CI');
  });
}

test('the TTY frame shows what the brief asks for, in the soaking state', () => {
  const frame = renderTty(all.soaking.status, Date.parse(all.soaking.now), { colour: false });
  assert.match(frame, /^checkout 1\.4\.2 {2}phase: running {2}stage 2 of 3 {2}1\/3 regions promoted$/m);
  assert.match(frame, /eu-west-1\s+48,000\s+~ soaking\s+1\.4\.1 → 1\.4\.2\s+█+░+\s+46% 16m left\s+watching/);
  assert.match(frame, /error-rate\s+0\.0031\s+<= 0\.01\s+ok\s+14 samples/);
  assert.match(frame, /health\s+true\s+== true\s+ok\s+14 samples/);
  assert.match(frame, /gate of stage 2: "5xx < 1% and p99 < 400ms through the soak" \(manual approval\): watching/);
  const promoted = renderTty(all.promoted.status, Date.parse(all.promoted.now), { colour: false });
  assert.match(promoted, /eu-west-1 .* approved by alice/);
  const failed = renderTty(all.rolled_back.status, Date.parse(all.rolled_back.now), { colour: false });
  assert.match(failed, /error-rate\s+0\.042\s+<= 0\.01\s+BREACH\s+5 samples, 2 breaches/);
  assert.match(failed, /failed at 5m of 30m/);
  assert.match(failed, /^paused: eu-west-1: failed and rolled back to 1\.4\.1/m);
  assert.match(failed, /firebreak retry checkout --region eu-west-1/);
  assert.match(failed, /1\.4\.2 → 1\.4\.1/);
});

test('CI lines: a poll that missed states still prints every transition, in order', () => {
  const lines = renderCiLines(all.deploying.status, all.rolled_back.status, Date.parse(all.rolled_back.now));
  const transitions = lines.filter((l) => / eu-west-1 +\S+ -> /.test(l)).map((l) => l.replace(/^.*eu-west-1 +(\S+ -> \S+).*$/, '$1'));
  assert.deepEqual(transitions, ['deploying -> soaking', 'soaking -> failed', 'failed -> rolling_back', 'rolling_back -> rolled_back']);
  assert.ok(lines.some((l) => /^10:21:40 {2}phase running -> paused: eu-west-1: failed and rolled back/.test(l)), lines.join('\n'));
  // And from nothing at all (attaching to a deploy in flight): the whole timeline so far.
  const fromStart = renderCiLines(undefined, all.promoted.status, Date.parse(all.promoted.now));
  const eu = fromStart.filter((l) => / eu-west-1 +\S+ -> /.test(l)).map((l) => l.replace(/^.*eu-west-1 +(\S+ -> \S+).*$/, '$1'));
  assert.deepEqual(eu, ['pending -> deploying', 'deploying -> soaking', 'soaking -> awaiting_approval', 'awaiting_approval -> promoted']);
});

test('CI lines: a check line only when a value, sample count or breach count changed', () => {
  const a = all.soaking.status;
  assert.deepEqual(renderCiLines(a, a, Date.parse(all.soaking.now)), [], 'nothing changed, nothing printed');
  const b = structuredClone(a);
  const eu = R(b, 'eu-west-1');
  eu.checks[0] = { ...eu.checks[0], value: 0.0035, samples: 15 };
  const lines = renderCiLines(a, b, Date.parse('2026-11-27T10:31:00Z'));
  assert.deepEqual(lines, ['10:31:00  ap-southeast-2  check error-rate = 0.0035 (<= 0.01), 15 samples, 0 breaches, 15m left'.replace('ap-southeast-2', 'eu-west-1     ')]);
});

test('a frame taller than the terminal is compacted, and cut to its width', () => {
  const s = structuredClone(all.soaking.status);
  const many = Array.from({ length: 30 }, (_, i) => ({ name: `r-${String(i).padStart(2, '0')}`, customers: 100 + i, state: 'promoted' as const, attempt: 1, fromVersion: '1', checks: checks(0.001, 10) }));
  s.stages.unshift(...many.map((r, i) => ({ index: i, regions: [r], gate: { name: GATE, approval: 'auto' as const, state: 'passed' as const } })));
  s.stages.forEach((st, i) => (st.index = i));
  s.currentStage = 31;
  const frame = renderTty(s, Date.parse(all.soaking.now), { rows: 30, columns: 80, colour: true });
  const lines = frame.split('\n');
  assert.ok(lines.length <= 30, `${lines.length} lines`);
  for (const l of lines) assert.ok(visibleWidth(l) <= 80, `too wide: ${stripAnsi(l)}`);
  assert.match(stripAnsi(frame), /1-31\s+31 regions\s+✓ promoted/, 'promoted stages folded');
  assert.match(stripAnsi(frame), /eu-west-1/, 'the region in flight is still there');
});

test('redraw: cursor up over the previous frame, clear, new frame', () => {
  assert.equal(redrawSequence(0, 'a\nb'), '\x1b[0Ja\nb\n');
  assert.equal(redrawSequence(2, 'c'), '\x1b[2F\x1b[0Jc\n');
});

test('formatting pieces', () => {
  // Judged by the watcher's rule (src/domain/pipeline/threshold.ts), from the limits the status carries.
  assert.equal(judge({ value: 0.02, limits: { max: 0.01 } }), 'breach');
  assert.equal(judge({ value: 0.002, limits: { max: 0.01 } }), 'ok');
  assert.equal(judge({ value: 3, limits: { min: 5, max: 9 } }), 'breach');
  assert.equal(judge({ value: true, limits: { equals: true } }), 'ok');
  assert.equal(judge({ value: 'ok', limits: { equals: 'ok' } }), 'ok');
  assert.equal(judge({ value: 'abc', limits: { max: 1 } }), 'breach', 'not a number cannot be within max, as the watcher says');
  assert.equal(judge({ value: null, limits: { max: 1 } }), 'no_data');
  assert.equal(judge({ value: 0.5 }), 'unknown', 'a status from before checks carried their limits');
  assert.equal(span(59_400), '59s');
  assert.equal(span(61_000), '1m01s');
  assert.equal(span(3_600_000 * 3 + 60_000 * 5), '3h05m');
  assert.equal(span(86_400_000 * 3), '3d');
  assert.equal(stripAnsi(truncateVisible('\x1b[32mabcdef\x1b[39m', 4)), 'abc…');
  // Events trimmed at the front (should the workflow ever cap them) are still found by content.
  const e = (n: number): DeployEvent => ({ at: at(`10:00:0${n}`), kind: 'ignored', message: `m${n}` });
  assert.deepEqual(newEvents([e(1), e(2), e(3)], [e(3), e(4)]), [e(4)]);
  assert.deepEqual(newEvents([e(1)], [e(1), e(2)]), [e(2)]);
});

test('renderStatus is the plain timeline (what `status` prints into a pipe)', () => {
  const text = renderStatus(all.rolled_back.status, Date.parse(all.rolled_back.now));
  assert.ok(!text.includes('\x1b'));
  assert.match(text, /phase: paused/);
});

test('a deploy window wait, the migrations run, and a stale watch heartbeat are shown', () => {
  const s: ViewStatus = structuredClone(all.soaking.status);
  s.windowOpensAt = '2026-11-27T13:00:00.000Z';
  s.migrations = [
    { id: '2026-11-add-currency', phase: 'expand', direction: 'up', state: 'applied', at: at('10:00:01') },
    { id: '2026-11-drop-old-price', phase: 'contract', direction: 'up', state: 'failed', at: at('10:00:02'), error: 'relation "prices" does not exist' },
  ];
  s.live!['eu-west-1'] = { evaluations: 14, attempt: 2, lastHeartbeatAt: at('10:28:00') };
  const frame = renderTty(s, Date.parse(all.soaking.now), { colour: false });
  assert.match(frame, /^window: waiting for the next deploy window, opening 2026-11-27 13:00:00 UTC \(in 2h30m\)$/m);
  assert.match(frame, /^ {2}10:00:01 {2}2026-11-add-currency expand up: applied$/m);
  assert.match(frame, /^ {2}10:00:02 {2}2026-11-drop-old-price contract up: failed: relation "prices" does not exist$/m);
  assert.match(frame, /live values from the watch's last heartbeat, 2m ago \(14 evaluations\), attempt 2 — is a worker running\?/);
});

test('a soak extended for its samples (the bake) shows in the frame and the CI lines', () => {
  const before: ViewStatus = structuredClone(all.soaking.status);
  const after: ViewStatus = structuredClone(before);
  Object.assign(R(after, 'eu-west-1'), { soakExtendedUntil: at('11:01:00') });
  R(after, 'eu-west-1').checks = checks(0.003, 8);
  ev(after, { at: at('10:46:01'), kind: 'soak_extended', message: 'eu-west-1 soak extended until 2026-11-27T11:01:00.000Z to collect samples: error-rate has 8 of 10 samples', region: 'eu-west-1' });
  const now = Date.parse('2026-11-27T10:50:00Z');
  const frame = renderTty(after, now, { colour: false });
  assert.match(frame, /eu-west-1 .* extended for samples, 11m left/);
  const lines = renderCiLines(before, after, now);
  assert.ok(lines.some((l) => /soak_extended +eu-west-1 soak extended until .* to collect samples/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /check error-rate = 0\.003 .*, soak extended until 11:01:00 for samples$/.test(l)), lines.join('\n'));
});
