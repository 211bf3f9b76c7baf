// The parts the campaign breaks, all real processes on loopback: a Temporal server (the dev
// server on SQLite, or Temporal 1.29.1 on PostgreSQL), the region simulator over HTTP with its
// state on disk, Prometheus scraping it, and N worker processes. Each part can be killed and
// started again on the same port and the same state.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../../src/local/server.js';
import { startPrometheus, waitForFirstScrape, type PrometheusServer } from '../../src/local/prometheus.js';
import { freePort } from '../../src/local/ports.js';
import { REPO_ROOT } from '../../src/local/tools.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/local/sim/server.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-launcher.js';
import { initCluster, startCluster, type PostgresCluster, type PostgresClusterOptions } from '../../src/local/postgres.js';

export type Persistence = 'sqlite' | 'postgres';

/** A Temporal server that can be SIGKILLed and started again on the same port and state. */
export interface TemporalBackend {
  persistence: Persistence;
  address: string;
  /** SIGKILL the server process (not its database); resolves once it has exited. */
  kill(): Promise<void>;
  /** Start it again (after kill or stop) on the same port and state; resolves when it answers. */
  start(): Promise<void>;
  /** Graceful stop of everything it runs (for the full-stack restart). */
  stop(): Promise<void>;
}

async function sqliteBackend(stateDir: string): Promise<TemporalBackend> {
  const port = await freePort();
  let server: DevServer | undefined;
  const start = async () => {
    server = await startDevServer({ port, dbFile: join(stateDir, 'temporal.db'), headless: true, log: join(stateDir, 'temporal.log') });
  };
  await start();
  return {
    persistence: 'sqlite',
    address: `127.0.0.1:${port}`,
    async kill() {
      const s = server!;
      const exited = new Promise<void>((resolve) => (s.process.exitCode !== null ? resolve() : s.process.once('exit', () => resolve())));
      s.process.kill('SIGKILL');
      await exited;
      await s.stop();
    },
    start,
    async stop() {
      await server?.stop();
    },
  };
}

/** The production shape, when src/local/postgres-server.ts provides it (another engineer's module). */
async function postgresBackend(stateDir: string): Promise<TemporalBackend> {
  const mod = (await import('../../src/local/postgres-server.js')) as Partial<typeof import('../../src/local/postgres-server.js')>;
  if (typeof mod.startPostgresTemporal !== 'function') {
    throw new Error('--persistence postgres: src/local/postgres-server.ts does not export startPostgresTemporal yet');
  }
  const startPg = mod.startPostgresTemporal;
  const port = await freePort();
  const dir = join(stateDir, 'temporal-pg');
  mkdirSync(dir, { recursive: true });
  let pg = await startPg({ stateDir: dir, port, internalPorts: 'free' });
  let killed = false;
  let stopped = false;
  return {
    persistence: 'postgres',
    address: pg.address,
    async kill() {
      const child = pg.serverProcess();
      const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
      child.kill('SIGKILL');
      await exited;
      killed = true;
    },
    async start() {
      if (stopped) pg = await startPg({ stateDir: dir, port, internalPorts: 'free' });
      else if (killed) await pg.restartServer('SIGKILL');
      killed = stopped = false;
    },
    async stop() {
      await pg.stop();
      stopped = true;
    },
  };
}

export async function startTemporal(persistence: Persistence, stateDir: string): Promise<TemporalBackend> {
  return persistence === 'postgres' ? postgresBackend(stateDir) : sqliteBackend(stateDir);
}

/**
 * The simulator keeps regions, rollouts, faults and its deployment log under a state dir
 * (SimulatorOptions.stateDir), so the full-stack restart can include it.
 */
export const SIMULATOR_PERSISTS = 'stateDir' satisfies keyof SimulatorOptions;

export interface Build {
  id: string;
  /** Workflow entry bundled for this build; undefined = workflows/index.ts. */
  workflowsPath?: string;
}

export const FIRST_BUILD: Build = { id: 'chaos-build-1' };
/** The "new build": a separately bundled entry (test/chaos/new-build.ts), its own bundle file. */
export const NEW_BUILD: Build = { id: 'chaos-build-2', workflowsPath: join(REPO_ROOT, 'test', 'chaos', 'new-build.ts') };

export interface WorkerSlot {
  index: number;
  build: Build;
  proc?: WorkerProcess;
  starting?: boolean;
  /** Every pid this slot ran, with its build (to tell builds apart in histories). */
  pids: { pid: number; build: string }[];
}

export interface StackEvents {
  /** A worker exited without the campaign killing it. */
  onUnexpectedWorkerExit(slot: number, how: string, output: string): void;
}

export class ChaosStack {
  temporal!: TemporalBackend;
  sim!: Simulator;
  prometheus?: PrometheusServer;
  /** The deploy records database the workers write to (FIREBREAK_RECORDS_URL). */
  records?: PostgresCluster;
  private recordsOpts?: PostgresClusterOptions;
  readonly workers: WorkerSlot[] = [];
  private simPort = 0;
  private promPort = 0;
  /** Worker restarts are the campaign's business while it is restarting things. */
  private quiet = false;

  constructor(
    readonly stateDir: string,
    readonly persistence: Persistence,
    readonly workerCount: number,
    readonly taskQueue: string,
    readonly customers: Record<string, number>,
    private readonly events: StackEvents,
  ) {}

