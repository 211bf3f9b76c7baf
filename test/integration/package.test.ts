// Firebreak as users get it: `npm pack` (whose prepack compiles to dist/), the tarball installed
// into an empty directory, and the installed `firebreak` run from there with no TypeScript
// compiler: tsx is a devDependency, so it must not even be installed. --help, plan and init
// run; the worker connects to a real dev server, polls, runs a real deploy through the
// simulator, and exits cleanly on SIGTERM.
//
// The pack runs in a copy of the checkout (its node_modules linked), never in the checkout
// itself: prepack writes dist/, and bin/firebreak.js prefers dist/ when it exists, so a dist/
// left behind would make every other CLI test run that build instead of the source.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import proto from '@temporalio/proto';
import { REPO_ROOT } from '../../src/local/tools.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { seedVersion } from '../helpers/deploys.js';
import { writePipelineFile } from '../../src/local/pipelines.js';

const work = mkdtempSync(join(tmpdir(), 'firebreak-package-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** What a user's shell has: none of the test runner's loader (tsx) or its variables. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k === 'NODE_OPTIONS' || k.startsWith('NODE_TEST') || k.startsWith('TSX')) delete env[k];
  return { ...env, ...extra };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = userEnv()): Promise<Run> {
  const started = Date.now();
  return new Promise((done) => {
    execFile(cmd, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: Date.now() - started }),
    );
  });
}

const show = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;

let tarball: string | undefined;
let app: string | undefined;

test('npm pack: the compiled CLI, worker and workflows, bin, schema, examples and docs; no TypeScript', async (t) => {
  // A copy of the checkout as it is (uncommitted edits included), without what is built or installed.
  const src = join(work, 'src');
  const skip = new Set(['node_modules', '.git', '.firebreak', 'dist', 'tmp']);
  cpSync(REPO_ROOT, src, { recursive: true, filter: (p) => !skip.has(relative(REPO_ROOT, p).split(sep)[0]) });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
  const checkoutHadDist = existsSync(join(REPO_ROOT, 'dist'));
  t.diagnostic('npm pack (prepack: npm run build) in a copy of the checkout');
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], src);
  assert.equal(packed.code, 0, show(packed));
  t.diagnostic(`packed in ${(packed.ms / 1000).toFixed(1)} s`);
  const [info] = JSON.parse(packed.stdout) as [{ filename: string; size: number; files: { path: string }[] }];
  const files = info.files.map((f) => f.path);
  t.diagnostic(`${info.filename}: ${files.length} files, ${Math.round(info.size / 1024)} KiB`);

  for (const f of [
    'package.json',
    'README.md',
    'bin/firebreak.js',
    'dist/src/cli/main.js',
    'dist/src/worker/run.js',
    'dist/workflows/index.js',
    'dist/workflows/reserved-names.js',
    'dist/activities/index.js',
    'schema/pipeline.schema.json',
    'examples/checkout.yaml',
    'deploy/temporal/development-postgres.yaml',
    'deploy/prometheus/firebreak-alerts.yml',
    'docs/design.md',
  ]) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  const tops = new Set(files.map((f) => f.split('/')[0]));
  // tools/: the Go wrapper module `firebreak dev --kubernetes` builds its control plane from.
  assert.deepEqual([...tops].sort(), ['README.md', 'bin', 'deploy', 'dist', 'docs', 'examples', 'package.json', 'schema', 'tools']);
  assert.ok(files.includes('tools/kubernetes/go.mod') && files.includes('tools/kubernetes/go.sum'), 'the wrapper module, with its sums');
  assert.deepEqual(files.filter((f) => /\.[cm]?ts$/.test(f)), [], 'no TypeScript in the package');
  // Only what the compiled program is made of: src, workflows and activities, not scripts or tests.
  assert.deepEqual([...new Set(files.filter((f) => f.startsWith('dist/')).map((f) => f.split('/')[1]))].sort(), ['activities', 'src', 'workflows']);
  assert.ok(existsSync(join(src, 'dist', 'src', 'cli', 'main.js')), 'prepack built the copy');
  assert.equal(existsSync(join(REPO_ROOT, 'dist')), checkoutHadDist, 'the checkout is left as it was');
  tarball = join(work, info.filename);
});

