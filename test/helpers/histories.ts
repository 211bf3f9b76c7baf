// Histories of released workflow shapes, kept under test/histories/ and replayed on every run
// so a nondeterministic change to the workflow fails CI. Recorded by running the workflow
// tests with FIREBREAK_RECORD_HISTORIES=1, exported with the Temporal CLI exactly as an
// operator would export a production history (`temporal workflow show --output json`).
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { REPO_ROOT, findTemporalCli } from '../../src/local/tools.js';

export const HISTORIES_DIR = join(REPO_ROOT, 'test', 'histories');

/** Records the latest run of the handle's workflow, or the run `runId` (one that continued as new). */
export async function recordHistory(address: string, handle: WorkflowHandle, name: string, runId?: string): Promise<void> {
  if (process.env.FIREBREAK_RECORD_HISTORIES !== '1') return;
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const run = runId ? ['--run-id', runId] : [];
  const json = execFileSync(findTemporalCli(), ['workflow', 'show', '--address', address, '--workflow-id', handle.workflowId, ...run, '--output', 'json'], {
    maxBuffer: 64 << 20,
  });
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), json);
}
