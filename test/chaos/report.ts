// The campaign's report: what was broken, how often and for how long, what the deploys did,
// and each invariant with its count and every violation. Printed, and kept as JSON (--json).
import type { FaultTally } from './faults.js';
import type { Invariant, UpgradeEvidence } from './invariants.js';
import type { ChaosDeploy } from './deploys.js';

export interface ChaosReport {
  seed: number;
  preset: string;
  persistence: string;
  startedAt: string;
  durationS: number;
  /** Wall time the campaign took, s (measured). */
  /** Seconds the stack took to come up, apart from the run (the deadline starts after it). */
  setupS: number;
  /** Seconds from the stack being up to the report. */
  wallS: number;
  workers: number;
  faults: Omit<FaultTally, 'records'>;
  faultLog: FaultTally['records'];
  deploys: {
    started: number;
    notStarted: number;
    good: number;
    bad: number;
    manual: number;
    prometheusChecks: number;
    simChecks: number;
    phases: Record<string, number>;
    settled: number;
    operator: { retries: number; approvals: number; aborts: number; refused: number };
    /** Seconds from start to settled, over settled good deploys. */
    goodSettleS: { p50: number; max: number };
  };
  upgrade: UpgradeEvidence;
  /** Deploys still deploying or soaking at the deadline: not judged by the state invariant. */
  unfinished: string[];
  invariants: Invariant[];
  /** Every deploy with its final status's events (for reading a violation). */
  deployLog: { workflowId: string; runId?: string; version: string; kind: string; approval: string; checks: string; phase?: string; pausedReason?: string; events?: unknown[] }[];
  violations: number;
  notes: string[];
}

function pct(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

export function deploySummary(deploys: ChaosDeploy[]): ChaosReport['deploys'] {
  const started = deploys.filter((d) => d.runId);
  const phases: Record<string, number> = {};
  for (const d of started) phases[d.last?.phase ?? 'unknown'] = (phases[d.last?.phase ?? 'unknown'] ?? 0) + 1;
  const sum = (k: keyof ChaosDeploy['actions']) => started.reduce((n, d) => n + d.actions[k], 0);
  const goodTimes = started.filter((d) => d.kind === 'good' && d.settledAtS !== undefined).map((d) => d.settledAtS! - d.startedAtS!);
  return {
    started: started.length,
    notStarted: deploys.length - started.length,
    good: started.filter((d) => d.kind === 'good').length,
    bad: started.filter((d) => d.kind === 'bad').length,
    manual: started.filter((d) => d.approval === 'manual').length,
    prometheusChecks: started.filter((d) => d.checks === 'prometheus').length,
    simChecks: started.filter((d) => d.checks === 'sim').length,
    phases,
    settled: started.filter((d) => d.settledAtS !== undefined).length,
    operator: { retries: sum('retries'), approvals: sum('approvals'), aborts: sum('aborts'), refused: sum('refused') },
    goodSettleS: { p50: Math.round(pct(goodTimes, 0.5) * 10) / 10, max: Math.round(Math.max(0, ...goodTimes) * 10) / 10 },
  };
}

export function deployLog(deploys: ChaosDeploy[]): ChaosReport['deployLog'] {
  return deploys.map((d) => ({
    workflowId: d.workflowId,
    runId: d.runId,
    version: d.version,
    kind: d.kind,
    approval: d.approval,
    checks: d.checks,
    phase: d.last?.phase,
    pausedReason: d.last?.pausedReason,
    events: d.last?.events.map((e) => `${e.at} ${e.kind}${e.region ? ` [${e.region}]` : ''}: ${e.message}`),
  }));
}

export function renderReport(r: ChaosReport): string {
  const f = r.faults;
  const o = f.outageS;
  const lines = [
    '',
    `chaos campaign: seed ${r.seed}, preset ${r.preset}, persistence ${r.persistence}, ${r.workers} workers, deadline ${r.durationS} s, setup ${r.setupS} s, run ${r.wallS} s`,
    '',
    'faults',
    `  worker kills (SIGKILL)     ${f.workerKills}   (replacements ready after ${o.workers.toFixed(1)} s in total)`,
    `  worker upgrades            ${f.workerUpgrades}   (new build mid-campaign)`,
    `  Temporal server restarts   ${f.serverRestarts}   (${o.server.toFixed(1)} s out)`,
    `  full-stack restarts        ${f.stackRestarts}   (${o.stack.toFixed(1)} s out)`,
    `  deploy API outages         ${f.deployApiOutages}   (${o.deployApi.toFixed(1)} s)`,
    `  Prometheus outages         ${f.prometheusOutages}   (${o.prometheus.toFixed(1)} s)`,
    `  records database outages   ${f.recordsOutages}   (${o.records.toFixed(1)} s)`,
    `  workers that died unasked  ${f.unexpectedWorkerExits}`,
    ...f.skipped.map((s) => `  skipped: ${s}`),
    '',
    'deploys',
    `  started ${r.deploys.started} (${r.deploys.good} good, ${r.deploys.bad} bad; ${r.deploys.manual} manual gates; checks: ${r.deploys.prometheusChecks} prometheus, ${r.deploys.simChecks} sim)${r.deploys.notStarted ? `; ${r.deploys.notStarted} never started` : ''}`,
    `  final phases: ${Object.entries(r.deploys.phases).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  settled ${r.deploys.settled}; good deploys settled in p50 ${r.deploys.goodSettleS.p50} s, max ${r.deploys.goodSettleS.max} s`,
    `  operator: ${r.deploys.operator.retries} retries, ${r.deploys.operator.approvals} approvals, ${r.deploys.operator.aborts} aborts, ${r.deploys.operator.refused} refused`,
    `  upgrade: ${r.upgrade.crossedBuilds} deploys ran workflow tasks on both builds; tasks by build: ${Object.entries(r.upgrade.tasksByBuild).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  unfinished at the deadline (still deploying or soaking; not judged): ${r.unfinished.length}`,
    ...r.unfinished.map((u) => `    - ${u}`),
    '',
    'invariants',
  ];
  for (const inv of r.invariants) {
    lines.push(`  ${inv.violations.length ? 'FAIL' : 'ok  '}  ${inv.name}: ${inv.checked} checked, ${inv.violations.length} violations — ${inv.rule}`);
    for (const v of inv.violations.slice(0, 30)) lines.push(`          - ${v}`);
    if (inv.violations.length > 30) lines.push(`          ... and ${inv.violations.length - 30} more (see --json)`);
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  lines.push('', r.violations === 0 ? 'result: 0 violations' : `result: ${r.violations} violation(s)`);
  return lines.join('\n');
}
