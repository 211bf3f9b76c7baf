// `firebreak runbook FILE`, taken at its word: every command the runbook prints is run, as
// printed (through bash, with `firebreak` and `temporal` on PATH), against a real deploy in the
// situation its section describes, and must do what the runbook says it does. Commands are found
// by their `## ` section; each is run exactly once, and the last test fails if one was skipped.
//
// The pipeline: two regions (small, then large behind a manual gate), 2s soaks, an http check
// reading the simulator's error rate through ${RUNBOOK_METRICS_URL}. The worker's environment
// object is live, so "the metrics source is down" is one assignment away (the check then has no
// data and the gate is inconclusive), and a simulator fault makes a region breach.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { activityEnv, clearFaults, createTestWorker, regionState, simDeployments, simFault, simRegion, start, waitFor } from '../helpers/deploys.js';
import { loadPipelineFile } from '../../src/domain/pipeline/load.js';
import { plan } from '../../src/domain/pipeline/plan.js';
import { runbookMarkdown } from '../../src/domain/pipeline/runbook.js';
import { findTemporalCli, REPO_ROOT } from '../../src/local/tools.js';
import { statusQuery, type DeployEvent, type DeployStatus } from '../../workflows/messages.js';
import type { DeployHandle } from '../../src/client/workflow.js';

const SERVICE = 'rb-shop';
const WORKFLOW_ID = `deploy-${SERVICE}`;
const SMALL = 'small';
const LARGE = 'large';
const BASE = '1.0.0';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-runbook-'));
const pipelineFile = join(dir, `${SERVICE}.yaml`);
writeFileSync(
  pipelineFile,
  `apiVersion: firebreak/v1
service: ${SERVICE}
owner: test-team
runbook: https://wiki.example.com/${SERVICE}/deploys
regions:
  - { name: ${SMALL}, customers: 100 }
  - { name: ${LARGE}, customers: 9000, gate: { approval: manual } }
soak: 2s
gate:
  name: "errors below 5% through the soak"
  approval: auto
  interval: 300ms
  failAfter: 2
  minSamples: 3
  onNoData: pause
  checks:
    - name: error-rate
      http: { url: "\${RUNBOOK_METRICS_URL}/services/{{service}}/regions/{{region}}", path: "$.errorRate" }
      max: 0.05
deploy:
  http:
    url: \${FIREBREAK_SIM_URL}/services/{{service}}/regions/{{region}}/deployments
    status: { url: "\${FIREBREAK_SIM_URL}/services/{{service}}/regions/{{region}}", state: "$.state", done: ready, failed: error, version: "$.version" }
  timeout: 1m
rollback: { onFailure: region, onAbort: none }
pauseTimeout: 72h
hotfix: { soakScale: 0.5, minSoak: 1s, manualGates: false }
`,
);
const loaded = loadPipelineFile(pipelineFile);

let stack: TestStack;
let markdown: string;
/** The worker's environment: activities read ${VAR} from this very object, on every check. */
let workerEnv: NodeJS.ProcessEnv;
let worker: { instance: Worker; running: Promise<void> } | undefined;
const shims = mkdtempSync(join(tmpdir(), 'firebreak-runbook-bin-'));

// --- the runbook's commands, by section -------------------------------------------------------

interface Command {
  section: string;
  command: string;
  runs: number;
}
let commands: Command[] = [];

