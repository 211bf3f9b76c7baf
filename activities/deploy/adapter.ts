// The adapter the pipeline configures: one file per adapter (command.ts, http.ts, kubernetes.ts), each
// implementing RegionAdapter (region-adapter.ts). A new adapter is a new file and a line here.
import type { Deploy } from '../../src/domain/pipeline/schema.js';
import { CommandAdapter } from './command.js';
import { HttpAdapter } from './http.js';
import { KubernetesAdapter, type KubernetesAdapterOptions } from './kubernetes.js';
import type { RegionAdapter } from './region-adapter.js';

export type { Heartbeat, RegionAdapter } from './region-adapter.js';

/** The adapter the pipeline configures (the schema guarantees exactly one). */
export function adapterFor(deploy: Deploy, env: NodeJS.ProcessEnv = process.env, opts: KubernetesAdapterOptions = {}): RegionAdapter {
  if (deploy.http) return new HttpAdapter(deploy, env);
  if (deploy.command) return new CommandAdapter(deploy, env);
  if (deploy.kubernetes) return new KubernetesAdapter(deploy, env, opts);
  throw new Error('deploy needs exactly one adapter: command, http or kubernetes');
}
