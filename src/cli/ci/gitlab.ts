// GitLab CI (GITLAB_CI=true): collapsible sections in the job log, and a dotenv report with the
// outcome for later jobs (`artifacts: reports: dotenv: firebreak.env`). The section markers are
// GitLab's: `\e[0Ksection_start:<unix time>:<name>[collapsed=true]\r\e[0K<header>`, and
// `\e[0Ksection_end:<unix time>:<name>\r\e[0K`. Pure.
import type { DeployStatus } from '../../../workflows/messages.js';

const ESC = '\u001b[0K';

/** A section name: letters, digits, _ . - only (GitLab ignores a marker with anything else). */
export function sectionName(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);
}

export function sectionStart(name: string, header: string, at: Date, collapsed = true): string {
  return `${ESC}section_start:${Math.floor(at.getTime() / 1000)}:${sectionName(name)}${collapsed ? '[collapsed=true]' : ''}\r${ESC}${header.replace(/[\r\n]+/g, ' ')}`;
}

export function sectionEnd(name: string, at: Date): string {
  return `${ESC}section_end:${Math.floor(at.getTime() / 1000)}:${sectionName(name)}\r${ESC}`;
}

/** The outcome as KEY=value lines (one line each: dotenv values may not span lines). */
export function dotenvReport(s: DeployStatus, workflowId: string, exitCode: number): string {
  const oneLine = (v: string) => v.replace(/[\r\n]+/g, ' ').slice(0, 1000);
  const values: [string, string][] = [
    ['FIREBREAK_SERVICE', s.service],
    ['FIREBREAK_VERSION', s.version],
    ['FIREBREAK_OUTCOME', s.phase],
    ['FIREBREAK_EXIT_CODE', String(exitCode)],
    ['FIREBREAK_WORKFLOW_ID', workflowId],
    ['FIREBREAK_REGIONS_PROMOTED', String(s.stages.flatMap((st) => st.regions).filter((r) => r.state === 'promoted').length)],
    ['FIREBREAK_REGIONS_ROLLED_BACK', String(s.stages.flatMap((st) => st.regions).filter((r) => r.state === 'rolled_back').length)],
    ...(s.failure ? ([['FIREBREAK_FAILURE', oneLine(s.failure)]] as [string, string][]) : []),
  ];
  return `${values.map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}
