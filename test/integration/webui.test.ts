// The Temporal Web UI shows a deploy without opening its history (docs/temporal.md): a real dev
// server with its UI, the simulator and a worker run a deploy that pauses (a fault fails its
// second region); headless Chromium (Debian's, driven by playwright-core; never a downloaded
// browser) finds it by its search attribute, opens it, and sees the static summary, the
// activity summaries and the current details region table. The screenshot is docs/webui-deploy.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { chromium, type Browser } from 'playwright-core';
import { startDevServer, type DevServer } from '../../src/local/server.js';
import { startSimulator, type Simulator } from '../../src/local/sim/server.js';
import { createActivities } from '../../activities/index.js';
import { startDeploy } from '../../src/client/start.js';
import { REPO_ROOT } from '../../src/local/tools.js';
import { statusQuery, type DeployStatus } from '../../workflows/messages.js';
import { testPlan } from '../../src/local/pipelines.js';
import { workflowBundle } from '../../src/local/bundle.js';

const CHROMIUM = process.env.FIREBREAK_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = join(REPO_ROOT, 'docs', 'webui-deploy.png');
const SERVICE = 'web-shop';
const TASK_QUEUE = `test-webui-${process.pid}`;
const REGIONS = ['ap-southeast-2', 'eu-west-1', 'us-east-1'];

Runtime.install({ logger: new DefaultLogger('WARN') });

let server: DevServer | undefined;
let sim: Simulator | undefined;
let connection: Connection | undefined;
let native: NativeConnection | undefined;
let worker: Worker | undefined;
let running: Promise<void> | undefined;
let browser: Browser | undefined;
let handle: WorkflowHandle | undefined;

before(async () => {
  // Required, not skipped: scripts/setup.mjs installs Debian's chromium.
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run npm run setup (apt-get install chromium)`);
  server = await startDevServer({}); // with the Web UI, on free ports
  sim = await startSimulator({ port: 0, deploySeconds: 0.2 });
  connection = await Connection.connect({ address: server.address });
  native = await NativeConnection.connect({ address: server.address });
  worker = await Worker.create({
    connection: native,
    taskQueue: TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ env: { ...process.env, FIREBREAK_SIM_URL: sim.url } }),
  });
  running = worker.run();
});

after(async () => {
  await browser?.close().catch(() => undefined);
  if (handle) await handle.signal('abort', { reason: 'test over', by: 'test' }).catch(() => undefined);
  if (worker && running) {
    worker.shutdown();
    await running.catch(() => undefined);
  }
  await native?.close().catch(() => undefined);
  await connection?.close().catch(() => undefined);
  await sim?.close().catch(() => undefined);
  await server?.stop();
});

async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${sim!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

test('the Web UI finds a paused deploy by FirebreakService and shows its summary and region table', async () => {
  const client = new Client({ connection: connection! });
  // What ran before Firebreak, then a fault: 1.4.2 serves 50% errors in eu-west-1.
  for (const region of REGIONS) await post(`/services/${SERVICE}/regions/${region}/deployments`, { version: '1.4.1', deployId: 'seed' });
  await new Promise((r) => setTimeout(r, 500));
  await post('/faults', { service: SERVICE, region: 'eu-west-1', version: '1.4.2', errorRate: 0.5 });

  const plan = testPlan({ service: SERVICE, regions: [['ap-southeast-2', 1200], ['eu-west-1', 48000], ['us-east-1', 310000]], soak: '2s' }, '1.4.2');
  ({ handle } = await startDeploy(client, { plan, taskQueue: TASK_QUEUE, startedBy: 'alice' }));
  const until = Date.now() + 60_000;
  for (;;) {
    const s: DeployStatus = await handle.query(statusQuery);
    if (s.phase === 'paused') break;
    if (Date.now() > until) assert.fail(`deploy did not pause: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 300));
  }

  const t0 = Date.now();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(60_000);

  // The saved query of docs/operating.md: every deploy of one service.
  const query = encodeURIComponent(`FirebreakService="${SERVICE}"`);
  await page.goto(`${server!.uiUrl}/namespaces/default/workflows?query=${query}`);
  const link = page.locator(`a[href*="/workflows/deploy-${SERVICE}/"]`).first();
  await link.waitFor();
  await link.click();

  // The workflow page: the User Metadata tab holds the summary, details, activity summaries
  // and the current details (each Markdown, rendered in its own frame).
  await page.getByText('User Metadata', { exact: true }).first().click();
  const frames = page.frameLocator('iframe[title="output"]');
  await frames.first().getByText(`${SERVICE} 1.4.2: ap-southeast-2 > eu-west-1 > us-east-1`).waitFor();
  await page.getByText('soak eu-west-1 2s').first().waitFor();
  await page.getByText('rollback eu-west-1 to 1.4.1').first().waitFor();

  // The current details: the frame whose Markdown holds the region table ("| stage | region |").
  const table = page.frameLocator('iframe[title="output"][src*="%7C%20stage%20%7C"]').locator('table');
  await table.waitFor();
  const header = (await table.locator('th').allInnerTexts()).map((t) => t.trim());
  assert.deepEqual(header.slice(0, 4), ['stage', 'region', 'customers', 'state']);
  const rows = (await table.locator('tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
  assert.equal(rows.length, 3, rows.join('\n'));
  assert.match(rows[0], /^1 ap-southeast-2 1200 promoted 1\.4\.1/);
  assert.match(rows[1], /^2 eu-west-1 48000 rolled_back: error-rate = 0\.5 breached <= 0\.05/);
  assert.match(rows[2], /^3 us-east-1 310000 pending/);
  const uiMs = Date.now() - t0;

  // Every run keeps its screenshot under .firebreak/; the committed one in docs/ is rewritten only
  // when missing or asked for (UPDATE_SNAPSHOTS=1), so a test run leaves the checkout clean.
  const shot = process.env.UPDATE_SNAPSHOTS || !existsSync(SCREENSHOT) ? SCREENSHOT : join(REPO_ROOT, '.firebreak', 'webui-deploy.png');
  mkdirSync(dirname(shot), { recursive: true });
  await page.screenshot({ path: shot });
  const size = statSync(shot).size;
  console.log(`Web UI: list -> workflow -> region table in ${uiMs} ms; screenshot ${shot} ${Math.round(size / 1024)} KB`);
  assert.ok(size < 300 * 1024, `screenshot is ${size} bytes`);
});
