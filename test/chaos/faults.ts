// Injecting the scheduled faults into the real stack, and keeping the tally the report prints:
// kills, restarts, and how long each part was out.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosStack } from './stack.js';
import { NEW_BUILD } from './stack.js';
import type { ScheduledFault } from './schedule.js';

export interface FaultRecord {
  kind: ScheduledFault['kind'];
  /** Offset from the campaign's start when it was injected, s. */
  atS: number;
  /** How long the part was out (kill until it answered again), s. */
  outageS: number;
  detail: string;
  error?: string;
}

export interface FaultTally {
  workerKills: number;
  workerUpgrades: number;
  serverRestarts: number;
  stackRestarts: number;
  deployApiOutages: number;
  prometheusOutages: number;
  recordsOutages: number;
  unexpectedWorkerExits: number;
  outageS: { workers: number; server: number; stack: number; deployApi: number; prometheus: number; records: number };
  skipped: string[];
  records: FaultRecord[];
}

export function emptyTally(): FaultTally {
  return {
    workerKills: 0,
    workerUpgrades: 0,
    serverRestarts: 0,
    stackRestarts: 0,
    deployApiOutages: 0,
    prometheusOutages: 0,
    recordsOutages: 0,
    unexpectedWorkerExits: 0,
    outageS: { workers: 0, server: 0, stack: 0, deployApi: 0, prometheus: 0, records: 0 },
    skipped: [],
    records: [],
  };
}

const secs = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Runs faults one after another. Outages of the deploy API and of Prometheus run in the
 * background (kills go on meanwhile); a server or stack restart first waits for them to end.
 * `infraDown()` tells the operator whether an outage it caused is still on (it waits them out).
 */
export class FaultInjector {
  readonly tally = emptyTally();
  private readonly pending = new Set<Promise<void>>();
  /** The records database's outage: no restart touches it, so restarts do not wait for it. */
  private readonly recordsPending = new Set<Promise<void>>();
  private deployApiFaults = 0;
  private prometheusDown = 0;

  constructor(
    private readonly stack: ChaosStack,
    private readonly t0: number,
    private readonly log: (line: string) => void,
  ) {}

  deployApiDown(): boolean {
    return this.deployApiFaults > 0;
  }

  infraDown(): boolean {
    return this.deployApiFaults > 0 || this.prometheusDown > 0;
  }