test('the tarball installs into an empty directory, without tsx or typescript', async (t) => {
  assert.ok(tarball, 'packed (the test before)');
  app = join(work, 'app');
  mkdirSync(app);
  t.diagnostic('npm install of the tarball (prefer-offline)');
  const installed = await run('npm', ['install', tarball, '--prefix', app, '--prefer-offline', '--no-audit', '--no-fund'], app);
  assert.equal(installed.code, 0, show(installed));
  t.diagnostic(`installed in ${(installed.ms / 1000).toFixed(1)} s`);
  const nm = join(app, 'node_modules');
  assert.ok(existsSync(join(nm, 'firebreak', 'dist', 'src', 'cli', 'main.js')));
  assert.ok(!existsSync(join(nm, 'tsx')), 'tsx is not installed');
  assert.ok(!existsSync(join(nm, 'typescript')), 'typescript is not installed');
  assert.ok(!existsSync(join(nm, 'firebreak', 'src')), 'no source tree in the installed package');
  // Which protobufjs copies npm chose here: overrides (package.json) apply only where firebreak
  // is the root project, so firebreak's direct dependency is what puts one copy at the top for
  // every Temporal package to share; a nested copy under one of them breaks replay of a JSON
  // history there (docs/design.md, "One protobufjs").
  const copies = await run('npm', ['ls', 'protobufjs', '--all', '--parseable'], app);
  const versions = copies.stdout
    .split('\n')
    .filter(Boolean)
    .map((dir) => `${relative(nm, dir)}@${(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version}`);
  t.diagnostic(`protobufjs in the installed tree: ${versions.join(', ')}`);
  assert.ok(versions.includes('protobufjs@8.8.1'), `8.8.1 at the top: ${versions.join(', ')}`);
  assert.deepEqual(versions.filter((v) => v.startsWith('@temporalio/')), [], 'no Temporal package has a copy of its own');
});

function firebreak(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  assert.ok(app, 'installed (the test before)');
  // `--` so that npx passes --help (and every other option) on to firebreak.
  return run('npx', ['--no', '--', 'firebreak', ...args], app, userEnv(env));
}

test('npx firebreak --help, plan and init run from the installed package', async (t) => {
  const help = await firebreak(['--help']);
  assert.equal(help.code, 0, show(help));
  assert.match(help.stdout, /Usage: firebreak/);
  assert.match(help.stdout, /deploy \[options\] <file>/);
  assert.match(help.stdout, /worker \[options\]/);
  t.diagnostic(`npx firebreak --help: ${help.ms} ms`);

  const plan = await firebreak(['plan', 'node_modules/firebreak/examples/checkout.yaml', '--version', '1.4.2']);
  assert.equal(plan.code, 0, show(plan));
  assert.match(plan.stdout, /^checkout 1\.4\.2: 3 stages, 359,200 customers$/m);
  assert.match(plan.stdout, /^3 +us-east-1 +310,000 +100\.0%/m);

  const init = await firebreak(['init', '--service', 'shop']);
  assert.equal(init.code, 0, show(init));
  const pipeline = readFileSync(join(app!, 'firebreak.yaml'), 'utf8');
  // The modeline points at the installed package's schema, and the file is there.
  const ref = /^# yaml-language-server: \$schema=(\S+)$/m.exec(pipeline)?.[1];
  assert.equal(ref, './node_modules/firebreak/schema/pipeline.schema.json');
  assert.ok(existsSync(join(app!, ref)));
  const strict = await firebreak(['plan', 'firebreak.yaml', '--strict']);
  assert.equal(strict.code, 0, show(strict));
  assert.match(strict.stdout, /^shop <version>: 2 stages/m);
});

