// The Web UI's current details (workflows/details.ts) and the one formatter it shares with the CLI
// (src/domain/format.ts): numbers read like the CLI's, the header says where the deploy is and
// what it exposed, a long deploy folds into a short table, and no user text breaks the table or
// reaches the panel as a link or HTML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DeployStatus, RegionState, RegionStatus, StageStatus } from '../../workflows/messages.js';
import { detailsMarkdown, MAX_TABLE_ROWS, TABLE_HEADER } from '../../workflows/details.js';
import { checkText, count, formatNumber, percent } from '../../src/domain/format.js';

const at = (s: number) => new Date(Date.UTC(2026, 11, 5, 4, 30, s)).toISOString();

const NAMES = ['ap-southeast-2', 'sa-east-1', 'ap-east-1', 'ca-central-1', 'eu-north-1', 'ap-south-1', 'me-south-1', 'eu-central-1', 'ap-northeast-1', 'eu-west-2', 'eu-west-1', 'us-east-1'];
const CUSTOMERS = [1200, 4800, 9600, 21000, 36000, 52000, 64000, 98000, 120000, 175000, 340000, 1350000];

/** A deploy of n regions (one a stage) paused at its third, which breached and rolled back. */
function pausedAtThird(n: number, names = NAMES, customers = CUSTOMERS): DeployStatus {
  const stages: StageStatus[] = Array.from({ length: n }, (_, i) => {
    const state: RegionState = i < 2 ? 'promoted' : i === 2 ? 'rolled_back' : 'pending';
    const region: RegionStatus = {
      name: names[i % names.length] + (i >= names.length ? `-${i}` : ''),
      customers: customers[i % customers.length] + (i >= customers.length ? i : 0),
      state,
      attempt: 1,
      fromVersion: i <= 2 ? '1.4.1' : undefined,
      checks:
        i < 2
          ? [{ name: 'error-rate', value: 0.0009999999999999996, samples: 4, breaches: 0, threshold: '<= 0.05', limits: { max: 0.05 } }]
          : i === 2
            ? [{ name: 'error-rate', value: 0.10500000000000001, samples: 2, breaches: 2, threshold: '<= 0.05', limits: { max: 0.05 } }]
            : [],
      ...(i <= 2 ? { soakStartedAt: at(i * 3), soakEndsAt: at(i * 3 + 2) } : {}),
      ...(i === 2 ? { error: 'error-rate = 0.105 breached <= 0.05 2 times in a row in ap-east-1' } : {}),
    };
    return { index: i, regions: [region], gate: { name: 'errors below 5%', approval: 'auto', state: i < 2 ? 'passed' : i === 2 ? 'failed' : 'pending' } };
  });
  return {
    service: 'web-shop',
    version: '1.4.2',
    owner: 'team-shop',
    runbook: 'https://wiki.example.com/web-shop/deploys',
    phase: 'paused',
    pausedReason: 'ap-east-1: failed and rolled back to 1.4.1',
    currentStage: 2,
    stages,
    events: [{ at: at(9), kind: 'rolled_back', message: 'ap-east-1 rolled back to 1.4.1', region: 'ap-east-1' }],
    startedAt: at(0),
  };
}

/** The table's rows (header and delimiter included), in order. */
function tableRows(md: string): string[] {
  return md.split('\n').filter((l) => l.startsWith('| '));
}

/** Positions of `ch` not escaped by a backslash (an odd run of backslashes before it). */
function unescaped(line: string, ch: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < line.length; i++) {
    if (line[i] !== ch) continue;
    let slashes = 0;
    for (let j = i - 1; j >= 0 && line[j] === '\\'; j--) slashes++;
    if (slashes % 2 === 0) out.push(i);
  }
  return out;
}

test('numbers: 4 significant digits, counts exact with separators, no locale', () => {
  assert.equal(formatNumber(0.0009999999999999996), '0.001');
  assert.equal(formatNumber(0.10500000000000001), '0.105');
  assert.equal(formatNumber(123456), '123500');
  assert.equal(count(1350000), '1,350,000');
  assert.equal(count(2434600), '2,434,600');
  assert.equal(count(999), '999');
  assert.equal(count(-1234), '-1,234');
  assert.equal(percent(6000, 2271600), '0.264%');
  assert.equal(percent(1, 1), '100%');
  assert.equal(checkText({ name: 'error-rate', value: 0.10500000000000001, samples: 2, limits: { max: 0.05 } }), 'error-rate 0.105 > 0.05 BREACH (2 samples)');
  assert.equal(checkText({ name: 'error-rate', value: 0.0009999999999999996, samples: 4, limits: { max: 0.05 } }), 'error-rate 0.001 <= 0.05 ok (4 samples)');
  assert.equal(checkText({ name: 'p99', value: null, samples: 0, limits: { max: 0.4 } }), 'p99 no data <= 0.4 NODATA (0 samples)');
  assert.equal(checkText({ name: 'health', value: false, samples: 1, limits: { equals: true } }), 'health false != true BREACH (1 sample)');
});

