// The `firebreak` CLI as CI runs it: a real child process against the dev server, with the
// exit codes of docs/cli.md (0 succeeded, 1 rolled back/aborted/failed, 2 bad input, 3 paused).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { parse as parseYaml } from 'yaml';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { runFirebreak } from '../helpers/cli.js';
import { pipelineYaml, writePipelineFile, type TestPipeline } from '../../src/local/pipelines.js';
import { seedVersion, simFault, simRegion, withWorker } from '../helpers/deploys.js';

let stack: TestStack;
const dir = mkdtempSync(join(tmpdir(), 'firebreak-cli-'));
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

const firebreak = (args: string[], env: NodeJS.ProcessEnv = {}) => runFirebreak(stack, args, env);

const pipelineFile = (t: TestPipeline) => writePipelineFile(dir, t);

const REGIONS: [string, number][] = [
  ['small', 100],
  ['large', 9000],
];

test('deploy --wait exits 0 when every region is promoted, and attaches on a CI retry', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'cli-ok', ['small', 'large'], '1.0.0');
    const file = pipelineFile({ service: 'cli-ok', regions: REGIONS, soak: '2s' });
    const run = await firebreak(['deploy', file, '--version', '2.0.0', '--wait']);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /started deploy-cli-ok: cli-ok 2\.0\.0/);
    assert.match(run.stdout, /promoted\s+small promoted/);
    assert.match(run.stdout, /phase: succeeded/);
  });
});

test('deploy --wait exits 3 when paused for an operator; a refused command exits 2 with the reason; abort works', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'cli-pause', ['small', 'large'], '1.0.0');
    await simFault(stack, { service: 'cli-pause', region: 'small', version: '2.0.0', errorRate: 0.4 });
    const file = pipelineFile({ service: 'cli-pause', regions: REGIONS, soak: '3s' });
    const run = await firebreak(['deploy', file, '--version', '2.0.0', '--wait']);
    assert.equal(run.code, 3, run.stderr + run.stdout);
    assert.match(run.stdout, /phase: paused/);
    assert.match(run.stdout, /rolled_back/);

    const again = await firebreak(['deploy', file, '--version', '2.0.1']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /deploy-cli-pause is already deploying cli-pause 2\.0\.0 \(phase paused\)/);

    const resume = await firebreak(['resume', 'cli-pause']);
    assert.equal(resume.code, 2);
    assert.match(resume.stderr, /resume refused: not paused by an operator; small is held/);

    // The workflow's own input schema, checked by the CLI before anything is sent.
    const typo = await firebreak(['approve', 'cli-pause', '--region', 'Small Region']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /approve refused: region must be a region name like "eu-west-1", got "Small Region" .*; nothing was sent/);
    const essay = await firebreak(['pause', 'cli-pause', '--reason', 'x'.repeat(600)]);
    assert.equal(essay.code, 2);
    assert.match(essay.stderr, /pause refused: reason is longer than 500 characters/);

    const status = await firebreak(['status', 'cli-pause', '--json']);
    assert.equal(status.code, 0);
    assert.equal(JSON.parse(status.stdout).phase, 'paused', '--json prints one JSON document');
    assert.ok(!JSON.parse(status.stdout).events.some((e: { message: string }) => /Small Region|xxxxxxxx/.test(e.message)), 'nothing reached the deploy');

    const abort = await firebreak(['abort', 'cli-pause', '--reason', 'bad build', '--rollback', 'all']);
    assert.equal(abort.code, 0, abort.stderr);
    assert.match(abort.stdout, /phase: aborted/);
    assert.equal((await simRegion(stack, 'cli-pause', 'small')).version, '1.0.0');
  });
});

test('deploy --wait exits 1 when the deploy ends rolled back', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'cli-rb', ['small', 'large'], '1.0.0');
    await simFault(stack, { service: 'cli-rb', region: 'small', version: '2.0.0', errorRate: 0.4 });
    const file = pipelineFile({ service: 'cli-rb', regions: REGIONS, soak: '3s', rollback: { onFailure: 'all' } });
    const run = await firebreak(['deploy', file, '--version', '2.0.0', '--wait', '--json']);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(JSON.parse(run.stdout).phase, 'rolled_back', 'stdout is exactly one JSON document');
  });
});

