import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestStack, startWorkerProcess, workflowBundle } from './stack.js';
const dir = import.meta.dirname;
test('stack + bundle + worker process', async () => {
  let t = Date.now();
  const stack = await startTestStack();
  console.log('stack', Date.now() - t, stack.address, stack.taskQueue); t = Date.now();
  try {
    const b = await workflowBundle({ workflowsPath: join(dir, '_tmp-wf.ts') });
    console.log('bundle', Date.now() - t, b.codePath); t = Date.now();
    const w = await startWorkerProcess({ address: stack.address, taskQueue: stack.taskQueue, workflowsPath: join(dir, '_tmp-wf.ts'), activitiesModule: join(dir, '_tmp-acts.ts') });
    console.log('worker', Date.now() - t, w.pid); t = Date.now();
    const r = await stack.client.workflow.execute('hello', { taskQueue: stack.taskQueue, workflowId: 'w1', args: ['svc'] });
    console.log('result', r, Date.now() - t);
    assert.match(r, /hello svc/);
    w.kill('SIGKILL');
    const e = await w.exited; console.log('exited', e);
  } finally { t = Date.now(); await stack.stop(); console.log('stop', Date.now() - t); }
});
