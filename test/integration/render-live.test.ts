// `firebreak deploy --wait` as CI runs it (a child process, CI=true) against the dev server:
// one plain line per change, every region state transition in order (also the short ones a
// poll can miss), live check values during the soak, no escape codes; `status` shows the live
// values of a soak in flight; `list` filters from visibility.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { runFirebreak } from '../helpers/cli.js';
import { testPlan, writePipelineFile, type TestPipeline } from '../../src/local/pipelines.js';
import { seedVersion, simFault, start, waitFor, withWorker } from '../helpers/deploys.js';

let stack: TestStack;
const dir = mkdtempSync(join(tmpdir(), 'firebreak-render-live-'));
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// CI mode where asked: no TTY, one line per change.
const firebreak = (args: string[], env: NodeJS.ProcessEnv = {}) => runFirebreak(stack, args, { ...{ CI: 'true' }, ...env });

async function json(args: string[]): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const run = await firebreak(args);
  assert.equal(run.code, 0, `firebreak ${args.join(' ')}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const pipelineFile = (t: TestPipeline) => writePipelineFile(dir, t);

const REGIONS: [string, number][] = [
  ['small', 100],
  ['large', 9000],
];

/** The `a -> b` transitions printed for one region, in order. */
function transitions(stdout: string, region: string): string[] {
  const re = new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${region} +([a-z_]+ -> [a-z_]+)`);
  return stdout.split('\n').flatMap((l) => {
    const m = re.exec(l);
    return m ? [m[1]] : [];
  });
}

test('deploy --wait in CI: every transition of every region, in order, with live check values', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'live-ok', ['small', 'large'], '1.0.0');
    // The worker sends a watch's heartbeat to the server at most every 0.8 x its heartbeat
    // timeout (10 s): a 14 s soak shows at least one live tally with values.
    const file = pipelineFile({ service: 'live-ok', regions: [['small', 100, '14s'], ['large', 9000]], soak: '3s' });
    const t0 = Date.now();
    const run = await firebreak(['deploy', file, '--version', '2.0.0', '--wait']);
    console.log(`deploy --wait (2 regions, 14s + 3s soaks) took ${Date.now() - t0} ms:\n${run.stdout}`);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.ok(!run.stdout.includes('\x1b'), 'no escape codes in CI mode');
    for (const region of ['small', 'large']) {
      assert.deepEqual(transitions(run.stdout, region), ['pending -> deploying', 'deploying -> soaking', 'soaking -> promoted'], region);
    }
    // The smaller region went first.
    assert.ok(run.stdout.search(/small +pending -> deploying/) < run.stdout.search(/large +pending -> deploying/));
    // Live values during the soak (read from the watch's heartbeats), before the region was promoted.
    const live = run.stdout.split('\n').findIndex((l) => /small +check error-rate = [\d.]+ \(<= 0\.05\), \d+ samples?, 0 breaches, \d+s left/.test(l));
    const promoted = run.stdout.split('\n').findIndex((l) => /small +soaking -> promoted/.test(l));
    assert.ok(live >= 0 && live < promoted, 'a live check value was printed during the soak');
    assert.match(run.stdout, /phase running -> succeeded/);
    assert.match(run.stdout, /phase: succeeded/, 'the final timeline');
    assert.match(run.stdout, /promoted\s+small promoted/);
  });
});

test('deploy --wait in CI: a failing region goes deploying -> soaking -> failed -> rolling_back -> rolled_back; exit 3', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'live-bad', ['small', 'large'], '1.0.0');
    await simFault(stack, { service: 'live-bad', region: 'small', version: '2.0.0', errorRate: 0.5 });
    const file = pipelineFile({ service: 'live-bad', regions: REGIONS, soak: '4s' });
    const run = await firebreak(['deploy', file, '--version', '2.0.0', '--wait']);
    console.log(run.stdout);
    assert.equal(run.code, 3, run.stderr + run.stdout);
    assert.ok(!run.stdout.includes('\x1b'), 'no escape codes');
    assert.deepEqual(transitions(run.stdout, 'small'), [
      'pending -> deploying',
      'deploying -> soaking',
      'soaking -> failed',
      'failed -> rolling_back',
      'rolling_back -> rolled_back',
    ]);
    assert.deepEqual(transitions(run.stdout, 'large'), [], 'the larger region was never touched');
    assert.match(run.stdout, /small +check error-rate = 0\.5 \(<= 0\.05\) BREACH/);
    assert.match(run.stdout, /phase running -> paused: small: failed and rolled back to 1\.0\.0/);
    assert.match(run.stdout, /firebreak retry live-bad --region small/);
    const abort = await firebreak(['abort', 'live-bad', '--reason', 'test over']);
    assert.equal(abort.code, 0, abort.stderr);
  });
});

