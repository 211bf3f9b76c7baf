// The local stack of `firebreak dev` and the demo: the real Temporal dev server (state kept
// under .firebreak/), the region simulator, Prometheus scraping it when installed, and a
// worker whose environment points at them; with `kubernetes`, a real control plane per region.
import { join } from 'node:path';
import { DefaultLogger, Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import { startDevServer, type DevServer } from './server.js';
import { startPostgresTemporal, type PostgresTemporal } from './postgres-server.js';
import { freePort, isPortOpen } from './ports.js';
import { startPrometheus, type PrometheusServer } from './prometheus.js';
import { findPrometheus, REPO_ROOT } from './tools.js';
import { PORTS, DEFAULT_TASK_QUEUE } from '../domain/names.js';
import { startSimulator, type Simulator } from './sim/server.js';
import { loadSnapshot } from './sim/store.js';
import { startKubeFleet, type KubeFleet } from './kubernetes/fleet.js';
import { connectWorkerConnection } from '../client/connect.js';
import { createWorker, runWorker } from '../worker/run.js';
import { installMetrics } from '../worker/metrics.js';

export interface LocalStack {
  temporalAddress: string;
  uiUrl?: string;
  simUrl: string;
  prometheusUrl?: string;
  /** The in-process workers' metrics (Prometheus scrapes them); none without workers. */
  metricsUrl?: string;
  taskQueue: string;
  persistence: Persistence;
  /** How many workers run inside this process (0: run `firebreak worker` separately). */
  workers: number;
  /** The PostgreSQL-backed Temporal (persistence postgres): restartServer(), timings, ports. */
  postgres?: PostgresTemporal;
  /** `--kubernetes`: one real control plane per region, and the kubeconfig naming them. */
  kubernetes?: KubeFleet;
  stop(): Promise<void>;
}

/** sqlite: the Temporal CLI's dev server; postgres: Temporal server 1.29.1 on PostgreSQL. */
export type Persistence = 'sqlite' | 'postgres';
export const PERSISTENCE_MODES: readonly Persistence[] = ['sqlite', 'postgres'];

export interface LocalStackOptions {
  stateDir?: string;
  ports?: Partial<Record<keyof typeof PORTS, number>>;
  customers?: Record<string, number>;
  deploySeconds?: number;
  log?: (line: string) => void;
  /** Default sqlite. */
  persistence?: Persistence;
  /** Workers started inside this process; default 1, 0 = none. */
  workers?: number;
  /**
   * postgres only: the server's internal ports (history, matching, worker, membership, HTTP).
   * Default 'fixed' around the gRPC port (see fixedInternalPorts) when it is the default 7233,
   * else 'free' (any free ports, as tests need).
   */
  internalPorts?: 'fixed' | 'free';
  /**
   * Regions that get a real Kubernetes control plane each (src/local/kubernetes): the workers
   * get KUBECONFIG with a context per region, and the simulator serves what the clusters run.
   */
  kubernetes?: string[];
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const log = opts.log ?? (() => {});
  const ports = { ...PORTS, ...opts.ports };
  const stateDir = opts.stateDir ?? join(REPO_ROOT, '.firebreak');
  const persistence = opts.persistence ?? 'sqlite';
  const workers = opts.workers ?? 1;
  if (!PERSISTENCE_MODES.includes(persistence)) throw new Error(`unknown persistence "${persistence}" (known: ${PERSISTENCE_MODES.join(', ')})`);
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`workers must be a whole number, 0 or more (got ${workers})`);
  // An unusable simulator state file is refused before anything starts (one line, nothing changed).
  loadSnapshot(join(stateDir, 'sim'));
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    // First, so a taken metrics port starts nothing. The in-process workers share one Runtime,
    // so one endpoint serves all their metrics.
    const metricsAddress = await installRuntime(workers, ports.metrics, log);
    let server: Pick<DevServer, 'address' | 'uiUrl' | 'stop'>;
    let postgres: PostgresTemporal | undefined;
    if (persistence === 'postgres') {
      // Every fixed port is checked before anything is written, so a busy one changes nothing.
      for (const [name, p] of Object.entries(ports)) {
        if (name === 'metrics') continue; // bound above, by the workers' Runtime
        if (p && (await isPortOpen(p))) throw new Error(`cannot start the stack: port ${p} (${name}) on 127.0.0.1 is already in use; nothing was started`);
      }
      const temporalPort = ports.temporal || (await freePort());
      log(`starting Temporal server on PostgreSQL on :${temporalPort} (Web UI :${ports.ui || 'any free port'})`);
      postgres = await startPostgresTemporal({
        stateDir,
        port: temporalPort,
        uiPort: ports.ui || (await freePort()),
        internalPorts: opts.internalPorts ?? (temporalPort === PORTS.temporal ? 'fixed' : 'free'),
        log,
      });
      server = postgres;
    } else {
      log(`starting Temporal dev server on :${ports.temporal} (Web UI :${ports.ui})`);
      server = await startDevServer({
        port: ports.temporal,
        uiPort: ports.ui,
        dbFile: join(stateDir, 'temporal.db'),
        log: join(stateDir, 'temporal.log'),
      });
    }
    stops.push(() => server.stop());

    let fleet: KubeFleet | undefined;
    if (opts.kubernetes?.length) {
      log(`starting a Kubernetes control plane for each of ${opts.kubernetes.join(', ')}`);
      fleet = await startKubeFleet({ regions: opts.kubernetes, dir: join(stateDir, 'kubernetes'), log });
      stops.push(() => fleet!.stop());
      log(`Kubernetes fleet ready in ${(fleet.startMs / 1000).toFixed(1)} s; kubeconfig ${fleet.kubeconfig}`);
    }
    const kubernetes = fleet && Object.fromEntries(Object.entries(fleet.clusters).map(([r, c]) => [r, c.admin]));
    const sim: Simulator = await startSimulator({ port: ports.sim, customers: opts.customers, deploySeconds: opts.deploySeconds, stateDir: join(stateDir, 'sim'), kubernetes });
    stops.push(() => sim.close());
    log(`simulator on ${sim.url}`);

    let prom: PrometheusServer | undefined;
    if (findPrometheus()) {
      const workerTargets = metricsAddress ? [metricsAddress] : [];
      prom = await startPrometheus({ targets: [`127.0.0.1:${sim.port}`], workers: workerTargets, port: ports.prometheus, dir: join(stateDir, 'prometheus') });
      stops.push(() => prom!.stop());
      log(`Prometheus on ${prom.url}, scraping the simulator${metricsAddress ? ' and the workers' : ''} every second`);
    } else {
      log('Prometheus is not installed: prometheus checks will have no data (npm run setup installs it)');
    }

    // The worker reads ${VAR}s from its own environment, as a deployed worker would.
    process.env.FIREBREAK_SIM_URL = sim.url;
    if (prom) process.env.PROMETHEUS_URL = prom.url;
    process.env.TEMPORAL_ADDRESS = server.address;
    if (fleet) process.env.KUBECONFIG = fleet.kubeconfig;
    if (workers > 0) {
      for (let i = 0; i < workers; i++) {
        // One connection each: the SDK refuses two workers for one task queue on one connection.
        const { connection }: { connection: NativeConnection } = await connectWorkerConnection({ address: server.address });
        stops.push(() => connection.close());
        const worker: Worker = await createWorker({ connection, taskQueue: DEFAULT_TASK_QUEUE });
        const running = runWorker(worker);
        stops.push(async () => {
          worker.shutdown();
          await running;
        });
      }
      log(`${workers === 1 ? 'worker' : `${workers} workers`} polling task queue ${DEFAULT_TASK_QUEUE}`);
    } else {
      log(`no worker started (--workers 0): run \`firebreak worker\` with TEMPORAL_ADDRESS=${server.address}`);
    }
    return {
      temporalAddress: server.address,
      uiUrl: server.uiUrl,
      simUrl: sim.url,
      prometheusUrl: prom?.url,
      metricsUrl: metricsAddress && `http://${metricsAddress}/metrics`,
      taskQueue: DEFAULT_TASK_QUEUE,
      persistence,
      workers,
      postgres,
      kubernetes: fleet,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Installs the SDK's Runtime: a quiet logger (the stack prints its own progress; the SDK's INFO
 * chatter would bury it) and, when workers run here, their Prometheus endpoint on 127.0.0.1.
 * Returns that endpoint's host:port. A taken port stops the stack; a Runtime the embedding
 * process (a test) already made is kept, and then the workers serve no metrics, as logged.
 */
async function installRuntime(workers: number, port: number, log: (line: string) => void): Promise<string | undefined> {
  const logger = new DefaultLogger('WARN');
  try {
    if (workers === 0) {
      Runtime.install({ logger });
      return undefined;
    }
    return installMetrics(`127.0.0.1:${port || (await freePort())}`, { logger });
  } catch (err) {
    const cause = ((err as Error).cause ?? err) as Error;
    if (/is already in use/.test((err as Error).message)) {
      throw new Error(`cannot start the stack: port ${port} (metrics) on 127.0.0.1 is already in use; nothing was started`, { cause: err });
    }
    if (!/already been (installed|instantiated)/.test(cause.message)) throw err;
    if (workers > 0) log('worker metrics not served: this process made the SDK Runtime before the stack started');
    return undefined;
  }
}
