// In-memory model of the simulated world: services → regions, their rollouts, the injected
// faults and every deploy call received. Rollouts complete lazily, on the next read after
// their deadline, and traffic is counted up to that instant first: no timers to leak or to
// keep a test process alive, and the numbers are exact for a given clock.
import { accrue, newCounters, noiseAt, profileOf, BASELINE_LATENCY_MS, type Counters, type Noise, type Profile, type Series } from './traffic.js';

export type RegionState = 'rolling' | 'ready' | 'error';

export interface FaultInput {
  service?: string;
  region?: string;
  version?: string;
  errorRate?: number;
  latencyMs?: number;
  /**
   * `fail`: the POST is accepted and the rollout ends in `error`. `hang`: accepted, never
   * completes. `reject`: the POST itself is answered 500 and nothing is recorded, like a
   * deployer that is down.
   */
  deploy?: 'fail' | 'hang' | 'reject';
}

export interface Fault extends FaultInput {
  id: string;
}

export interface DeployLogEntry {
  at: string;
  region: string;
  service: string;
  version: string;
  deployId: string;
}

export interface DeployRequest {
  service: string;
  region: string;
  version: string;
  deployId: string;
  /** The caller's Idempotency-Key header, when it sent one. */
  idempotencyKey?: string;
}

export type DeployResult = { duplicate: boolean } | { conflict: string } | { rejected: string };

export interface RegionView {
  service: string;
  region: string;
  version: string | null;
  previousVersion: string | null;
  state: RegionState;
  /** The version being rolled out while state is rolling. */
  targetVersion: string | null;
  customers: number;
  requestsPerSecond: number;
  /** Error rate served now; null when the region serves nothing (no version, or in error). */
  errorRate: number | null;
  /** Typical latency served now (baseline + fault), ms; null when serving nothing. */
  latencyMs: number | null;
}

export interface Rollout {
  version: string;
  /** Epoch ms; null means it hangs until superseded. */
  completesAt: number | null;
  outcome: 'ready' | 'error';
}

export interface Region {
  service: string;
  region: string;
  customers: number;
  version: string | null;
  previousVersion: string | null;
  state: RegionState;
  /** Set when a rollout failed: the region serves nothing until a rollout succeeds. */
  down: boolean;
  rollout: Rollout | null;
  counters: Counters;
  /** Epoch ms up to which traffic has been counted. */
  countedTo: number;
}

export interface SimStateOptions {
  deploySeconds: number;
  customers: Record<string, number>;
  /** Injectable clock (epoch ms) so the model can be driven without waiting. */
  now?: () => number;
  /** Seeded per-second noise of latency, errors and traffic (traffic.ts); none when omitted. */
  noise?: Noise;
  /**
   * Called after every change a restart must not lose (a deploy call, a fault change); the
   * persistent simulator saves a snapshot here, before the HTTP answer goes out.
   */
  onChange?: () => void;
}

/**
 * Everything the simulator knows, as plain JSON: what `--state-dir` keeps across restarts.
 * Times are absolute (epoch ms), so a rollout in flight when the simulator stopped completes
 * at its original instant, and traffic is counted through the time it was down (the regions it
 * models kept serving).
 */
export interface SimSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  regions: RegionSnapshot[];
  faults: Fault[];
  nextFaultId: number;
  log: DeployLogEntry[];
  /** [idempotency key, fingerprint] pairs, so a deploy retried across a restart stays a duplicate. */
  seen: [string, string][];
  duplicates: number;
}

export type RegionSnapshot = Region;

export const SNAPSHOT_FORMAT = 'firebreak-sim/v1';

export const DEFAULT_CUSTOMERS = 1000;

export class SimState {
  private readonly regions = new Map<string, Region>();
  private readonly faults: Fault[] = [];
  private readonly log: DeployLogEntry[] = [];
  /** Idempotency key → fingerprint of the request that first used it. */
  private readonly seen = new Map<string, string>();
  private nextFaultId = 1;
  private readonly now: () => number;
  duplicates = 0;

