// Deploy records on the real stack (dev server, simulator, PostgreSQL): deploys run (one
// rolled back, one followed by `firebreak rollback`, with commit times), their executions are
// deleted from Temporal, and `review --since 90d --json` still counts every one with the right
// change failure rate and lead times. A records database down during a deploy: the deploy
// carries on, and its record arrives once the database is back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { runFirebreak } from '../helpers/cli.js';
import { activityEnv, phaseIs, seedVersion, settle, simFault, waitFor, withWorker } from '../helpers/deploys.js';
import { recordHistory } from '../helpers/histories.js';
import { postgresMissing } from '../helpers/postgres.js';
import { testPlan, type TestPipeline } from '../../src/local/pipelines.js';
import { initCluster, startCluster, type PostgresCluster } from '../../src/local/postgres.js';
import { freePort } from '../../src/local/ports.js';
import { findTemporalCli } from '../../src/local/tools.js';
import { startDeploy } from '../../src/client/start.js';
import { lastPromotedAt } from '../../src/domain/records/record.js';
import { pauseUpdate, resumeUpdate, statusQuery, type DeployStatus } from '../../workflows/messages.js';

const skip = postgresMissing();
let stack: TestStack;
let cluster: PostgresCluster;
let url: string;
let clusterOpts: Parameters<typeof startCluster>[0];

before(async () => {
  if (skip) return;
  stack = await startTestStack({ simulator: true });
  const dir = join(mkdtempSync(join(tmpdir(), 'firebreak-records-')), 'pg');
  clusterOpts = { dir, port: await freePort(), user: 'rec', password: `pw-${Math.random().toString(36).slice(2, 10)}` };
  initCluster(clusterOpts);
  cluster = await startCluster(clusterOpts);
  url = cluster.urlOf('postgres');
  // The rollback's activities (src/worker/undo-activities.ts) read the worker's process environment.
  process.env.FIREBREAK_RECORDS_URL = url;
});
after(async () => {
  await cluster?.stop();
  await stack?.stop();
});

const REGIONS: TestPipeline['regions'] = [
  ['small', 100],
  ['large', 900],
];
const HOUR = 3_600_000;

async function sql(text: string, args: unknown[]): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text, args);
  } finally {
    await c.end();
  }
}

async function rowsOf(service: string): Promise<{ run_id: string; final: boolean; phase: string; revision: number; rolled_back_after: unknown }[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query('SELECT run_id, final, phase, revision, rolled_back_after FROM firebreak_deploy_records WHERE service = $1 ORDER BY started_at', [service])).rows;
  } finally {
    await c.end();
  }
}

interface Review {
  deploys: number;
  period: { label: string };
  source: { kind: string; warning?: string };
  dora: {
    overall: { deploys: number; changes: number; failures: number; changeFailureRate: number | null; leadTime: { count: number; medianMs: number | null }; timeToRestore: { count: number } };
    byService: Record<string, { changes: number }>;
  };
  plots?: Record<string, string>;
}

