// The stack every workflow and integration test runs against: a real Temporal dev server
// (the Temporal CLI, started by @temporalio/testing) with Firebreak's search attributes, and on
// request the region simulator and a real Prometheus scraping it. Each test file runs in its
// own process and starts its own stack, so nothing is shared between files.
import { basename } from 'node:path';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NativeConnection } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { startPrometheus, type PrometheusServer } from '../../src/local/prometheus.js';
import { findPrometheus, findTemporalCli } from '../../src/local/tools.js';

export { workflowBundle } from '../../src/local/bundle.js';
export { startWorkerProcess, type WorkerProcess, type WorkerProcessOptions } from './worker-launcher.js';

/** What src/local/sim/server.ts's startSimulator returns (typed here so this file compiles alone). */
export interface SimulatorHandle {
  url: string;
  port: number;
  /** Kubernetes mode: read every region's cluster now. */
  pollClusters?: () => Promise<void>;
  close(): Promise<void>;
}

/** A subset of src/local/sim/server.ts's SimulatorOptions (port is always a free one). */
export interface SimulatorStartOptions {
  deploySeconds?: number;
  customers?: Record<string, number>;
  token?: string;
  /** Seeded per-second noise of latency, errors and traffic (default none) and its seed. */
  noise?: number;
  seed?: number;
  /** Kubernetes mode: region -> its cluster's API (test/helpers/kube.ts fleetConnections). */
  kubernetes?: Record<string, { server: string; token: string; ca: string }>;
}

export interface TestStackOptions {
  /** Start a real Prometheus scraping the simulator (needs Debian's prometheus package). */
  prometheus?: boolean;
  /** Start the region simulator on a free port (true, or its options). */
  simulator?: boolean | SimulatorStartOptions;
  /** Passed to the simulator: how long one region deploy takes. Default 0.2. */
  deploySeconds?: number;
}

export interface TestStack {
  env: TestWorkflowEnvironment;
  client: Client;
  /** For Worker.create({ connection }). */
  connection: NativeConnection;
  /** Unique to this test process (and call), so stray workers never pick up another test's tasks. */
  taskQueue: string;
  /** host:port of the dev server, for child processes (TEMPORAL_ADDRESS). */
  address: string;
  namespace: string;
  sim?: SimulatorHandle;
  prometheus?: PrometheusServer;
  /** Stops everything this stack started, in reverse order; safe to call twice. */
  stop(): Promise<void>;
}

/** True when Prometheus is installed (setup installs it; tests that need it fail without it). */
export function prometheusAvailable(): boolean {
  return findPrometheus() !== undefined;
}

let stacks = 0;

function uniqueTaskQueue(): string {
  const file = basename(process.argv[1] ?? 'test').replace(/\.test\.[cm]?[jt]s$/, '');
  return `test-${file}-${process.pid}-${++stacks}`;
}

// Kept in a variable so TypeScript does not require the module to exist at compile time; tsx
// maps the .js specifier to src/local/sim/server.ts at run time.
const SIM_MODULE = '../../src/local/sim/server.js';

async function startSim(opts: SimulatorStartOptions): Promise<SimulatorHandle> {
  const mod = (await import(SIM_MODULE)) as {
    startSimulator(opts: SimulatorStartOptions & { port: number }): Promise<SimulatorHandle>;
  };
  return mod.startSimulator({ ...opts, port: 0 });
}

export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      await fn().catch((err) => console.error('stack cleanup:', err));
    }
  };
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: findTemporalCli() },
        searchAttributes: SEARCH_ATTRIBUTES,
        ip: '127.0.0.1',
      },
    });
    cleanups.push(() => env.teardown());

    let sim: SimulatorHandle | undefined;
    if (opts.simulator) {
      const simOpts = typeof opts.simulator === 'object' ? opts.simulator : {};
      sim = await startSim({ ...simOpts, deploySeconds: simOpts.deploySeconds ?? opts.deploySeconds ?? 0.2 });
      const s = sim;
      cleanups.push(() => s.close());
    }
    let prometheus: PrometheusServer | undefined;
    if (opts.prometheus) {
      prometheus = await startPrometheus({ targets: sim ? [`127.0.0.1:${sim.port}`] : [] });
      const p = prometheus;
      cleanups.push(() => p.stop());
    }
    let stopped: Promise<void> | undefined;
    return {
      env,
      client: env.client,
      connection: env.nativeConnection,
      taskQueue: uniqueTaskQueue(),
      address: env.address,
      namespace: env.namespace ?? 'default',
      sim,
      prometheus,
      stop: () => (stopped ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
