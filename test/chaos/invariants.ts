// What must hold after the campaign, checked from the outside: the status query, the
// simulator's deployment log and region states, and each workflow's history.
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import type { DeployStatus } from '../../workflows/messages.js';
import { TERMINAL_PHASES } from '../../workflows/messages.js';
import { workflowBundle } from '../../src/local/bundle.js';
import { earlyPasses } from '../helpers/soak-times.js';
import { handleOf, queryStatus, SEED_VERSION, type ChaosDeploy } from './deploys.js';
import type { WorkerSlot } from './stack.js';
import { NEW_BUILD } from './stack.js';
import pg from 'pg';

export interface Invariant {
  name: string;
  rule: string;
  /** How many things were checked. */
  checked: number;
  violations: string[];
}

interface LogEntry {
  at: string;
  region: string;
  service: string;
  version: string;
  deployId: string;
}

interface RegionView {
  version: string | null;
  state: string;
}

export interface UpgradeEvidence {
  /** Deploys whose history has workflow tasks from both builds (started on the old, carried on by the new). */
  crossedBuilds: number;
  tasksByBuild: Record<string, number>;
}

export async function checkInvariants(
  client: Client,
  simUrl: string,
  deploys: ChaosDeploy[],
  workers: WorkerSlot[],
  log: (l: string) => void,
  recordsUrl?: string,
): Promise<{ invariants: Invariant[]; upgrade: UpgradeEvidence; unfinished: string[] }> {
  const started = deploys.filter((d) => d.runId);
  // Final status of each deploy (a closed one is answered from its history by a worker).
  const statuses = new Map<ChaosDeploy, DeployStatus>();
  const queryFailures: string[] = [];
  // Eight at a time: a closed deploy's query is a replay on a worker, and there may be hundreds.
  await inBatches(started, 8, async (d) => {
    try {
      const final = await queryStatus(client, d, 15_000);
      statuses.set(d, final);
      d.last = final;
    } catch (err) {
      if (d.last) statuses.set(d, d.last);
      queryFailures.push(`${d.workflowId}: final status query failed (${(err as Error).message}); used the last one seen`);
    }
  });
  const simLog = (await (await fetch(`${simUrl}/deployments`)).json()) as LogEntry[];
  const simRegion = async (service: string, region: string): Promise<RegionView | undefined> => {
    const res = await fetch(`${simUrl}/services/${service}/regions/${region}`);
    return res.ok ? ((await res.json()) as RegionView) : undefined;
  };

  // --- state: each deploy reached what its version deserves (status and the simulator agree) ---
  const state: Invariant = {
    name: 'state',
    rule: 'good versions succeed everywhere; bad ones are caught in their first region, rolled back and paused (or aborted by the campaign)',
    checked: 0,
    violations: [...queryFailures],
  };
  const unfinished: string[] = [];
  for (const d of started) {
    const s = statuses.get(d);
    if (!s) {
      state.violations.push(`${d.workflowId} ${d.version}: no status at all`);
      continue;
    }
    state.checked++;
    const regions = s.stages.flatMap((st) => st.regions);
    const where = `${d.workflowId} ${d.version} (${d.kind})`;
    // Still on its way at the deadline (a region deploying or soaking): not judged, listed as unfinished.
    if (s.phase === 'running' && regions.some((r) => ['deploying', 'soaking', 'rolling_back'].includes(r.state))) {
      state.checked--;
      unfinished.push(`${where}: still running at the deadline; ${regions.filter((r) => r.state !== 'pending').map((r) => `${r.name}=${r.state}`).join(', ')}`);
      continue;
    }
    if (d.kind === 'good') {
      if (s.phase !== 'succeeded') {
        state.violations.push(`${where}: phase ${s.phase}${s.pausedReason ? ` (${s.pausedReason})` : ''}; regions ${regions.map((r) => `${r.name}=${r.state}`).join(', ')}`);
        continue;
      }
      for (const r of regions) {
        const v = await simRegion(d.service, r.name);
        if (v?.version !== d.version || v.state !== 'ready') state.violations.push(`${where}: succeeded, but the simulator says ${r.name} runs ${v?.version} (${v?.state})`);
      }
    } else {
      const want = d.abortedByCampaign ? 'aborted' : 'paused';
      if (s.phase !== want) state.violations.push(`${where}: phase ${s.phase}, expected ${want}${s.pausedReason ? ` (${s.pausedReason})` : ''}`);
      if (!s.events.some((e) => e.kind === 'breach' && d.firstWave.includes(e.region ?? ''))) state.violations.push(`${where}: no breach recorded in its first wave ${d.firstWave.join(', ')}`);
      for (const [i, st] of s.stages.entries()) {
        for (const r of st.regions) {
          if (i === 0) {
            const v = await simRegion(d.service, r.name);
            if (r.state !== 'rolled_back') state.violations.push(`${where}: first-wave ${r.name} is ${r.state}, not rolled_back`);
            if (v?.version !== SEED_VERSION) state.violations.push(`${where}: the simulator says first-wave ${r.name} runs ${v?.version} (${v?.state}), not ${SEED_VERSION}`);
          } else if (r.state !== 'pending') state.violations.push(`${where}: ${r.name} (stage ${i + 1}) is ${r.state}; it should never have started`);
        }
      }
    }
  }

  // --- effects: the simulator's log ---
  const firstWave: Invariant = {
    name: 'effects: first wave only',
    rule: 'no region outside the first wave ever ran a bad version (simulator GET /deployments)',
    checked: 0,
    violations: [],
  };
  const bad = new Map(started.filter((d) => d.kind === 'bad').map((d) => [d.service, d]));
  for (const e of simLog) {
    const d = bad.get(e.service);
    if (!d || e.version !== d.version) continue;
    firstWave.checked++;
    if (!d.firstWave.includes(e.region)) firstWave.violations.push(`${d.workflowId}: ${d.version} deployed to ${e.region} at ${e.at} (deployId ${e.deployId}); first wave is ${d.firstWave.join(', ')}`);
  }

  // A step is one attempt's deploy (`deploying` event) or one rollback (`rollback_started`):
  // the same version may reach a region twice only through two steps (a retry after a rollback).
  const once: Invariant = {
    name: 'effects: each step applied once',
    rule: 'no (deployId, region, version, step) applied twice: log entries per (deployId, region, version) <= deploy/rollback steps the deploy recorded',
    checked: 0,
    violations: [],
  };
  const byDeployId = new Map(started.map((d) => [d.deployId!, d]));
  const counts = new Map<string, { d: ChaosDeploy; region: string; version: string; n: number; at: string[] }>();
  for (const e of simLog) {
    if (e.deployId.startsWith('chaos-seed/')) continue;
    const d = byDeployId.get(e.deployId);
    if (!d) {
      once.violations.push(`log entry from an unknown deployId ${e.deployId}: ${e.service} ${e.region} ${e.version} at ${e.at}`);
      continue;
    }
    const k = JSON.stringify([e.deployId, e.region, e.version]);
    const c = counts.get(k) ?? { d, region: e.region, version: e.version, n: 0, at: [] };
    c.n++;
    c.at.push(e.at);
    counts.set(k, c);
  }
  for (const c of counts.values()) {
    once.checked++;
    const s = statuses.get(c.d);
    if (!s) continue;
    const r = s.stages.flatMap((st) => st.regions).find((x) => x.name === c.region);
    const evs = s.events.filter((e) => e.region === c.region);
    let steps = 0;
    if (c.version === c.d.version) steps += evs.filter((e) => e.kind === 'deploying').length;
    if (c.version === r?.fromVersion) steps += evs.filter((e) => e.kind === 'rollback_started').length;
    if (c.n > steps) once.violations.push(`${c.d.deployId} ${c.region} ${c.version}: applied ${c.n} times (at ${c.at.join(', ')}) for ${steps} recorded step(s)`);
  }

  // --- promotions: only with minSamples on every check of the region ---
  const promotions: Invariant = {
    name: 'promotions',
    rule: 'no promoted region without minSamples samples on every check (status query region checks), and each promoted once',
    checked: 0,
    violations: [],
  };
  for (const d of started) {
    const s = statuses.get(d);
    if (!s) continue;
    for (const st of s.stages) {
      for (const r of st.regions) {
        const promotedEvents = s.events.filter((e) => e.kind === 'promoted' && e.region === r.name).length;
        if (promotedEvents === 0) continue;
        promotions.checked++;
        if (promotedEvents > 1) promotions.violations.push(`${d.workflowId} ${r.name}: promoted ${promotedEvents} times`);
        const want = d.plan.stages[st.index].regions.find((x) => x.name === r.name)?.gate.checks.length ?? 0;
        if (r.checks.length < want) promotions.violations.push(`${d.workflowId} ${r.name}: promoted with ${r.checks.length} check result(s) for ${want} check(s)`);
        for (const c of r.checks) if (c.samples < d.minSamples) promotions.violations.push(`${d.workflowId} ${r.name}: promoted with check ${c.name} at ${c.samples} samples < minSamples ${d.minSamples}`);
      }
    }
  }

  // --- soaks: the observation window is never shorter than the soak, whatever fell on workers ---
  const soaks: Invariant = {
    name: 'soaks: full length',
    rule: 'no region promoted before its soakEndsAt (status events, stamped with the workflow task times the history records); a watch that answered pass before its deadline by the server\'s clock is counted as an early pass, and the workflow must have waited the rest out',
    checked: 0,
    violations: [],
  };
  for (const d of started) {
    const s = statuses.get(d);
    if (!s) continue;
    for (const r of s.stages.flatMap((st) => st.regions)) {
      const promoted = s.events.find((e) => e.kind === 'promoted' && e.region === r.name);
      if (!promoted || !r.soakEndsAt) continue;
      soaks.checked++;
      const early = Date.parse(r.soakEndsAt) - Date.parse(promoted.at);
      if (early > 0) soaks.violations.push(`${d.workflowId} ${r.name}: promoted at ${promoted.at}, ${early} ms before its soak ended (${r.soakEndsAt})`);
    }
  }
  let earlyPassCount = 0;

  // --- histories: no failed workflow task; nothing stuck without a reason ---
  const histories: Invariant = { name: 'histories', rule: 'no WorkflowTaskFailed in any history', checked: 0, violations: [] };
  const stuck: Invariant = { name: 'no silent stall', rule: 'every deploy not ended shows why in status (pausedReason, or a region in flight)', checked: 0, violations: [] };
  const replay: Invariant = {
    name: 'upgrade: replay on the new build',
    rule: `every campaign history replays without nondeterminism on ${NEW_BUILD.id}'s bundle`,
    checked: 0,
    violations: [],
  };
  const buildOfPid = new Map<string, string>();
  for (const w of workers) for (const p of w.pids) buildOfPid.set(String(p.pid), p.build);
  const tasksByBuild: Record<string, number> = {};
  let crossedBuilds = 0;
  const collected: { workflowId: string; history: temporal.api.history.v1.IHistory }[] = [];
  const fetched = new Map<ChaosDeploy, temporal.api.history.v1.IHistory>();
  await inBatches(started, 8, async (d) => {
    try {
      fetched.set(d, await client.withDeadline(Date.now() + 30_000, () => handleOf(client, d).fetchHistory()));
    } catch (err) {
      histories.violations.push(`${d.workflowId}: history not fetched (${(err as Error).message})`);
    }
  });
  for (const d of started) {
    const history = fetched.get(d);
    if (!history) continue;
    histories.checked++;
    collected.push({ workflowId: d.workflowId, history });
    const builds = new Set<string>();
    for (const e of history.events ?? []) {
      if (e.workflowTaskFailedEventAttributes) {
        const f = e.workflowTaskFailedEventAttributes;
        histories.violations.push(`${d.workflowId} event ${e.eventId}: WorkflowTaskFailed (${f.cause}): ${f.failure?.message ?? ''}`.slice(0, 400));
      }
      const identity = e.workflowTaskStartedEventAttributes?.identity;
      if (identity) {
        const build = buildOfPid.get(identity.split('@')[0]) ?? 'unknown';
        builds.add(build);
        tasksByBuild[build] = (tasksByBuild[build] ?? 0) + 1;
      }
    }
    if (builds.has(NEW_BUILD.id) && [...builds].some((b) => b !== NEW_BUILD.id)) crossedBuilds++;
    earlyPassCount += earlyPasses(history).length;
    const s = statuses.get(d);
    if (s && !TERMINAL_PHASES.includes(s.phase)) {
      stuck.checked++;
      const inFlight = s.stages.flatMap((st) => st.regions).some((r) => ['deploying', 'soaking', 'rolling_back', 'awaiting_approval'].includes(r.state));
      if (s.phase === 'paused' && !s.pausedReason) stuck.violations.push(`${d.workflowId}: paused with no reason in status`);
      if (s.phase === 'running' && !inFlight) stuck.violations.push(`${d.workflowId}: running with no region in flight and no reason`);
    }
  }
  try {
    const { codePath } = await workflowBundle({ workflowsPath: NEW_BUILD.workflowsPath });
    const results = Worker.runReplayHistories({ workflowBundle: { codePath }, replayName: 'chaos-new-build' }, collected);
    for await (const r of results) {
      replay.checked++;
      if (r.error) replay.violations.push(`${r.workflowId}: ${r.error.message}`.slice(0, 400));
    }
  } catch (err) {
    replay.violations.push(`replay could not run: ${(err as Error).message}`);
  }
  // Which clock ran early, if any: the watcher's (its pass came before the deadline by the
  // server's clock) or the workflow's (it saw a pass before the deadline by its own clock).
  const heldByWorkflow = [...statuses.values()].reduce((n, s) => n + s.events.filter((e) => e.kind === 'soak_extended' && / before it ends /.test(e.message)).length, 0);
  soaks.rule += ` (this run: ${earlyPassCount} watch(es) passed before their deadline by the server's clock; the workflow held ${heldByWorkflow} soak(s) to their length)`;
  log(`invariants checked over ${started.length} deploys, ${simLog.length} simulator log entries, ${collected.length} histories`);
  const records = await recordsInvariant(recordsUrl, started, statuses);
  return { invariants: [state, firstWave, once, promotions, soaks, histories, stuck, replay, ...(records ? [records] : [])], upgrade: { crossedBuilds, tasksByBuild }, unfinished };
}


