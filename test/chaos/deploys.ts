// The campaign's deploys and the operator who tends them. Each deploy is a real
// multiRegionDeploy of its own service: good versions must go everywhere; bad ones (an
// error-rate fault in their first region only) must be caught there. The operator does what
// an on-call SRE would: approves manual gates, retries regions that an injected outage broke,
// leaves caught bad versions paused (or aborts some), and waits out its own outages first.
import { Client, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { parsePipeline } from '../../src/domain/pipeline/load.js';
import { plan as planOf, type Plan } from '../../src/domain/pipeline/plan.js';
import { startDeploy } from '../../src/client/start.js';
import { pipelineYaml, type TestPipeline } from '../../src/local/pipelines.js';
import { abortUpdate, approveUpdate, retryUpdate, statusQuery, TERMINAL_PHASES, type DeployStatus } from '../../workflows/messages.js';
import type { Rng } from './schedule.js';

/** Region names and customers shared by every service (smallest first decides the first wave). */
export const REGIONS: [string, number][] = [
  ['ap-southeast-2', 1_200],
  ['ap-south-1', 9_000],
  ['eu-west-1', 48_000],
  ['eu-central-1', 60_000],
  ['us-east-1', 310_000],
];
export const SEED_VERSION = '1.0.0';
export const OPERATOR = 'chaos-operator';
/** The deploy API's timeout in the campaign's pipelines: a hanging rollout fails after it. */
export const DEPLOY_TIMEOUT = '20s';

export interface ChaosDeploy {
  service: string;
  version: string;
  kind: 'good' | 'bad';
  checks: 'sim' | 'prometheus';
  approval: 'auto' | 'manual';
  /** Bad versions only: the operator aborts this one once it is caught (the others stay paused). */
  abortWhenCaught: boolean;
  minSamples: number;
  plan: Plan;
  firstWave: string[];
  workflowId: string;
  runId?: string;
  /** <workflowId>/<runId>, as the simulator's log records it. */
  deployId?: string;
  startedAtS?: number;
  startError?: string;
  /** Settled: reached the state the operator leaves it in (terminal, or caught and paused). */
  settledAtS?: number;
  abortedByCampaign?: boolean;
  seedRound: number;
  faultPosted?: boolean;
  last?: DeployStatus;
  actions: { retries: number; approvals: number; aborts: number; refused: number };
  /** When the operator last acted on a region (ms), so it does not hammer a retry in flight. */
  lastActed: Map<string, number>;
}

export function newDeploy(rng: Rng, index: number): ChaosDeploy {
  const service = `chaos-${String(index).padStart(3, '0')}`;
  const kind = rng.chance(0.3) ? 'bad' : 'good';
  const count = rng.int(3, 5);
  const regions = [...REGIONS].sort(() => rng.next() - 0.5).slice(0, count);
  const checks = rng.chance(0.5) ? 'prometheus' : 'sim';
  const approval = rng.chance(0.25) ? 'manual' : 'auto';
  const minSamples = 3;
  const version = kind === 'good' ? `2.${index}.0` : `2.${index}.0-faulty`;
  const t: TestPipeline = {
    service,
    regions: regions.map(([n, c]): [string, number] => [n, c]),
    soak: `${rng.int(4, 7)}s`,
    interval: '1s',
    minSamples,
    failAfter: 2,
    approval,
    checks,
    maxExtension: '8s',
  };
  const yaml = pipelineYaml(t).replace(/^ {2}timeout: 1m$/m, `  timeout: ${DEPLOY_TIMEOUT}`);
  const plan = planOf(parsePipeline(yaml, `${service}.yaml`).pipeline, version);
  return {
    service,
    version,
    kind,
    checks,
    approval,
    abortWhenCaught: kind === 'bad' && rng.chance(0.5),
    minSamples,
    plan,
    firstWave: plan.stages[0].regions.map((r) => r.name),
    workflowId: `deploy-${service}`,
    actions: { retries: 0, approvals: 0, aborts: 0, refused: 0 },
    lastActed: new Map(),
    seedRound: 0,
  };
}

async function post(url: string, body: unknown): Promise<Response> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
  return res;
}

/**
 * The world before the deploy: every region runs SEED_VERSION (so a failed region has a
 * version to roll back to), and a bad version serves 30% errors in its first region only.
 */
export async function prepare(simUrl: string, d: ChaosDeploy): Promise<void> {
  d.seedRound++;
  for (const stage of d.plan.stages) {
    for (const r of stage.regions) {
      await post(`${simUrl}/services/${d.service}/regions/${r.name}/deployments`, { version: SEED_VERSION, deployId: `chaos-seed/${d.service}/${d.seedRound}` });
    }
  }
  if (d.kind === 'bad' && !d.faultPosted) {
    await post(`${simUrl}/faults`, { service: d.service, region: d.firstWave[0], version: d.version, errorRate: 0.3 });
    d.faultPosted = true;
  }
}

/**
 * True once every region runs SEED_VERSION. The seed goes through the same deploy API the
 * campaign breaks: a seed rollout caught by a deploy-API outage is redone, or the deploy would
 * find regions running nothing (and nothing to roll back to).
 */
