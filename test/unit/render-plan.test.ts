// `firebreak plan` output: the table, the earliest finish, the findings; the JSON document;
// exit codes (0 ok, 2 invalid or lint errors). Timestamps are pinned with `now`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planJson, renderPlan, runPlanCommand } from '../../src/domain/pipeline/render-plan.js';
import { loadPipelineFile } from '../../src/domain/pipeline/load.js';
import { loadSqlParser } from '../../src/domain/migrations/steps.js';

// The SQL lint needs PostgreSQL's parser (WebAssembly), loaded by whoever lints.
before(() => loadSqlParser());

const example = fileURLToPath(new URL('../../examples/checkout.yaml', import.meta.url));
const now = new Date('2026-11-27T15:50:00Z'); // a Friday, after the mon-thu window closed
const dir = mkdtempSync(join(tmpdir(), 'firebreak-plan-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

const pipeline = (extra = '') => `apiVersion: firebreak/v1
service: web
owner: web-team
runbook: https://wiki.example.com/web
regions:
  - { name: big, customers: 3000 }
  - { name: small, customers: 1000 }
gate: { name: "errors < 1%", checks: [{ name: e, prometheus: { url: "http://prom", query: "q" }, max: 0.01 }] }
deploy: { command: [deploy, "{{region}}"], current: [current, "{{region}}"] }
${extra}`;

test('the text plan: header, stage table with cumulative exposure, earliest finish, silenced finding', () => {
  const out = runPlanCommand(example, { version: '1.4.2', now });
  assert.equal(out.exitCode, 0);
  assert.equal(out.stderr, '');
  const lines = out.stdout.split('\n');
  assert.equal(lines[0], 'checkout 1.4.2: 3 stages, 359,200 customers');
  const header = lines.find((l) => l.startsWith('stage'))!;
  assert.match(header, /^stage\s+regions\s+customers\s+exposed\s+soak\s+gate\s+approval\s+window$/);
  const rows = lines.filter((l) => /^\d\s/.test(l)).map((l) => l.split(/\s{2,}/));
  assert.deepEqual(rows.map((r) => r.slice(0, 5)), [
    ['1', 'ap-southeast-2', '1,200', '0.3%', '45m (+22m30s)'],
    ['2', 'eu-west-1', '48,000', '13.7%', '1h (+30m)'],
    ['3', 'us-east-1', '310,000', '100.0%', '1h30m (+45m)'],
  ]);
  for (const r of rows) assert.deepEqual(r.slice(5), ['5xx < 1% and p99 < 400ms through the soak', 'auto', 'mon-thu 09:00-16:00 Europe/Dublin']);
  // Closed until Monday 09:00 (GMT in November); then 45m + 1h + 1h30m of soak.
  assert.ok(out.stdout.includes('earliest finish: 2026-11-30 12:15 UTC, 2d20h25m after a start at 2026-11-27 15:50 UTC'));
  // The bake: each soak may extend by half its length (the default maxExtension) for samples.
  assert.ok(out.stdout.includes('a soak whose checks lack minSamples extends until they arrive (gate.maxExtension): up to 1h37m30s longer in all'));
  assert.match(out.stdout, /\nsilenced:\n.*examples\/checkout\.yaml:9 soak-duration: soak 1h30m for us-east-1 is over 60m\n {4}why: .+\n {4}silenced: us-east-1 carries 86%/);
  assert.doesNotMatch(out.stdout, /\n(warnings|errors):/);
});

test('--json: one document with stages, earliest finish and findings', () => {
  const out = runPlanCommand(example, { version: '1.4.2', json: true, now });
  assert.equal(out.exitCode, 0);
  const doc = JSON.parse(out.stdout);
  assert.equal(doc.service, 'checkout');
  assert.equal(doc.version, '1.4.2');
  assert.deepEqual(doc.stages[0], {
    regions: [{ name: 'ap-southeast-2', customers: 1200 }],
    soak: '45m',
    maxExtension: '22m30s',
    gate: { name: '5xx < 1% and p99 < 400ms through the soak', approval: 'auto' },
    exposedPercent: 0.3,
  });
  assert.deepEqual(doc.stages.map((s: { regions: { name: string }[] }) => s.regions[0].name), ['ap-southeast-2', 'eu-west-1', 'us-east-1']);
  assert.equal(doc.earliestFinish, '2026-11-30T12:15:00.000Z');
  assert.equal(doc.findings.length, 1);
  assert.deepEqual(Object.keys(doc.findings[0]).slice(0, 4), ['rule', 'severity', 'message', 'line']);
  assert.equal(doc.findings[0].rule, 'soak-duration');
  assert.match(doc.findings[0].silenced, /us-east-1 carries/);
  assert.deepEqual(planJson(loadPipelineFile(example), { version: '1.4.2', now }), doc);
});

test('warnings pass; --strict turns them into errors and exit 2', () => {
  const file = write('warn.yaml', pipeline('soak: 10m'));
  const lax = runPlanCommand(file, { now });
  assert.equal(lax.exitCode, 0);
  assert.ok(lax.stdout.includes(`\nwarnings:\n${file}:`));
  assert.ok(lax.stdout.includes(' soak-duration: soak 10m for small, big is under 30m\n    why: A 30-60 minute observation'));
  const strict = runPlanCommand(file, { now, strict: true });
  assert.equal(strict.exitCode, 2);
  assert.ok(strict.stdout.includes('\nerrors:\n'));
  assert.match(strict.stderr, /plan refused: 1 lint error \(--strict/);
  assert.equal(JSON.parse(runPlanCommand(file, { now, strict: true, json: true }).stdout).findings[0].severity, 'error');
});

test('an error finding refuses the plan without --strict; silencing it lets it through', () => {
  const migration = 'migrations: [{ id: m1, database: db, expand: { up: up.sql } }]\n';
  assert.equal(runPlanCommand(write('oneway.yaml', pipeline(migration)), { now }).exitCode, 2);
  const allowed = pipeline(`${migration}lint: { allow: [{ rule: one-way-migration, reason: "append-only table, reverted by hand" }] }`);
  assert.equal(runPlanCommand(write('allowed.yaml', allowed), { now }).exitCode, 0);
});

test('an invalid file: every problem on stderr, exit 2; with --json a document on stdout', () => {
  const file = write('bad.yaml', pipeline('soak: 45min\nwindows: [{ days: [tues], from: "09:00", to: "17:00" }]'));
  const out = runPlanCommand(file, { now });
  assert.equal(out.exitCode, 2);
  assert.equal(out.stdout, '');
  assert.deepEqual(out.stderr.trimEnd().split('\n'), [
    `${file}:10:7 soak: not a duration: write it like 90s, 45m or 1h30m; got "45min"`,
    `${file}:11:20 windows[0].days[0]: must be one of "mon", "tue", "wed", "thu", "fri", "sat", "sun"; got "tues" (did you mean "tue"?)`,
    'invalid pipeline: 2 problems',
  ]);
  const json = JSON.parse(runPlanCommand(file, { now, json: true }).stdout);
  assert.equal(json.valid, false);
  assert.equal(json.problems.length, 2);
  assert.equal(runPlanCommand(join(dir, 'missing.yaml'), {}).exitCode, 2);
});

test('renderPlan defaults: a placeholder version and now', () => {
  const text = renderPlan(loadPipelineFile(write('ok.yaml', pipeline())));
  assert.match(text, /^web <version>: 2 stages, 4,000 customers\n/);
  assert.match(text, /\n1\s+small\s+1,000\s+25\.0%\s+45m \(\+22m30s\)\s+errors < 1%\s+auto\s+any time\n2\s+big\s+3,000\s+100\.0%/);
  assert.match(text, /earliest finish: \d{4}-\d\d-\d\d \d\d:\d\d UTC, 1h30m after a start at /);
});

test('an unsafe expand is refused with the safe rewrite, in text and JSON', () => {
  const text = runPlanCommand('examples/migrations/rename-wrong.yaml', { version: '2.0.0' });
  assert.equal(text.exitCode, 2);
  assert.match(text.stdout, /rename-column: wrong\/010_full_name\.up\.sql:3: .*RENAME COLUMN customers\.name TO full_name in expand/);
  assert.match(text.stdout, /fix: three deploys: expand: ALTER TABLE customers ADD COLUMN full_name/);
  const json = JSON.parse(runPlanCommand('examples/migrations/rename-wrong.yaml', { version: '2.0.0', json: true }).stdout);
  const finding = json.findings.find((f: { rule: string }) => f.rule === 'rename-column');
  assert.deepEqual(finding.sql, { file: 'wrong/010_full_name.up.sql', line: 3 });
  assert.match(finding.fix, /^three deploys/);
});

test('gate.maxExtension: explicit per pipeline and per region; 0s means the soak never extends', () => {
  const file = write('bake.yaml', pipeline('soak: 30m').replace('gate: { name: "errors < 1%",', 'gate: { name: "errors < 1%", maxExtension: 10m,').replace('{ name: small, customers: 1000 }', '{ name: small, customers: 1000, gate: { maxExtension: 0s } }'));
  const out = runPlanCommand(file, { now });
  assert.equal(out.exitCode, 0, out.stderr);
  const rows = out.stdout.split('\n').filter((l) => /^\d\s/.test(l)).map((l) => l.split(/\s{2,}/));
  assert.deepEqual(rows.map((r) => [r[1], r[4]]), [['small', '30m'], ['big', '30m (+10m)']]);
  assert.ok(out.stdout.includes('up to 10m longer in all'));
  const doc = JSON.parse(runPlanCommand(file, { now, json: true }).stdout);
  assert.deepEqual(doc.stages.map((s: { maxExtension: string }) => s.maxExtension), ['0s', '10m']);
});
