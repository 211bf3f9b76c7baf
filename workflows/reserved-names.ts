// Temporal reserves names starting with `__temporal_`. With a default signal or update handler
// set (workflows/deploy.ts records unknown names), the SDK throws inside the activation for
// such a name, which fails the workflow task on every retry: one `temporal workflow signal
// --name __temporal_x` would wedge the deploy for good. This interceptor sees each activation
// before the SDK does and renames them, so they reach the default handlers and are recorded
// as ignored like any other unknown name. Deterministic: the same rename on replay.
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

const RESERVED_PREFIX = '__temporal_';
const RENAMED_PREFIX = 'firebreak-reserved:';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      activate(input, next) {
        for (const job of input.activation.jobs ?? []) {
          const signal = job.signalWorkflow;
          if (signal?.signalName?.startsWith(RESERVED_PREFIX)) signal.signalName = RENAMED_PREFIX + signal.signalName;
          const update = job.doUpdate;
          if (update?.name?.startsWith(RESERVED_PREFIX)) update.name = RENAMED_PREFIX + update.name;
        }
        return next(input);
      },
    },
  ],
});

/** The name as the sender wrote it, for the audit trail. */
export function sentName(name: string): string {
  return name.startsWith(RENAMED_PREFIX) ? name.slice(RENAMED_PREFIX.length) : name;
}
