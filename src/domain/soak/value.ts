// A check's observed value, and how an operator reads it: the formatting lives in
// src/domain/format.ts, shared by the watcher's verdict reasons, the CLI and the Web UI details.
import type { CheckValue } from '../pipeline/threshold.js';

export type { CheckValue };
export { formatValue } from '../format.js';