test('status during a soak shows the live check values from the watch heartbeat', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'live-status', ['small'], '1.0.0');
    const handle = await start(stack, testPlan({ service: 'live-status', regions: [['small', 100]], soak: '30s' }, '2.0.0'));
    await waitFor(handle, (s) => s.stages[0].regions[0].state === 'soaking', 'soaking');
    // Heartbeats reach the server every ~8 s (0.8 x the watch's 10 s heartbeat timeout).
    let doc: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const until = Date.now() + 20_000;
    do {
      await new Promise((r) => setTimeout(r, 1000));
      doc = await json(['status', 'live-status', '--json']);
    } while (doc.stages[0].regions[0].checks[0]?.samples < 2 && Date.now() < until);
    // The query alone has no values during a soak; --json carries the live ones.
    assert.equal(doc.stages[0].regions[0].state, 'soaking');
    assert.ok(doc.stages[0].regions[0].checks[0].samples >= 2, JSON.stringify(doc.stages[0].regions[0]));
    assert.ok(doc.live.small.evaluations >= 2);
    const text = await firebreak(['status', 'live-status']);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(!text.stdout.includes('\x1b'), 'plain when not a terminal');
    assert.match(text.stdout, /small\s+100\s+~ soaking\s+1\.0\.0 → 2\.0\.0\s+\S+\s+\d+% \d+s left/);
    const m = /error-rate\s+([\d.]+)\s+<= 0\.05\s+ok\s+(\d+) samples/.exec(text.stdout);
    assert.ok(m, text.stdout);
    assert.ok(Number(m[2]) >= 2, `live samples: ${m[2]}`);
    assert.match(text.stdout, /live values from the watch's last heartbeat, \d+s ago \(\d+ evaluations\)/);
    await handle.signal('abort', { reason: 'test over', by: 'test' });
    await waitFor(handle, (s) => s.phase === 'aborted', 'aborted');
  });
});

test('list: newest first, filtered by service, phase, owner and --since', async () => {
  const all = (await json(['list', '--json'])) as { service: string; phase: string; started: string; owner: string; durationMs: number }[];
  assert.ok(all.length >= 3, JSON.stringify(all));
  assert.deepEqual(all.map((r) => r.started), [...all.map((r) => r.started)].sort().reverse(), 'newest first');
  const ok = (await json(['list', '--service', 'live-ok', '--json']));
  assert.equal(ok.length, 1);
  assert.equal(ok[0].phase, 'succeeded');
  assert.equal(ok[0].owner, 'test-team');
  assert.ok(ok[0].durationMs > 14_000);
  const aborted = (await json(['list', '--phase', 'aborted', '--json'])) as { service: string }[];
  assert.deepEqual(aborted.map((r) => r.service).sort(), ['live-bad', 'live-status']);
  assert.equal((await json(['list', '--owner', 'nobody', '--json'])).length, 0);
  assert.equal((await json(['list', '--since', '1h', '--json'])).length, all.length);
  assert.equal((await json(['list', '--since', '2099-01-01', '--json'])).length, 0);
  const text = await firebreak(['list', '--service', 'live-ok']);
  assert.match(text.stdout, /^STARTED\s+SERVICE\s+VERSION\s+PHASE\s+REGION\s+OWNER\s+DURATION\s+WORKFLOW ID$/m);
  assert.match(text.stdout, /live-ok\s+2\.0\.0\s+succeeded\s+-\s+test-team\s+\d+s\s+deploy-live-ok/);
  const bad = await firebreak(['list', '--since', 'yesterday']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--since "yesterday" is neither a duration/);
});
