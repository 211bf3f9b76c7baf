// Which CI runs the CLI, and what each one gets: GitHub Actions (GITHUB_ACTIONS=true) and
// GitLab CI (GITLAB_CI=true) get their own log grouping and reports; anywhere else gets
// today's plain one-line-per-change output and nothing more.
import { appendFileSync, writeFileSync } from 'node:fs';
import type { DeployStatus } from '../../../workflows/messages.js';
import type { Finding } from '../../domain/pipeline/finding.js';
import type { Problem } from '../../domain/pipeline/load.js';
import { deployAnnotations, groupEnd, groupStart, jobSummary, lintAnnotations } from './github.js';
import { dotenvReport, sectionEnd, sectionStart } from './gitlab.js';

export type CiHost = 'github' | 'gitlab' | 'plain';

export function ciHost(env: NodeJS.ProcessEnv = process.env): CiHost {
  if (env.GITHUB_ACTIONS === 'true') return 'github';
  if (env.GITLAB_CI === 'true') return 'gitlab';
  return 'plain';
}

/** Opens and closes a collapsible group of log lines; nothing outside GitHub and GitLab. */
export function group(host: CiHost, name: string, title: string, now = new Date()): { open: string[]; close: () => string[] } {
  if (host === 'github') return { open: [groupStart(title)], close: () => [groupEnd()] };
  if (host === 'gitlab') return { open: [sectionStart(name, title, now)], close: () => [sectionEnd(name, new Date())] };
  return { open: [], close: () => [] };
}

/** What `plan` adds for the CI: GitHub annotations of each problem and finding, with file and line. */
export function lintReport(host: CiHost, file: string, out: { problems?: Problem[]; findings?: Finding[] }): string[] {
  return host === 'github' ? lintAnnotations(file, out) : [];
}

export interface DeployReportContext {
  workflowId: string;
  runId?: string;
  namespace: string;
  exitCode: number;
  env: NodeJS.ProcessEnv;
}

/**
 * What a finished `deploy --wait` leaves for the CI: GitHub annotations (printed) and the job
 * summary (appended to $GITHUB_STEP_SUMMARY); GitLab's dotenv report ($FIREBREAK_DOTENV, default
 * firebreak.env). Returns the lines to print.
 */
export function deployReport(host: CiHost, s: DeployStatus, ctx: DeployReportContext): string[] {
  if (host === 'github') {
    const file = ctx.env.GITHUB_STEP_SUMMARY;
    if (file) appendFileSync(file, jobSummary(s, { uiUrl: ctx.env.FIREBREAK_UI_URL, namespace: ctx.namespace, workflowId: ctx.workflowId, runId: ctx.runId }));
    return deployAnnotations(s);
  }
  if (host === 'gitlab') {
    writeFileSync(ctx.env.FIREBREAK_DOTENV || 'firebreak.env', dotenvReport(s, ctx.workflowId, ctx.exitCode));
  }
  return [];
}
