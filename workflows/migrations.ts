// Schema migrations (docs/migrations.md): expand before the first region, contract after the last, down
// after an abort that rolled every region back. Each batch is one applyMigrations activity.
import { isCancellation } from '@temporalio/workflow';
import type { MigrationStep } from '../activities/types.js';
import { applyMigrations, failureMessage } from './activities.js';
import type { DeployRun } from './run.js';

/** A migration failed: the deploy ends `failed` (a person must look at the database). */
export class SchemaMigrationFailed extends Error {}

export async function migrate(run: DeployRun, steps: MigrationStep[], what: string): Promise<void> {
  if (steps.length === 0) return;
  const { state, status } = run;
  state.record('migrating', `${what}: ${steps.map((m) => `${m.id} ${m.phase} ${m.direction}`).join(', ')}`);
  run.publish();
  try {
    const applied = await applyMigrations(`migrate ${what} (${steps.length})`, { steps, deployId: run.deployId, service: run.service });
    for (const a of applied) {
      status.migrations!.push({
        id: a.id,
        phase: a.phase,
        direction: a.direction,
        state: !a.skipped ? 'applied' : a.reason === 'already applied' ? 'already_applied' : 'skipped',
        at: a.appliedAt || state.now().toISOString(),
      });
    }
    state.record('migrated', `${what}: ${applied.map((a) => `${a.id} ${a.phase} ${a.direction} ${a.skipped ? `skipped (${a.reason})` : 'applied'}`).join(', ')}`);
  } catch (err) {
    if (isCancellation(err)) throw err;
    const message = failureMessage(err);
    const [first] = steps;
    status.migrations!.push({ id: first.id, phase: first.phase, direction: first.direction, state: 'failed', at: state.now().toISOString(), error: message });
    state.record('migration_failed', `${what} failed: ${message}`);
    throw new SchemaMigrationFailed(message);
  } finally {
    run.publish();
  }
}
