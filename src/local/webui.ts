// The Temporal Web UI with a deploy in it, for the browser test and the docs screenshot: a dev
// server with its UI, the simulator and a worker; a deploy whose third region fails (so it pauses
// there); headless Chromium (Debian's, driven by playwright-core; never a downloaded browser) on
// the workflow's User Metadata tab, and the geometry of the current details panel.
import { existsSync } from 'node:fs';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { startDevServer, type DevServer } from './server.js';
import { startSimulator, type Simulator } from './sim/server.js';
import { createActivities } from '../../activities/index.js';
import { createUndoActivities } from '../worker/undo-activities.js';
import { startDeploy } from '../client/start.js';
import { statusQuery, type DeployStatus } from '../../workflows/messages.js';
import { testPlan } from './pipelines.js';
import { workflowBundle } from './bundle.js';

export const CHROMIUM = process.env.FIREBREAK_CHROMIUM ?? '/usr/bin/chromium';
/** The screen the details are designed for. */
export const VIEWPORT = { width: 1500, height: 1200 };

/**
 * Regions as a real service might have them: the first twelve, smallest first (the third is
 * ap-east-1, the largest us-east-1), then eight more for a long deploy; a deploy of n takes the
 * first n, smallest first.
 */
export const REGIONS: [name: string, customers: number][] = [
  ['ap-southeast-2', 1_200],
  ['sa-east-1', 4_800],
  ['ap-east-1', 9_600],
  ['ca-central-1', 21_000],
  ['eu-north-1', 36_000],
  ['ap-south-1', 52_000],
  ['me-south-1', 64_000],
  ['eu-central-1', 98_000],
  ['ap-northeast-1', 120_000],
  ['eu-west-2', 175_000],
  ['eu-west-1', 340_000],
  ['us-east-1', 1_350_000],
  ['af-south-1', 12_000],
  ['ap-northeast-2', 44_000],
  ['ap-southeast-1', 86_000],
  ['eu-south-1', 23_000],
  ['eu-west-3', 57_000],
  ['il-central-1', 27_400],
  ['us-west-2', 480_000],
  ['us-east-2', 390_000],
];

export interface WebUiStack {
  server: DevServer;
  /** The Web UI of the dev server. */
  uiUrl: string;
  sim: Simulator;
  client: Client;
  taskQueue: string;
  /** Deploys started here, aborted on close. */
  handles: WorkflowHandle[];
  close(): Promise<void>;
}

export async function startWebUiStack(): Promise<WebUiStack> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run npm run setup (apt-get install chromium)`);
  const server = await startDevServer({}); // with the Web UI, on free ports
  if (!server.uiUrl) {
    await server.stop();
    throw new Error('the dev server started without its Web UI');
  }
  const uiUrl = server.uiUrl;
  const sim = await startSimulator({ port: 0, deploySeconds: 0.2 });
  const connection = await Connection.connect({ address: server.address });
  const native = await NativeConnection.connect({ address: server.address });
  const taskQueue = `webui-${process.pid}`;
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...createUndoActivities(), ...createActivities({ env: { ...process.env, FIREBREAK_SIM_URL: sim.url } }) },
  });
  const running = worker.run();
  const client = new Client({ connection });
  const handles: WorkflowHandle[] = [];
  return {
    server,
    uiUrl,
    sim,
    client,
    taskQueue,
    handles,
    async close() {
      for (const h of handles) await h.signal('abort', { reason: 'over', by: 'webui' }).catch(() => undefined);
      worker.shutdown();
      await running.catch(() => undefined);
      await native.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await sim.close().catch(() => undefined);
      await server.stop();
    },
  };
}

export interface PausedDeployOptions {
  service: string;
  /** How many of REGIONS, each its own stage. */
  regions: number;
  version?: string;
}

/**
 * A deploy paused at its third region: every region runs 1.4.1, then the new version serves 50%
 * errors in the third, which breaches, rolls back and holds the deploy for a person.
 */
export async function pausedDeploy(stack: WebUiStack, opts: PausedDeployOptions): Promise<DeployStatus> {
  const { service } = opts;
  const version = opts.version ?? '1.4.2';
  const regions = REGIONS.slice(0, opts.regions).sort((a, b) => a[1] - b[1]);
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${stack.sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  };
  for (const [region] of regions) await post(`/services/${service}/regions/${region}/deployments`, { version: '1.4.1', deployId: 'seed' });
  await new Promise((r) => setTimeout(r, 500));
  await post('/faults', { service, region: regions[2][0], version, errorRate: 0.5 });
  const plan = testPlan({ service, regions, soak: '2s' }, version);
  const { handle } = await startDeploy(stack.client, { plan, taskQueue: stack.taskQueue, startedBy: 'alice' });
  stack.handles.push(handle);
  const until = Date.now() + 90_000;
  for (;;) {
    const s: DeployStatus = await handle.query(statusQuery);
    if (s.phase === 'paused') return s;
    if (Date.now() > until) throw new Error(`deploy did not pause: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface DetailsView {
  page: Page;
  /** The frame the current details' Markdown is rendered in. */
  frame: FrameLocator;
  /** The iframe element itself, in the page. */
  iframe: Locator;
}

