// `firebreak rollback SERVICE --reason R [--to V] [--in-order] [--wait]`: every region of the
// service back to the version it ran before the last deploy (or to V), fast, as a workflow
// (rollback-<service>) that then holds the service's train until `firebreak release`. Bad
// input is refused in one line before anything starts; a second rollback attaches to the first.
import type { Client } from '@temporalio/client';
import { FirebreakService, FirebreakVersion } from '../../workflows/search-attributes.js';
import { WORKFLOW_TYPE, type DeployHandle } from '../client/workflow.js';
import { readLastDeploy } from '../client/last-deploy.js';
import { RollbackRefused, startRollback } from '../client/rollback.js';
import { versionsSeen, whyNoRollback } from '../../workflows/undo-targets.js';
import { rollbackInput } from '../../workflows/undo-messages.js';
import type { RollbackStatus } from '../../workflows/service-rollback.js';
import { actor, client } from './common.js';
import { CliError, EXIT } from './fail.js';
import { follow } from './wait.js';
import { isInteractive, renderStatus } from './render.js';
import { LiveStatusReader, plainStatus } from './live.js';
import { outputFormat, printDocument, type ConnectFlags, type OutputFlags } from './output.js';

export interface RollbackOptions extends OutputFlags, ConnectFlags {
  reason: string;
  to?: string;
  inOrder?: boolean;
  wait?: boolean;
  by?: string;
  taskQueue: string;
}

export async function rollbackCommand(service: string, opts: RollbackOptions): Promise<void> {
  const format = outputFormat(opts);
  const log = (line: string) => (format === 'text' ? process.stdout : process.stderr).write(`${line}\n`);
  const input = { service, reason: opts.reason, by: actor(opts.by), ...(opts.to !== undefined ? { to: opts.to } : {}), ...(opts.inOrder ? { inOrder: true } : {}) };
  const parsed = rollbackInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`rollback refused: ${issue?.path.join('.') === 'to' ? '--to' : `--${issue?.path.join('.')}`} ${issue?.message}; nothing was started`);
  }
  const c = await client(opts);
  const last = await readLastDeploy(c, service).catch((err: unknown) => {
    throw new CliError(`cannot read the last deploy of ${service}: ${(err as Error).message.split('\n')[0]}; nothing was started`);
  });
  if (!last) throw new CliError(`${service} was never deployed (no deploy-${service}): there is nothing to roll back; nothing was started`);
  // A rollback under way is attached to (or refused) before the last deploy is judged: that
  // deploy may be the one it is taking back.
  let started;
  try {
    started = await startRollback(c, { ...parsed.data, owner: last.plan.owner }, opts.taskQueue, async () => {
      const why = whyNoRollback(last.status, parsed.data.to);
      if (why) throw new RollbackRefused(`${why}; nothing was started`);
      if (parsed.data.to) {
        const known = await versionsRun(c, service, last.status);
        if (!known.includes(parsed.data.to)) {
          throw new RollbackRefused(`no region of ${service} ever ran ${parsed.data.to} (its deploys ran ${known.join(', ') || 'nothing'}); nothing was started`);
        }
      }
    });
  } catch (err) {
    throw err instanceof RollbackRefused ? new CliError(err.message) : err;
  }
  const id = started.handle.workflowId;
  if (started.attached) log(`attached to ${id}: a rollback of ${service} is already under way`);
  else log(`started ${id}: ${service} back to ${parsed.data.to ?? 'the versions before the last deploy'}${last.running ? ` (aborting the running deploy of ${last.status.version} first)` : ` (undoing ${last.status.version})`}`);
  if (!opts.wait) {
    if (format !== 'text') printDocument(format, { workflowId: id, attached: started.attached });
    return;
  }
  const out = format === 'text' ? process.stdout : process.stderr;
  const final = (await follow(new LiveStatusReader(c, started.handle as unknown as DeployHandle), {
    mode: isInteractive(out) ? 'tty' : 'ci',
    write: (text) => out.write(text),
    size: () => ({ columns: out.columns, rows: out.rows }),
    until: (s) => {
      const stage = (s as RollbackStatus).rollback?.stage;
      return stage === 'holding' || stage === 'released' || s.phase === 'failed' || s.phase === 'succeeded';
    },
  })) as RollbackStatus;
  if (format !== 'text') printDocument(format, plainStatus(final));
  else log(`\n${renderStatus(final)}`);
  const failed = final.rollback?.failed ?? [];
  for (const f of failed) log(`rollback of ${f.region} failed: ${f.reason}`);
  if (final.phase === 'failed' && failed.length === 0) log(`rollback failed: ${final.failure ?? 'see firebreak status'}`);
  else log(`${service}'s train is held: no version starts until firebreak release ${service} --reason R`);
  process.exitCode = failed.length > 0 || final.phase === 'failed' ? EXIT.rolledBack : EXIT.ok;
}

/** Every version a deploy of the service ever rolled out (visibility), and what the last deploy's record shows. */
async function versionsRun(c: Client, service: string, last: Parameters<typeof versionsSeen>[0]): Promise<string[]> {
  const seen = new Set(versionsSeen(last));
  const quote = (v: string) => `"${v.replace(/["\\]/g, '\\$&')}"`;
  for await (const wf of c.workflow.list({ query: `WorkflowType = ${quote(WORKFLOW_TYPE)} AND ${FirebreakService.name} = ${quote(service)}` })) {
    const v = wf.typedSearchAttributes.get(FirebreakVersion);
    if (v) seen.add(v);
  }
  return [...seen];
}
