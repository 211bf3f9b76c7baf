// `firebreak worker`: poll the task queue until interrupted.
import { connectWorkerConnection, describeConnectError } from '../client/connect.js';
import { installMetrics } from '../worker/metrics.js';
import { createWorker, runWorker } from '../worker/run.js';
import { CliError } from './fail.js';
import { connectFlags, type ConnectFlags } from './output.js';

export async function workerCommand(opts: ConnectFlags & { taskQueue: string; metrics?: string }): Promise<void> {
  // First: the Runtime takes its telemetry when it is made, and the connection makes it.
  let metrics: string | undefined;
  if (opts.metrics !== undefined) {
    try {
      metrics = installMetrics(opts.metrics);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  }
  let conn;
  try {
    conn = await connectWorkerConnection(connectFlags(opts));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  // Before bundling the workflows (seconds): a wrong namespace is one clear line, not a gRPC dump.
  try {
    await conn.connection.workflowService.describeNamespace({ namespace: conn.namespace });
  } catch (err) {
    await conn.connection.close();
    if ((err as { code?: number }).code === 5) {
      throw new CliError(
        `namespace "${conn.namespace}" does not exist at ${conn.address} (-n/--namespace, TEMPORAL_NAMESPACE or the profile); ` +
          `create it (temporal operator namespace create --namespace ${conn.namespace}) or fix the name`,
      );
    }
    throw new CliError(describeConnectError(conn.address, err).message);
  }
  const worker = await createWorker({ connection: conn.connection, namespace: conn.namespace, taskQueue: opts.taskQueue });
  const served = metrics ? `; metrics on http://${metrics}/metrics` : '';
  process.stdout.write(`worker ready: ${conn.address} namespace ${conn.namespace} task queue ${opts.taskQueue}${served}\n`);
  try {
    await runWorker(worker);
  } finally {
    await conn.connection.close();
  }
}