  constructor(
    private readonly opts: SimStateOptions,
    snapshot?: SimSnapshot,
  ) {
    this.now = opts.now ?? Date.now;
    if (snapshot) {
      for (const r of snapshot.regions) this.regions.set(keyOf(r.service, r.region), structuredClone(r));
      this.faults.push(...snapshot.faults.map((f) => ({ ...f })));
      this.nextFaultId = snapshot.nextFaultId;
      this.log.push(...snapshot.log.map((e) => ({ ...e })));
      for (const [k, v] of snapshot.seen) this.seen.set(k, v);
      this.duplicates = snapshot.duplicates;
    }
  }

  /** The whole state as JSON-safe data, traffic counted up to now. */
  snapshot(): SimSnapshot {
    this.settleAll();
    return {
      format: SNAPSHOT_FORMAT,
      regions: [...this.regions.values()].map((r) => structuredClone(r)),
      faults: this.listFaults(),
      nextFaultId: this.nextFaultId,
      log: this.deployments(),
      seen: [...this.seen.entries()],
      duplicates: this.duplicates,
    };
  }

  private changed(): void {
    this.opts.onChange?.();
  }

  /**
   * Records a deploy call and starts its rollout, unless its key was seen before. The key is
   * the Idempotency-Key header when sent, else (deployId, region, version); keys are scoped to
   * the service/region addressed. Reusing a key for a different request is a conflict: it
   * would otherwise hide a caller bug (e.g. a rollback silently doing nothing).
   */
  deploy(req: DeployRequest): DeployResult {
    const now = this.now();
    // Checked before the key is remembered: a refused call did not happen, so its retry
    // after the outage is a first call, not a duplicate.
    if (this.matching(req.service, req.region, req.version).some((f) => f.deploy === 'reject')) {
      return { rejected: 'deploy API unavailable (injected fault: deploy=reject)' };
    }
    const key = JSON.stringify(
      req.idempotencyKey !== undefined
        ? [req.service, req.region, 'key', req.idempotencyKey]
        : [req.service, req.region, 'id', req.deployId, req.version],
    );
    const fingerprint = JSON.stringify([req.deployId, req.version]);
    const prior = this.seen.get(key);
    if (prior !== undefined) {
      if (prior !== fingerprint) {
        return { conflict: `Idempotency-Key ${JSON.stringify(req.idempotencyKey)} was already used for a different deploy (deployId, version)` };
      }
      this.duplicates++;
      this.changed();
      return { duplicate: true };
    }
    this.seen.set(key, fingerprint);
    this.log.push({ at: new Date(now).toISOString(), region: req.region, service: req.service, version: req.version, deployId: req.deployId });

    const r = this.regionFor(req.service, req.region, now);
    this.settle(r, now);
    // The outcome is fixed when the rollout starts, like a broken image: clearing the fault
    // later does not rescue it; a new deploy (which supersedes this one) does.
    const deployFaults = this.matching(req.service, req.region, req.version).map((f) => f.deploy);
    const hang = deployFaults.includes('hang');
    r.rollout = {
      version: req.version,
      completesAt: hang ? null : now + this.opts.deploySeconds * 1000,
      outcome: deployFaults.includes('fail') ? 'error' : 'ready',
    };
    r.state = 'rolling';
    this.changed();
    return { duplicate: false };
  }

  /**
   * The region runs `version` now, as seen in its real cluster (`firebreak dev --kubernetes`):
   * traffic so far is counted under what it ran before, then it serves `version`. A rollout this
   * simulator was asked for is superseded: the cluster is the truth. False when nothing changed.
   */
  observe(service: string, region: string, version: string): boolean {
    const now = this.now();
    const r = this.regionFor(service, region, now);
    this.settle(r, now);
    if (r.version === version && r.state === 'ready' && !r.rollout) return false;
    if (r.version !== version) {
      r.previousVersion = r.version;
      r.version = version;
    }
    r.state = 'ready';
    r.down = false;
    r.rollout = null;
    this.changed();
    return true;
  }

