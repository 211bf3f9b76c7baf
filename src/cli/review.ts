// `firebreak review [--since 90d | --quarter 2026Q4]`: the quarterly deploy-pattern review and
// the DORA keys. It reads the deploy records (FIREBREAK_RECORDS_URL) when there is a records
// database, else what Temporal's visibility still keeps, and says which, over which period,
// and when that source cannot cover the whole period (a retention shorter than it).
import type { Client } from '@temporalio/client';
import { WorkflowContinuedAsNewError, WorkflowFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { join } from 'node:path';
import { statusQuery, type DeployStatus } from '../../workflows/messages.js';
import { fullReviewMarkdown, review, type FullReview, type ReviewSource } from '../client/review.js';
import { recordsFromRuns, type FinishedRun } from '../client/records.js';
import { client } from './common.js';
import { outputFormat, printDocument, type ConnectFlags, type OutputFlags } from './output.js';
import { deployHandle } from '../client/workflow.js';
import { CliError } from './fail.js';
import { oneLine } from './no-answer.js';
import { listQuery } from './list.js';
import { parsePeriod, PeriodError, periodDays, type Period } from '../domain/records/period.js';
import { dora, type Dora } from '../domain/records/dora.js';
import { RECORDS_URL_ENV, type DeployRecord } from '../domain/records/record.js';
import { readRecords, redactUrl, withRecords } from '../../activities/records/store.js';
import { writePlot, type Chart } from '../local/chart.js';
import { formatDuration } from '../domain/pipeline/duration.js';

export interface ReviewOptions extends OutputFlags, ConnectFlags {
  since?: string;
  quarter?: string;
  service?: string;
  owner?: string;
  /** Write the SVG plots into this directory; the Markdown links them. */
  plots?: string;
}

/** A hotfix up to this long after the period still marks a change in it as failed. */
const LOOK_AHEAD_MS = 14 * 86_400_000;

export function periodOf(opts: Pick<ReviewOptions, 'since' | 'quarter'>, now = Date.now()): Period {
  try {
    return parsePeriod({ since: opts.since, quarter: opts.quarter }, now);
  } catch (err) {
    if (err instanceof PeriodError) throw new CliError(`review: ${err.message}`);
    throw err;
  }
}

export async function reviewCommand(opts: ReviewOptions): Promise<void> {
  const format = outputFormat(opts);
  const period = periodOf(opts);
  const url = process.env[RECORDS_URL_ENV];
  let records: DeployRecord[];
  let source: ReviewSource;
  if (url) {
    const to = new Date(Math.min(period.to.getTime() + LOOK_AHEAD_MS, Date.now() + 1000));
    try {
      records = await withRecords(url, (c) => readRecords(c, { from: period.from, to, service: opts.service }));
    } catch (err) {
      throw new CliError(`review: ${oneLine(err)}`);
    }
    source = { kind: 'records', where: redactUrl(url) };
  } else {
    const c = await client(opts);
    records = recordsFromRuns(await finishedRuns(c, period, opts.service));
    source = { kind: 'temporal', where: `namespace ${c.options.namespace}` };
    const retention = await retentionMs(c);
    const short = `no records database (${RECORDS_URL_ENV}) is configured, so this review reads Temporal`;
    if (retention !== undefined && retention < Date.now() - period.from.getTime()) {
      source.warning = `${short}, which keeps finished deploys for ${formatDuration(retention)}: deploys that ended before then are missing from this ${Math.round(periodDays(period))}-day period`;
    }
    if (source.warning) process.stderr.write(`warning: ${source.warning}\n`);
  }
  if (opts.owner) records = records.filter((r) => (r.status as Partial<DeployStatus>).owner === opts.owner);
  const inPeriod = records.filter((r) => {
    const t = Date.parse(r.status.startedAt);
    return t >= period.from.getTime() && t < period.to.getTime();
  });
  const finished = inPeriod.filter((r) => r.status.phase !== 'running' && r.status.phase !== 'paused').map((r) => r.status as DeployStatus);
  const keys = dora(records, period);
  const full: FullReview = {
    ...review(finished),
    period: { from: period.from.toISOString(), to: period.to.toISOString(), label: period.label },
    source,
    dora: keys,
  };
  if (opts.plots) full.plots = await writePlots(opts.plots, keys, period);
  if (format !== 'text') printDocument(format, full);
  else process.stdout.write(`${fullReviewMarkdown(full)}\n`);
}

/** The namespace's retention of closed runs, when the server says. */
async function retentionMs(c: Client): Promise<number | undefined> {
  try {
    const res = await c.workflowService.describeNamespace({ namespace: c.options.namespace });
    const ttl = res.config?.workflowExecutionRetentionTtl;
    if (!ttl) return undefined;
    return Number(ttl.seconds ?? 0) * 1000 + Math.floor((ttl.nanos ?? 0) / 1e6);
  } catch {
    return undefined;
  }
}

/** Every finished run (deploys and rollbacks) Temporal still lists, started in the period. */
export async function finishedRuns(c: Client, period: Period, service?: string): Promise<FinishedRun[]> {
  const query = `${listQuery({ service, since: period.from.toISOString() })} AND StartTime < "${period.to.toISOString()}" AND ExecutionStatus != "Running"`;
  return finalStatuses(c.workflow.list({ query }), async (wf) => {
    const run = deployHandle(c, wf.workflowId, wf.runId);
    let status: DeployStatus;
    try {
      status = await run.result();
    } catch (err) {
      // A run that handed over to a queued version (continue-as-new) has no result of its own.
      if (!(err instanceof WorkflowContinuedAsNewError)) throw err;
      status = await run.query(statusQuery);
    }
    return { workflowId: wf.workflowId, runId: wf.runId, status } as FinishedRun;
  });
}

interface Run {
  workflowId: string;
  runId: string;
}

/**
 * The final status of every finished run. Terminated, failed, cancelled or timed-out runs
 * (and a run whose history retention removed meanwhile) have none to learn from and are
 * skipped; any other error (the server unreachable, permission denied) fails the review with
 * one line, rather than a report quietly built from part of the quarter.
 */
export async function finalStatuses<T>(runs: AsyncIterable<Run>, resultOf: (run: Run) => Promise<T>): Promise<T[]> {
  const statuses: T[] = [];
  for await (const run of runs) {
    try {
      statuses.push(await resultOf(run));
    } catch (err) {
      if (err instanceof WorkflowFailedError || err instanceof WorkflowNotFoundError) continue;
      throw new CliError(`review: cannot read the result of ${run.workflowId} (run ${run.runId}): ${oneLine(err)}`);
    }
  }
  return statuses;
}

/** Deploys per week, change failure rate per week, time per stage: SVGs in dir (only those with data). */
async function writePlots(dir: string, d: Dora, period: Period): Promise<Record<string, string>> {
  const subtitle = `${period.label}; firebreak review`;
  const weeks = d.weeks.map((w, i) => ({ ...w, i: i + 1 }));
  const charts: [string, string, Chart][] = [];
  if (weeks.length) {
    charts.push(['Deploys per week', 'review-deploys-per-week.svg', {
      title: 'Deploys per week', subtitle, x: { title: 'week of the period', min: 1 }, y: { title: 'deploys that reached a region', min: 0 },
      series: [{ name: 'deploys', points: weeks.map((w) => ({ x: w.i, y: w.changes })) }, { name: 'change failures', points: weeks.map((w) => ({ x: w.i, y: w.failures })) }],
    }]);
    const rated = weeks.filter((w) => w.changes > 0);
    if (rated.length) charts.push(['Change failure rate', 'review-change-failure-rate.svg', {
      title: 'Change failure rate per week', subtitle, x: { title: 'week of the period', min: 1 }, y: { title: 'change failure rate', unit: '%', min: 0, max: 100 },
      series: [{ name: 'change failure rate', points: rated.map((w) => ({ x: w.i, y: (100 * w.failures) / w.changes })) }],
    }]);
  }
  if (d.stageMinutes.length) charts.push(['Time per stage', 'review-time-per-stage.svg', {
    title: 'Time per stage (median)', subtitle, x: { title: 'stage', min: 1 }, y: { title: 'deploy to last promotion', unit: 'min', min: 0 },
    series: [{ name: 'median', points: d.stageMinutes.map((s) => ({ x: s.stage, y: s.medianMinutes })) }],
  }]);
  const out: Record<string, string> = {};
  for (const [title, file, chart] of charts) {
    const path = join(dir, file);
    await writePlot(path, chart);
    out[title] = path;
  }
  return out;
}
