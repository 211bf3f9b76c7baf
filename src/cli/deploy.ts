// `firebreak deploy FILE --version V`: validate, plan, start (or attach), optionally follow.
import { dirname } from 'node:path';
import { loadPipelineFile } from '../pipeline/load.js';
import { resolveMigrations } from '../migrations/steps.js';
import { plan } from '../pipeline/plan.js';
import { startDeploy, StartRefused } from '../deploy/start.js';
import { actor, client, printJson } from './common.js';
import { CliError } from './fail.js';
import { exitCodeFor, follow } from './wait.js';
import { isInteractive, renderStatus } from './render.js';
import { LiveStatusReader, plainStatus } from './live.js';

export interface DeployOptions {
  version: string;
  previous?: string;
  wait?: boolean;
  json?: boolean;
  supersede?: boolean;
  by?: string;
  taskQueue: string;
}

export async function deployCommand(file: string, opts: DeployOptions): Promise<void> {
  const { pipeline } = loadPipelineFile(file); // throws PipelineError: nothing is started
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(opts.version)) {
    throw new CliError(`--version ${JSON.stringify(opts.version)} is not a version (letters, digits, . _ + -)`);
  }
  const canReadPrevious = Boolean(pipeline.deploy.current || pipeline.deploy.http?.status.version);
  if (!canReadPrevious && !opts.previous) {
    throw new CliError(
      'this pipeline has no way to learn the version a region runs (deploy.current or deploy.http.status.version), ' +
        'so rollback would have no target: add one, or pass --previous V; nothing was started',
    );
  }
  let migrations;
  try {
    migrations = resolveMigrations(pipeline.migrations ?? [], dirname(file));
  } catch (err) {
    throw new CliError(`${(err as Error).message}; nothing was started`);
  }
  const thePlan = plan(pipeline, opts.version, { migrations });
  const c = await client();
  const log = (line: string) => (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
  const started = await startDeploy(c, {
    plan: thePlan,
    taskQueue: opts.taskQueue,
    previous: opts.previous,
    startedBy: actor(opts.by),
    supersede: opts.supersede,
    progress: log,
  }).catch((err: unknown) => {
    throw err instanceof StartRefused ? new CliError(err.message) : err;
  });
  const id = started.handle.workflowId;
  if (started.superseded) log(`aborted the running deploy of ${started.superseded} (superseded)`);
  log(started.attached ? `attached to ${id} (already deploying ${opts.version})` : `started ${id}: ${pipeline.service} ${opts.version}`);
  if (!opts.wait) {
    if (opts.json) printJson({ workflowId: id, attached: started.attached });
    return;
  }
  const out = opts.json ? process.stderr : process.stdout;
  const mode = isInteractive(out) ? 'tty' : 'ci';
  const final = await follow(new LiveStatusReader(c, started.handle), {
    mode,
    write: (text) => out.write(text),
    size: () => ({ columns: out.columns, rows: out.rows }),
  });
  if (opts.json) printJson(plainStatus(final));
  // On a terminal the last frame is the summary; a log gets the whole timeline once more.
  else if (mode === 'ci') log(`\n${renderStatus(final)}`);
  process.exitCode = exitCodeFor(final.phase);
}
