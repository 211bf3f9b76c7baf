// The watch's input, its result and its tally (the heartbeat details): the workflow sends and
// reads them, the watch (watch.ts) and the judge (judge.ts) compute them, the CLI shows the tally.
import type { PlanGate } from '../pipeline/plan.js';
import type { CheckStatus } from '../status.js';
import type { Target } from '../target.js';

export interface WatchInput {
  target: Target;
  gate: PlanGate;
  /** Absolute end of the soak (epoch ms), fixed by the workflow so a retried watch keeps it. */
  deadline: number;
  /** When the soak began (epoch ms): a watch that starts late evaluates from then, not from its own start. */
  startedAt?: number;
  /**
   * Set for a soak extended to collect missing samples (the bake): the watch runs past the
   * deadline and passes as soon as every check has minSamples, or gives up at `until`.
   */
  until?: number;
  /** The tally the extended soak carries on from (samples and breach runs so far). */
  resume?: WatchTally;
  /** Set when a check compares (peer judgement): where its control is. */
  control?: WatchControl;
}

/** The control of a region's compare checks, named by the workflow. */
export interface WatchControl {
  /** The regions of later stages, still on the previous version (none in the last stage). */
  peers: string[];
  /** The version this deploy replaces, for the peers' {{version}}. */
  fromVersion?: string | null;
  /** When this region's deploy started (epoch ms): `before` reads the soak-long window ending then. */
  deployStartedAt?: number;
  soakMs: number;
  /** The step of the history's range query: the gate's interval. */
  stepMs: number;
  /**
   * The last stage (no peers): the regions already promoted, on the new version. They cannot
   * tell a regression (they run it too), but they tell a sick fleet: the `environment` verdict
   * reads them, the relative judgement stays against `before`.
   */
  promoted?: string[];
  /**
   * Judge peers by their level only, never by the change (judge-eval's column for the judge
   * before the change judgement). The workflow never sets it.
   */
  level?: boolean;
}

/**
 * environment: the absolute threshold breached in the region and in its control (the fleet is
 * sick, not this version): pause, no rollback.
 */
export type WatchVerdict = 'pass' | 'breach' | 'no_data' | 'environment';

export interface WatchResult {
  verdict: WatchVerdict;
  reason: string;
  checks: CheckStatus[];
  /**
   * With no_data and pass: where the tally stood, so an extension of the soak, or the rest of a
   * soak that answered before its deadline, carries on from it.
   */
  tally?: WatchTally;
  /** The compare checks' judgements at the end of the soak (enforced and shadow). */
  judgements?: Judgement[];
}

/** The heartbeat details of a watch: enough to resume after a worker crash. */
export interface WatchTally {
  checks: CheckStatus[];
  /** Consecutive breaching evaluations, per check name. */
  consecutive: Record<string, number>;
  evaluations: number;
  /** When the last evaluation ran (epoch ms): a resumed watch evaluates at once if one is overdue. */
  lastEvaluatedAt?: number;
  /** Per compare check: its samples and its control's, paired per evaluation (peers). */
  compare?: Record<string, CompareTally>;
}

/** A compare check's evidence (src/domain/soak/judge.ts). */
export interface CompareTally {
  against: 'peers' | 'before';
  /** The control regions (peers). */
  regions?: string[];
  /** The region's samples. */
  value: number[];
  /** The control's: per-sample medians across the peers, or the history (before). */
  control: number[];
  /** before: the history has been read. */
  loaded?: boolean;
  /** peers: each control region's last value. */
  last?: Record<string, number | null>;
  /** Why the control is missing, when it is. */
  error?: string;
  /** The control's last breach of the absolute threshold: at which evaluation, and its values. */
  sick?: { at: number; text: string };
  /** Evaluations the region's breach has waited for a control within tolerance of the threshold. */
  waited?: number;
  /** peers: each peer's value at the moment of each of `value` (the change judgement normalises each by its own past). */
  byPeer?: Record<string, (number | null)[]>;
  /**
   * peers: the soak-long windows before the region's deploy, the region's and each peer's, read
   * once (one range query each) and kept here as their medians (empty: no history), so a
   * resumed watch judges the same past.
   */
  history?: { region: number[]; peers: Record<string, number[]> };
  /** Why the history could not be read (yet): the judgement falls back to the level. */
  historyError?: string;
  /** Judge the level only (WatchControl.level). */
  level?: boolean;
  /**
   * before, in the last stage: the promoted regions, evaluated at the same moments for the
   * environment rule: their per-sample median, and each one's last value.
   */
  fleet?: { regions: string[]; values: number[]; last?: Record<string, number | null> };
}

export type JudgementVerdict = 'breach' | 'pass' | 'too_little_data';

/** A compare check judged against its control at the end of a soak (src/domain/soak/judge.ts). */
export interface Judgement {
  check: string;
  against: 'peers' | 'before';
  regions?: string[];
  verdict: JudgementVerdict;
  /** false: shadow mode, shown and recorded, never fails a region. */
  enforce: boolean;
  /** Median of the region's samples and of the control's. */
  value?: number;
  control?: number;
  /** How much worse than the control: a fraction with maxIncrease, the check's unit with maxDelta. */
  change?: number;
  relative: boolean;
  p?: number;
  samples: number;
  /**
   * peers: `change` when judged by the region's change against its peers' change (difference in
   * differences), `level` when it fell back to comparing levels (see `fallback`).
   */
  basis?: 'change' | 'level';
  /** Why a peer judgement fell back to the level ("the region has no history before its deploy"). */
  fallback?: string;
  /** The Hodges-Lehmann estimate of the effect and its interval at the check's confidence (units as `change`). */
  estimate?: number;
  low?: number;
  high?: number;
  /** The change judgement's medians: the region's and the peers' before the deploy and during the soak. */
  before?: { region: number; peers: number };
  after?: { region: number; peers: number };
  /** `latency-mean 0.118 vs control 0.079 (+49 %, p = 0.003)`, or why there is no judgement. */
  text: string;
}
