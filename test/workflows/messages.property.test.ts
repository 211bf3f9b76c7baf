// Whatever arrives through a signal, an update or a query, nothing wedges a deploy:
// fast-check sends payloads a tired operator or a broken client would (nothing, null, numbers,
// strings, arrays, huge strings, wrong field types, extra fields) under every command name and
// under names that don't exist, to a running deploy on the real dev server. No workflow task
// fails, the status query keeps answering, every signal is recorded as ignored with its reason,
// every update is refused with it, and a valid command afterwards still finishes the deploy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { historyOf, regionState, settle, start, waitFor, withWorker } from '../helpers/deploys.js';
import { findTemporalCli } from '../../src/local/tools.js';
import { recordHistory } from '../helpers/histories.js';
import { COMMANDS, statusQuery, type DeployStatus } from '../../workflows/messages.js';

const run = promisify(execFile);
let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

/** `temporal workflow signal`, as the README tells an operator to type it; `input` undefined = no --input. */
async function cliSignal(handle: WorkflowHandle, name: string, input?: string) {
  await run(findTemporalCli(), [
    'workflow', 'signal', '--address', stack.address, '--namespace', stack.namespace,
    '--workflow-id', handle.workflowId, '--name', name, ...(input === undefined ? [] : ['--input', input]),
  ]);
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WorkflowUpdateFailedError, `expected an update failure, got ${String(err)}`);
    return (err.cause as Error).message;
  }
  assert.fail('the update was accepted');
}

const failedTasks = async (handle: WorkflowHandle) =>
  (await historyOf(handle)).events.filter((e) => e.workflowTaskFailedEventAttributes).length;

const ignored = (s: DeployStatus) => s.events.filter((e) => e.kind === 'ignored');

// --- payloads that are wrong by construction, whatever the command ---
const scalar = fc.oneof(fc.constant(null), fc.integer(), fc.double(), fc.boolean(), fc.string(), fc.string({ minLength: 5000, maxLength: 20_000 }));
const notAnObject = fc.oneof(scalar, fc.array(fc.jsonValue(), { maxLength: 4 }));
/** A field no command has, beside otherwise sensible ones. */
const extraField = fc
  .record({ key: fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !['reason', 'by', 'region', 'rollback'].includes(k)), value: fc.jsonValue() })
  .map(({ key, value }) => ({ by: 'fuzz', [key]: value }));
/** A known field with the wrong type or an impossible value. */
const wrongField = fc.oneof(
  fc.record({ region: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string()), fc.constant('NOT A REGION'), fc.object()) }),
  fc.record({ by: fc.oneof(fc.integer(), fc.constant(null), fc.constant(''), fc.string({ minLength: 200, maxLength: 400 }), fc.object()) }),
  fc.record({ reason: fc.oneof(fc.integer(), fc.boolean(), fc.string({ minLength: 600, maxLength: 5000 })), by: fc.constant('fuzz') }),
  fc.record({ rollback: fc.oneof(fc.constant('everything'), fc.integer(), fc.constant(null)), by: fc.constant('fuzz') }),
);
/** Each wrong for every command (a wrong `region` is wrong for retry too; retry with no region is wrong). */
const badArgs = fc.oneof(
  notAnObject.map((v) => [v]),
  extraField.map((v) => [v]),
  wrongField.map((v) => [v]),
  fc.tuple(fc.jsonValue(), fc.jsonValue()).map(([a, b]) => [a, b]),
);
const knownName = fc.constantFrom(...COMMANDS);
const unknownName = fc.oneof(fc.constantFrom('approved', 'Approve', 'resume ', 'rollback', 'status', ''), fc.string({ minLength: 1, maxLength: 40 }))
  .filter((n) => !(COMMANDS as readonly string[]).includes(n) && n !== '' && !n.startsWith('__'));
const message = fc.record({
  via: fc.constantFrom('signal' as const, 'update' as const),
  name: fc.oneof(knownName, unknownName),
  args: fc.oneof(badArgs, fc.constant([] as unknown[])),
});

