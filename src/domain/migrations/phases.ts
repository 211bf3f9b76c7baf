// The two phases of a migration and the order the workflow runs their steps in (docs/migrations.md).
// Pure: imported by plan() and by the workflow itself, so no I/O and no Node built-ins here.
import type { Pipeline } from '../pipeline/schema.js';

export type MigrationPhase = 'expand' | 'contract';
export type Direction = 'up' | 'down';

export interface MigrationStep {
  id: string;
  phase: MigrationPhase;
  direction: Direction;
  /** The path as written in the pipeline (relative to the pipeline file), for messages. */
  file: string;
  sql: string;
  /** sha256 hex of sql. */
  checksum: string;
  /** As written, may hold ${VAR}: resolved on the worker, never stored in history. */
  database: string;
}

export interface PlanMigration {
  id: string;
  database: string;
  irreversible?: string;
  expand?: { up: MigrationStep; down?: MigrationStep };
  contract?: { up: MigrationStep; down?: MigrationStep };
}

export const PHASES: readonly MigrationPhase[] = ['expand', 'contract'];

/**
 * A migration with a step that has no `down` is one-way: lint requires `irreversible: "<reason>"`
 * and the first stage's gate becomes a manual approval, so a person signs off before the first
 * region runs code that depends on a change nobody can take back. Pure: safe for plan().
 */
export function firstStageNeedsApproval(pipeline: Pick<Pipeline, 'migrations'>): boolean {
  return (pipeline.migrations ?? []).some((m) => PHASES.some((phase) => m[phase] !== undefined && m[phase]!.down === undefined));
}

/** The steps the workflow runs, in order: every expand `up` before the first region. */
export function expandSteps(migrations: readonly PlanMigration[]): MigrationStep[] {
  return migrations.flatMap((m) => (m.expand ? [m.expand.up] : []));
}

/** Every contract `up`, after the last region is promoted and soaked. */
export function contractSteps(migrations: readonly PlanMigration[]): MigrationStep[] {
  return migrations.flatMap((m) => (m.contract ? [m.contract.up] : []));
}

/**
 * The `down` steps an abort with rollback: all runs, in reverse order: later migrations first,
 * and within one migration contract before expand. Only `down`s of applied `up`s run (the
 * activity skips the others), so this list may name steps that never ran.
 */
export function downSteps(migrations: readonly PlanMigration[]): MigrationStep[] {
  return [...migrations].reverse().flatMap((m) => [m.contract?.down, m.expand?.down].filter((s): s is MigrationStep => s !== undefined));
}

