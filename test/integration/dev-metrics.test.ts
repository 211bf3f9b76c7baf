// `firebreak dev` serves its in-process workers' metrics and its Prometheus scrapes them (job
// firebreak-workers) beside the simulator; a metrics port that is taken starts nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/local/ports.js';
import { instantQuery, waitForFirstScrape, WORKERS_JOB } from '../../src/local/prometheus.js';
import { REPO_ROOT } from '../../src/local/tools.js';

const BIN = join(REPO_ROOT, 'bin', 'firebreak.js');

test("firebreak dev's Prometheus scrapes the workers' metrics endpoint, SDK pollers included", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-dev-metrics-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ports = { temporal: await freePort(), ui: await freePort(), sim: await freePort(), prometheus: await freePort(), metrics: await freePort() };
  const spec = Object.entries(ports).map(([k, v]) => `${k}=${v}`).join(',');
  const child = spawn(process.execPath, [BIN, 'dev', '--ports', spec, '--state-dir', join(dir, 'state')], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  });
  await Promise.race([
    new Promise<void>((resolve) => {
      const poll = setInterval(() => /^ready$/m.test(out) && (clearInterval(poll), resolve()), 50);
    }),
    exited.then((code) => assert.fail(`firebreak dev exited (${code}) before ready:\n${out}`)),
  ]);
  assert.match(out, new RegExp(`^metrics\\s+http://127\\.0\\.0\\.1:${ports.metrics}/metrics`, 'm'), out);
  const prom = `http://127.0.0.1:${ports.prometheus}`;
  await waitForFirstScrape(prom, { job: WORKERS_JOB, timeoutMs: 60_000 });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pollers = await instantQuery(prom, `sum(temporal_num_pollers{job="${WORKERS_JOB}",task_queue="firebreak",poller_type="workflow_task"})`);
    if (pollers.length && Number(pollers[0].value[1]) >= 1) break;
    assert.ok(Date.now() < deadline, `no poller seen by the dev Prometheus: ${JSON.stringify(pollers)}\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  // The simulator is still scraped beside the workers: up, once its first scrape is in (a
  // single instant read raced it, or caught one scrape timed out on a loaded machine).
  await waitForFirstScrape(prom, { job: 'firebreak-sim', timeoutMs: 60_000 });
});

test('firebreak dev with its metrics port taken: one line, exit 2, nothing started', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-dev-metrics-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  t.after(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  const spec = `temporal=${await freePort()},ui=${await freePort()},sim=${await freePort()},prometheus=${await freePort()},metrics=${port}`;
  const state = join(dir, 'state');
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [BIN, 'dev', '--ports', spec, '--state-dir', state], { cwd: REPO_ROOT }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  assert.match(run.stderr, new RegExp(`^firebreak: cannot start the stack: port ${port} \\(metrics\\) on 127\\.0\\.0\\.1 is already in use; nothing was started`));
  assert.doesNotMatch(run.stdout, /starting Temporal/);
  assert.ok(!existsSync(join(state, 'temporal.db')), 'no Temporal state was written');
});