test('an invalid pipeline exits 2 with every problem and starts nothing', async () => {
  const file = join(dir, 'broken.yaml');
  writeFileSync(file, pipelineYaml({ service: 'cli-broken', regions: REGIONS }).replace('soak: 3s', 'soak: 3 minutes').replace('owner:', 'ownr:'));
  const run = await firebreak(['deploy', file, '--version', '2.0.0', '--wait']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /broken\.yaml:\d+:\d+ ownr: unknown key; got "ownr" \(did you mean "owner"\?\)/);
  assert.match(run.stderr, /broken\.yaml:\d+:\d+ soak: /);
  assert.match(run.stderr, /nothing was started/);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  await assert.rejects(stack.client.workflow.getHandle('deploy-cli-broken').describe(), WorkflowNotFoundError);
});

test('no server: exit 2 with one clear sentence', async () => {
  const file = pipelineFile({ service: 'cli-noserver', regions: REGIONS });
  const run = await firebreak(['deploy', file, '--version', '2.0.0'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /cannot reach Temporal at 127\.0\.0\.1:1/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test('bad usage exits 2', async () => {
  const run = await firebreak(['deploy']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /required (option|argument)/);
});

test('the audit trail of a finished deploy is readable with no worker running', async () => {
  // cli-pause was aborted above; no worker polls now.
  const run = await firebreak(['status', 'cli-pause', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const s = JSON.parse(run.stdout);
  assert.equal(s.phase, 'aborted');
  const kinds = s.events.map((e: { kind: string }) => e.kind);
  for (const kind of ['started', 'breach', 'region_failed', 'rollback_started', 'rolled_back', 'abort', 'aborted']) {
    assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(', ')}`);
  }
  const abort = s.events.find((e: { kind: string }) => e.kind === 'abort');
  assert.equal(abort.by, 'ci');
  assert.match(abort.message, /bad build/);
  const breach = s.events.find((e: { kind: string }) => e.kind === 'breach');
  assert.match(breach.message, /error-rate = 0\.4 breached <= 0\.05/, 'the values that failed the region are recorded');
});

test('--address and -n are over TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE; -o yaml is the -o json document', async () => {
  // The environment points nowhere: only the flags can reach the server.
  const wrong = { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_NAMESPACE: 'no-such-namespace' };
  const json = await firebreak(['status', 'cli-pause', '--address', stack.address, '-n', 'default', '-o', 'json'], wrong);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).phase, 'aborted', 'cli-pause was aborted above');
  const yaml = await firebreak(['status', 'cli-pause', '--address', stack.address, '--namespace', 'default', '--output', 'yaml'], wrong);
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.deepEqual(parseYaml(yaml.stdout), JSON.parse(json.stdout));
});

test('-o bogus is refused in one line with exit 2, and nothing is started', async () => {
  const file = pipelineFile({ service: 'cli-bogus', regions: REGIONS });
  const run = await firebreak(['deploy', file, '--version', '2.0.0', '-o', 'bogus']);
  assert.equal(run.code, 2);
  assert.equal(run.stderr, 'firebreak: -o/--output "bogus" is not one of text, json, yaml; nothing was started\n');
  assert.equal(run.stdout, '');
  await assert.rejects(stack.client.workflow.getHandle('deploy-cli-bogus').describe(), WorkflowNotFoundError);
});

test('a worker with a wrong namespace, a missing certificate or TLS against a plain server exits with one clear line', async () => {
  const cases: [NodeJS.ProcessEnv, RegExp][] = [
    [{ TEMPORAL_NAMESPACE: 'no-such-namespace' }, /^firebreak: namespace "no-such-namespace" does not exist at .*; create it \(temporal operator namespace create --namespace no-such-namespace\) or fix the name$/],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/client.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: '/nonexistent/client.key' }, /^firebreak: cannot read Temporal client config: .*\/nonexistent\/client\.pem/],
    [{ TEMPORAL_API_KEY: 'not-a-key' }, /^firebreak: cannot reach Temporal at .*: the TLS connection failed \(TEMPORAL_TLS_\* or TEMPORAL_API_KEY is set\)/],
  ];
  for (const [env, line] of cases) {
    const run = await firebreak(['worker'], env);
    assert.equal(run.code, 2, `${JSON.stringify(env)}: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${run.stderr}`);
    assert.match(lines[0], line);
  }
});