function extractCommands(md: string): Command[] {
  const out: Command[] = [];
  let section = '(before any section)';
  for (const m of md.matchAll(/^## (.+)$|```sh\n([\s\S]*?)\n```/gm)) {
    if (m[1] !== undefined) section = m[1];
    else out.push({ section, command: m[2], runs: 0 });
  }
  return out;
}

/** The one command of `section` containing `needle`; refused when ambiguous, missing or run already. */
function take(section: string, needle: string): Command {
  const inSection = commands.filter((c) => c.section === section);
  assert.ok(inSection.length > 0, `the runbook has no commands under "## ${section}"`);
  const matches = inSection.filter((c) => c.command.includes(needle));
  assert.equal(matches.length, 1, `expected one command containing ${JSON.stringify(needle)} under "## ${section}", found:\n${inSection.map((c) => c.command).join('\n')}`);
  assert.equal(matches[0].runs, 0, `already ran: ${matches[0].command}`);
  matches[0].runs += 1;
  return matches[0];
}

interface Run {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command exactly as printed (bash -c), and requires exit code 0. */
async function runbook(section: string, needle: string, fill: Record<string, string> = {}, exitCode = 0): Promise<Run> {
  // What the reader fills in (`<fix-version>`), filled in; the rest runs exactly as printed.
  const command = Object.entries(fill).reduce((c, [k, v]) => c.replaceAll(`<${k}>`, v), take(section, needle).command);
  assert.doesNotMatch(command, /<[a-z-]+>/, `a placeholder left unfilled: ${command}`);
  const run = await new Promise<Run>((resolve) => {
    execFile(
      'bash',
      ['-c', command],
      {
        cwd: dir,
        timeout: 60_000,
        env: {
          ...process.env,
          PATH: `${shims}:${process.env.PATH ?? ''}`,
          TEMPORAL_ADDRESS: stack.address,
          FIREBREAK_TASK_QUEUE: stack.taskQueue,
          // Not `oncall`: the `by` recorded must come from the command itself.
          FIREBREAK_USER: 'someone-else',
        },
      },
      (err, stdout, stderr) => resolve({ command, code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
  assert.equal(run.code, exitCode, `\`${command}\` exited ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  return run;
}

// --- the deploy, as the test drives and reads it ---------------------------------------------

let deploys = 0;
let seeds = 0;

/** Puts both regions on BASE (a fresh deployId each time, so the simulator never dedupes it). */
async function seedBase(): Promise<void> {
  for (const region of [SMALL, LARGE]) {
    const res = await fetch(`${stack.sim!.url}/services/${SERVICE}/regions/${region}/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: BASE, deployId: `seed-${++seeds}` }),
    });
    assert.equal(res.status, 202, await res.text());
  }
  for (const region of [SMALL, LARGE]) {
    await until(async () => {
      const r = await simRegion(stack, SERVICE, region);
      return r.state === 'ready' && r.version === BASE;
    }, `${region} seeded with ${BASE}`);
  }
}

async function until(fn: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A new deploy of this service (the previous one has ended), both regions on BASE before it. */
async function deploy(opts: { metrics: 'up' | 'down' } = { metrics: 'up' }): Promise<{ handle: WorkflowHandle; version: string }> {
  const version = `2.0.${++deploys}`;
  await clearFaults(stack);
  if (opts.metrics === 'up') metricsUp();
  else metricsDown();
  await seedBase();
  const handle = await start(stack, plan(loaded.pipeline, version));
  return { handle, version };
}

const status = (h: WorkflowHandle) => h.query(statusQuery);
const region = (s: DeployStatus, name: string) => s.stages.flatMap((x) => x.regions).find((r) => r.name === name)!;
const simVersion = async (name: string) => (await simRegion(stack, SERVICE, name)).version;
async function deploysOf(name: string, version: string): Promise<number> {
  return (await simDeployments(stack)).filter((d) => d.service === SERVICE && d.region === name && d.version === version).length;
}

/** The events added since `from` by oncall of this kind (and region, when given). */
const byOncall = (s: DeployStatus, from: number, kind: string, regionName?: string): DeployEvent[] =>
  s.events.slice(from).filter((e) => e.kind === kind && e.by === 'oncall' && (regionName === undefined || e.region === regionName));

async function waitEvent(h: WorkflowHandle, from: number, kind: string, regionName?: string): Promise<DeployStatus> {
  return waitFor(h, (s) => byOncall(s, from, kind, regionName).length === 1, `a ${kind} event by oncall`, 30_000);
}

function metricsUp(): void {
  workerEnv.RUNBOOK_METRICS_URL = stack.sim!.url;
}
/** The check's source answers 404 with no value: no samples, so the gate cannot pass. */
function metricsDown(): void {
  workerEnv.RUNBOOK_METRICS_URL = `${stack.sim!.url}/metrics-are-down`;
}

async function startWorker(): Promise<void> {
  const instance = await createTestWorker(stack, workerEnv);
  const running = instance.run().catch((err) => console.error('worker:', err));
  worker = { instance, running };
}
async function stopWorker(): Promise<void> {
  if (!worker) return;
  const w = worker;
  worker = undefined;
  w.instance.shutdown();
  await w.running;
}

/** Small failed its gate (a breach), was rolled back to BASE, and holds the deploy. */
async function smallFailed(h: WorkflowHandle, attempt: number): Promise<DeployStatus> {
  return waitFor(
    h,
    (s) => region(s, SMALL).state === 'rolled_back' && region(s, SMALL).attempt === attempt && s.phase === 'paused',
    `small to fail and roll back (attempt ${attempt})`,
  );
}
/** Small's checks had no data at the end of its soak: inconclusive, waiting for a person. */
async function smallInconclusive(h: WorkflowHandle): Promise<DeployStatus> {
  const s = await waitFor(h, (x) => x.stages[0].gate.state === 'inconclusive', 'small to be inconclusive');
  assert.equal(regionState(s, SMALL), 'awaiting_approval');
  assert.equal(s.phase, 'paused');
  assert.match(s.pausedReason ?? '', /small: checks inconclusive: not enough data/);
  assert.equal(regionState(s, LARGE), 'pending');
  return s;
}
/** Small promoted, large soaked and now waits at its manual gate: a promoted and an unproven region. */
async function largeAwaitingApproval(h: WorkflowHandle): Promise<DeployStatus> {
  const s = await waitFor(h, (x) => regionState(x, LARGE) === 'awaiting_approval', 'large to await approval');
  assert.equal(regionState(s, SMALL), 'promoted');
  assert.equal(s.stages[1].gate.state, 'awaiting_approval');
  assert.equal(s.phase, 'running', 'a manual gate is not a pause');
  return s;
}
/** Commands that made sense were never `ignored`; the deploy ended as expected. */
async function ended(h: DeployHandle, phase: DeployStatus['phase']): Promise<DeployStatus> {
  const s = await h.result();
  assert.equal(s.phase, phase);
  assert.deepEqual(s.events.filter((e) => e.kind === 'ignored'), [], 'no command was ignored');
  return s;
}

before(async () => {
  stack = await startTestStack({ simulator: true });
  writeFileSync(join(shims, 'firebreak'), `#!/bin/sh\nexec '${process.execPath}' '${join(REPO_ROOT, 'bin', 'firebreak.js')}' "$@"\n`);
  writeFileSync(join(shims, 'temporal'), `#!/bin/sh\nexec '${findTemporalCli()}' "$@"\n`);
  chmodSync(join(shims, 'firebreak'), 0o755);
  chmodSync(join(shims, 'temporal'), 0o755);
  workerEnv = activityEnv(stack, { RUNBOOK_METRICS_URL: stack.sim!.url });
  await startWorker();
  markdown = runbookMarkdown(loaded, { taskQueue: stack.taskQueue });
  commands = extractCommands(markdown);
});
after(async () => {
  await stopWorker();
  await stack?.stop();
});

test('the runbook names this service, its task queue and example regions', () => {
  assert.match(markdown, new RegExp(`workflow \`${WORKFLOW_ID}\` \\(type \`multiRegionDeploy\`, task queue \`${stack.taskQueue}\`\\)`));
  assert.ok(commands.length >= 20, `${commands.length} commands`);
  const sections = [...new Set(commands.map((c) => c.section))];
  assert.deepEqual(sections, [
    'Where is the deploy?',
    'A region failed',
    'A check is inconclusive (no data)',
    'An incident elsewhere: pause',
    'A window closed',
    'Approve a manual gate',
    'Roll back a finished deploy',
    'Abort',
    'Freeze',
    'Hotfix',
  ]);
  for (const c of commands) assert.match(c.command, /^(firebreak|temporal) /);
  for (const c of commands.filter((x) => x.command.startsWith('temporal workflow'))) assert.match(c.command, new RegExp(`--workflow-id ${WORKFLOW_ID}( |$)`));
});

test('where is the deploy, a region failed: retry (firebreak, then the update) redeploys it', async () => {
  const { handle, version } = await deploy();
  await simFault(stack, { service: SERVICE, region: SMALL, version, errorRate: 0.4 });
  let s = await smallFailed(handle, 1);
  // What the section says already happened: rolled back, every later stage held.
  assert.equal(await simVersion(SMALL), BASE);
  assert.equal(regionState(s, LARGE), 'pending');
  assert.match(s.pausedReason ?? '', new RegExp(`small: failed and rolled back to ${BASE.replace(/\./g, '\\.')}: error-rate`));

  // Where is the deploy? Each answers, and shows this deploy.
  const where = 'Where is the deploy?';
  const st = await runbook(where, 'firebreak status');
  assert.match(st.stdout, new RegExp(`${SERVICE}[\\s\\S]*${version.replace(/\./g, '\\.')}`));
  assert.match(st.stdout, /paused/);
  assert.match(st.stdout, /error-rate/, '`firebreak status` shows the check values');
  assert.match(st.stdout, /breached/, '`firebreak status` shows the error');
  const q = await runbook(where, 'workflow query');
  assert.match(q.stdout, /"phase":\s*"paused"/);
  assert.match(q.stdout, new RegExp(`"version":\\s*"${version.replace(/\./g, '\\.')}"`));
  const d = await runbook(where, 'workflow describe');
  assert.match(d.stdout, new RegExp(WORKFLOW_ID));
  assert.match(d.stdout, /multiRegionDeploy/);
  assert.match(d.stdout, new RegExp(`StaticSummary\\s+"${SERVICE} ${version.replace(/\./g, '\\.')}: small > large"`));
  assert.match(d.stdout, /FirebreakPhase:[^\n]*?data:"\\"paused\\""/, 'the phase, from the search attributes');
  const tq = await runbook(where, 'task-queue describe');
  assert.match(tq.stdout, new RegExp(`${process.pid}@${hostname()}`), 'the test worker is listed as polling the task queue');

  // firebreak retry: accepted, redeploys small. The fault is still there, so it fails again.
  const section = 'A region failed';
  let from = s.events.length;
  const deploysBefore = await deploysOf(SMALL, version);
  await runbook(section, 'firebreak retry');
  s = await waitEvent(handle, from, 'retry', SMALL);
  s = await smallFailed(handle, 2);
  assert.equal(await deploysOf(SMALL, version), deploysBefore + 1, 'retry redeployed small');
  assert.equal(await simVersion(SMALL), BASE, 'and small was rolled back again');

  // Fixed now: the retry update redeploys small, which passes and is promoted.
  await clearFaults(stack);
  from = s.events.length;
  await runbook(section, '--name retry');
  s = await waitEvent(handle, from, 'retry', SMALL);
  s = await largeAwaitingApproval(handle);
  assert.equal(region(s, SMALL).attempt, 3);
  assert.equal(await deploysOf(SMALL, version), deploysBefore + 2);
  assert.equal(await simVersion(SMALL), version);

  // Abort, rollback none: every region stays as it is (small promoted, large unproven).
  from = s.events.length;
  const out = await runbook('Abort', '--rollback none');
  assert.match(out.stdout, /aborted/);
  s = await ended(handle, 'aborted');
  assert.equal(byOncall(s, from, 'abort').length, 1);
  assert.match(byOncall(s, from, 'abort')[0].message, /rollback: none\): stopping here/);
  assert.equal(await simVersion(SMALL), version);
  assert.equal(await simVersion(LARGE), version, 'large keeps the new version');
  assert.ok(!s.events.some((e) => e.kind === 'rollback_started' && e.message.includes('abort')));
});

test('a region failed: abort --rollback failed ends the deploy, the failed region stays rolled back', async () => {
  const { handle, version } = await deploy();
  await simFault(stack, { service: SERVICE, region: SMALL, version, errorRate: 0.4 });
  const s0 = await smallFailed(handle, 1);
  const out = await runbook('A region failed', 'firebreak abort');
  assert.match(out.stdout, /aborted/);
  const s = await ended(handle, 'aborted');
  assert.match(byOncall(s, s0.events.length, 'abort')[0].message, /rollback: failed\): small failed its gate/);
  assert.equal(regionState(s, SMALL), 'rolled_back');
  assert.equal(regionState(s, LARGE), 'pending');
  assert.equal(await simVersion(SMALL), BASE);
  assert.equal(await deploysOf(LARGE, version), 0, 'large was never deployed');
});

test('inconclusive: retry re-soaks without redeploying once data flows; abort --rollback failed rolls back the unproven region', async () => {
  const { handle, version } = await deploy({ metrics: 'down' });
  let s = await smallInconclusive(handle);
  metricsUp();
  let from = s.events.length;
  await runbook('A check is inconclusive (no data)', 'firebreak retry');
  s = await waitEvent(handle, from, 'retry', SMALL);
  s = await largeAwaitingApproval(handle);
  assert.equal(region(s, SMALL).attempt, 2);
  assert.equal(s.stages[0].gate.state, 'passed', 'the re-soak passed on data, nobody approved it');
  assert.equal(await deploysOf(SMALL, version), 1, 're-soaked, not redeployed');

  // The runbook says `failed` rolls back what is not promoted yet: large (awaiting approval), not small.
  assert.match(markdown, /`failed` rolls back every region not promoted yet/);
  from = s.events.length;
  await runbook('Abort', '--rollback failed');
  s = await ended(handle, 'aborted');
  assert.equal(byOncall(s, from, 'abort').length, 1);
  assert.equal(regionState(s, SMALL), 'promoted');
  assert.equal(regionState(s, LARGE), 'rolled_back');
  assert.equal(await simVersion(SMALL), version);
  assert.equal(await simVersion(LARGE), BASE);
});

test('inconclusive: firebreak approve promotes on oncall\'s authority; abort --rollback all rolls back every region', async () => {
  const { handle } = await deploy({ metrics: 'down' });
  let s = await smallInconclusive(handle);
  metricsUp(); // for large's soak; small is approved without data
  let from = s.events.length;
  await runbook('A check is inconclusive (no data)', 'firebreak approve');
  s = await waitEvent(handle, from, 'approved', SMALL);
  s = await largeAwaitingApproval(handle);
  assert.equal(s.stages[0].gate.state, 'approved');
  assert.equal(s.stages[0].gate.by, 'oncall');
  assert.equal(region(s, SMALL).attempt, 1);

  from = s.events.length;
  await runbook('Abort', 'firebreak abort rb-shop --rollback all');
  s = await ended(handle, 'aborted');
  assert.match(byOncall(s, from, 'abort')[0].message, /rollback: all\): bad release/);
  assert.equal(regionState(s, SMALL), 'rolled_back');
  assert.equal(regionState(s, LARGE), 'rolled_back');
  assert.equal(await simVersion(SMALL), BASE);
  assert.equal(await simVersion(LARGE), BASE);
});

test('inconclusive: the approve update promotes; the abort update answers once every region is back', async () => {
  const { handle } = await deploy({ metrics: 'down' });
  let s = await smallInconclusive(handle);
  metricsUp();
  let from = s.events.length;
  const approve = await runbook('A check is inconclusive (no data)', '--name approve');
  assert.match(approve.stdout, /approved/, 'the update answers with the new status');
  s = await waitEvent(handle, from, 'approved', SMALL);
  s = await largeAwaitingApproval(handle);
  assert.equal(s.stages[0].gate.by, 'oncall');

  from = s.events.length;
  await runbook('Abort', 'update execute');
  // No waiting: the update returned after the rollbacks.
  s = await status(handle);
  assert.equal(s.phase, 'aborted');
  assert.equal(byOncall(s, from, 'abort').length, 1);
  assert.equal(await simVersion(SMALL), BASE);
  assert.equal(await simVersion(LARGE), BASE);
  await ended(handle, 'aborted');
});

test('an incident elsewhere: each pause (the signal with no worker running) holds the deploy; each resume lifts it; approve then promotes', async () => {
  const { handle, version } = await deploy();
  let s = await largeAwaitingApproval(handle);
  const section = 'An incident elsewhere: pause';
  const pausedBy = /paused by oncall: incident elsewhere/;

  const expectPaused = async (from: number) => {
    const x = await waitEvent(handle, from, 'paused');
    assert.equal(x.phase, 'paused');
    assert.match(x.pausedReason ?? '', pausedBy);
    return x;
  };
  const expectResumed = async (from: number) => {
    const x = await waitEvent(handle, from, 'resumed');
    assert.equal(x.phase, 'running');
    assert.equal(x.pausedReason, undefined);
    return x;
  };

  // The emergency brake: accepted with no worker running, in effect once one polls again.
  let from = s.events.length;
  await stopWorker();
  await runbook(section, 'workflow signal --workflow-id deploy-rb-shop --name pause');
  await startWorker();
  s = await expectPaused(from);
  from = s.events.length;
  await runbook(section, 'update execute --workflow-id deploy-rb-shop --name resume');
  s = await expectResumed(from);

  from = s.events.length;
  const fp = await runbook(section, 'firebreak pause');
  assert.match(fp.stdout, /paused/);
  s = await expectPaused(from);
  from = s.events.length;
  await runbook(section, 'firebreak resume');
  s = await expectResumed(from);

  from = s.events.length;
  await runbook(section, 'update execute --workflow-id deploy-rb-shop --name pause');
  s = await expectPaused(from);
  from = s.events.length;
  await runbook(section, 'workflow signal --workflow-id deploy-rb-shop --name resume');
  s = await expectResumed(from);

  // Approve a manual gate: large is promoted on oncall's approval and the deploy succeeds.
  from = s.events.length;
  await runbook('Approve a manual gate', 'firebreak approve rb-shop --region large');
  s = await ended(handle, 'succeeded');
  assert.equal(byOncall(s, from, 'approved', LARGE).length, 1);
  assert.equal(s.stages[1].gate.state, 'approved');
  assert.equal(s.stages[1].gate.by, 'oncall');
  assert.equal(await simVersion(LARGE), version);
  assert.deepEqual(
    s.events.filter((e) => e.by === 'oncall').map((e) => e.kind),
    ['paused', 'resumed', 'paused', 'resumed', 'paused', 'resumed', 'approved', 'promoted'],
  );
});

test('a window closed: status says what it waits for; pause holds the deploy past an approval; the abort signal rolls back all', async () => {
  const { handle } = await deploy();
  let s = await largeAwaitingApproval(handle);
  const section = 'A window closed';
  const st = await runbook(section, 'firebreak status');
  assert.match(st.stdout, /large/);
  assert.match(st.stdout, /approv/i, 'status shows large waiting for approval');

  let from = s.events.length;
  await runbook(section, 'firebreak pause');
  s = await waitEvent(handle, from, 'paused');
  assert.equal(s.phase, 'paused');
  assert.match(s.pausedReason ?? '', /paused by oncall: hold past the next window/);

  // Large is approved (the manual gate's update), but nothing is promoted while paused.
  from = s.events.length;
  await runbook('Approve a manual gate', '--name approve');
  s = await waitEvent(handle, from, 'approved', LARGE);
  assert.equal(s.stages[1].gate.by, 'oncall');
  await sleep(1500);
  s = await status(handle);
  assert.equal(s.phase, 'paused');
  assert.notEqual(regionState(s, LARGE), 'promoted', 'held while paused');
  assert.ok(!s.events.some((e) => e.kind === 'promoted' && e.region === LARGE));

  // The abort signal: recorded with oncall's name; every region goes back.
  from = s.events.length;
  await runbook('Abort', 'workflow signal');
  s = await ended(handle, 'aborted');
  assert.match(byOncall(s, from, 'abort')[0].message, /rollback: all\): bad release/);
  assert.equal(await simVersion(SMALL), BASE);
  assert.equal(await simVersion(LARGE), BASE);
});

