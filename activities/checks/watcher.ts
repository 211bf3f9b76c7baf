// The worker's soak watcher: one per worker process, evaluating every soak that worker holds
// from one timer. A soak's activity hands its task token here and returns at once (Temporal's
// asynchronous completion), so a soak holds no activity slot for its length: a thousand soaks
// cost a thousand small objects, not a thousand slots, and a rollback never waits for a slot a
// soak is sitting on.
//
// The watcher keeps each soak alive on the server by heartbeating its tally through the
// client, and completes the activity with the verdict (a breach at once). A worker that dies
// stops heartbeating: after the heartbeat timeout the server retries the activity on another
// worker, which resumes from the last heartbeated tally against the same absolute deadline.
// The history is the same three activity events per watch as before.
import type { Check } from '../../src/domain/pipeline/schema.js';
import type { WatchInput, WatchResult, WatchTally } from '../types.js';
import type { CheckProvider } from '../../src/domain/soak/provider.js';
import { SoakWatch } from '../../src/domain/soak/watch.js';
import { WATCH_BEAT_EVERY_MS } from '../../src/domain/limits.js';

/** What the watcher needs from the world: a clock, the checks, and the server's activity API. */
export interface WatcherDeps {
  now(): number;
  providerFor(check: Check): CheckProvider;
  /** Record the tally; 'cancelled' when the workflow asked the activity to stop, 'gone' when the server no longer knows this attempt. */
  heartbeat(token: Uint8Array, tally: WatchTally): Promise<'ok' | 'cancelled' | 'gone'>;
  complete(token: Uint8Array, result: WatchResult): Promise<'ok' | 'gone'>;
  reportCancellation(token: Uint8Array): Promise<void>;
  /** Fail the attempt as retryable: the server retries it at once, on whichever worker polls. */
  handOver(token: Uint8Array, reason: string): Promise<void>;
  /** Told how many soaks the watcher holds, whenever that changes (the worker's metrics). */
  soaking?(count: number): void;
}

export interface WatcherOptions {
  /** How often due soaks are looked for. */
  tickMs?: number;
  /** Evaluations in flight at once (each is one request per check). */
  maxEvaluations?: number;
  /** Heartbeat each soak at least this often: well inside WATCH_HEARTBEAT_TIMEOUT_MS. */
  beatEveryMs?: number;
}

export interface WatcherStats {
  soaking: number;
  evaluations: number;
  inFlight: number;
  /** Evaluation lag: from when an evaluation was due to when it started. */
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  heartbeats: number;
  heartbeatErrors: number;
  /** Check evaluations that brought no sample (an error, a timeout, an empty result). */
  missedSamples: number;
}

interface Held {
  key: string;
  token: Uint8Array;
  soak: SoakWatch;
  evaluating: boolean;
  beating: boolean;
  lastBeat: number;
  abort: AbortController;
}

/** A completion the server did not take is tried again this many times before the heartbeat timeout takes over. */
const COMPLETE_ATTEMPTS = 3;
/** Lags kept for the percentiles: the latest ones. */
const LAG_WINDOW = 20_000;

export class SoakWatcher {
  private readonly held = new Map<string, Held>();
  private readonly tickMs: number;
  private readonly maxEvaluations: number;
  private readonly beatEveryMs: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private evaluations = 0;
  private heartbeats = 0;
  private heartbeatErrors = 0;
  private missedSamples = 0;
  private lags: number[] = [];
  private closed = false;
  private handingOver: Promise<void> | undefined;

  constructor(
    private readonly deps: WatcherDeps,
    opts: WatcherOptions = {},
  ) {
    this.tickMs = opts.tickMs ?? 50;
    this.maxEvaluations = opts.maxEvaluations ?? 64;
    this.beatEveryMs = opts.beatEveryMs ?? WATCH_BEAT_EVERY_MS;
  }

  /**
   * Take over a soak: `key` names the activity (workflow, run, activity id), so a retried
   * attempt landing on the same worker replaces the stale one instead of watching twice.
   */
  adopt(key: string, token: Uint8Array, input: WatchInput, resumeFrom: unknown): void {
    if (this.closed) throw new Error('the soak watcher has stopped');
    this.drop(key);
    const now = this.deps.now();
    const held: Held = { key, token, soak: new SoakWatch(input, resumeFrom, now), evaluating: false, beating: false, lastBeat: 0, abort: new AbortController() };
    this.held.set(key, held);
    this.deps.soaking?.(this.held.size);
    this.beat(held, now);
    this.timer ??= setInterval(() => this.tick(), this.tickMs).unref();
    this.tick();
  }

