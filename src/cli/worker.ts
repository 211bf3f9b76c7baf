// `firebreak worker`: poll the task queue until interrupted.
import { connectWorkerConnection } from '../temporal/connect.js';
import { createWorker } from '../worker/run.js';
import { CliError } from './fail.js';

export async function workerCommand(opts: { taskQueue: string }): Promise<void> {
  let conn;
  try {
    conn = await connectWorkerConnection();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const worker = await createWorker({ connection: conn.connection, namespace: conn.namespace, taskQueue: opts.taskQueue });
  process.stdout.write(`worker ready: ${conn.address} namespace ${conn.namespace} task queue ${opts.taskQueue}\n`);
  try {
    await worker.run();
  } finally {
    await conn.connection.close();
  }
}