test('roll back: the running deploy is aborted, every region it touched goes back, a new version waits until release', async () => {
  const { handle, version } = await deploy();
  await largeAwaitingApproval(handle);
  assert.equal(await simVersion(LARGE), version);
  const section = 'Roll back a finished deploy';
  const rb = await runbook(section, 'firebreak rollback');
  assert.match(rb.stdout, new RegExp(`aborting the running deploy of ${version.replace(/\./g, '\\.')} first`));
  assert.match(rb.stdout, /train is held/);
  assert.equal(await simVersion(SMALL), BASE);
  assert.equal(await simVersion(LARGE), BASE);
  assert.equal((await status(handle)).phase, 'aborted');
  const st = await runbook(section, 'firebreak status rollback-');
  assert.match(st.stdout, /paused/);
  assert.match(st.stdout, /holding the train/);

  // A new version waits, touching no region, until the release.
  const next = await start(stack, plan(loaded.pipeline, '3.0.0'));
  await waitFor(next, (s) => s.phase === 'paused' && /held by rollback-rb-shop/.test(s.pausedReason ?? ''), 'the new version to wait');
  assert.equal(await deploysOf(SMALL, '3.0.0'), 0);
  const rel = await runbook(section, 'firebreak release');
  assert.match(rel.stdout, /released rb-shop/);
  const released = await stack.client.workflow.getHandle(`rollback-${SERVICE}`).result();
  assert.equal(released.rollback.releasedBy, 'oncall');
  await waitFor(next, (s) => regionState(s, SMALL) !== 'pending', 'the new version to start after the release');
  await next.executeUpdate('abort', { args: [{ reason: 'test over', by: 'test', rollback: 'none' }] });
});

