// `firebreak release SERVICE --reason R`: lifts the hold a rollback keeps on the service's
// train (the `release` update of rollback-<service>); queued and new versions may start again.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { parseReleaseInput, releaseUpdate, rollbackIdFor } from '../../workflows/undo-messages.js';
import { openRollback, rollbackHandle } from '../client/rollback.js';
import { actor, client } from './common.js';
import { CliError } from './fail.js';
import { outputFormat, printDocument, type ConnectFlags, type OutputFlags } from './output.js';

export interface ReleaseOptions extends OutputFlags, ConnectFlags {
  reason: string;
  by?: string;
}

export async function releaseCommand(service: string, opts: ReleaseOptions): Promise<void> {
  const format = outputFormat(opts);
  const parsed = parseReleaseInput([{ reason: opts.reason, by: actor(opts.by) }]);
  if (!parsed.ok) throw new CliError(`release refused: ${parsed.reason}; nothing changed`);
  const c = await client(opts);
  const open = await openRollback(c, service);
  if (!open) throw new CliError(`no rollback holds ${service}'s train (${rollbackIdFor(service)} is not open); nothing changed`);
  let status;
  try {
    status = await rollbackHandle(c, service, open.runId).executeUpdate(releaseUpdate, { args: [parsed.input] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new CliError(`release refused: ${(err.cause as Error | undefined)?.message ?? err.message}; nothing changed`);
    if (err instanceof WorkflowNotFoundError) throw new CliError(`no rollback holds ${service}'s train; nothing changed`);
    throw err;
  }
  if (format !== 'text') printDocument(format, status);
  else process.stdout.write(`released ${service}: queued and new versions may start (${open.workflowId} ends)\n`);
}