  get simUrl(): string {
    return this.sim.url;
  }

  get prometheusUrl(): string {
    return `http://127.0.0.1:${this.promPort}`;
  }

  get recordsUrl(): string {
    return `postgres://records:records@127.0.0.1:${this.recordsOpts!.port}/postgres`;
  }

  async start(): Promise<void> {
    await this.startSimulator();
    await this.startPrometheus();
    this.recordsOpts = { dir: join(this.stateDir, 'records'), port: await freePort(), user: 'records', password: 'records' };
    initCluster(this.recordsOpts);
    await this.startRecords();
    this.temporal = await startTemporal(this.persistence, this.stateDir);
    for (let i = 0; i < this.workerCount; i++) this.workers.push({ index: i, build: FIRST_BUILD, pids: [] });
    await this.startWorkers();
  }

  async startSimulator(): Promise<void> {
    this.sim = await startSimulator({ port: this.simPort, deploySeconds: 1, customers: this.customers, stateDir: join(this.stateDir, 'sim') });
    this.simPort = this.sim.port;
  }

  async startPrometheus(): Promise<void> {
    this.prometheus = await startPrometheus({ targets: [`127.0.0.1:${this.simPort}`], port: this.promPort, dir: join(this.stateDir, 'prometheus') });
    this.promPort = Number(new URL(this.prometheus.url).port);
    await waitForFirstScrape(this.prometheus.url, { timeoutMs: 30_000 });
  }

  async startRecords(): Promise<void> {
    this.records = await startCluster(this.recordsOpts!);
  }

  async stopRecords(): Promise<void> {
    await this.records?.stop();
    this.records = undefined;
  }

  async stopPrometheus(): Promise<void> {
    await this.prometheus?.stop();
    this.prometheus = undefined;
  }

  async startWorkers(): Promise<void> {
    // One at a time: each bundles (cached) and boots tsx; two cores are shared.
    for (const slot of this.workers) if (!slot.proc) await this.startWorker(slot);
  }

  /** Starts any worker slot left empty (a worker that died while its restart failed). */
  async ensureWorkers(): Promise<void> {
    if (this.quiet) return;
    for (const slot of this.workers) if (!slot.proc && !slot.starting) await this.startWorker(slot).catch(() => undefined);
  }

  async startWorker(slot: WorkerSlot): Promise<number> {
    const t0 = Date.now();
    slot.starting = true;
    let proc: WorkerProcess;
    try {
      proc = await startWorkerProcess({
        address: this.temporal.address,
        taskQueue: this.taskQueue,
        workflowsPath: slot.build.workflowsPath,
        env: { FIREBREAK_SIM_URL: this.simUrl, PROMETHEUS_URL: this.prometheusUrl, FIREBREAK_BUILD_ID: slot.build.id, FIREBREAK_RECORDS_URL: this.recordsUrl },
        readyTimeoutMs: 90_000,
      });
    } finally {
      slot.starting = false;
    }
    slot.proc = proc;
    slot.pids.push({ pid: proc.pid, build: slot.build.id });
    void proc.exited.then(({ code, signal }) => {
      if (slot.proc !== proc) return; // killed and replaced by the campaign
      slot.proc = undefined;
      if (this.quiet) return;
      this.events.onUnexpectedWorkerExit(slot.index, `code ${code}, signal ${signal}`, proc.output().slice(-2000));
      void this.startWorker(slot).catch(() => undefined);
    });
    return Date.now() - t0;
  }

  /** SIGKILL one worker and start its replacement at once (with the slot's build). Returns restart ms. */
  async killWorker(index: number, build?: Build): Promise<number> {
    const slot = this.workers[index];
    const proc = slot.proc;
    slot.proc = undefined;
    if (proc) {
      proc.kill('SIGKILL');
      await proc.exited;
    }
    if (build) slot.build = build;
    return this.startWorker(slot);
  }

  async stopWorkers(signal: NodeJS.Signals): Promise<void> {
    const procs = this.workers.map((s) => s.proc).filter((p): p is WorkerProcess => !!p);
    for (const s of this.workers) s.proc = undefined;
    for (const p of procs) p.kill(signal);
    await Promise.all(procs.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 15_000))])));
    for (const p of procs) p.kill('SIGKILL');
  }

  /** Everything down (workers, server, Prometheus, simulator), then up again on the same state. */
  async restartAll(): Promise<{ downMs: number }> {
    this.quiet = true;
    try {
      const t0 = Date.now();
      await this.stopWorkers('SIGTERM');
      await this.temporal.stop();
      await this.stopPrometheus();
      await this.sim.close();
      await this.startSimulator();
      await this.startPrometheus();
      await this.temporal.start();
      await this.startWorkers();
      return { downMs: Date.now() - t0 };
    } finally {
      this.quiet = false;
    }
  }

  async stop(): Promise<void> {
    this.quiet = true;
    await this.stopWorkers('SIGKILL');
    await this.temporal?.stop().catch(() => undefined);
    await this.stopPrometheus().catch(() => undefined);
    await this.sim?.close().catch(() => undefined);
    await this.stopRecords().catch(() => undefined);
  }
}
