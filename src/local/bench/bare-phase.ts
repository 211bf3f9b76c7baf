// The bench's bare phase: N bare chains at once, on the same server, with the same worker
// settings as Firebreak's phase but their own worker and task queue (workflows/ is untouched).
// Like the Firebreak phase it ends by its deadline; a bare chain cannot pause, so whatever is
// still open then is stuck, reported, and terminated.
import { fileURLToPath } from 'node:url';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Deploy } from '../../domain/pipeline/schema.js';
import { createBareActivities } from './bare-activities.js';
import type { bareChain } from './bare-workflow.js';
import { phaseFigures, type PhaseFigures, type Succeeded } from './phase.js';
import { BENCH_WORKER_SETTINGS } from './worker-settings.js';

const BARE_WORKFLOW_PATH = fileURLToPath(new URL('./bare-workflow.ts', import.meta.url));
export const BARE_TASK_QUEUE = 'bench-bare';

export interface BarePhase extends PhaseFigures {
  succeeded: number;
  stuck: string[];
  failed: string[];
  terminated: number;
}

export async function runBarePhase(opts: {
  client: Client;
  connection: NativeConnection;
  simUrl: string;
  deploy: Deploy;
  chains: number;
  regions: number;
  soakMs: number;
  deadlineS: number;
}): Promise<BarePhase> {
  const { client } = opts;
  const worker = await Worker.create({
    connection: opts.connection,
    taskQueue: BARE_TASK_QUEUE,
    workflowsPath: BARE_WORKFLOW_PATH,
    activities: createBareActivities({ ...process.env, FIREBREAK_SIM_URL: opts.simUrl }),
    ...BENCH_WORKER_SETTINGS,
  });
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 200);
  const cpu0 = process.cpuUsage();
  const startedAt = Date.now();
  const deadlineAt = startedAt + opts.deadlineS * 1000;
  const bounded = <R>(ms: number, fn: () => Promise<R>) => client.withDeadline(Date.now() + ms, fn);
  const succeeded: Succeeded[] = [];
  const stuck: string[] = [];
  const failed: string[] = [];
  let terminated = 0;
  let cpuUs = 0;
  try {
    await worker.runUntil(async () => {
      const regions = Array.from({ length: opts.regions }, (_, i) => `r${i}`);
      const handles: WorkflowHandle<typeof bareChain>[] = [];
      await Promise.all(
        Array.from({ length: opts.chains }, async (_, c) => {
          const id = `bare-bench-${c}`;
          try {
            const input = { deploy: opts.deploy, service: `bare-${c}`, version: '2.0.0', regions, soakMs: opts.soakMs };
            handles.push(await client.withDeadline(deadlineAt, () => client.workflow.start<typeof bareChain>('bareChain', { taskQueue: BARE_TASK_QUEUE, workflowId: id, args: [input] })));
          } catch (err) {
            failed.push(`${id}: not started: ${err instanceof Error ? err.message : String(err)}`);
          }
        }),
      );
      // Each result is a long poll; the deadline wins the race for whatever has not closed.
      const open = new Set(handles);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadlineAt - Date.now()))));
      const done = Promise.all(
        handles.map(async (h) => {
          try {
            await h.result();
            open.delete(h);
            const desc = await bounded(10_000, () => h.describe()).catch(() => undefined);
            succeeded.push({ handle: h, closeTime: desc?.closeTime ?? new Date() });
          } catch (err) {
            if (!open.delete(h)) return; // terminated by us at the deadline
            failed.push(`${h.workflowId}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }),
      );
      await Promise.race([done, deadline]);
      clearTimeout(timer);
      cpuUs = ((c) => c.user + c.system)(process.cpuUsage(cpu0));
      for (const h of [...open]) {
        open.delete(h);
        stuck.push(h.workflowId);
        try {
          await bounded(10_000, () => h.terminate('bench: bare chain stuck at the deadline'));
          terminated++;
        } catch {
          // already closed
        }
      }
      // A start that timed out may still have created its chain: sweep the task queue.
      if (failed.length) {
        await bounded(30_000, async () => {
          for await (const w of client.workflow.list({ query: `TaskQueue = '${BARE_TASK_QUEUE}' AND ExecutionStatus = 'Running'` })) {
            await client.workflow.getHandle(w.workflowId, w.runId).terminate('bench: still open at the end').then(() => terminated++, () => undefined);
          }
        }).catch(() => undefined);
      }
    });
  } finally {
    clearInterval(sampler);
  }
  const figures = await phaseFigures({
    succeeded,
    regions: opts.regions,
    startedAt,
    cpuUs,
    rssPeak,
    rssBefore,
    activities: new Set(['bareDeploy', 'bareWatch']),
    bounded,
  });
  return { ...figures, succeeded: succeeded.length, stuck, failed, terminated };
}