  stats(): WatcherStats {
    const sorted = [...this.lags].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0);
    return {
      soaking: this.held.size,
      evaluations: this.evaluations,
      inFlight: this.inFlight,
      lagP50Ms: at(0.5),
      lagP99Ms: at(0.99),
      lagMaxMs: sorted.length ? sorted[sorted.length - 1] : 0,
      heartbeats: this.heartbeats,
      heartbeatErrors: this.heartbeatErrors,
      missedSamples: this.missedSamples,
    };
  }

  /** Forget the lags so far (the bench measures one phase at a time). */
  resetStats(): void {
    this.lags = [];
    this.evaluations = 0;
    this.heartbeats = 0;
    this.heartbeatErrors = 0;
    this.missedSamples = 0;
  }

  /**
   * The worker is stopping: give every soak back to the server with its latest tally, so
   * another worker resumes it within a second instead of after the heartbeat timeout.
   */
  handOver(): Promise<void> {
    this.handingOver ??= this.giveBack();
    return this.handingOver;
  }

  private async giveBack(): Promise<void> {
    this.stop();
    const all = [...this.held.values()];
    this.held.clear();
    this.deps.soaking?.(0);
    await Promise.all(
      all.map(async (h) => {
        h.abort.abort();
        try {
          await this.deps.heartbeat(h.token, h.soak.snapshot());
          await this.deps.handOver(h.token, 'the worker watching this soak shut down; another one resumes it from its tally');
        } catch {
          // The heartbeat timeout hands it over instead.
        }
      }),
    );
  }

  /** Stop watching, handing nothing over (the heartbeat timeout does, as after a crash). */
  stop(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const h of this.held.values()) h.abort.abort();
  }

  /** Look at every soak once: the timer calls this every tickMs (tests call it on a fake clock). */
  tick(): void {
    const now = this.deps.now();
    const due: Held[] = [];
    for (const h of this.held.values()) {
      if (now - h.lastBeat >= this.beatEveryMs) this.beat(h, now);
      if (h.evaluating) continue;
      const next = h.soak.next(now);
      if (next !== 'evaluate' && typeof next !== 'number') {
        this.finish(h, next);
        continue;
      }
      if (next === 'evaluate') due.push(h);
    }
    // The most overdue first; what does not fit in flight waits for the next free place
    // (an evaluation ending looks again at once), and its lag shows in the stats.
    due.sort((a, b) => a.soak.dueAt - b.soak.dueAt);
    for (const h of due.slice(0, Math.max(0, this.maxEvaluations - this.inFlight))) this.evaluate(h, now);
    if (this.held.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private evaluate(h: Held, now: number): void {
    h.evaluating = true;
    this.inFlight++;
    this.recordLag(now - h.soak.dueAt);
    const samplesBefore = h.soak.samples();
    h.soak
      .evaluate({ now: () => this.deps.now(), providerFor: (c) => this.deps.providerFor(c), signal: h.abort.signal })
      .then(
        (breach) => {
          this.evaluations++;
          this.missedSamples += h.soak.input.gate.checks.length - (h.soak.samples() - samplesBefore);
          if (breach) this.finish(h, breach);
        },
        () => undefined, // only a cancelled soak rejects: it is gone already
      )
      .finally(() => {
        h.evaluating = false;
        this.inFlight--;
        if (!this.closed) this.tick();
      });
  }

  private recordLag(ms: number): void {
    this.lags.push(Math.max(0, ms));
    if (this.lags.length > LAG_WINDOW) this.lags.splice(0, this.lags.length - LAG_WINDOW);
  }

  private beat(h: Held, now: number): void {
    if (h.beating) return;
    h.beating = true;
    h.lastBeat = now;
    this.heartbeats++;
    this.deps
      .heartbeat(h.token, h.soak.snapshot())
      .then(
        async (answer) => {
          if (answer === 'ok' || this.held.get(h.key) !== h) return;
          this.drop(h.key);
          if (answer === 'cancelled') await this.deps.reportCancellation(h.token);
        },
        () => this.heartbeatErrors++, // a lost heartbeat is sent again next time
      )
      .catch(() => undefined)
      .finally(() => (h.beating = false));
  }

  private finish(h: Held, result: WatchResult): void {
    if (this.held.get(h.key) !== h) return;
    this.drop(h.key);
    void (async () => {
      for (let attempt = 1; attempt <= COMPLETE_ATTEMPTS; attempt++) {
        try {
          await this.deps.complete(h.token, result);
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
      // Not taken: the heartbeat timeout retries the watch, which resumes from its tally.
    })();
  }

  private drop(key: string): void {
    const h = this.held.get(key);
    if (!h) return;
    this.held.delete(key);
    this.deps.soaking?.(this.held.size);
    h.abort.abort();
  }
}
