// Runs a Firebreak worker as a real child process, so a test can SIGKILL it mid-deploy and
// start another: the crash-recovery paths are exercised for real, not simulated in-process.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/local/tools.js';
import { workflowBundle } from '../../src/local/bundle.js';

export interface WorkerProcessOptions {
  /** host:port of the Temporal server (TEMPORAL_ADDRESS). */
  address: string;
  taskQueue: string;
  namespace?: string;
  /** Module exporting createActivities(deps?); default activities/index.ts. */
  activitiesModule?: string;
  /** Workflow entry to bundle; default workflows/index.ts. */
  workflowsPath?: string;
  /** Extra environment (e.g. FIREBREAK_SIM_URL, PROMETHEUS_URL). */
  env?: Record<string, string>;
  /** How long to wait for `worker ready`; default 60 s. */
  readyTimeoutMs?: number;
}

export interface WorkerProcess {
  pid: number;
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the worker printed so far (for assertion messages). */
  output(): string;
}

const WORKER_SCRIPT = join(REPO_ROOT, 'test', 'helpers', 'worker-process.ts');

export async function startWorkerProcess(opts: WorkerProcessOptions): Promise<WorkerProcess> {
  // Bundle in the parent (cached) so each child starts in about a second.
  const { codePath } = await workflowBundle({ workflowsPath: opts.workflowsPath });
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...opts.env,
      TEMPORAL_ADDRESS: opts.address,
      TEMPORAL_NAMESPACE: opts.namespace ?? 'default',
      TASK_QUEUE: opts.taskQueue,
      WORKFLOW_BUNDLE: codePath,
      ...(opts.activitiesModule ? { ACTIVITIES_MODULE: opts.activitiesModule } : {}),
    },
  });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // A test that forgets to kill its worker must not leave it polling after the test process ends.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker process not ready after ${opts.readyTimeoutMs ?? 60_000} ms:\n${out}`));
    }, opts.readyTimeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (/^worker ready$/m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited before ready (code ${code}, signal ${signal}):\n${out}`));
    });
  });
  return {
    pid: child.pid!,
    kill: (signal: NodeJS.Signals = 'SIGKILL') => void child.kill(signal),
    exited,
    output: () => out,
  };
}
