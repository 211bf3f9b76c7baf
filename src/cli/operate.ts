// `firebreak pause|resume|approve|retry|abort ID`: the operator's updates. A refused command
// prints the workflow's reason and exits 2; the deploy is unchanged.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  abortUpdate,
  approveUpdate,
  pauseUpdate,
  resumeUpdate,
  retryUpdate,
  type AbortScope,
  type Command,
  type DeployStatus,
} from '../../workflows/messages.js';
import { actor, client, deployIdOf, notFound, printJson } from './common.js';
import { CliError } from './fail.js';
import { renderStatus } from './render.js';

export interface OperateOptions {
  region?: string;
  reason?: string;
  by?: string;
  rollback?: AbortScope;
  json?: boolean;
}

export async function operateCommand(cmd: Command, idOrService: string, opts: OperateOptions): Promise<void> {
  const id = deployIdOf(idOrService);
  const by = actor(opts.by);
  if (cmd === 'retry' && !opts.region) throw new CliError('retry needs --region R (the region to retry)');
  const handle = (await client()).workflow.getHandle(id);
  let status: DeployStatus;
  try {
    switch (cmd) {
      case 'pause':
        status = await handle.executeUpdate(pauseUpdate, { args: [{ reason: opts.reason ?? 'paused by operator', by }] });
        break;
      case 'resume':
        status = await handle.executeUpdate(resumeUpdate, { args: [{ by }] });
        break;
      case 'approve':
        status = await handle.executeUpdate(approveUpdate, { args: [{ region: opts.region, by }] });
        break;
      case 'retry':
        status = await handle.executeUpdate(retryUpdate, { args: [{ region: opts.region!, by }] });
        break;
      case 'abort':
        status = await handle.executeUpdate(abortUpdate, { args: [{ reason: opts.reason ?? 'aborted by operator', by, rollback: opts.rollback }] });
        break;
    }
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new CliError(`${cmd} refused: ${(err.cause as Error | undefined)?.message ?? err.message}`);
    }
    return notFound(err, id);
  }
  if (opts.json) printJson(status);
  else process.stdout.write(`${cmd}: done\n\n${renderStatus(status)}\n`);
}