async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/**
 * Deploy records (workflows/records.ts) through the records database's outages: every finished
 * deploy has exactly one record, final, with its ending; every paused one has its pause's.
 */
async function recordsInvariant(url: string | undefined, started: ChaosDeploy[], statuses: Map<ChaosDeploy, DeployStatus>): Promise<Invariant | undefined> {
  if (!url) return undefined;
  const inv: Invariant = { name: 'records: one final record per finished deploy', rule: 'every finished deploy has exactly one final record with its ending; every paused deploy has the record of its pause', checked: 0, violations: [] };
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    const { rows } = await c.query<{ workflow_id: string; run_id: string; final: boolean; phase: string }>('SELECT workflow_id, run_id, final, phase FROM firebreak_deploy_records');
    for (const d of started) {
      const s = statuses.get(d);
      if (!s || !d.runId) continue;
      const mine = rows.filter((r) => r.workflow_id === d.workflowId && r.run_id === d.runId);
      inv.checked++;
      if (TERMINAL_PHASES.includes(s.phase)) {
        const finals = mine.filter((r) => r.final);
        if (finals.length !== 1) inv.violations.push(`${d.workflowId} ${d.version} (${s.phase}): ${finals.length} final records${s.record ? `; status record ${JSON.stringify(s.record)}` : ''}`);
        else if (finals[0].phase !== s.phase) inv.violations.push(`${d.workflowId} ${d.version}: final record says ${finals[0].phase}, the deploy ended ${s.phase}`);
      } else if (s.phase === 'paused' && !mine.some((r) => r.phase === 'paused' || r.final)) {
        inv.violations.push(`${d.workflowId} ${d.version}: paused, and no record of its pause`);
      }
    }
  } catch (err) {
    inv.violations.push(`the records database could not be read: ${(err as Error).message}`);
  } finally {
    await c.end().catch(() => undefined);
  }
  return inv;
}
