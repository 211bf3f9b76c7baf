// The shipped alerting rules (deploy/prometheus/firebreak-alerts.yml) through Prometheus's own
// promtool: they parse (`check rules`), they fire when they should and only then (`test rules`
// with firebreak-alerts.test.yml), and they name only metrics Firebreak documents and the job
// the local stack scrapes its workers as.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPromtool, REPO_ROOT } from '../../src/local/tools.js';
import { WORKERS_JOB } from '../../src/local/prometheus.js';

const DIR = join(REPO_ROOT, 'deploy', 'prometheus');
const RULES = join(DIR, 'firebreak-alerts.yml');
const TESTS = join(DIR, 'firebreak-alerts.test.yml');

function promtool(args: string[], cwd = DIR): Promise<{ code: number; out: string }> {
  const exe = findPromtool();
  assert.ok(exe, 'promtool is not installed (Debian ships it with the prometheus package: npm run setup)');
  return new Promise((resolve) =>
    execFile(exe, args, { cwd }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    ),
  );
}

test('promtool check rules: the shipped alerting rules are valid', async () => {
  const run = await promtool(['check', 'rules', RULES]);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /SUCCESS: 4 rules found/);
});

test('promtool test rules: each alert fires when it should, and not before', async () => {
  const run = await promtool(['test', 'rules', TESTS]);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /SUCCESS/);
});

test('the rule tests bite: a paused-deploy threshold moved from half the pauseTimeout to all of it fails them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-rules-'));
  try {
    copyFileSync(TESTS, join(dir, 'firebreak-alerts.test.yml'));
    const rules = readFileSync(RULES, 'utf8');
    assert.match(rules, /\(0\.5 \* max by \(service\) \(firebreak_pause_timeout_seconds\)\)/);
    writeFileSync(join(dir, 'firebreak-alerts.yml'), rules.replace('(0.5 * max by (service)', '(1.0 * max by (service)'));
    const run = await promtool(['test', 'rules', 'firebreak-alerts.test.yml'], dir);
    assert.notEqual(run.code, 0, run.out);
    assert.match(run.out, /FirebreakDeployPausedTooLong/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the rules name only documented metrics and the workers job the local stack scrapes', () => {
  const rules = readFileSync(RULES, 'utf8');
  const docs = readFileSync(join(REPO_ROOT, 'docs', 'metrics.md'), 'utf8');
  const names = new Set(rules.match(/\b(firebreak|temporal)_[a-z_]+/g));
  assert.ok(names.size >= 5, [...names].join(', '));
  for (const name of names) {
    const base = name.replace(/_(count|sum|bucket)$/, '');
    assert.ok(docs.includes(`\`${base}\``), `${name} is in docs/metrics.md`);
  }
  for (const job of rules.match(/job="[^"]+"/g) ?? []) assert.equal(job, `job="${WORKERS_JOB}"`);
});

test("the compose stack's prometheus.yml is valid, loads these rules and scrapes the workers as the job they name", async () => {
  const config = readFileSync(join(REPO_ROOT, 'deploy', 'prometheus.yml'), 'utf8');
  assert.match(config, new RegExp(`job_name: ${WORKERS_JOB}\\b`));
  // docker-compose.yml mounts deploy/prometheus/ at /etc/prometheus/firebreak: point it here instead.
  assert.match(config, /\/etc\/prometheus\/firebreak\/firebreak-alerts\.yml/);
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-prom-config-'));
  try {
    writeFileSync(join(dir, 'prometheus.yml'), config.replace('/etc/prometheus/firebreak/', `${DIR}/`));
    const run = await promtool(['check', 'config', join(dir, 'prometheus.yml')], dir);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /SUCCESS: 4 rules found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