  region(service: string, region: string): RegionView | undefined {
    const r = this.regions.get(keyOf(service, region));
    if (!r) return undefined;
    this.settle(r, this.now());
    const p = this.profile(r);
    return {
      service: r.service,
      region: r.region,
      version: r.version,
      previousVersion: r.previousVersion,
      state: r.state,
      targetVersion: r.rollout?.version ?? null,
      customers: r.customers,
      requestsPerSecond: p?.requestsPerSecond ?? 0,
      errorRate: p?.errorRate ?? null,
      latencyMs: p ? BASELINE_LATENCY_MS + p.faultLatencyMs : null,
    };
  }

  /** Every region, with traffic counted up to now. */
  series(): Series[] {
    this.settleAll();
    return [...this.regions.values()].map((r) => ({
      service: r.service,
      region: r.region,
      version: r.version,
      state: r.state,
      counters: r.counters,
    }));
  }

  deployments(): DeployLogEntry[] {
    return this.log.map((e) => ({ ...e }));
  }

  listFaults(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  // Traffic so far was served under the old faults, so count it before any fault change.
  addFault(input: FaultInput): Fault {
    this.settleAll();
    const fault: Fault = { id: `f${this.nextFaultId++}`, ...input };
    this.faults.push(fault);
    this.changed();
    return { ...fault };
  }

  clearFaults(): number {
    this.settleAll();
    const cleared = this.faults.splice(0).length;
    this.changed();
    return cleared;
  }

  removeFault(id: string): boolean {
    const i = this.faults.findIndex((f) => f.id === id);
    if (i < 0) return false;
    this.settleAll();
    this.faults.splice(i, 1);
    this.changed();
    return true;
  }

  private regionFor(service: string, region: string, now: number): Region {
    const k = keyOf(service, region);
    let r = this.regions.get(k);
    if (!r) {
      r = {
        service,
        region,
        customers: this.opts.customers[region] ?? DEFAULT_CUSTOMERS,
        version: null,
        previousVersion: null,
        state: 'rolling',
        down: false,
        rollout: null,
        counters: newCounters(),
        countedTo: now,
      };
      this.regions.set(k, r);
    }
    return r;
  }

  private matching(service: string, region: string, version: string | null): Fault[] {
    return this.faults.filter(
      (f) =>
        (f.service === undefined || f.service === service) &&
        (f.region === undefined || f.region === region) &&
        (f.version === undefined || f.version === version),
    );
  }

  private profile(r: Region): Profile | null {
    return profileOf(r.version, !r.down, r.customers, this.matching(r.service, r.region, r.version));
  }

  private settleAll(): void {
    const now = this.now();
    for (const r of this.regions.values()) this.settle(r, now);
  }

  /** Completes a due rollout (counting traffic up to that instant first), then counts to now. */
  private settle(r: Region, now: number): void {
    const ro = r.rollout;
    if (ro && ro.completesAt !== null && ro.completesAt <= now) {
      this.count(r, ro.completesAt);
      if (ro.outcome === 'ready') {
        r.previousVersion = r.version;
        r.version = ro.version;
        r.state = 'ready';
        r.down = false;
      } else {
        r.state = 'error';
        r.down = true;
      }
      r.rollout = null;
    }
    this.count(r, now);
  }

  private count(r: Region, until: number): void {
    // A wall clock stepping backwards must not un-count traffic.
    if (until <= r.countedTo) return;
    const noise = this.opts.noise;
    if (!noise || noise.level <= 0) {
      accrue(r.counters, this.profile(r), (until - r.countedTo) / 1000);
    } else {
      // Second by second, each with its own seeded multipliers.
      const profile = this.profile(r);
      for (let from = r.countedTo; from < until; ) {
        const second = Math.floor(from / 1000);
        const to = Math.min(until, (second + 1) * 1000);
        accrue(r.counters, profile, (to - from) / 1000, noiseAt(noise, r.service, r.region, second));
        from = to;
      }
    }
    r.countedTo = until;
  }
}

function keyOf(service: string, region: string): string {
  return JSON.stringify([service, region]);
}
