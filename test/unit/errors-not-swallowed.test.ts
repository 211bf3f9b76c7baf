// Errors are not swallowed: following a deploy waits out "no answer yet" (no worker polls, the
// first workflow task has not run) but fails with one line on anything else; the review skips
// runs that have no final status, and fails on any other error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceError, WorkflowFailedError } from '@temporalio/client';
import { TerminatedFailure, WorkflowNotFoundError } from '@temporalio/common';
import { follow } from '../../src/cli/wait.js';
import { finalStatuses } from '../../src/cli/review.js';
import { CliError } from '../../src/cli/fail.js';
import { isNoAnswerYet } from '../../src/cli/no-answer.js';
import type { ViewStatus } from '../../src/cli/render.js';
import type { DeployStatus } from '../../workflows/messages.js';

const grpc = (code: number, text: string) =>
  new ServiceError('Failed to query Workflow', { cause: Object.assign(new Error(`${code} ${text}`), { code }) });
const noWorker = () => grpc(4, 'DEADLINE_EXCEEDED: Deadline exceeded after 10.001s');
const notReady = () => grpc(9, 'FAILED_PRECONDITION: workflow is not ready to handle queries');

const ended = (): ViewStatus => ({
  service: 'checkout',
  version: '1.4.2',
  owner: 'team',
  runbook: 'https://runbook',
  phase: 'succeeded',
  currentStage: 0,
  stages: [],
  events: [],
  startedAt: '2026-12-01T10:00:00.000Z',
  endedAt: '2026-12-01T10:05:00.000Z',
});

/** A reader that fails with each error in turn, then answers that the deploy has ended. */
function reader(errors: Error[]) {
  let reads = 0;
  return {
    get reads() {
      return reads;
    },
    async read(): Promise<ViewStatus> {
      const err = errors[reads++];
      if (err) throw err;
      return ended();
    },
  };
}

test('no answer yet (no worker, first task not run) is waited out', async () => {
  const r = reader([noWorker(), notReady(), noWorker()]);
  const lines: string[] = [];
  const s = await follow(r, { mode: 'ci', write: (t) => lines.push(t), pollMs: 1 });
  assert.equal(s.phase, 'succeeded');
  assert.equal(r.reads, 4);
  assert.match(lines.join(''), /waiting for a worker to answer the status query/);
});

test('a real error (permission, unreachable, not found) fails at once with one line', async () => {
  for (const err of [
    grpc(7, 'PERMISSION_DENIED: Request unauthorized.'),
    grpc(14, 'UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:7233'),
    new WorkflowNotFoundError('workflow not found', 'deploy-checkout', undefined),
  ]) {
    const r = reader([err, err, err]);
    await assert.rejects(follow(r, { mode: 'ci', write: () => undefined, pollMs: 1 }), (e: unknown) => {
      assert.ok(e instanceof CliError, String(e));
      assert.match(e.message, /^cannot follow the deploy: /);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    });
    assert.equal(r.reads, 1, `no retry of ${err.message}`);
  }
  assert.equal(isNoAnswerYet(grpc(7, 'PERMISSION_DENIED')), false);
});

async function* runs(n: number) {
  for (let i = 0; i < n; i++) yield { workflowId: `deploy-s${i}`, runId: `r${i}` };
}

test('review: runs without a final status are skipped; a network error fails the review', async () => {
  const status = ended() as DeployStatus;
  const terminated = new WorkflowFailedError('Workflow execution terminated', new TerminatedFailure('by ops'), 'NON_RETRYABLE_FAILURE');
  const gone = new WorkflowNotFoundError('not found', 'deploy-s2', 'r2');
  const outcomes: unknown[] = [status, terminated, gone, status];
  const got = await finalStatuses(runs(4), async (run) => {
    const o = outcomes[Number(run.runId.slice(1))];
    if (o instanceof Error) throw o;
    return o;
  });
  assert.equal(got.length, 2);

  const down = grpc(14, 'UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7233');
  await assert.rejects(
    finalStatuses(runs(3), async (run) => {
      if (run.runId === 'r1') throw down;
      return status;
    }),
    (e: unknown) => e instanceof CliError && /review: cannot read the result of deploy-s1 \(run r1\): .*UNAVAILABLE/.test(e.message),
  );
});
