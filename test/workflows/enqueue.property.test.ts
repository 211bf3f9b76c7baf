// Bad payloads to `enqueue`, the train's signal and update, never wedge a deploy nor
// change its queue: fast-check sends nothing, null, wrong types, a broken plan, another
// service's plan, the running version, two inputs, extra fields, to a running deploy on the
// real dev server. Every update is refused with its reason and leaves no trace in history;
// every signal is recorded as ignored with it. A valid enqueue sent twice queues once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { historyOf, regionState, start, waitFor, withWorker } from '../helpers/deploys.js';
import { abortUpdate, enqueueSignal, enqueueUpdate, statusQuery, type DeployStatus } from '../../workflows/messages.js';
import { parseEnqueueInput } from '../../workflows/inputs.js';
import type { Plan } from '../../src/domain/pipeline/plan.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

const pipeline = { service: 'fuzz-queue', regions: [['small', 10]] as [string, number][], soak: '1s', checks: 'none' as const, approval: 'manual' as const };
const planOf = (version: string, service = pipeline.service): Plan => JSON.parse(JSON.stringify(testPlan({ ...pipeline, service }, version))) as Plan;
const good = planOf('2.1.0');

/** One field of the plan (a path), with a value of the wrong type or removed. */
const PLAN_PATHS = [['service'], ['version'], ['owner'], ['stages'], ['stages', 0, 'regions'], ['stages', 0, 'regions', 0, 'name'], ['stages', 0, 'gate', 'approval'], ['rollback'], ['pauseTimeoutMs'], ['windows'], ['migrations'], ['totalCustomers']] as const;
const brokenPlan = fc
  .record({ path: fc.constantFrom(...PLAN_PATHS), value: fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer({ min: -5, max: 5 }), fc.string({ maxLength: 8 }), fc.constant([]), fc.constant({})) })
  .map(({ path, value }) => {
    const plan = structuredClone(good) as unknown as Record<string, unknown>;
    let at: Record<string | number, unknown> = plan;
    for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (value === undefined) delete at[last];
    else at[last] = value;
    return plan;
  })
  .filter((plan) => !parseEnqueueInput([{ plan }]).ok);

const scalar = fc.oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.string({ maxLength: 30 }), fc.string({ minLength: 5000, maxLength: 10_000 }));
const badArgs = fc.oneof(
  fc.constant([] as unknown[]),
  scalar.map((v) => [v]),
  fc.array(fc.jsonValue(), { maxLength: 3 }).map((v) => [v]),
  brokenPlan.map((plan) => [{ plan, by: 'fuzz' }]),
  fc.constant([{ plan: planOf('2.1.0', 'another-service'), by: 'fuzz' }]),
  fc.constant([{ plan: planOf('2.0.0'), by: 'fuzz' }]), // the version running now
  fc.constantFrom('', 'not a version!', '../2.0').map((version) => [{ plan: { ...good, version }, by: 'fuzz' }]),
  fc.record({ key: fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !['plan', 'previous', 'by'].includes(k)), value: fc.jsonValue() }).map(({ key, value }) => [{ plan: good, [key]: value }]),
  fc.oneof(fc.integer(), fc.constant(''), fc.string({ minLength: 200, maxLength: 300 })).map((by) => [{ plan: good, by }]),
  fc.constant([{ plan: good }, { plan: good }]),
);

const ignored = (s: DeployStatus) => s.events.filter((e) => e.kind === 'ignored');

test('parseEnqueueInput: anything but one well-formed request is refused with a reason, and never throws', () => {
  fc.assert(
    fc.property(badArgs, (args) => {
      const parsed = parseEnqueueInput(args);
      // Another service or the running version parse fine: the workflow's validator refuses them.
      const plan = (args[0] as { plan?: Plan } | undefined)?.plan;
      if (args.length === 1 && parsed.ok) assert.ok(plan?.service === 'another-service' || plan?.version === '2.0.0');
      else {
        assert.equal(parsed.ok, false);
        if (!parsed.ok) assert.ok(parsed.reason.length > 0 && parsed.reason.length < 1000, parsed.reason.slice(0, 200));
      }
    }),
    { numRuns: 300, seed: Number(process.env.FC_SEED ?? 13) },
  );
  assert.equal(parseEnqueueInput([{ plan: good, by: 'ci' }]).ok, true);
  assert.deepEqual(parseEnqueueInput([null]), { ok: false, reason: 'input must be a JSON object like {"plan":{...the output of firebreak plan --json...},"by":"..."}, got null' });
});

test('bad enqueue payloads are refused with a reason and change nothing; a valid one twice queues once', async () => {
  await withWorker(stack, async () => {
    const handle = await start(stack, testPlan(pipeline, '2.0.0'));
    await waitFor(handle, (s) => regionState(s, 'small') === 'awaiting_approval', 'small to await approval');
    const historyBefore = (await historyOf(handle)).events.length;

    let signals = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('signal' as const, 'update' as const), badArgs, async (via, args) => {
        if (via === 'update') {
          try {
            await handle.executeUpdate(enqueueUpdate, { args: args as [never] });
            assert.fail('the update was accepted');
          } catch (err) {
            assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
            const reason = (err.cause as Error).message;
            assert.ok(reason.length > 0 && reason.length < 1000, reason.slice(0, 200));
          }
        } else {
          await handle.signal(enqueueSignal, ...(args as [never]));
          signals += 1;
        }
        const s = await waitFor(handle, (x) => ignored(x).length >= signals, 'the signal recorded', 30_000);
        assert.equal(s.queue, undefined, 'the queue is unchanged');
        assert.equal(s.phase, 'running');
        assert.equal(regionState(s, 'small'), 'awaiting_approval');
        if (via === 'signal') assert.match(ignored(s).at(-1)!.message, /^enqueue signal ignored: .+/);
      }),
      { numRuns: 40, seed: Number(process.env.FC_SEED ?? 13), endOnFailure: true },
    );
    const { events } = await historyOf(handle);
    assert.equal(events.filter((e) => e.workflowTaskFailedEventAttributes).length, 0, 'no workflow task failed');
    assert.equal(
      events.slice(historyBefore).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length,
      0,
      'no refused update reached history',
    );

    // Twice, by signal then by update (which the workflow sees after the signal): one place.
    await handle.signal(enqueueSignal, { plan: good, by: 'ci' });
    const after = await handle.executeUpdate(enqueueUpdate, { args: [{ plan: good, by: 'ci-again' }] });
    assert.deepEqual(after.queue?.map((q) => [q.version, q.by]), [['2.1.0', 'ci']]);
    assert.equal(after.events.filter((e) => e.kind === 'queued').length, 1);
    assert.deepEqual((await handle.query(statusQuery)).queue, after.queue);
    await handle.executeUpdate(abortUpdate, { args: [{ reason: 'end of test', by: 'test' }] });
  });
});
