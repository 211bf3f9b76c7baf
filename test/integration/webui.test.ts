// What engineers see in the Temporal Web UI, in a real browser: a dev server with its UI, the
// simulator and a worker run two deploys (12 regions and 5) that pause at their third region (a
// fault fails it); headless Chromium at 1500x1200 (Debian's, driven by playwright-core; never a
// downloaded browser) finds each by its search attribute, opens it, and on the User Metadata tab
// sees the static summary, the activity summaries and the current details, whose every region
// row lies inside the panel's visible rect, with numbers at 4 significant digits and counts with
// separators; a third deploy of 20 regions shows the compact table. scripts/webui-screenshot.ts
// makes docs/webui-deploy.png the same way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Browser } from 'playwright-core';
import { REPO_ROOT } from '../../src/local/tools.js';
import { detailsGeometry, inside, launchChromium, openDetails, pausedDeploy, REGIONS, startWebUiStack, type WebUiStack } from '../../src/local/webui.js';

Runtime.install({ logger: new DefaultLogger('WARN') });

let stack: WebUiStack | undefined;
let browser: Browser | undefined;

before(async () => {
  stack = await startWebUiStack();
  browser = await launchChromium();
});

/** Regions a table row stands for: one, or a folded run ("7 regions"). */
function regionsOf(row: string): number {
  const m = /^\S+ (\d+) regions /.exec(row);
  return m ? Number(m[1]) : 1;
}

after(async () => {
  await browser?.close().catch(() => undefined);
  await stack?.close();
});

/**
 * Every number in the text either is a count with well-placed separators or shows at most 4
 * significant digits; a bare integer of five digits or more is a count without separators.
 */
function numberProblems(text: string): string[] {
  const problems: string[] = [];
  for (const m of text.matchAll(/\d[\d,]*(?:\.\d+)?/g)) {
    const n = m[0].replace(/,$/, '');
    if (n.includes(',')) {
      if (!/^\d{1,3}(,\d{3})+$/.test(n)) problems.push(`${n}: misplaced separators`);
      continue;
    }
    if (!n.includes('.') && n.length >= 5) problems.push(`${n}: a count without separators`);
    const digits = n.includes('.') ? n.replace('.', '').replace(/^0+/, '') : n.replace(/^0+/, '').replace(/0+$/, '');
    if (digits.length > 4) problems.push(`${n}: ${digits.length} significant digits`);
  }
  return problems;
}

