// A check's standing as the deploy status shows it: written by the watch (src/domain/soak), carried
// by the workflow in its status (workflows/messages.ts re-exports these), rendered by the CLI.
import type { Threshold } from './pipeline/threshold.js';

export interface CheckStatus {
  name: string;
  value: number | string | boolean | null;
  samples: number;
  breaches: number;
  /** The threshold in words, e.g. "<= 0.01", for rendering next to the value. */
  threshold?: string;
  /** The same threshold as limits: renderers judge the value by the watcher's rule (src/domain/pipeline/threshold.ts). */
  limits?: Threshold;
  /** Peer judgement, for a check with `compare:` (docs/judgement.md). */
  compare?: CompareStatus;
}

/** Where a check stands against its control. */
export interface CompareStatus {
  against: 'peers' | 'before';
  /** The control regions (peers). */
  regions?: string[];
  /** false: shadow mode, shown and recorded, never fails a region. */
  enforce: boolean;
  /** The control's latest value (peers: the median across them; before: the history's median). */
  control: number | null;
  /** Samples paired with the control. */
  samples: number;
  /** At the end of the soak: the judgement, its words, and its p-value. */
  verdict?: 'breach' | 'pass' | 'too_little_data';
  text?: string;
  p?: number;
  /** peers: judged by the change (difference in differences) or, falling back, by the level. */
  basis?: 'change' | 'level';
  /** The Hodges-Lehmann estimate of the effect and its interval at the check's confidence. */
  effect?: { estimate: number; low: number; high: number };
  /** The change judgement's medians: the region's and the peers' before the deploy and during the soak. */
  before?: { region: number; peers: number };
  after?: { region: number; peers: number };
}
