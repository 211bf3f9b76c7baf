// The local stack of `firebreak dev` and the demo: the real Temporal dev server (state kept
// under .firebreak/), the region simulator, Prometheus scraping it when installed, and a
// worker whose environment points at them.
import { join } from 'node:path';
import { DefaultLogger, Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../temporal/server.js';
import { startPrometheus, type PrometheusServer } from '../temporal/prometheus.js';
import { findPrometheus, REPO_ROOT } from '../temporal/tools.js';
import { PORTS, DEFAULT_TASK_QUEUE } from '../temporal/names.js';
import { startSimulator, type Simulator } from '../sim/server.js';
import { loadSnapshot } from '../sim/store.js';
import { connectWorkerConnection } from '../temporal/connect.js';
import { createWorker } from '../worker/run.js';

export interface LocalStack {
  temporalAddress: string;
  uiUrl?: string;
  simUrl: string;
  prometheusUrl?: string;
  taskQueue: string;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  stateDir?: string;
  ports?: Partial<Record<keyof typeof PORTS, number>>;
  customers?: Record<string, number>;
  deploySeconds?: number;
  log?: (line: string) => void;
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const log = opts.log ?? (() => {});
  const ports = { ...PORTS, ...opts.ports };
  const stateDir = opts.stateDir ?? join(REPO_ROOT, '.firebreak');
  // An unusable simulator state file is refused before anything starts (one line, nothing changed).
  loadSnapshot(join(stateDir, 'sim'));
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    log(`starting Temporal dev server on :${ports.temporal} (Web UI :${ports.ui})`);
    const server: DevServer = await startDevServer({
      port: ports.temporal,
      uiPort: ports.ui,
      dbFile: join(stateDir, 'temporal.db'),
      log: join(stateDir, 'temporal.log'),
    });
    stops.push(() => server.stop());

    const sim: Simulator = await startSimulator({ port: ports.sim, customers: opts.customers, deploySeconds: opts.deploySeconds, stateDir: join(stateDir, 'sim') });
    stops.push(() => sim.close());
    log(`simulator on ${sim.url}`);

    let prom: PrometheusServer | undefined;
    if (findPrometheus()) {
      prom = await startPrometheus({ targets: [`127.0.0.1:${sim.port}`], port: ports.prometheus, dir: join(stateDir, 'prometheus') });
      stops.push(() => prom!.stop());
      log(`Prometheus on ${prom.url}, scraping the simulator every second`);
    } else {
      log('Prometheus is not installed: prometheus checks will have no data (npm run setup installs it)');
    }

    // The worker reads ${VAR}s from its own environment, as a deployed worker would.
    process.env.FIREBREAK_SIM_URL = sim.url;
    if (prom) process.env.PROMETHEUS_URL = prom.url;
    process.env.TEMPORAL_ADDRESS = server.address;
    // The stack prints its own progress; the SDK's INFO chatter (and the bundler's) would bury it.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const { connection }: { connection: NativeConnection } = await connectWorkerConnection({ address: server.address });
    stops.push(() => connection.close());
    const worker: Worker = await createWorker({ connection, taskQueue: DEFAULT_TASK_QUEUE });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });
    log(`worker polling task queue ${DEFAULT_TASK_QUEUE}`);
    return {
      temporalAddress: server.address,
      uiUrl: server.uiUrl,
      simUrl: sim.url,
      prometheusUrl: prom?.url,
      taskQueue: DEFAULT_TASK_QUEUE,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
