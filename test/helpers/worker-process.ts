// A worker in its own process, started by startWorkerProcess (worker-launcher.ts). Configured
// by environment: TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (via envconfig), TASK_QUEUE,
// WORKFLOW_BUNDLE (a cached bundle path) and ACTIVITIES_MODULE (default activities/index.ts,
// which exports createActivities(deps?)). Prints `worker ready` once polling.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createWorker, runWorker } from '../../src/worker/run.js';
import { connectWorkerConnection } from '../../src/client/connect.js';
import { DEFAULT_TASK_QUEUE } from '../../src/domain/names.js';
import { REPO_ROOT } from '../../src/local/tools.js';
import { workflowBundle } from '../../src/local/bundle.js';

type ActivitiesModule = { createActivities(deps?: unknown): object };

// Loaded by path at run time: the activities module may be a test's fake, and importing it by
// a computed specifier keeps this file compiling whichever module is chosen.
const activitiesUrl = process.env.ACTIVITIES_MODULE
  ? pathToFileURL(process.env.ACTIVITIES_MODULE).href
  : pathToFileURL(join(REPO_ROOT, 'activities', 'index.ts')).href;
const { createActivities } = (await import(activitiesUrl)) as ActivitiesModule;

const { connection, namespace } = await connectWorkerConnection();
const codePath = process.env.WORKFLOW_BUNDLE ?? (await workflowBundle()).codePath;
const worker = await createWorker({
  connection,
  namespace,
  taskQueue: process.env.TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
  workflowBundle: { codePath },
  activities: createActivities(),
});
// The SDK shuts the worker down gracefully on SIGINT/SIGTERM; SIGKILL is the crash tests' case.
const running = runWorker(worker);
console.log('worker ready');
try {
  await running;
} finally {
  await connection.close();
}
