// `firebreak freeze`, `unfreeze` and `deploy --wait` as CI runs them: a deploy held by a freeze
// exits 6 (frozen), not 1 (failed) nor 3 (waits for an operator); bad freezes and bad lane
// flags are refused in one line with exit 2 and change nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { runFirebreak } from '../helpers/cli.js';
import { writePipelineFile } from '../../src/local/pipelines.js';
import { activityEnv, simDeployments, withWorker } from '../helpers/deploys.js';
import { listFreezes } from '../../src/client/freeze.js';

let stack: TestStack;
const dir = mkdtempSync(join(tmpdir(), 'firebreak-freeze-cli-'));
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

const firebreak = (args: string[]) => runFirebreak(stack, args);
const REGIONS: [string, number][] = [
  ['small', 100],
  ['large', 9000],
];

test('deploy --wait exits 6 while frozen, touching no region, and the deploy goes on by itself after unfreeze; bad freezes exit 2 and change nothing', async () => {
  await withWorker(
    stack,
    async () => {
      const file = writePipelineFile(dir, { service: 'cli-fz', regions: REGIONS, soak: '1s' });
      const noReason = await firebreak(['freeze', 'cli-fz']);
      assert.equal(noReason.code, 2);
      assert.equal(noReason.stderr, 'firebreak: freeze refused: a freeze needs a reason (--reason); nothing was changed\n');
      const past = await firebreak(['freeze', 'cli-fz', '--reason', 'r', '--until', '2020-01-01T00:00:00Z']);
      assert.equal(past.code, 2);
      assert.match(past.stderr, /--until 2020-01-01T00:00:00.000Z is in the past: nothing would be frozen; nothing was changed/);
      assert.equal((await firebreak(['freeze', 'cli-fz', '--all', '--reason', 'r'])).code, 2, 'names and --all');
      assert.deepEqual(await listFreezes(stack.client), [], 'nothing was frozen');

      const froze = await firebreak(['freeze', 'cli-fz', '--reason', 'incident 7', '--by', 'ana']);
      assert.equal(froze.code, 0, froze.stderr);
      assert.match(froze.stdout, /^froze cli-fz\n {2}cli-fz frozen by ana since .* until unfrozen: incident 7\n$/);
      assert.match((await firebreak(['freeze', 'cli-fz', '--reason', 'incident 7', '--by', 'ana'])).stdout, /^nothing changed \(already so\)/);
      assert.match((await firebreak(['freeze', '--list'])).stdout, /^FROZEN +cli-fz frozen by ana/);

      const held = await firebreak(['deploy', file, '--version', '2.0.0', '--wait']);
      assert.equal(held.code, 6, held.stderr + held.stdout);
      assert.match(held.stdout, /FROZEN at stage 1 \(small\): cli-fz frozen by ana/);
      assert.deepEqual((await simDeployments(stack)).filter((d) => d.service === 'cli-fz'), []);

      const lifted = await firebreak(['unfreeze', 'cli-fz', '--reason', 'resolved']);
      assert.equal(lifted.code, 0, lifted.stderr);
      assert.match(lifted.stdout, /^unfroze cli-fz\n$/);
      assert.match((await firebreak(['unfreeze', 'cli-fz'])).stdout, /^nothing changed/);
      // The held deploy went on by itself: the same run ends succeeded, every region deployed.
      const final = (await stack.client.workflow.getHandle('deploy-cli-fz').result()) as { phase: string; events: { kind: string }[] };
      assert.equal(final.phase, 'succeeded');
      assert.ok(final.events.some((e) => e.kind === 'unfrozen'));
      assert.deepEqual((await simDeployments(stack)).filter((d) => d.service === 'cli-fz').map((d) => d.region), ['small', 'large']);
    },
    activityEnv(stack, { FIREBREAK_FREEZE_RECHECK_MS: String(10 * 60_000) }),
  );
});

test('--hotfix and --override-freeze need a reason, and --hotfix a lane with a floor; refused before anything starts', async () => {
  const plain = writePipelineFile(dir, { service: 'cli-hf', regions: REGIONS });
  const noFloor = writePipelineFile(dir, { service: 'cli-hf-nofloor', regions: REGIONS, extra: 'hotfix: { soakScale: 0.5 }\n' });
  const cases: [string[], RegExp][] = [
    [['deploy', plain, '--version', '2.0.1', '--hotfix'], /--hotfix needs --reason R/],
    [['deploy', plain, '--version', '2.0.1', '--override-freeze'], /--override-freeze needs --reason R/],
    [['deploy', plain, '--version', '2.0.1', '--reason', 'why'], /--reason goes with --hotfix or --override-freeze/],
    [['deploy', plain, '--version', '2.0.1', '--hotfix', '--reason', 'fix'], /has no hotfix lane/],
    [['deploy', noFloor, '--version', '2.0.1', '--hotfix', '--reason', 'fix'], /the hotfix lane has no floor/],
  ];
  for (const [args, message] of cases) {
    const run = await firebreak(args);
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, message);
    assert.match(run.stderr, /nothing was started/);
  }
  const plan = await firebreak(['plan', noFloor]);
  assert.equal(plan.code, 2, 'lint refuses the lane');
  assert.match(plan.stdout + plan.stderr, /hotfix-floor/);
});
