// The whole product on real clusters, the way a user meets it: `firebreak dev --kubernetes`
// (a control plane per region, its worker given the kubeconfig, the simulator serving what
// each cluster runs, Prometheus scraping it) and `firebreak deploy` with the kubernetes
// adapter. A `-bad` image rolls out fine in the first (smallest) cluster, serves errors there,
// is caught by the Prometheus gate and patched back; the other clusters' Deployments never
// change (their generation is the one they were created with).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { freePort } from '../../src/local/ports.js';
import { REPO_ROOT } from '../../src/local/tools.js';
import { createDeployment, readDeployment, waitForDeployment, type KubeConnection } from '../helpers/kube.js';

const BIN = join(REPO_ROOT, 'bin', 'firebreak.js');
const REGIONS = ['small', 'medium', 'large'];
const NS = 'shop';
const OLD = 'registry.example/shop:1.0.0';

let dir: string;
let dev: ChildProcess;
let out = '';
let temporal: string;
let kubeconfig: string;
const conns: Record<string, KubeConnection> = {};
const createdGeneration: Record<string, number> = {};

function firebreak(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, TEMPORAL_ADDRESS: temporal, FIREBREAK_USER: 'ci' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-kube-dev-'));
  const ports = { temporal: await freePort(), ui: await freePort(), sim: await freePort(), prometheus: await freePort(), metrics: await freePort() };
  temporal = `127.0.0.1:${ports.temporal}`;
  const spec = Object.entries(ports).map(([k, v]) => `${k}=${v}`).join(',');
  dev = spawn(process.execPath, [BIN, 'dev', '--ports', spec, '--state-dir', join(dir, 'state'), '--kubernetes', REGIONS.join(',')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  dev.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  dev.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => dev.on('exit', (code) => resolve(code)));
  await Promise.race([
    new Promise<void>((resolve) => {
      const poll = setInterval(() => /^ready$/m.test(out) && (clearInterval(poll), resolve()), 100);
    }),
    exited.then((code) => assert.fail(`firebreak dev --kubernetes exited (${code}) before ready:\n${out}`)),
  ]);
  const line = /^kubernetes\s+(\S+)\s+\(KUBECONFIG; contexts ([^)]+)\)$/m.exec(out);
  assert.ok(line, `dev prints the kubeconfig and its contexts:\n${out}`);
  kubeconfig = line[1]!;
  assert.equal(line[2], REGIONS.join(', '));
  const cfg = parse(readFileSync(kubeconfig, 'utf8')) as {
    clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { name: string; user: { token: string } }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
  };
  for (const ctx of cfg.contexts) {
    const cluster = cfg.clusters.find((c) => c.name === ctx.context.cluster)!.cluster;
    conns[ctx.name] = { server: cluster.server, ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString(), token: cfg.users.find((u) => u.name === ctx.context.user)!.user.token };
  }
  // As helm or GitOps would: the workload exists before Firebreak's first deploy.
  for (const region of REGIONS) {
    await createDeployment(conns[region]!, { namespace: NS, name: 'shop', containers: { web: OLD }, replicas: 2, labels: { 'firebreak.dev/service': 'shop' } });
    await waitForDeployment(conns[region]!, NS, 'shop');
    createdGeneration[region] = (await readDeployment(conns[region]!, NS, 'shop')).generation;
  }
});

after(async () => {
  if (dev && dev.exitCode === null && dev.signalCode === null) {
    const exited = new Promise((resolve) => dev.once('exit', resolve));
    dev.kill('SIGTERM');
    const timer = setTimeout(() => process.kill(-dev.pid!, 'SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
});

test('a -bad image is caught by Prometheus in the first cluster and patched back there; the other clusters never change', async () => {
  const pipeline = join(dir, 'shop.yaml');
  writeFileSync(
    pipeline,
    [
      'apiVersion: firebreak/v1',
      'service: shop',
      'owner: shop-team',
      'runbook: https://wiki.example.com/shop',
      'regions:',
      '  - { name: large, customers: 100000 }',
      '  - { name: small, customers: 1000 }',
      '  - { name: medium, customers: 10000 }',
      'order: smallest-first',
      'soak: 15s',
      'gate:',
      '  name: 5xx below 2%',
      '  interval: 1s',
      '  failAfter: 2',
      '  minSamples: 3',
      '  onNoData: pause',
      '  checks:',
      '    - name: error-rate',
      '      prometheus:',
      '        url: ${PROMETHEUS_URL}',
      '        query: >-',
      '          sum(rate(http_requests_total{service="{{service}}",region="{{region}}",code=~"5.."}[5s]))',
      '          / sum(rate(http_requests_total{service="{{service}}",region="{{region}}"}[5s]))',
      '      max: 0.02',
      'deploy:',
      '  kubernetes:',
      `    namespace: ${NS}`,
      '    workload: deployment/shop',
      '    containers: { web: "registry.example/shop:{{version}}" }',
      '  timeout: 1m',
      'rollback: { onFailure: region, onAbort: none }',
      'lint:',
      '  allow:',
      '    - { rule: soak-duration, reason: "a test: soaks of seconds" }',
      '',
    ].join('\n'),
  );
  const deploy = await firebreak(['deploy', pipeline, '--version', '1.1.0-bad', '--wait']);
  assert.equal(deploy.code, 3, `paused for an operator (exit 3):\n${deploy.stdout}\n${deploy.stderr}\n--- dev ---\n${out.slice(-3000)}`);

  const status = await firebreak(['status', 'shop', '--json']);
  assert.equal(status.code, 0, status.stderr);
  const s = JSON.parse(status.stdout) as { phase: string; stages: { regions: { name: string; state: string; fromVersion?: string | null }[] }[]; events: { kind: string; region?: string; message: string }[] };
  assert.equal(s.phase, 'paused');
  const regions = Object.fromEntries(s.stages.flatMap((st) => st.regions).map((r) => [r.name, r]));
  assert.equal(regions.small!.state, 'rolled_back');
  assert.equal(regions.small!.fromVersion, '1.0.0', 'the rollback target was read off the running image');
  assert.equal(regions.medium!.state, 'pending');
  assert.equal(regions.large!.state, 'pending');
  assert.ok(s.events.some((e) => e.region === 'small' && /error-rate/.test(e.message)), `the breach names the check: ${JSON.stringify(s.events)}`);

  const small = await readDeployment(conns.small!, NS, 'shop');
  assert.equal(small.images.web, OLD, 'the first cluster runs the old image again');
  assert.ok(small.generation >= createdGeneration.small! + 2, `patched to the bad image and back (generation ${createdGeneration.small} -> ${small.generation})`);
  assert.equal(small.available, 2);
  for (const region of ['medium', 'large']) {
    const d = await readDeployment(conns[region]!, NS, 'shop');
    assert.equal(d.generation, createdGeneration[region], `${region}'s Deployment never changed`);
    assert.equal(d.images.web, OLD);
  }
  const aborted = await firebreak(['abort', 'shop', '--reason', 'test done', '--rollback', 'none']);
  assert.equal(aborted.code, 0, aborted.stderr);
});
