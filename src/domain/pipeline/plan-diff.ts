// `firebreak plan FILE --diff OLD`: what a pipeline change does to the rollout, in the terms a
// reviewer of the change judges: the order of the stages, each region's gate and soak, the
// exposure after each stage, and the policies around them. Pure: two plans in, lines out.
import { count } from '../format.js';
import { formatDuration } from './duration.js';
import { stageCustomers, type Plan, type PlanGate, type PlanRegion } from './plan.js';

/** Cumulative share of customers exposed after each stage, in percent with one decimal. */
export function exposure(p: Plan): number[] {
  let seen = 0;
  return p.stages.map((s) => {
    seen += stageCustomers(s);
    return p.totalCustomers === 0 ? 0 : Math.round((seen / p.totalCustomers) * 1000) / 10;
  });
}

const order = (p: Plan) => p.stages.map((s) => s.regions.map((r) => r.name).join('+')).join(' > ');

/** The lines of the diff, each `- what: old -> new`; empty when the rollout is the same. */
export function diffPlans(old: Plan, now: Plan): string[] {
  const out: string[] = [];
  const change = (what: string, a: string, b: string) => {
    if (a !== b) out.push(`${what}: ${a} -> ${b}`);
  };
  change('order', order(old), order(now));

  const before = regionsByName(old);
  const after = regionsByName(now);
  for (const [name, r] of after) {
    if (!before.has(name)) out.push(`region ${name} added in stage ${r.stage + 1} (${count(r.region.customers)} customers, soak ${formatDuration(r.region.soakMs)}, ${gateText(r.region.gate)})`);
  }
  for (const [name, r] of before) if (!after.has(name)) out.push(`region ${name} removed (was stage ${r.stage + 1})`);
  for (const [name, b] of after) {
    const a = before.get(name);
    if (!a) continue;
    change(`${name} customers`, count(a.region.customers), count(b.region.customers));
    change(`${name} soak`, soakText(a.region), soakText(b.region));
    change(`${name} gate`, gateText(a.region.gate), gateText(b.region.gate));
    change(`${name} checks`, checksText(a.region.gate), checksText(b.region.gate));
  }

  const [ea, eb] = [exposure(old), exposure(now)];
  const stages = Math.max(ea.length, eb.length);
  const pct = (e: number[], i: number) => (i < e.length ? `${e[i].toFixed(1)}%` : '-');
  const exposureChanged = ea.length !== eb.length || ea.some((e, i) => e !== eb[i]);
  if (exposureChanged) {
    const rows = Array.from({ length: stages }, (_, i) => `stage ${i + 1} ${pct(ea, i)} -> ${pct(eb, i)}`);
    out.push(`exposure after each stage: ${rows.join(', ')}`);
  }
  const firstShare = (p: Plan, e: number[]) => (e.length ? `${e[0].toFixed(1)}% in ${p.stages[0].regions.map((r) => r.name).join('+')}` : '-');
  change('first exposure', firstShare(old, ea), firstShare(now, eb));

  change('rollback on failure', old.rollback.onFailure, now.rollback.onFailure);
  change('rollback on abort', old.rollback.onAbort, now.rollback.onAbort);
  change('pauseTimeout', formatDuration(old.pauseTimeoutMs), formatDuration(now.pauseTimeoutMs));
  change('windows', JSON.stringify(old.windows), JSON.stringify(now.windows));
  change('total customers', count(old.totalCustomers), count(now.totalCustomers));
  return out;
}

/** The diff as `plan --diff` prints it. */
export function renderPlanDiff(oldFile: string, lines: string[]): string {
  if (lines.length === 0) return `\nagainst ${oldFile}: no change to the order, gates, soaks or exposure\n`;
  return `\nagainst ${oldFile}, this change:\n${lines.map((l) => `  - ${l}`).join('\n')}\n`;
}

function regionsByName(p: Plan): Map<string, { stage: number; region: PlanRegion }> {
  return new Map(p.stages.flatMap((s, stage) => s.regions.map((region) => [region.name, { stage, region }] as const)));
}

function soakText(r: PlanRegion): string {
  return r.maxExtensionMs > 0 ? `${formatDuration(r.soakMs)} (+${formatDuration(r.maxExtensionMs)})` : formatDuration(r.soakMs);
}

function gateText(g: PlanGate): string {
  return `"${g.name}", ${g.approval}, every ${formatDuration(g.intervalMs)}, fail after ${g.failAfter}, min ${g.minSamples} samples, no data: ${g.onNoData}`;
}

function checksText(g: PlanGate): string {
  if (g.checks.length === 0) return 'none';
  return g.checks.map((c) => `${c.name} ${[c.max !== undefined ? `<= ${c.max}` : '', c.min !== undefined ? `>= ${c.min}` : ''].filter(Boolean).join(' ') || '(equals)'}`).join(', ');
}
