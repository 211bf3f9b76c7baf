// `firebreak deploy FILE --version V`: validate, plan, start (or attach), optionally follow.
import { dirname } from 'node:path';
import { loadPipelineFile } from '../domain/pipeline/load.js';
import { resolveMigrations } from '../domain/migrations/steps.js';
import { plan } from '../domain/pipeline/plan.js';
import { parseDuration, formatDuration } from '../domain/pipeline/duration.js';
import { startDeploy, StartRefused, type Started } from '../client/start.js';
import { QueueWaitTimedOut, waitInQueue } from '../client/train.js';
import type { DeployHandle } from '../client/workflow.js';
import type { Client } from '@temporalio/client';
import { actor, client } from './common.js';
import { outputFormat, printDocument, type ConnectFlags, type OutputFlags } from './output.js';
import { CliError, EXIT } from './fail.js';
import { isNoAnswerYet } from './no-answer.js';
import { ciHost, deployReport, group } from './ci/host.js';
import { exitCodeFor, follow, StoppedWaiting } from './wait.js';
import { isInteractive, renderStatus } from './render.js';
import { LiveStatusReader, plainStatus } from './live.js';
import { lanesOf, type LaneFlags } from './deploy-lanes.js';
import { commitOf, CommitError } from '../domain/records/commit.js';

export interface DeployOptions extends OutputFlags, ConnectFlags, LaneFlags {
  version: string;
  previous?: string;
  wait?: boolean;
  supersede?: boolean;
  /** Stop waiting (not the deploy) after this long, e.g. 90m: exit 5. */
  waitTimeout?: string;
  by?: string;
  taskQueue: string;
  /** The commit shipped, and when it was made: lead time (else read from the CI's environment). */
  commit?: string;
  commitTime?: string;
}

export async function deployCommand(file: string, opts: DeployOptions): Promise<void> {
  const format = outputFormat(opts);
  // -o json or yaml: stdout is the one document, so the progress lines go to stderr.
  const document = format !== 'text';
  const { pipeline } = loadPipelineFile(file); // throws PipelineError: nothing is started
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(opts.version)) {
    throw new CliError(`--version ${JSON.stringify(opts.version)} is not a version (letters, digits, . _ + -)`);
  }
  const canReadPrevious = Boolean(pipeline.deploy.current || pipeline.deploy.http?.status.version || pipeline.deploy.kubernetes);
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
  const waitMs = opts.waitTimeout === undefined ? undefined : parseDuration(opts.waitTimeout);
  if (opts.waitTimeout !== undefined && (!waitMs || !opts.wait)) {
    throw new CliError(
      !opts.wait ? '--wait-timeout needs --wait; nothing was started' : `--wait-timeout ${JSON.stringify(opts.waitTimeout)} is not a duration like 90m; nothing was started`,
    );
  }
  let commit;
  try {
    commit = commitOf({ commit: opts.commit, commitTime: opts.commitTime }, process.env);
  } catch (err) {
    if (err instanceof CommitError) throw new CliError(`${err.message}; nothing was started`);
    throw err;
  }
  const deadline = waitMs === undefined ? undefined : Date.now() + waitMs;
  const lanes = lanesOf(pipeline, opts, actor(opts.by));
  const thePlan = plan(pipeline, opts.version, { migrations, ...(lanes.hotfix ? { hotfix: lanes.hotfix } : {}) });
  const c = await client(opts);
  const log = (line: string) => (document ? process.stderr : process.stdout).write(`${line}\n`);
  const started = await startDeploy(c, {
    plan: thePlan,
    taskQueue: opts.taskQueue,
    previous: opts.previous,
    startedBy: actor(opts.by),
    supersede: opts.supersede,
    queue: pipeline.train.mode === 'queue',
    ...(lanes.overrideFreeze ? { overrideFreeze: lanes.overrideFreeze } : {}),
    ...(commit ? { commit } : {}),
    progress: log,
  }).catch((err: unknown) => {
    throw err instanceof StartRefused ? new CliError(err.message) : err;
  });
  const id = started.handle.workflowId;
  if (started.superseded) log(`aborted the running deploy of ${started.superseded} (superseded)`);
  if (started.queued) log(`queued behind ${started.queued.behind} (${started.queued.stage}): ${id} starts ${opts.version} when that deploy ends`);
  else log(started.attached ? `attached to ${id} (already deploying ${opts.version})` : `started ${id}: ${pipeline.service} ${opts.version}`);
  if (!opts.wait) {
    if (format !== 'text') printDocument(format, { workflowId: id, attached: started.attached, ...(started.queued ? { queuedBehind: started.queued.behind } : {}) });
    return;
  }
  const followHint = `firebreak status ${pipeline.service} --watch`;
  const stopped = () =>
    new CliError(
      `stopped waiting after ${formatDuration(waitMs ?? 0)} (--wait-timeout); the deploy goes on. Follow it with: ${followHint}`,
      EXIT.stoppedWaiting,
    );
  let handle: DeployHandle;
  try {
    handle = started.queued ? await leaveQueue(c, started, opts.version, deadline, log) : started.handle;
  } catch (err) {
    if (err instanceof QueueWaitTimedOut) throw stopped();
    throw err;
  }
  const out = document ? process.stderr : process.stdout;
  const mode = isInteractive(out) ? 'tty' : 'ci';
  // GitHub Actions and GitLab CI get collapsible groups and reports; a terminal never does.
  const host = mode === 'ci' ? ciHost() : 'plain';
  const print = (lines: string[]) => lines.forEach(log);
  const progress = group(host, 'firebreak_progress', `firebreak deploy ${pipeline.service} ${opts.version}: progress`);
  print(progress.open);
  let final;
  try {
    final = await follow(new LiveStatusReader(c, handle), {
      mode,
      write: (text) => out.write(text),
      size: () => ({ columns: out.columns, rows: out.rows }),
      deadline,
    });
  } catch (err) {
    if (err instanceof StoppedWaiting) throw stopped();
    throw err;
  } finally {
    print(progress.close());
  }
  const exitCode = exitCodeFor(final.phase, final);
  if (format !== 'text') printDocument(format, plainStatus(final));
  // On a terminal the last frame is the summary; a log gets the whole timeline once more.
  else if (mode === 'ci') {
    const timeline = group(host, 'firebreak_timeline', `firebreak deploy ${pipeline.service} ${opts.version}: ${final.phase}, the whole timeline`);
    print(timeline.open);
    log(`\n${renderStatus(final)}`);
    print(timeline.close());
  }
  if (host !== 'plain') {
    const { runId } = await handle.describe();
    print(deployReport(host, final, { workflowId: handle.workflowId, runId, namespace: c.options.namespace, exitCode, env: process.env }));
  }
  process.exitCode = exitCode;
}

/**
 * Waits in the queue until the running deploy ends: the run of our version to follow, or, if
 * a newer queued version started instead, exit 4 with the one line that says so.
 */
async function leaveQueue(c: Client, started: Started, version: string, deadline: number | undefined, log: (line: string) => void): Promise<DeployHandle> {
  const outcome = await waitInQueue(c, started.handle, version, { deadline, isTransient: isNoAnswerYet });
  if ('started' in outcome) {
    log(`${started.queued?.behind} ended; ${version} started as the next run of ${started.handle.workflowId}`);
    return outcome.started;
  }
  throw new CliError(`superseded by ${outcome.supersededBy} before it started (it was queued behind ${outcome.status.version})`, EXIT.superseded);
}
