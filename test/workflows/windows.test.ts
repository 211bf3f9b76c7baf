// Deploy windows in the workflow: exposure waits on a durable timer for the next open window,
// computed in the window's own time zone. Two zones with different DST rules; the window
// opens at the next minute boundary there, so the wait is real but short.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { simDeployments, start, waitFor, withWorker, settle } from '../helpers/deploys.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

/** HH:MM in a time zone for an instant. */
function clock(instant: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant);
}

async function deployInWindow(service: string, tz: string) {
  // The next minute boundary at least 5 s away: the deploy must wait for it.
  let opens = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
  if (opens.getTime() - Date.now() < 5_000) opens = new Date(opens.getTime() + 60_000);
  const closes = new Date(opens.getTime() + 30 * 60_000);
  const extra = `windows:\n  - { from: "${clock(opens, tz)}", to: "${clock(closes, tz)}", tz: ${tz} }\n`;
  const handle = await start(stack, testPlan({ service, regions: [['only', 10]], soak: '1s', interval: '250ms', minSamples: 2, extra }, '2.0.0'), { previous: '1.0.0' });
  const waiting = await waitFor(handle, (s) => s.windowOpensAt !== undefined, 'the deploy to wait for its window');
  assert.equal(waiting.windowOpensAt, opens.toISOString(), `window in ${tz} opens at the next minute boundary`);
  assert.equal(waiting.stages[0].regions[0].state, 'pending', 'nothing is deployed outside the window');
  assert.ok(waiting.events.some((e) => e.kind === 'window_wait'));
  const done = await settle(handle);
  assert.equal(done.phase, 'succeeded');
  const deploy = (await simDeployments(stack)).find((d) => d.service === service)!;
  assert.ok(Date.parse(deploy.at) >= opens.getTime(), `${service} deployed at ${deploy.at}, window opened ${opens.toISOString()}`);
  const promoted = Date.parse(done.events.find((e) => e.kind === 'promoted')!.at);
  assert.ok(promoted < closes.getTime(), 'promoted inside the window');
}

test('promotion waits for the next window, in Europe/Dublin and America/New_York', async () => {
  await withWorker(stack, () => Promise.all([deployInWindow('win-dublin', 'Europe/Dublin'), deployInWindow('win-newyork', 'America/New_York')]));
});
