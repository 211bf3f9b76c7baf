// The short chaos campaign, as `npm test` runs it: the harness `npm run chaos` runs (test/chaos/main.ts, a child process) on
// the postgres stack with 3 worker processes and 50 concurrent deploys, for about 5 minutes,
// with every fault kind on a fixed seed (CHAOS_SEED overrides it, to try another schedule).
// The campaign checks its invariants from the outside; this test holds it to them and also
// checks that the faults really fell, so a campaign that silently broke nothing cannot pass.
// A slow machine makes the campaign longer (CHAOS_SETTLE_GRACE_S), never red.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/local/tools.js';
import type { ChaosReport } from '../chaos/report.js';

const SEED = process.env.CHAOS_SEED ?? '20261202';
// Within scripts/test.ts's per-file hang guard (1,500 s), with room for setup and checks.
const GRACE_S = 600;

test('short chaos campaign: every fault kind falls on 50 concurrent deploys and no invariant is violated', { timeout: (300 + GRACE_S + 300) * 1000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-chaos-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const reportFile = join(dir, 'report.json');

  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/chaos/main.ts', '--persistence', 'postgres', '--json', reportFile], {
      cwd: REPO_ROOT,
      env: { ...process.env, CHAOS_SEED: SEED, CHAOS_DEPLOYS: '50', CHAOS_WORKERS: '3', CHAOS_SETTLE_GRACE_S: String(GRACE_S) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (out += b));
    child.on('close', (c) => resolve({ code: c, output: out }));
  });
  // On failure the campaign's own log says what broke; keep its tail in the assertion message.
  const tail = output.split('\n').slice(-60).join('\n');
  assert.equal(code, 0, `chaos exited ${code} (seed ${SEED}):\n${tail}`);

  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ChaosReport;
  t.diagnostic(
    `seed ${report.seed}, setup ${report.setupS} s, run ${report.wallS} s: ${report.deploys.started} deploys (${report.deploys.good} good, ${report.deploys.bad} bad); ` +
      `${report.faults.workerKills} worker kills, ${report.faults.serverRestarts} server / ${report.faults.stackRestarts} stack restarts, ` +
      `${report.faults.deployApiOutages} deploy-API / ${report.faults.prometheusOutages} Prometheus outages; ` +
      report.invariants.map((i) => `${i.name} ${i.checked}/${i.violations.length}`).join(', '),
  );
  assert.equal(report.violations, 0, tail);
  // Setup is reported apart from the run, whose deadline starts when the stack is up.
  assert.ok(Number.isFinite(report.setupS) && report.setupS > 0, `setup reported apart: ${report.setupS}`);
  assert.ok(report.invariants.some((i) => i.name === 'soaks: full length' && i.checked > 0), 'soaks checked against their length');
  assert.equal(report.persistence, 'postgres');
  assert.equal(report.workers, 3);

  // The faults fell: one of each big kind, many worker kills, all three deploy-API modes.
  const f = report.faults;
  assert.ok(f.workerKills >= 10, `worker kills: ${f.workerKills}`);
  assert.ok(f.serverRestarts >= 1, 'the Temporal server was restarted');
  assert.ok(f.stackRestarts >= 1, 'the whole stack was restarted');
  assert.ok(f.prometheusOutages >= 1, 'Prometheus was stopped');
  assert.ok(f.recordsOutages >= 1, 'the records database was stopped');
  assert.ok(report.invariants.some((i) => i.name === 'records: one final record per finished deploy' && i.checked > 0), 'records checked');
  assert.ok(f.workerUpgrades >= 1, 'a worker was replaced by a new build');
  const modes = report.faultLog.filter((r) => r.kind === 'deploy-api').map((r) => r.detail ?? '');
  for (const what of ['HTTP 500', 'ends in error', 'hangs']) {
    assert.ok(modes.some((d) => d.includes(what)), `a deploy-API outage that ${what}: ${JSON.stringify(modes)}`);
  }
  assert.deepEqual(f.skipped, [], 'no fault was skipped');
  assert.deepEqual(report.faultLog.filter((r) => r.error), [], 'every fault was injected');

  // The deploys: 50 at once, good and bad, manual gates, and the operator acted.
  const d = report.deploys;
  assert.ok(d.started >= 50, `deploys started: ${d.started}`);
  assert.ok(d.good > 0 && d.bad > 0 && d.manual > 0, JSON.stringify(d));
  assert.ok(d.operator.retries > 0 && d.operator.approvals > 0, JSON.stringify(d.operator));

  // Every invariant checked something: an empty check proves nothing.
  for (const inv of report.invariants) {
    if (inv.name === 'no silent stall') continue; // counts only deploys left open at the end, often none
    assert.ok(inv.checked > 0, `${inv.name} checked nothing`);
  }
  assert.ok((report.upgrade.tasksByBuild['chaos-build-2'] ?? 0) > 0, `the new build ran workflow tasks: ${JSON.stringify(report.upgrade.tasksByBuild)}`);
});