export async function seeded(simUrl: string, d: ChaosDeploy): Promise<boolean> {
  for (const stage of d.plan.stages) {
    for (const r of stage.regions) {
      const res = await fetch(`${simUrl}/services/${d.service}/regions/${r.name}`);
      if (!res.ok) return false;
      const v = (await res.json()) as { version: string | null; state: string };
      if (v.version !== SEED_VERSION || v.state !== 'ready') return false;
    }
  }
  return true;
}

export async function launch(client: Client, taskQueue: string, d: ChaosDeploy, t0: number): Promise<void> {
  const { handle } = await startDeploy(client, { plan: d.plan, taskQueue, startedBy: 'chaos' });
  // A fresh start carries its run id; an attached one (a start retried after a lost answer) is described.
  d.runId = (handle as { firstExecutionRunId?: string }).firstExecutionRunId ?? (await handle.describe()).runId;
  d.deployId = `${d.workflowId}/${d.runId}`;
  d.startedAtS = Math.round((Date.now() - t0) / 100) / 10;
}

export function handleOf(client: Client, d: ChaosDeploy): WorkflowHandle {
  return client.workflow.getHandle(d.workflowId, d.runId);
}

export async function queryStatus(client: Client, d: ChaosDeploy, timeoutMs = 5_000): Promise<DeployStatus> {
  return client.withDeadline(Date.now() + timeoutMs, () => handleOf(client, d).query(statusQuery));
}

/** Events of one region since its latest deploy attempt started. */
function currentAttempt(s: DeployStatus, region: string) {
  const evs = s.events.filter((e) => e.region === region);
  let from = 0;
  evs.forEach((e, i) => {
    if (e.kind === 'deploying') from = i;
  });
  return evs.slice(from);
}

/**
 * True when a bad version's first wave breached in its current attempt and was rolled back (or
 * had nothing to roll back to). A failed rollback is not caught yet: a retry redeploys, breaches
 * and rolls back again.
 */
export function caught(s: DeployStatus): boolean {
  const first = s.stages[0].regions;
  return first.some((r) => {
    const evs = currentAttempt(s, r.name);
    return evs.some((e) => e.kind === 'breach') && (r.state === 'rolled_back' || evs.some((e) => e.kind === 'rollback_skipped'));
  });
}

const ACT_EVERY_MS = 8_000;

/**
 * One look at a deploy and what the operator does about it. Returns true once the deploy is
 * settled: terminal, or a bad version caught and left paused (or aborted as planned).
 */
export async function tend(client: Client, d: ChaosDeploy, opts: { infraDown: boolean; nowS: number; log: (l: string) => void }): Promise<boolean> {
  const s = await queryStatus(client, d);
  d.last = s;
  if (TERMINAL_PHASES.includes(s.phase)) return true;
  const update = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await client.withDeadline(Date.now() + 30_000, fn);
      return true;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        d.actions.refused++;
        return false;
      }
      opts.log(`${d.service}: ${what} did not go through: ${(err as Error).message}`);
      return false;
    }
  };
  const h = handleOf(client, d);
  const regions = s.stages.flatMap((st) => st.regions.map((r) => ({ r, gate: st.gate })));
  for (const { r, gate } of regions) {
    if (r.state === 'awaiting_approval' && gate.state === 'awaiting_approval') {
      // A manual gate whose checks passed: approve it, like the operator on duty.
      if (await update(`approve ${r.name}`, () => h.executeUpdate(approveUpdate, { args: [{ region: r.name, by: OPERATOR }] }))) d.actions.approvals++;
    }
  }
  if (s.phase !== 'paused') return false;
  if (d.kind === 'bad' && caught(s)) {
    if (!d.abortWhenCaught) return true;
    if (await update('abort', () => h.executeUpdate(abortUpdate, { args: [{ reason: `${d.version} caught in ${d.firstWave.join(', ')}`, by: OPERATOR, rollback: 'failed' }] }))) {
      d.actions.aborts++;
      d.abortedByCampaign = true;
    }
    return false;
  }
  // Held regions: whatever held them was the campaign's doing (an outage, a lost worker), or a
  // bad version's rollout broken by one before its checks could judge it. Wait the outage out, then retry.
  if (opts.infraDown) return false;
  const now = Date.now();
  for (const { r, gate } of regions) {
    const held = r.state === 'failed' || r.state === 'rolled_back' || (r.state === 'awaiting_approval' && gate.state === 'inconclusive');
    if (!held) continue;
    if (now - (d.lastActed.get(r.name) ?? 0) < ACT_EVERY_MS) continue;
    d.lastActed.set(r.name, now);
    if (await update(`retry ${r.name}`, () => h.executeUpdate(retryUpdate, { args: [{ region: r.name, by: OPERATOR }] }))) {
      d.actions.retries++;
      opts.log(`${d.service} ${d.version}: retry ${r.name} (${r.state}: ${(r.error ?? s.pausedReason ?? '').slice(0, 140)})`);
    }
  }
  return false;
}