/** Opens the deploy's workflow page on the User Metadata tab, through the saved query of docs/operating.md. */
export async function openDetails(browser: Browser, uiUrl: string, service: string): Promise<DetailsView> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  page.setDefaultTimeout(60_000);
  const query = encodeURIComponent(`FirebreakService="${service}"`);
  await page.goto(`${uiUrl}/namespaces/default/workflows?query=${query}`);
  const link = page.locator(`a[href*="/workflows/deploy-${service}/"]`).first();
  await link.waitFor();
  await link.click();
  await page.getByText('User Metadata', { exact: true }).first().click();
  // The current details: the frame whose Markdown holds the region table.
  const iframe = page.locator('iframe[title="output"][src*="%7C%20region%20%7C"]');
  await iframe.waitFor();
  const frame = page.frameLocator('iframe[title="output"][src*="%7C%20region%20%7C"]');
  await frame.locator('table').waitFor();
  return { page, frame, iframe };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DetailsGeometry {
  /** The part of the details frame on screen: its box cut by the viewport and every clipping ancestor. */
  panel: Rect;
  /** Each body row of the region table: its text (cells joined by one space) and its box, in page pixels. */
  rows: { text: string; box: Rect }[];
  /** Everything the panel's Markdown renders to, as text. */
  text: string;
}

/** Where the details and each of their region rows are on the page, for comparing boxes. */
export async function detailsGeometry(view: DetailsView): Promise<DetailsGeometry> {
  // No named functions inside: the page cannot see the helpers tsx adds to name them.
  const clips = await view.iframe.evaluate((el) => {
    const out = [el.getBoundingClientRect(), new DOMRect(0, 0, window.innerWidth, window.innerHeight)];
    for (let e = el.parentElement; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.overflowX !== 'visible' || style.overflowY !== 'visible') out.push(e.getBoundingClientRect());
    }
    return out.map((r) => [r.left, r.top, r.right, r.bottom]);
  });
  const [left, top, right, bottom] = clips.reduce((a, b) => [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])]);
  const panel = { x: left, y: top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
  const rows: { text: string; box: Rect }[] = [];
  const trs = view.frame.locator('table tbody tr');
  for (let i = 0; i < (await trs.count()); i++) {
    const tr = trs.nth(i);
    const cells = (await tr.locator('td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    const box = await tr.boundingBox();
    if (!box) throw new Error(`row ${i + 1} has no box`);
    rows.push({ text: cells.join(' '), box });
  }
  const text = await view.frame.locator('body').innerText();
  return { panel, rows, text };
}

/** Is the box wholly inside the rect (to half a pixel of rounding)? */
export function inside(box: Rect, rect: Rect): boolean {
  return box.x >= rect.x - 0.5 && box.y >= rect.y - 0.5 && box.x + box.width <= rect.x + rect.width + 0.5 && box.y + box.height <= rect.y + rect.height + 0.5;
}

/**
 * The docs screenshot: a deploy of twelve regions paused at its third, its workflow page at
 * 1500x1200 on the User Metadata tab. Fails unless every region row is inside the panel.
 */
export async function screenshotDeploy(path: string): Promise<DetailsGeometry> {
  const stack = await startWebUiStack();
  let browser: Browser | undefined;
  try {
    await pausedDeploy(stack, { service: 'web-shop', regions: 12 });
    browser = await launchChromium();
    const view = await openDetails(browser, stack.uiUrl, 'web-shop');
    const geometry = await detailsGeometry(view);
    const out = geometry.rows.filter((r) => !inside(r.box, geometry.panel));
    if (geometry.rows.length !== 12 || out.length) throw new Error(`rows outside the panel: ${out.map((r) => r.text).join('; ') || `${geometry.rows.length} rows`}`);
    await view.page.screenshot({ path });
    return geometry;
  } finally {
    await browser?.close().catch(() => undefined);
    await stack.close();
  }
}