test('records outlive Temporal: deleted executions still count in review, with change failures and lead times', { skip }, async (t) => {
  const service = 'recs';
  const env = activityEnv(stack, { FIREBREAK_RECORDS_URL: url });
  const statuses: DeployStatus[] = [];
  const commitTimes: number[] = [];
  await withWorker(stack, async () => {
    await seedVersion(stack, service, ['small', 'large'], '1.0.0');
    const deploy = async (version: string, t: Partial<TestPipeline>, commitAgoMs?: number) => {
      const commit = commitAgoMs === undefined ? undefined : { sha: `abc${version.replace(/\./g, '')}0000`, time: new Date(Date.now() - commitAgoMs).toISOString() };
      if (commit) commitTimes.push(Date.parse(commit.time));
      const { handle } = await startDeploy(stack.client, { plan: testPlan({ service, regions: REGIONS, soak: '1s', ...t }, version), taskQueue: stack.taskQueue, startedBy: 'test', ...(commit ? { commit } : {}) });
      return handle;
    };

    // 1: paused by an operator on the way (a pause write), resumed, succeeded; commit 2 h before.
    const a = await deploy('2.0.0', { soak: '3s' }, 2 * HOUR);
    await waitFor(a, (s) => s.stages[0].regions[0].state === 'soaking', 'the first soak');
    await a.executeUpdate(pauseUpdate, { args: [{ reason: 'look first', by: 'ana' }] });
    await waitFor(a, phaseIs('paused'), 'the pause');
    // The pause's record is written while the deploy waits.
    await waitUntil(async () => (await rowsOf(service)).some((r) => r.phase === 'paused' && !r.final), 'the pause record');
    await a.executeUpdate(resumeUpdate, { args: [{ by: 'ana' }] });
    const sa = await settle(a);
    assert.equal(sa.phase, 'succeeded');
    assert.deepEqual(sa.record, { final: 'written' });
    statuses.push(sa);
    await recordHistory(stack.address, a, 'v6-deploy-record');

    // 2: a region fails, rollback.onFailure all: rolled back.
    await simFault(stack, { service, region: 'small', version: '2.1.0', errorRate: 0.5 });
    const sb = await settle(await deploy('2.1.0', { rollback: { onFailure: 'all' } }, 3 * HOUR));
    assert.equal(sb.phase, 'rolled_back');
    statuses.push(sb);

    // 3: succeeds, then `firebreak rollback` takes it back (then release ends the rollback).
    const sc = await settle(await deploy('2.2.0', {}, 1 * HOUR));
    assert.equal(sc.phase, 'succeeded');
    statuses.push(sc);
    const rb = await runFirebreak(stack, ['rollback', service, '--reason', '2.2.0 leaks', '--wait'], { FIREBREAK_RECORDS_URL: url });
    assert.equal(rb.code, 0, rb.stderr + rb.stdout);
    const rel = await runFirebreak(stack, ['release', service, '--reason', 'done'], { FIREBREAK_RECORDS_URL: url });
    assert.equal(rel.code, 0, rel.stderr + rel.stdout);
  }, env);

  const rows = await rowsOf(service);
  assert.equal(rows.length, 3, 'one row per deploy run');
  assert.ok(rows.every((r) => r.final), JSON.stringify(rows));
  assert.deepEqual(rows.map((r) => Boolean(r.rolled_back_after)), [false, false, true]);

  // `records import` writes what Temporal still keeps, and the rollback's mark, from nothing.
  await sql('DELETE FROM firebreak_deploy_records WHERE service = $1', [service]);
  await waitUntil(async () => {
    const imp = await runFirebreak(stack, ['records', 'import', '--service', service], { FIREBREAK_RECORDS_URL: url });
    assert.equal(imp.code, 0, imp.stderr);
    const got = await rowsOf(service);
    return got.length === 3 && got.every((r) => r.final) && Boolean(got[2].rolled_back_after);
  }, 'the import of three deploys and the rollback mark');
  const again = await runFirebreak(stack, ['records', 'import', '--service', service], { FIREBREAK_RECORDS_URL: url });
  assert.match(again.stdout, /: 3 finished deploys in Temporal, 0 written, 3 already recorded\n$/);
  const migrate = await runFirebreak(stack, ['records', 'migrate'], { FIREBREAK_RECORDS_URL: url });
  assert.match(migrate.stdout, /schema up to date/);
  const noUrl = await runFirebreak(stack, ['records', 'import'], { FIREBREAK_RECORDS_URL: '' });
  assert.equal(noUrl.code, 2);
  assert.match(noUrl.stderr, /^firebreak: FIREBREAK_RECORDS_URL is not set/);

  // Temporal forgets them: every run of both workflows deleted.
  const temporal = findTemporalCli();
  for (const id of [`deploy-${service}`, `rollback-${service}`]) {
    for await (const wf of stack.client.workflow.list({ query: `WorkflowId = "${id}"` })) {
      execFileSync(temporal, ['workflow', 'delete', '--address', stack.address, '--workflow-id', id, '--run-id', wf.runId], { stdio: 'ignore' });
    }
  }
  await waitUntil(async () => {
    for await (const _ of stack.client.workflow.list({ query: `FirebreakService = "${service}"` })) return false;
    return true;
  }, 'the executions to leave visibility');

  // Without the records database: Temporal has nothing, and says its retention is short.
  const fallback = await runFirebreak(stack, ['review', '--service', service, '--since', '90d', '--json'], { FIREBREAK_RECORDS_URL: '' });
  assert.equal(fallback.code, 0, fallback.stderr);
  const fb = JSON.parse(fallback.stdout) as Review;
  assert.equal(fb.source.kind, 'temporal');
  assert.equal(fb.deploys, 0);
  assert.match(fb.source.warning ?? '', /keeps finished deploys for .*missing from this 90-day period/);
  assert.match(fallback.stderr, /^warning: no records database/);

  // With it: every deploy, the change failure rate and the lead times.
  const run = await runFirebreak(stack, ['review', '--service', service, '--since', '90d', '--json'], { FIREBREAK_RECORDS_URL: url });
  assert.equal(run.code, 0, run.stderr);
  const r = JSON.parse(run.stdout) as Review;
  assert.equal(r.source.kind, 'records');
  assert.match(r.period.label, /^the last 90d \(/);
  assert.equal(r.deploys, 3);
  assert.equal(r.dora.overall.changes, 3);
  assert.equal(r.dora.overall.failures, 2, 'the rolled-back deploy and the one `firebreak rollback` took back');
  assert.equal(r.dora.overall.changeFailureRate, 2 / 3);
  assert.equal(r.dora.overall.timeToRestore.count, 2);
  const leads = [statuses[0], statuses[2]].map((s, i) => lastPromotedAt(s)! - commitTimes[i === 0 ? 0 : 2]);
  assert.equal(r.dora.overall.leadTime.count, 2);
  assert.equal(r.dora.overall.leadTime.medianMs, (leads[0] + leads[1]) / 2);
  assert.deepEqual(Object.keys(r.dora.byService), [service]);

  // The Markdown report, with its plots linked.
  const plots = mkdtempSync(join(tmpdir(), 'firebreak-review-plots-'));
  t.diagnostic(`plots in ${plots}`);
  const md = await runFirebreak(stack, ['review', '--service', service, '--quarter', quarterOf(new Date()), '--plots', plots], { FIREBREAK_RECORDS_URL: url });
  assert.equal(md.code, 0, md.stderr);
  assert.match(md.stdout, /^# Deploy-pattern review: \d{4}Q[1-4] so far \(/);
  assert.match(md.stdout, /Source: deploy records \(postgres:\/\/rec:\*\*\*@/);
  assert.ok(!md.stdout.includes(clusterOpts.password), 'the password never shows');
  assert.match(md.stdout, /\| recs \| 3 \(.*\/week\) \| median .* \| 67% \(2 of 3\) \|/);
  for (const f of ['review-deploys-per-week.svg', 'review-change-failure-rate.svg', 'review-time-per-stage.svg']) {
    assert.ok(existsSync(join(plots, f)), f);
    assert.match(readFileSync(join(plots, f), 'utf8'), /^<svg/);
    assert.ok(md.stdout.includes(`(${join(plots, f)})`), `the report links ${f}`);
  }

  // A bad period: one line, exit 2; an empty one: an honest empty report.
  const bad = await runFirebreak(stack, ['review', '--since', 'last tuesday'], { FIREBREAK_RECORDS_URL: url });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^firebreak: review: --since "last tuesday" is neither a duration \(90d\) nor a date \(2026-10-01\)\n$/);
  const both = await runFirebreak(stack, ['review', '--since', '7d', '--quarter', '2026Q4'], { FIREBREAK_RECORDS_URL: url });
  assert.equal(both.code, 2);
  assert.equal(both.stderr.split('\n').filter(Boolean).length, 1);
  const empty = await runFirebreak(stack, ['review', '--service', 'nobody-deploys-this', '--json'], { FIREBREAK_RECORDS_URL: url });
  assert.equal(empty.code, 0, empty.stderr);
  const e = JSON.parse(empty.stdout) as Review;
  assert.equal(e.deploys, 0);
  assert.equal(e.dora.overall.changeFailureRate, null);
});

test('a records database down during a deploy: the deploy carries on, and its record arrives when the database is back', { skip }, async () => {
  const service = 'recs-down';
  await withWorker(stack, async () => {
    await seedVersion(stack, service, ['small', 'large'], '1.0.0');
    await cluster.stop();
    const { handle } = await startDeploy(stack.client, { plan: testPlan({ service, regions: REGIONS, soak: '1s' }, '2.0.0'), taskQueue: stack.taskQueue, startedBy: 'test' });
    // Every region promoted with no database at all: the record is not in the deploy's way.
    const done = await waitFor(handle, phaseIs('succeeded'), 'the deploy to succeed without its records database');
    assert.ok(done.stages.every((st) => st.regions.every((r) => r.state === 'promoted')));
    // The final write keeps being retried; the database comes back within its bound.
    await new Promise((r) => setTimeout(r, 3000));
    cluster = await startCluster(clusterOpts);
    const final = await handle.result();
    assert.deepEqual(final.record, { final: 'written' });
    assert.equal((await handle.query(statusQuery)).phase, 'succeeded');
  }, activityEnv(stack, { FIREBREAK_RECORDS_URL: url }));
  const rows = await rowsOf(service);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].final, true);
  assert.equal(rows[0].phase, 'succeeded');
});

function quarterOf(d: Date): string {
  return `${d.getUTCFullYear()}Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}
