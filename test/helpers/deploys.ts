// Running deploys in tests: a real worker (real activities, cached workflow bundle) on the
// test stack's task queue, and small readers of the simulator's HTTP API.
import assert from 'node:assert/strict';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { ServiceError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { DeployHandle } from '../../src/client/workflow.js';
import { createActivities } from '../../activities/index.js';
import { startDeploy } from '../../src/client/start.js';
import { createWorker } from '../../src/worker/run.js';
import type { Plan } from '../../src/domain/pipeline/plan.js';
import { statusQuery, type DeployStatus, type DeployPhase } from '../../workflows/messages.js';
import { workflowBundle, type TestStack } from './stack.js';

// Workers log at WARN in tests: the state transitions are asserted, not read.
Runtime.install({ logger: new DefaultLogger('WARN') });

export function activityEnv(stack: TestStack, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    FIREBREAK_SIM_URL: stack.sim?.url,
    PROMETHEUS_URL: stack.prometheus?.url,
    ...extra,
  };
}

export async function createTestWorker(stack: TestStack, env: NodeJS.ProcessEnv = activityEnv(stack)): Promise<Worker> {
  // The production worker's settings, with the cached bundle and this test's environment.
  return createWorker({
    connection: stack.connection,
    namespace: stack.namespace,
    taskQueue: stack.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ env }),
  });
}

/** Runs fn while a worker polls; the worker is shut down afterwards whatever happens. */
export async function withWorker<T>(stack: TestStack, fn: (worker: Worker) => Promise<T>, env?: NodeJS.ProcessEnv): Promise<T> {
  const worker = await createTestWorker(stack, env);
  return worker.runUntil(fn(worker));
}

export async function start(stack: TestStack, plan: Plan, opts: { previous?: string } = {}): Promise<DeployHandle> {
  const { handle } = await startDeploy(stack.client, { plan, taskQueue: stack.taskQueue, startedBy: 'test', ...opts });
  return handle;
}

/** Polls the status query until the predicate holds (bounded by `timeoutMs`, a safety net only). */
export async function waitFor(
  handle: WorkflowHandle,
  predicate: (s: DeployStatus) => boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<DeployStatus> {
  const until = Date.now() + timeoutMs;
  let last: DeployStatus | undefined;
  let lastError: unknown;
  while (Date.now() < until) {
    try {
      last = await handle.query(statusQuery);
      if (predicate(last)) return last;
    } catch (err) {
      // Right after a worker is killed, a query can time out on its sticky queue until the
      // server gives up on it; only the workflow answering (or not, by the deadline) counts.
      if (!(err instanceof ServiceError)) throw err;
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(last, null, 2)}${lastError ? `; last query error: ${String(lastError)}` : ''}`);
}

/**
 * Waits until the deploy stops running (ended, or paused for a person) and returns its status:
 * a deploy that pauses when a test expects it to finish fails the assertion on its phase at
 * once, instead of hanging on handle.result().
 */
export async function settle(handle: DeployHandle, timeoutMs = 300_000): Promise<DeployStatus> {
  const s = await waitFor(handle, (x) => x.phase !== 'running', 'the deploy to end or pause', timeoutMs);
  return s.phase === 'paused' ? s : await handle.result();
}

export const phaseIs = (...phases: DeployPhase[]) => (s: DeployStatus) => phases.includes(s.phase);

export function regionState(s: DeployStatus, name: string) {
  return s.stages.flatMap((x) => x.regions).find((r) => r.name === name)!.state;
}

// --- the simulator, as a test reads it ---
export interface SimDeploy {
  at: string;
  region: string;
  service: string;
  version: string;
  deployId: string;
}

export async function simDeployments(stack: TestStack): Promise<SimDeploy[]> {
  return (await fetch(`${stack.sim!.url}/deployments`)).json() as Promise<SimDeploy[]>;
}

export async function simRegion(stack: TestStack, service: string, region: string): Promise<{ version: string; previousVersion: string | null; state: string }> {
  const res = await fetch(`${stack.sim!.url}/services/${service}/regions/${region}`);
  if (!res.ok) throw new Error(`sim region ${service}/${region}: ${res.status}`);
  return res.json() as never;
}

/** Puts a region on a version directly (what ran before Firebreak), waiting until it is ready. */
export async function seedVersion(stack: TestStack, service: string, regions: string[], version: string): Promise<void> {
  for (const region of regions) {
    const res = await fetch(`${stack.sim!.url}/services/${service}/regions/${region}/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version, deployId: `seed-${version}` }),
    });
    if (res.status !== 202) throw new Error(`seed ${region}: ${res.status} ${await res.text()}`);
  }
  for (const region of regions) {
    for (;;) {
      const r = await simRegion(stack, service, region);
      if (r.state === 'ready' && r.version === version) break;
      await new Promise((res) => setTimeout(res, 50));
    }
  }
}

export async function simFault(stack: TestStack, fault: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${stack.sim!.url}/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  if (!res.ok) throw new Error(`fault: ${res.status} ${await res.text()}`);
}

export async function clearFaults(stack: TestStack): Promise<void> {
  await fetch(`${stack.sim!.url}/faults`, { method: 'DELETE' });
}

/**
 * The workflow's history and its text as the Web UI would show it: payload bytes decoded to
 * UTF-8 (so a secret inside a JSON payload is visible to a search) and also kept as base64.
 */
export async function historyOf(handle: WorkflowHandle) {
  const history = await handle.fetchHistory();
  const text = (bytes: Uint8Array) => `${Buffer.from(bytes).toString('utf8')} ${Buffer.from(bytes).toString('base64')}`;
  // The history's own toJSON turns payload bytes into base64 strings before a replacer sees them.
  const json = JSON.stringify(history, (key, value: unknown) => {
    if (key === 'data' && typeof value === 'string') return text(Buffer.from(value, 'base64'));
    if (value instanceof Uint8Array) return text(value);
    const v = value as { type?: string; data?: number[] } | null;
    if (v && v.type === 'Buffer' && Array.isArray(v.data)) return text(Uint8Array.from(v.data));
    return value;
  });
  return { events: history.events ?? [], json };
}

/** The reason an update was refused with (its validator's message); fails the test if it was accepted. */
export async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WorkflowUpdateFailedError, `expected an update failure, got ${err}`);
    return (err.cause as Error).message;
  }
  assert.fail('the update was accepted');
}