  async inject(f: ScheduledFault): Promise<void> {
    const atS = secs(Date.now() - this.t0);
    const rec: FaultRecord = { kind: f.kind, atS, outageS: 0, detail: '' };
    this.tally.records.push(rec);
    try {
      switch (f.kind) {
        case 'worker-kill': {
          const pid = this.stack.workers[f.worker!].proc?.pid;
          const ms = await this.stack.killWorker(f.worker!);
          this.tally.workerKills++;
          this.tally.outageS.workers += secs(ms);
          rec.outageS = secs(ms);
          rec.detail = `SIGKILL worker ${f.worker} (pid ${pid}, ${this.stack.workers[f.worker!].build.id}); replacement ready in ${secs(ms)} s`;
          break;
        }
        case 'worker-upgrade': {
          const slot = this.stack.workers[f.worker!];
          const from = slot.build.id;
          const ms = await this.stack.killWorker(f.worker!, NEW_BUILD);
          this.tally.workerUpgrades++;
          rec.outageS = secs(ms);
          rec.detail = `worker ${f.worker} replaced: ${from} -> ${NEW_BUILD.id} (pid ${slot.proc?.pid}, bundle from test/chaos/new-build.ts), ready in ${secs(ms)} s`;
          break;
        }
        case 'server-restart': {
          await this.settleOutages({ records: false });
          const t = Date.now();
          await this.stack.temporal.kill();
          await sleep(f.downMs ?? 0);
          await this.stack.temporal.start();
          const ms = Date.now() - t;
          this.tally.serverRestarts++;
          this.tally.outageS.server += secs(ms);
          rec.outageS = secs(ms);
          rec.detail = `SIGKILL Temporal server (${this.stack.temporal.persistence}), restarted on ${this.stack.temporal.address} with the same state; answering again after ${secs(ms)} s`;
          break;
        }
        case 'stack-restart': {
          await this.settleOutages({ records: false });
          const { downMs } = await this.stack.restartAll();
          this.tally.stackRestarts++;
          this.tally.outageS.stack += secs(downMs);
          rec.outageS = secs(downMs);
          rec.detail = `whole stack stopped (workers, Temporal, Prometheus, simulator) and started on the same state in ${secs(downMs)} s`;
          break;
        }
        case 'deploy-api': {
          const res = await fetch(`${this.stack.simUrl}/faults`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ deploy: f.mode }),
          });
          if (!res.ok) throw new Error(`POST /faults answered ${res.status}`);
          const { id } = (await res.json()) as { id: string };
          this.tally.deployApiOutages++;
          this.tally.outageS.deployApi += secs(f.downMs!);
          rec.outageS = secs(f.downMs!);
          const what = { reject: 'answers every POST with HTTP 500', fail: 'accepts, and every rollout ends in error', hang: 'accepts, and every rollout hangs (past the 20 s deploy timeout)' }[f.mode!];
          rec.detail = `deploy API ${what} for ${secs(f.downMs!)} s (fault ${id}, removed by id)`;
          this.deployApiFaults++;
          this.background(async () => {
            await sleep(f.downMs!);
            // Targeted removal: the bad versions' error-rate faults stay. Retried across a stack restart.
            for (let i = 0; i < 60; i++) {
              const del = await fetch(`${this.stack.simUrl}/faults/${id}`, { method: 'DELETE' }).catch(() => undefined);
              if (del && (del.ok || del.status === 404)) break;
              await sleep(1_000);
            }
            this.deployApiFaults--;
          });
          break;
        }
        case 'prometheus-outage': {
          if (!this.stack.prometheus) {
            rec.detail = 'Prometheus already down: skipped';
            break;
          }
          await this.stack.stopPrometheus();
          this.prometheusDown++;
          const t = Date.now();
          this.tally.prometheusOutages++;
          rec.detail = `Prometheus stopped for ${secs(f.downMs!)} s, then started on the same port and data`;
          this.background(async () => {
            await sleep(f.downMs!);
            try {
              if (!this.stack.prometheus) await this.stack.startPrometheus();
            } finally {
              const ms = Date.now() - t;
              this.tally.outageS.prometheus += secs(ms);
              rec.outageS = secs(ms);
              this.prometheusDown--;
            }
          });
          break;
        }
        case 'records-outage': {
          if (!this.stack.records) {
            rec.detail = 'the records database is already down: skipped';
            break;
          }
          await this.stack.stopRecords();
          const t = Date.now();
          this.tally.recordsOutages++;
          rec.detail = `records database (PostgreSQL) stopped for ${secs(f.downMs!)} s, then started on the same port and data`;
          this.background(async () => {
            await sleep(f.downMs!);
            try {
              if (!this.stack.records) await this.stack.startRecords();
            } finally {
              const ms = Date.now() - t;
              this.tally.outageS.records += secs(ms);
              rec.outageS = secs(ms);
            }
          }, this.recordsPending);
          break;
        }
      }
      this.log(`fault @${atS}s ${f.kind}: ${rec.detail}`);
    } catch (err) {
      rec.error = (err as Error).message.split('\n').slice(0, 3).join(' ');
      this.log(`fault @${atS}s ${f.kind} FAILED: ${rec.error}`);
    }
  }

  private background(fn: () => Promise<void>, set: Set<Promise<void>> = this.pending): void {
    const p: Promise<void> = fn()
      .catch((err: unknown) => this.log(`fault end failed: ${(err as Error).message}`))
      .finally(() => set.delete(p));
    set.add(p);
  }

  /**
   * Waits for the background outages to end: before a restart (not the records database's,
   * which no restart touches), and at the end of the window (every one).
   */
  async settleOutages(opts: { records?: boolean } = {}): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    if (opts.records !== false) while (this.recordsPending.size > 0) await Promise.all([...this.recordsPending]);
  }
}