for (const [service, n] of [['web-shop', 12], ['web-cart', 5]] as const) {
  test(`a deploy of ${n} regions paused at its third: every region row inside the current details panel at 1500x1200`, async () => {
    const status = await pausedDeploy(stack!, { service, regions: n });
    const regions = REGIONS.slice(0, n).sort((a, b) => a[1] - b[1]);
    const third = regions[2][0];
    assert.equal(status.stages[2].regions[0].name, third);

    const t0 = Date.now();
    const view = await openDetails(browser!, stack!.uiUrl, service);
    const { page, frame } = view;
    // The summary, and the activity summaries of the history.
    const frames = page.frameLocator('iframe[title="output"]');
    await frames.first().getByText(`${service} 1.4.2: ${regions.map(([r]) => r).join(' > ')}`).waitFor();
    await page.getByText(`soak ${third} 2s`).first().waitFor();
    await page.getByText(`rollback ${third} to 1.4.1`).first().waitFor();

    // The current details: where it is, then the table.
    await frame.getByText(`at ${third} (stage 3 of ${n}), 2 of ${n} promoted`).waitFor();
    const header = (await frame.locator('table th').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(header, ['#', 'region', 'customers', 'state', 'version', 'soak', 'verdict']);
    const geometry = await detailsGeometry(view);
    const { panel, rows, text } = geometry;
    assert.equal(rows.length, n, rows.map((r) => r.text).join('\n'));
    regions.forEach(([name, customers], i) => {
      const row = rows[i];
      assert.ok(row.text.startsWith(`${i + 1} ${name} ${customers.toLocaleString('en-US')} `), row.text);
      assert.ok(inside(row.box, panel), `${name}'s row ${JSON.stringify(row.box)} is outside the panel's visible ${JSON.stringify(panel)}`);
    });
    assert.match(rows[0].text, /✓ promoted 1\.4\.1 → 1\.4\.2 2s pass$/);
    assert.match(rows[2].text, /↺ rolled back 1\.4\.2 → 1\.4\.1 stopped BREACH$/);
    // What follows the table is whole too: the UI's frame is cut short, the blank last paragraph takes the cut.
    const below = await frame.locator('p', { hasText: 'last:' }).boundingBox();
    assert.ok(below && inside(below, panel), `the reasons and next steps ${JSON.stringify(below)} end outside the panel ${JSON.stringify(panel)}`);
    // Short rows: one line each, so no row is taller than the header row's line.
    const line = Math.min(...rows.map((r) => r.box.height));
    for (const r of rows) assert.ok(r.box.height < line * 1.5, `row of ${r.box.height}px wraps: ${r.text}`);
    // Numbers as the CLI writes them, in the rows and everywhere else in the panel.
    assert.deepEqual(numberProblems(text), [], text);
    assert.match(text, new RegExp(`${third} rolled back: error-rate 0.5 > 0.05 BREACH \\(\\d samples\\)`));
    assert.match(text, new RegExp(`next: firebreak retry ${service} --region ${third}`));
    const uiMs = Date.now() - t0;

    const last = rows[rows.length - 1].box;
    const shot = join(REPO_ROOT, '.firebreak', `webui-${n}-regions.png`);
    mkdirSync(join(REPO_ROOT, '.firebreak'), { recursive: true });
    await page.screenshot({ path: shot });
    console.log(
      `Web UI, ${n} regions: list -> workflow -> details in ${uiMs} ms; panel ${Math.round(panel.height)} px tall, rows ${Math.round(line)} px, ` +
        `the last row ends ${Math.round(panel.y + panel.height - last.y - last.height)} px above its edge; screenshot ${shot}`,
    );
    assert.ok(statSync(shot).size < 400 * 1024);
    await page.close();
  });
}

test('a deploy of 20 regions paused at its third: a compact table with the failing, the current and the largest regions, inside the panel', async () => {
  const service = 'web-mail';
  await pausedDeploy(stack!, { service, regions: 20 });
  const regions = REGIONS.slice(0, 20).sort((a, b) => a[1] - b[1]);
  const view = await openDetails(browser!, stack!.uiUrl, service);
  await view.frame.getByText('at ap-east-1 (stage 3 of 20), 2 of 20 promoted').waitFor();
  const { panel, rows, text } = await detailsGeometry(view);
  assert.ok(rows.length <= 14, rows.map((r) => r.text).join('\n'));
  for (const r of rows) assert.ok(inside(r.box, panel), `${r.text}: ${JSON.stringify(r.box)} outside ${JSON.stringify(panel)}`);
  assert.equal(rows.reduce((n, r) => n + regionsOf(r.text), 0), 20, 'every region counted once, shown or folded');
  assert.ok(rows.some((r) => r.text.startsWith('1-2 2 regions 6,000 ✓ promoted')), rows.map((r) => r.text).join('\n'));
  assert.ok(rows.some((r) => r.text.startsWith('3 ap-east-1 9,600 ↺ rolled back')), 'the first failing and current region');
  assert.ok(rows.some((r) => r.text.startsWith(`20 us-east-1 1,350,000 `)), 'the largest region');
  assert.equal(regions[19][0], 'us-east-1');
  assert.deepEqual(numberProblems(text), [], text);
  console.log(`Web UI, 20 regions: ${rows.length} rows, panel ${Math.round(panel.height)} px:\n${rows.map((r) => `  ${r.text}`).join('\n')}`);
  await view.page.close();
});
