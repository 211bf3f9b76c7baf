// Where each region goes in a rollback: `--to` for every region, else the version it ran
// before the last deploy (that deploy's fromVersion, read from the region when it deployed).
// Pure: the workflow decides with it, and the CLI refuses bad input with it before starting.
import type { DeployStatus } from './messages.js';

export type RegionTarget =
  | { region: string; to: string }
  /** Nothing to do: the last deploy never touched the region, so it still runs what it ran. */
  | { region: string; skip: string }
  /** The region cannot go back: it ran nothing before (a first deploy) and no --to was given. */
  | { region: string; fail: string };

export function rollbackTargets(status: Pick<DeployStatus, 'stages' | 'version'>, to?: string): RegionTarget[] {
  return status.stages.flatMap((stage) =>
    stage.regions.map((r): RegionTarget => {
      if (to) return { region: r.name, to };
      if (r.fromVersion) return { region: r.name, to: r.fromVersion };
      if (r.fromVersion === null) return { region: r.name, fail: `${r.name} ran nothing before ${status.version}: name a version with --to` };
      return { region: r.name, skip: `${r.name} was never deployed by ${status.version}: it still runs what it ran` };
    }),
  );
}

/** One line when the rollback has nothing to do or nowhere to go, else undefined. */
export function whyNoRollback(status: Pick<DeployStatus, 'stages' | 'version' | 'service'>, to?: string): string | undefined {
  const targets = rollbackTargets(status, to);
  if (targets.some((t) => 'to' in t)) return undefined;
  if (targets.some((t) => 'fail' in t)) {
    return `the last deploy of ${status.service} (${status.version}) replaced no earlier version in any region: name one with --to`;
  }
  return `the last deploy of ${status.service} (${status.version}) touched no region: there is nothing to roll back`;
}

/** The versions the last deploy's record shows a region running: its own and every fromVersion. */
export function versionsSeen(status: Pick<DeployStatus, 'stages' | 'version'>): string[] {
  const seen = new Set<string>();
  const regions = status.stages.flatMap((s) => s.regions);
  if (regions.some((r) => r.state !== 'pending')) seen.add(status.version);
  for (const r of regions) if (r.fromVersion) seen.add(r.fromVersion);
  return [...seen];
}

/** The rollback's version for the status and search attributes: the one target, or "a, b" when they differ. */
export function targetLabel(targets: RegionTarget[]): string {
  const versions = [...new Set(targets.flatMap((t) => ('to' in t ? [t.to] : [])))];
  return versions.join(', ') || '-';
}