test('details of 12 regions paused at the third: where, who, exposure, one short row per region, the reason and next steps once', () => {
  const md = detailsMarkdown(pausedAtThird(12));
  assert.match(md, /^\*\*paused\*\* at ap\\-east\\-1 \(stage 3 of 12\), 2 of 12 promoted/);
  assert.match(md, /owner team\\-shop · runbook https\\:\/\/wiki\\\.example\\\.com/);
  // On the new version: the two promoted regions; the rolled back one no longer is.
  assert.match(md, /exposure: 6,000 of 2,271,600 customers on 1\\\.4\\\.2 \(0\.264%\), 9,600 rolled back/);
  const rows = tableRows(md);
  assert.equal(rows.length, 2 + 12);
  assert.equal(rows[0], `| ${TABLE_HEADER.join(' | ')} |`);
  assert.equal(rows[2], '| 1 | ap\\-southeast\\-2 | 1,200 | ✓ promoted | 1\\.4\\.1 → 1\\.4\\.2 | 2s | pass |');
  assert.equal(rows[4], '| 3 | ap\\-east\\-1 | 9,600 | ↺ rolled back | 1\\.4\\.2 → 1\\.4\\.1 | stopped | BREACH |');
  assert.equal(rows[13], '| 12 | us\\-east\\-1 | 1,350,000 | · pending | → 1\\.4\\.2 | - | - |');
  // The reason once, below the table, and no raw number anywhere.
  const below = md.slice(md.indexOf(rows[13]) + rows[13].length);
  assert.match(below, /\*\*ap\\-east\\-1\*\* rolled back: error\\-rate 0\\\.105 \\> 0\\\.05 BREACH \\\(2 samples\\\)\\$/m);
  assert.match(below, /\*\*next:\*\* firebreak retry web\\-shop \\-\\-region ap\\-east\\-1/);
  assert.equal(md.split('rolled back to 1\\.4\\.1').length - 1, 1, 'the pausedReason is not repeated when a region says it');
  assert.doesNotMatch(md, /0\.0009999|0\.10500000|1350000|2271600/);
});

test('details of 30 regions fold into at most MAX_TABLE_ROWS rows, keeping the first failing, the current and the largest regions', () => {
  const s = pausedAtThird(30);
  // A second failure further on, and the current stage beyond it.
  const later = s.stages[20].regions[0];
  Object.assign(later, { state: 'rolled_back', fromVersion: '1.4.1', error: 'deploy failed' });
  s.currentStage = 20;
  const largest = s.stages.flatMap((st) => st.regions).reduce((a, b) => (b.customers > a.customers ? b : a));
  const md = detailsMarkdown(s);
  const rows = tableRows(md).slice(2);
  assert.ok(rows.length <= MAX_TABLE_ROWS, `${rows.length} rows`);
  const has = (name: string) => rows.some((r) => r.split(' | ')[1] === name.replace(/-/g, '\\-'));
  assert.ok(has('ap-east-1'), 'the first failing region');
  assert.ok(has(later.name), 'the current region');
  assert.ok(has(largest.name), 'the largest region');
  assert.ok(rows.some((r) => /^\| 1-2 \| 2 regions \| 6,000 \| ✓ promoted \|/.test(r)), rows.join('\n'));
  for (const r of rows) assert.equal(r.split(' | ').length, TABLE_HEADER.length);
  // Every region is counted once, shown or folded.
  const regions = rows.reduce((n, r) => n + (/\| (\d+) regions \|/.exec(r) ? Number(/\| (\d+) regions \|/.exec(r)![1]) : 1), 0);
  assert.equal(regions, 30);
});

test('property: no user text changes the table shape or reaches the panel as a link, HTML or code', () => {
  const nasty = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ minLength: 30, maxLength: 500, unit: fc.constantFrom('|', '*', '<', '>', '`', '[', ']', '(', ')', '\\', '\n', 'a', ' ', ':', '/', '_', '&', '!') }),
    fc.constantFrom('1.0|2', '<img src=x onerror=alert(1)>', '[x](http://evil.example)', '![i](javascript:alert(1))', '`rm -rf`', 'https://evil.example/a', '\\|', 'a\\', '<!--', '&lt;script&gt;', '*'.repeat(60)),
  );
  fc.assert(
    fc.property(
      fc.record({ region: nasty, version: nasty, from: nasty, reason: nasty, owner: nasty, runbook: nasty, check: nasty, message: nasty, n: fc.integer({ min: 3, max: 25 }) }),
      ({ region, version, from, reason, owner, runbook, check, message, n }) => {
        const s = pausedAtThird(n, [region, region + 'x', region + 'y'], [5, 7, 11]);
        s.version = version;
        s.owner = owner;
        s.runbook = runbook;
        s.pausedReason = reason;
        s.failure = reason;
        s.events[0].message = message;
        for (const st of s.stages) {
          for (const r of st.regions) {
            if (r.fromVersion) r.fromVersion = from;
            for (const c of r.checks) c.name = check;
            if (r.error) r.error = reason;
          }
        }
        const md = detailsMarkdown(s);
        const rows = tableRows(md);
        assert.ok(rows.length >= 3 && rows.length - 2 <= Math.max(n, 0) && rows.length - 2 <= MAX_TABLE_ROWS, `${rows.length} rows`);
        for (const row of rows) assert.equal(unescaped(row, '|').length, TABLE_HEADER.length + 1, row);
        // The table is one block: every line between its header and its end is a row.
        const lines = md.split('\n');
        const first = lines.indexOf(rows[0]);
        assert.deepEqual(lines.slice(first, first + rows.length), rows);
        for (const ch of ['<', '`', '[', ']', '&']) assert.deepEqual(unescaped(md, ch), [], `unescaped ${ch} in\n${md}`);
        assert.doesNotMatch(md, /https?:\/\/|www\.[^\\]/i, 'a bare address for the linkifier');
        assert.ok(md.length < 8000, `${md.length} characters`);
      },
    ),
    { numRuns: 300 },
  );
});