test('random payloads under every signal and update name never wedge a deploy; a valid approve then finishes it', async () => {
  await withWorker(stack, async () => {
    const handle = await start(stack, testPlan({ service: 'fuzz', regions: [['small', 10]], soak: '1s', checks: 'none', approval: 'manual' }, '2.0.0'));
    await waitFor(handle, (s) => regionState(s, 'small') === 'awaiting_approval', 'small to await approval');

    let expectIgnored = 0;
    await fc.assert(
      fc.asyncProperty(message, async ({ via, name, args }) => {
        const known = (COMMANDS as readonly string[]).includes(name);
        // With no payload every command but retry means {} and is valid: approve would approve.
        // Those are exercised on purpose below; here everything must be nonsense.
        if (known && args.length === 0 && name !== 'retry') return;
        const before = ignored(await handle.query(statusQuery)).length;
        if (via === 'signal') {
          await handle.signal(name, ...args);
          expectIgnored += 1;
        } else {
          const reason = await refusal(handle.executeUpdate(name, { args: args as [unknown] }));
          assert.ok(reason.length > 0 && reason.length < 1000, `a short reason: ${reason.slice(0, 200)}`);
          if (!known) expectIgnored += 1; // an unknown update is recorded by the default handler
        }
        const s = await waitFor(handle, (x) => ignored(x).length >= before + (via === 'signal' || !known ? 1 : 0), `${via} ${name} recorded`, 30_000);
        assert.equal(regionState(s, 'small'), 'awaiting_approval', 'nothing changed');
        assert.equal(s.phase, 'running');
        const last = ignored(s).at(-1)!;
        if (via === 'signal' || !known) {
          assert.ok(last.message.length < 1000, 'an ignored message stays short');
          assert.match(last.message, known ? new RegExp(`^${name} signal ignored: .+`) : /^unknown (signal|update) ".*" ignored: the commands are pause, resume, approve, retry, abort$/s);
        }
      }),
      { numRuns: 60, seed: Number(process.env.FC_SEED ?? 8), endOnFailure: true, includeErrorInReport: true },
    );

    // Names Temporal reserves or uses itself: with a default handler set, the SDK would fail
    // the workflow task for `__temporal_*` names on every retry.
    for (const name of ['__temporal_x', '__temporal_workflow_metadata', '__stack_trace', '__enhanced_stack_trace']) {
      await handle.signal(name, {});
      await assert.rejects(handle.executeUpdate(name, { args: [{}] }));
    }
    const reserved = await waitFor(handle, (x) => ignored(x).length >= expectIgnored + 4, 'the reserved signals recorded', 30_000);
    assert.ok(reserved.events.some((e) => e.message.startsWith('unknown signal "__temporal_x" ignored')));
    assert.ok(reserved.events.some((e) => e.message.startsWith('unknown update "__temporal_x" ignored')));
    assert.equal(await failedTasks(handle), 0, 'no workflow task failed on a reserved name');
    expectIgnored = ignored(reserved).length;

    // A payload no converter can decode, sent as an operator could by mistake.
    for (const meta of ['encoding=binary/unknown', 'encoding=json/protobuf']) {
      await run(findTemporalCli(), [
        'workflow', 'signal', '--address', stack.address, '--namespace', stack.namespace,
        '--workflow-id', handle.workflowId, '--name', 'approve', '--input', '{}', '--input-meta', meta,
      ]);
    }
    expectIgnored += 2;
    const undecodable = await waitFor(handle, (x) => ignored(x).length >= expectIgnored, 'the undecodable signals recorded', 30_000);
    for (const e of ignored(undecodable).slice(-2)) assert.match(e.message, /^signal "approve" ignored: its input could not be decoded; send JSON/);
    assert.equal(regionState(undecodable, 'small'), 'awaiting_approval', 'an undecodable approve approves nothing');

    // The exact commands from the issue, with the Temporal CLI: no --input for retry (needs a
    // region), --input null, and a string for abort (which used to abort the deploy).
    await cliSignal(handle, 'retry');
    await cliSignal(handle, 'approve', 'null');
    await cliSignal(handle, 'abort', '"garbage"');
    expectIgnored += 3;
    const s = await waitFor(handle, (x) => ignored(x).length >= expectIgnored, 'the CLI signals recorded');
    const tail = ignored(s).slice(-3).map((e) => e.message);
    assert.match(tail[0], /^retry signal ignored: region is required/);
    assert.match(tail[1], /^approve signal ignored: input must be a JSON object like \{"region":"...","by":"..."\}, got null$/);
    assert.match(tail[2], /^abort signal ignored: input must be a JSON object like \{"reason":"...","by":"...","rollback":"none\|failed\|all"\}, got "garbage"$/);
    assert.equal(s.phase, 'running');

    // Queries with bad arguments still answer; an unknown query is refused with the known ones named.
    for (const arg of [null, 42, 'x', { a: 1 }, 'y'.repeat(10_000)]) {
      assert.equal((await handle.query<DeployStatus, [unknown]>('status', arg)).service, 'fuzz');
    }
    await assert.rejects(handle.query('stauts'), /stauts.*status/s);

    assert.equal(await failedTasks(handle), 0, 'no workflow task ever failed');
    const updatesInHistory = (await historyOf(handle)).events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    assert.ok(
      updatesInHistory.every((e) => !(COMMANDS as readonly string[]).includes(e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? '')),
      'no refused command update reached history',
    );

    // A valid command still works: approve with no payload approves what awaits.
    await cliSignal(handle, 'approve');
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded', JSON.stringify(done.events.slice(-5), null, 1));
    assert.equal(ignored(done).length, expectIgnored, 'every nonsense signal and unknown update left exactly one ignored event');
    await recordHistory(stack.address, handle, 'v2-ignored-signals-approve');
  });
});
