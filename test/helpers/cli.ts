// The `firebreak` CLI as CI runs it: a real child process pointed at the test stack.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/local/tools.js';
import type { TestStack } from './stack.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function runFirebreak(stack: TestStack, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'firebreak.js'), ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, TEMPORAL_ADDRESS: stack.address, FIREBREAK_TASK_QUEUE: stack.taskQueue, FIREBREAK_USER: 'ci', ...env },
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
