// plan(pipeline, version): the documented sequence of a deploy, what `firebreak plan` prints. Pure and
// deterministic: the same pipeline gives the same stages, whatever the order of its input.
import type { Deploy, Gate, Notify, Pipeline, Rollback, Window } from './schema.js';
import { firstStageNeedsApproval, type PlanMigration } from '../migrations/phases.js';
import { parseDuration } from './duration.js';
import { hotfixSoakMs, type PlanHotfix } from './hotfix.js';
import { placeCheck } from '../kubernetes/place.js';

export interface PlanGate extends Omit<Gate, 'interval' | 'maxExtension'> {
  intervalMs: number;
}

export interface PlanRegion {
  name: string;
  customers: number;
  soakMs: number;
  /** How long the soak may run past soakMs while checks still lack minSamples (the bake). */
  maxExtensionMs: number;
  gate: PlanGate;
}

export interface Stage {
  index: number;
  regions: PlanRegion[];
  /** The longest soak of the stage's regions: the stage is done when every region is. */
  soakMs: number;
  /** The longest a soak of the stage may extend to collect missing samples (0: never). */
  maxExtensionMs: number;
  gate: { name: string; approval: 'auto' | 'manual' };
}

export interface Plan {
  service: string;
  version: string;
  owner: string;
  runbook: string;
  stages: Stage[];
  deploy: Deploy;
  rollback: Rollback;
  pauseTimeoutMs: number;
  windows: Window[];
  notify: Notify[];
  /** With their SQL read at plan time (resolveMigrations), so workers need no repository. */
  migrations: PlanMigration[];
  totalCustomers: number;
  /** Set for a hotfix (deploy --hotfix): the soaks below are already the lane's. */
  hotfix?: PlanHotfix;
}

const ms = (d: string) => parseDuration(d) ?? 0;

function gateFor(base: Gate, override: Partial<Gate> | undefined): PlanGate {
  const { interval, maxExtension: _maxExtension, ...merged } = { ...base, ...(override ?? {}) };
  return { ...merged, intervalMs: ms(interval) };
}

/** Region names grouped into waves, in deploy order. */
export function waveOrder(pipeline: Pipeline): string[][] {
  if (pipeline.waves) return pipeline.waves.map((w) => [...w]);
  const regions = [...pipeline.regions];
  if (pipeline.order === 'smallest-first') {
    regions.sort((a, b) => a.customers - b.customers || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return regions.map((r) => [r.name]);
}

export interface PlanOptions {
  /** The pipeline's migrations with their SQL, from resolveMigrations (the CLI reads the files). */
  migrations?: PlanMigration[];
  /** A hotfix: soaks scaled (never below the floor), and every gate manual if the lane says so. */
  hotfix?: PlanHotfix;
}

export function plan(pipeline: Pipeline, version: string, opts: PlanOptions = {}): Plan {
  // A one-way migration makes the first stage's gate a manual approval: a person signs off
  // before a change that cannot be undone reaches any region.
  const oneWay = firstStageNeedsApproval(pipeline);
  const byName = new Map(pipeline.regions.map((r) => [r.name, r]));
  const stages: Stage[] = waveOrder(pipeline).map((wave, index) => {
    const regions = wave.map((name) => {
      const r = byName.get(name)!;
      const gate = gateFor(pipeline.gate, r.gate);
      // A kubernetes check watches this region's workload: its place is filled here, per region.
      if (pipeline.deploy.kubernetes && gate.checks.some((c) => c.kubernetes)) {
        gate.checks = gate.checks.map((c) => placeCheck(c, pipeline.deploy.kubernetes, name));
      }
      if (oneWay && index === 0) gate.approval = 'manual';
      const { hotfix } = opts;
      if (hotfix?.manualGates) gate.approval = 'manual';
      const usualMs = ms(r.soak ?? pipeline.soak);
      const soakMs = hotfix ? hotfixSoakMs(usualMs, hotfix.soakScale, hotfix.minSoakMs) : usualMs;
      const extension = r.gate?.maxExtension ?? pipeline.gate.maxExtension;
      // A hotfix's bake extension shrinks with its soak.
      const extensionMs = extension === undefined ? Math.round(soakMs / 2) : Math.round((ms(extension) * soakMs) / (usualMs || 1));
      return { name, customers: r.customers, soakMs, maxExtensionMs: extensionMs, gate };
    });
    const names = [...new Set(regions.map((r) => r.gate.name))];
    return {
      index,
      regions,
      soakMs: Math.max(...regions.map((r) => r.soakMs)),
      maxExtensionMs: Math.max(...regions.map((r) => r.soakMs + r.maxExtensionMs)) - Math.max(...regions.map((r) => r.soakMs)),
      gate: {
        name: names.join(' / '),
        approval: regions.some((r) => r.gate.approval === 'manual') ? 'manual' : 'auto',
      },
    };
  });
  return {
    service: pipeline.service,
    version,
    owner: pipeline.owner,
    runbook: pipeline.runbook,
    stages,
    deploy: pipeline.deploy,
    rollback: pipeline.rollback,
    pauseTimeoutMs: ms(pipeline.pauseTimeout),
    windows: pipeline.windows ?? [],
    notify: pipeline.notify ?? [],
    migrations: opts.migrations ?? [],
    totalCustomers: pipeline.regions.reduce((n, r) => n + r.customers, 0),
    ...(opts.hotfix ? { hotfix: opts.hotfix } : {}),
  };
}

/** Customers a stage exposes to the new version (the sum over its regions). */
export function stageCustomers(stage: Pick<Stage, 'regions'>): number {
  return stage.regions.reduce((n, r) => n + r.customers, 0);
}
