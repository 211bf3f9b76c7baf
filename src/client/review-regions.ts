// "Add regions as you grow": each service's customers against the regions its pipeline deploys
// to, as its deploys in the period saw them (a deploy's status carries every region's customers).
// A region holding most customers is a large blast radius for the last stage, and a first stage
// holding many is a poor canary; customers growing while the regions stay the same is the cue to
// split a region or add one. Pure: statuses in, one line per service out.
import { count } from '../domain/format.js';
import type { DeployStatus } from '../../workflows/messages.js';

/** A region holding more than this share of a service's customers is worth splitting. */
export const LARGEST_REGION_SHARE = 0.5;
/** A first stage exposing more than this share is no longer a small canary. */
export const FIRST_STAGE_SHARE = 0.1;

export interface RegionFit {
  service: string;
  /** As the service's last deploy in the period saw it. */
  regions: number;
  customers: number;
  largest: { region: string; share: number };
  firstStageShare: number;
  /** As its first deploy in the period saw it, when that differs from the last one. */
  before?: { regions: number; customers: number };
  /** What to look at: empty when the regions fit the customers. */
  advice: string[];
}

function shape(s: DeployStatus): { regions: { name: string; customers: number }[]; first: number } {
  const regions = s.stages.flatMap((st) => st.regions);
  const first = s.stages.find((st) => st.index === 0)?.regions.reduce((n, r) => n + r.customers, 0) ?? 0;
  return { regions, first };
}

export function regionFit(statuses: DeployStatus[]): RegionFit[] {
  const byService = new Map<string, DeployStatus[]>();
  for (const s of statuses) byService.set(s.service, [...(byService.get(s.service) ?? []), s]);
  const out: RegionFit[] = [];
  for (const [service, runs] of [...byService].sort(([a], [b]) => a.localeCompare(b))) {
    const ordered = [...runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    const last = shape(ordered.at(-1)!);
    const firstSeen = shape(ordered[0]!);
    const customers = last.regions.reduce((n, r) => n + r.customers, 0);
    if (last.regions.length === 0 || customers <= 0) continue;
    const largest = last.regions.reduce((a, b) => (b.customers > a.customers ? b : a));
    const fit: RegionFit = {
      service,
      regions: last.regions.length,
      customers,
      largest: { region: largest.name, share: largest.customers / customers },
      firstStageShare: last.first / customers,
      advice: [],
    };
    const customersBefore = firstSeen.regions.reduce((n, r) => n + r.customers, 0);
    if (customersBefore !== customers || firstSeen.regions.length !== last.regions.length) {
      fit.before = { regions: firstSeen.regions.length, customers: customersBefore };
    }
    if (fit.largest.share > LARGEST_REGION_SHARE) {
      fit.advice.push(`${largest.name} holds ${pct(fit.largest.share)} of customers: the last stage is most of the fleet; split it, or add a region`);
    }
    if (fit.firstStageShare > FIRST_STAGE_SHARE) {
      fit.advice.push(`the first stage exposes ${pct(fit.firstStageShare)}: a smaller first region would catch the same failures with fewer customers on them`);
    }
    if (fit.before && customers > customersBefore && fit.regions <= fit.before.regions) {
      fit.advice.push(`customers grew ${pct(customers / Math.max(customersBefore, 1) - 1)} while the regions stayed ${fit.regions}: time to add one`);
    }
    out.push(fit);
  }
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

/** The review's section: one row per service, then what to look at. */
export function regionFitMarkdown(fits: RegionFit[]): string[] {
  const lines = ['', '## Regions and customers (add regions as you grow)', ''];
  if (fits.length === 0) return [...lines, 'No deploy in this period carried customer counts.'];
  lines.push('| service | regions | customers | largest region | first stage | in the period |', '| --- | --- | --- | --- | --- | --- |');
  for (const f of fits) {
    const change = f.before ? `${f.before.regions} regions, ${count(f.before.customers)} customers before` : 'unchanged';
    lines.push(`| ${f.service} | ${f.regions} | ${count(f.customers)} | ${f.largest.region} (${pct(f.largest.share)}) | ${pct(f.firstStageShare)} | ${change} |`);
  }
  const advice = fits.flatMap((f) => f.advice.map((a) => `- ${f.service}: ${a}`));
  lines.push('', ...(advice.length ? advice : ['Every service\'s regions fit its customers.']));
  return lines;
}
