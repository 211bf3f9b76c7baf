// Command checks on real processes during real deploys: a script that exits 0 promotes (once:
// one run per soak is all the gate needs), one that exits 3 fails the region with the end of its
// output in the reason and rolls it back, and one that hangs is killed at its timeout together
// with the child it started.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { phaseIs, regionState, seedVersion, settle, simRegion, start, waitFor, withWorker } from '../helpers/deploys.js';
import { abortUpdate } from '../../workflows/messages.js';

let stack: TestStack;
let dir: string;
before(async () => {
  stack = await startTestStack({ simulator: true });
  dir = mkdtempSync(join(tmpdir(), 'firebreak-command-check-'));
});
after(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const REGIONS: [string, number][] = [
  ['small', 2000],
  ['large', 90000],
];

function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  return file;
}

const check = (argv: string[], extra = '') => `
    - name: smoke
      command: { argv: ${JSON.stringify(argv)}${extra} }`;

/** Running, not merely a zombie waiting for whichever process adopted it to reap it. */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

test('a smoke test that exits 0 promotes every region; once: it runs one time per soak, and that one result is enough', async () => {
  const runs = join(dir, 'runs');
  const pass = script('pass.sh', `echo "$1 $2" >> "${runs}"\necho "smoke ok in $1"\nexit 0`);
  await withWorker(stack, async () => {
    await seedVersion(stack, 'cmd-pass', ['small', 'large'], '1.0.0');
    const handle = await start(
      stack,
      testPlan({ service: 'cmd-pass', regions: REGIONS, soak: '3s', interval: '500ms', minSamples: 3, checksYaml: check(['/bin/sh', pass, '{{region}}', '{{version}}'], ', once: true') }, '1.1.0'),
    );
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded', done.pausedReason);
    assert.equal(regionState(done, 'small'), 'promoted');
    assert.equal(regionState(done, 'large'), 'promoted');
    const smoke = done.stages[0].regions[0].checks[0];
    assert.equal(smoke.value, 0);
    assert.equal(smoke.samples, 1, 'once: one sample stands for minSamples');
    assert.deepEqual(readFileSync(runs, 'utf8').trim().split('\n'), ['small 1.1.0', 'large 1.1.0'], 'one run per region, templates filled');
  });
});

test('a check that exits 3 fails the region with the end of its output in the reason, and the region is rolled back', async () => {
  const filler = 'x'.repeat(400);
  const fail = script('fail.sh', `echo "${filler}"\necho "checkout in $1 answered 502" >&2\nexit 3`);
  await withWorker(stack, async () => {
    await seedVersion(stack, 'cmd-fail', ['small', 'large'], '1.0.0');
    const handle = await start(stack, testPlan({ service: 'cmd-fail', regions: REGIONS, soak: '4s', interval: '500ms', checksYaml: check(['/bin/sh', fail, '{{region}}']) }, '2.0.0'));
    const s = await waitFor(handle, phaseIs('paused'), 'the failing check to pause the deploy');
    assert.equal(regionState(s, 'small'), 'rolled_back');
    assert.equal(regionState(s, 'large'), 'pending');
    const error = s.stages[0].regions[0].error!;
    assert.match(error, /smoke = "exit code 3: x+\\ncheckout in small answered 502" breached == 0 2 times in a row in small/);
    assert.ok(!error.includes(filler), 'only the end of the output is quoted');
    assert.equal((await simRegion(stack, 'cmd-fail', 'small')).version, '1.0.0');
    await handle.executeUpdate(abortUpdate, { args: [{ reason: 'test over', by: 'test' }] });
  });
});

test('a hanging check is killed at its timeout with the child it started, and breaches', async () => {
  const pids = join(dir, 'pids');
  const hang = script('hang.sh', `sleep 300 &\necho "$$ $!" > "${pids}"\necho waiting for the service\nwait`);
  await withWorker(stack, async () => {
    await seedVersion(stack, 'cmd-hang', ['only'], '1.0.0');
    const handle = await start(stack, testPlan({ service: 'cmd-hang', regions: [['only', 10]], soak: '4s', interval: '500ms', checksYaml: check(['/bin/sh', hang], ', timeout: 1s, once: true') }, '2.0.0'));
    const s = await waitFor(handle, phaseIs('paused', 'rolled_back', 'failed'), 'the timed-out check to fail the region');
    assert.equal(regionState(s, 'only'), 'rolled_back');
    assert.match(s.stages[0].regions[0].error!, /smoke = "timed out after 1s and was killed: waiting for the service" breached == 0 1 time in a row/);
    const [shell, child] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    assert.equal(alive(shell), false, `the script (pid ${shell}) is gone`);
    assert.equal(alive(child), false, `its child sleep (pid ${child}) is gone`);
    if (s.phase === 'paused') await handle.executeUpdate(abortUpdate, { args: [{ reason: 'test over', by: 'test' }] });
  });
});