test('the installed worker: connects, polls, runs a deploy, exits cleanly on SIGTERM', async (t) => {
  assert.ok(app, 'installed (the test before)');
  const stack: TestStack = await startTestStack({ simulator: true });
  t.after(() => stack.stop());
  const queue = stack.taskQueue;
  const env = userEnv({ TEMPORAL_ADDRESS: stack.address, TEMPORAL_NAMESPACE: stack.namespace, FIREBREAK_SIM_URL: stack.sim!.url });

  // The installed bin itself (what `npx firebreak` runs), as a process manager would start it:
  // npx runs a bin through `sh -c`, and that shell does not pass SIGTERM on, so a SIGTERM sent
  // to npx would kill npm and the shell and leave the worker running, orphaned.
  const bin = join(app!, 'node_modules', '.bin', 'firebreak');
  const worker = spawn(bin, ['worker', '--task-queue', queue], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  worker.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  worker.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => worker.once('exit', (code, signal) => done({ code, signal })));
  t.after(() => {
    if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  });
  const output = () => `--- worker stdout\n${stdout.slice(-4000)}\n--- worker stderr\n${stderr.slice(-4000)}`;

  // Ready: connected and the compiled workflows (dist/workflows/index.js) bundled.
  const started = Date.now();
  await until(() => stdout.includes('worker ready'), 120_000, () => `no "worker ready"\n${output()}`, exited);
  t.diagnostic(`worker ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.match(stdout, new RegExp(`worker ready: ${stack.address.replace(/\./g, '\\.')} namespace ${stack.namespace} task queue ${queue}`));

  // Polling: the server sees a poller on the workflow and on the activity task queue.
  const { TaskQueueType } = proto.temporal.api.enums.v1;
  for (const taskQueueType of [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]) {
    let pollers = 0;
    await until(
      async () => {
        const res = await stack.client.workflowService.describeTaskQueue({ namespace: stack.namespace, taskQueue: { name: queue }, taskQueueType });
        pollers = res.pollers?.length ?? 0;
        return pollers > 0;
      },
      30_000,
      () => `no poller on ${queue} (type ${taskQueueType})\n${output()}`,
      exited,
    );
  }

  // A deploy of two regions through the simulator, started and followed by the installed CLI.
  await seedVersion(stack, 'pkg-shop', ['small', 'large'], '1.0.0');
  const file = writePipelineFile(work, { service: 'pkg-shop', regions: [['small', 100], ['large', 9000]], soak: '2s' });
  const deploy = await firebreak(['deploy', file, '--version', '2.0.0', '--wait'], {
    TEMPORAL_ADDRESS: stack.address,
    TEMPORAL_NAMESPACE: stack.namespace,
    FIREBREAK_TASK_QUEUE: queue,
    FIREBREAK_USER: 'ci',
  });
  assert.equal(deploy.code, 0, `${show(deploy)}\n${output()}`);
  assert.match(deploy.stdout, /promoted\s+large promoted/);
  assert.match(deploy.stdout, /phase: succeeded/);
  t.diagnostic(`deploy through the installed worker: ${(deploy.ms / 1000).toFixed(1)} s`);

  worker.kill('SIGTERM');
  const end = await Promise.race([exited, sleep(60_000).then(() => undefined)]);
  assert.ok(end, `the worker did not exit within 60 s of SIGTERM\n${output()}`);
  assert.deepEqual(end, { code: 0, signal: null }, output());
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for `cond`, failing with `why()` at the deadline or when the process exits first. */
async function until(cond: () => boolean | Promise<boolean>, ms: number, why: () => string, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (gone) assert.fail(`the worker exited\n${why()}`);
    if (Date.now() > deadline) assert.fail(why());
    await sleep(200);
  }
}
