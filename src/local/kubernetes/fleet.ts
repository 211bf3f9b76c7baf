// A local fleet: one real control plane per region (region-cluster.ts) and one kubeconfig with
// a context per region, named after it, as teams name their region clusters' contexts. Workers
// get it through KUBECONFIG, so the kubernetes adapter finds each region's cluster by context.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConnection } from './api.js';
import { startRegionCluster, type RegionCluster } from './region-cluster.js';

export interface KubeFleetOptions {
  regions: string[];
  /** Holds one directory per region and the kubeconfig. */
  dir: string;
  /** Fake nodes per region (default 2). */
  nodes?: number;
  log?: (line: string) => void;
}

export interface KubeFleet {
  /** The kubeconfig path: one context per region, named after the region. */
  kubeconfig: string;
  /** Region -> its context's name. */
  contexts: Record<string, string>;
  clusters: Record<string, RegionCluster>;
  /** How long the fleet took to be ready, in ms. */
  startMs: number;
  stop(): Promise<void>;
}

/** Kubeconfig text with a cluster, an admin user and a context per region. */
export function fleetKubeconfig(regions: Record<string, KubeConnection>, currentContext?: string): string {
  const names = Object.keys(regions);
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const r of names) {
    lines.push(`- name: ${r}`, '  cluster:', `    server: ${regions[r]!.server}`, `    certificate-authority-data: ${Buffer.from(regions[r]!.ca).toString('base64')}`);
  }
  lines.push('users:');
  for (const r of names) lines.push(`- name: ${r}-admin`, '  user:', `    token: ${regions[r]!.token}`);
  lines.push('contexts:');
  for (const r of names) lines.push(`- name: ${r}`, `  context: {cluster: ${r}, user: ${r}-admin}`);
  lines.push(`current-context: ${currentContext ?? names[0] ?? ''}`, '');
  return lines.join('\n');
}

export async function startKubeFleet(opts: KubeFleetOptions): Promise<KubeFleet> {
  if (!opts.regions.length) throw new Error('a Kubernetes fleet needs at least one region');
  const bad = opts.regions.find((r) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(r));
  if (bad !== undefined) throw new Error(`region "${bad}" cannot name a kubeconfig context: use lowercase letters, digits and '-'`);
  mkdirSync(opts.dir, { recursive: true });
  // Each of a region's five programs hooks this process's exit, so none outlives it: room for them.
  if (process.getMaxListeners() !== 0) process.setMaxListeners(process.getMaxListeners() + 5 * opts.regions.length);
  const started = Date.now();
  const settled = await Promise.allSettled(
    opts.regions.map((region) => startRegionCluster({ region, dir: join(opts.dir, region), nodes: opts.nodes, log: opts.log })),
  );
  const clusters: Record<string, RegionCluster> = {};
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') clusters[opts.regions[i]!] = s.value;
  });
  const stop = async () => {
    await Promise.all(Object.values(clusters).map((c) => c.stop()));
  };
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const kubeconfig = join(opts.dir, 'kubeconfig');
  writeFileSync(kubeconfig, fleetKubeconfig(Object.fromEntries(opts.regions.map((r) => [r, clusters[r]!.admin]))), { mode: 0o600 });
  return {
    kubeconfig,
    contexts: Object.fromEntries(opts.regions.map((r) => [r, r])),
    clusters,
    startMs: Date.now() - started,
    stop,
  };
}
