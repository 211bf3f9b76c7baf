import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { greet as G } from './_tmp-acts.js';
const { greet } = proxyActivities<{ greet: typeof G }>({ startToCloseTimeout: '10s' });
export async function hello(name: string): Promise<string> {
  upsertSearchAttributes({ FirebreakService: [name] });
  return await greet(name);
}
