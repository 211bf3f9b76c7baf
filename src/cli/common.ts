// Small pieces every CLI command shares.
import { userInfo } from 'node:os';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { connectClient } from '../client/connect.js';
import { workflowIdFor } from '../domain/names.js';
import { CliError } from './fail.js';
import { connectFlags, type ConnectFlags } from './output.js';

/** `deploy-checkout` and `checkout` both name the deploy of checkout; `rollback-checkout` names its rollback. */
export function deployIdOf(idOrService: string): string {
  return idOrService.startsWith('deploy-') || idOrService.startsWith('rollback-') ? idOrService : workflowIdFor(idOrService);
}

export function actor(by?: string): string {
  if (by) return by;
  if (process.env.FIREBREAK_USER) return process.env.FIREBREAK_USER;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** A client with the command's -n/--namespace, --address and --profile over the environment. */
export async function client(flags: ConnectFlags): Promise<Client> {
  try {
    return await connectClient(connectFlags(flags));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

export function notFound(err: unknown, id: string): never {
  if (err instanceof WorkflowNotFoundError) throw new CliError(`no deploy ${id} found`);
  throw err;
}
