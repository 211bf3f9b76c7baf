// `firebreak pause|resume|approve|retry|abort ID`: the operator's updates. A refused command
// prints the workflow's reason and exits 2; the deploy is unchanged.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { commandUpdates, parseCommandInput, type AbortScope, type Command, type DeployStatus } from '../../workflows/messages.js';
import type { CommandInput } from '../../workflows/inputs.js';
import { deployHandle, type DeployHandle } from '../client/workflow.js';
import { actor, client, deployIdOf, notFound } from './common.js';
import { outputFormat, printDocument, type ConnectFlags, type OutputFlags } from './output.js';
import { CliError } from './fail.js';
import { renderStatus } from './render.js';

export interface OperateOptions extends OutputFlags, ConnectFlags {
  region?: string;
  reason?: string;
  by?: string;
  rollback?: AbortScope;
}

export async function operateCommand(cmd: Command, idOrService: string, opts: OperateOptions): Promise<void> {
  const id = deployIdOf(idOrService);
  const by = actor(opts.by);
  const format = outputFormat(opts);
  if (cmd === 'retry' && !opts.region) throw new CliError('retry needs --region R (the region to retry)');
  const payloads: Record<Command, Record<string, unknown>> = {
    pause: { reason: opts.reason ?? 'paused by operator', by },
    resume: { by },
    approve: { region: opts.region, by },
    retry: { region: opts.region, by },
    abort: { reason: opts.reason ?? 'aborted by operator', by, rollback: opts.rollback },
  };
  // The workflow's own schema, checked here first so a typo never reaches the deploy.
  const parsed = parseCommandInput(cmd, [withoutUndefined(payloads[cmd])]);
  if (!parsed.ok) throw new CliError(`${cmd} refused: ${parsed.reason}; nothing was sent`);
  const handle = deployHandle(await client(opts), id);
  let status: DeployStatus;
  try {
    status = await send(handle, cmd, parsed.input);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new CliError(`${cmd} refused: ${(err.cause as Error | undefined)?.message ?? err.message}`);
    }
    return notFound(err, id);
  }
  if (format !== 'text') printDocument(format, status);
  else process.stdout.write(`${cmd}: done\n\n${renderStatus(status)}\n`);
}

function send<C extends Command>(handle: DeployHandle, cmd: C, input: CommandInput<C>): Promise<DeployStatus> {
  const update: UpdateDefinition<DeployStatus, [CommandInput<C>]> = commandUpdates[cmd];
  return handle.executeUpdate(update, { args: [input] });
}

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