test('freeze: the fix passes the freeze, recorded; hotfix: the lane ships the fix with shorter soaks', async () => {
  const section = 'Freeze';
  await runbook(section, `firebreak freeze ${SERVICE}`);
  await runbook(section, 'freeze --all');
  const list = await runbook(section, 'freeze --list');
  assert.match(list.stdout, new RegExp(SERVICE));
  assert.match(list.stdout, /incident: stop the line/);
  // The service's own freeze is lifted; the fleet-wide one still holds.
  await runbook(section, `firebreak unfreeze ${SERVICE}`);

  await clearFaults(stack);
  metricsUp();
  await seedBase();
  const fix = `2.0.${++deploys}`;
  await runbook(section, '--override-freeze', { 'fix-version': fix });
  const handle = stack.client.workflow.getHandle(WORKFLOW_ID) as unknown as WorkflowHandle;
  let s = await waitFor(handle, (x) => x.version === fix && regionState(x, SMALL) === 'promoted', 'the fix to pass the freeze and promote small');
  assert.ok(s.events.some((e) => e.kind === 'freeze_override' && e.by === 'oncall'), JSON.stringify(s.events));
  // Ended by the test (what follows is the hotfix, on the same workflow id).
  await handle.terminate('test over');
  // Not a runbook command: the test lifts the fleet-wide freeze it set.
  const lift = await new Promise<number>((resolve) =>
    execFile(process.execPath, [join(REPO_ROOT, 'bin', 'firebreak.js'), 'unfreeze', '--all', '--reason', 'test over', '--address', stack.address], (err) => resolve(err ? 1 : 0)),
  );
  assert.equal(lift, 0);

  await seedBase();
  const hot = `2.0.${++deploys}`;
  // large keeps its own manual gate (manualGates: false changes no gate), so --wait stops there
  // with exit 3, as for any deploy waiting for an operator; the approval then finishes it.
  const run = await runbook('Hotfix', '--hotfix', { 'fix-version': hot }, 3);
  assert.match(run.stdout, /HOTFIX: fix for the incident/);
  s = await waitFor(handle, (x) => x.version === hot && regionState(x, LARGE) === 'awaiting_approval', 'the hotfix to wait at large\'s manual gate');
  await handle.executeUpdate('approve', { args: [{ region: LARGE, by: 'test' }] });
  s = await handle.result();
  assert.equal(s.phase, 'succeeded');
  assert.ok(s.events.some((e) => e.kind === 'hotfix'), JSON.stringify(s.events));
  for (const r of s.stages.flatMap((x) => x.regions)) {
    // The pipeline soaks 2 s; the lane halves it, never below its 1 s floor.
    assert.equal(Date.parse(r.soakEndsAt!) - Date.parse(r.soakStartedAt!), 1_000, `${r.name}: hotfix soak`);
  }
});

test('every command the runbook prints was run exactly once', () => {
  const notOnce = commands.filter((c) => c.runs !== 1).map((c) => `${c.section}: ${c.command} (run ${c.runs} times)`);
  assert.deepEqual(notOnce, []);
});

// Anything still running (after a failed test) would block the next deploy of this service.
afterEach(async () => {
  if (!worker) await startWorker();
  const h = stack.client.workflow.getHandle(WORKFLOW_ID);
  const desc = await h.describe().catch(() => undefined);
  if (desc?.status.name === 'RUNNING') await h.terminate('test cleanup');
});
