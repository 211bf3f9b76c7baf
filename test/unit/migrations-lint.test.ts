// The compatibility lint on migration SQL, over a corpus: every file under test/fixtures/sql
// is linted (as expand `up`, or as named: *.contract.sql, *.down.sql); an unsafe file lists its
// exact findings in a sibling .expected (`line rule`, `silenced` when a comment allows it), a
// safe file has none. Then the pipeline view: findings at the step's line in the pipeline,
// naming file:line of the SQL, inside lint(), and the one-way rules.
import { before, test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstStageNeedsApproval, lintMigrations, lintSql, MIGRATION_RULES } from '../../src/domain/migrations/lint.js';
import { blockingFindings, lint } from '../../src/domain/pipeline/lint.js';
import { parsePipeline } from '../../src/domain/pipeline/load.js';
import { resolveMigrations, downSteps, expandSteps, contractSteps, loadSqlParser } from '../../src/domain/migrations/steps.js';

// The SQL lint needs PostgreSQL's parser (WebAssembly), loaded by whoever lints.
before(() => loadSqlParser());

const CORPUS = fileURLToPath(new URL('../fixtures/sql/', import.meta.url));
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.sql')).sort();

test('the corpus has at least 25 files, safe and unsafe, and covers every rule', () => {
  assert.ok(files.length >= 25, `${files.length} SQL files`);
  const expected = files.filter((f) => existsSync(join(CORPUS, f.replace(/\.sql$/, '.expected'))));
  assert.ok(expected.length >= 10 && files.length - expected.length >= 10, 'both kinds');
  const covered = new Set(
    expected.flatMap((f) => readFileSync(join(CORPUS, f.replace(/\.sql$/, '.expected')), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[1])),
  );
  assert.deepEqual([...covered].sort(), Object.keys(MIGRATION_RULES).sort());
});

let total = 0;
for (const name of files) {
  test(`corpus: ${name}`, () => {
    const sql = readFileSync(join(CORPUS, name), 'utf8');
    const phase = name.endsWith('.contract.sql') ? 'contract' : 'expand';
    const direction = name.endsWith('.down.sql') ? 'down' : 'up';
    const t = performance.now();
    const findings = lintSql(sql, { file: `migrations/${name}`, phase, direction });
    total += performance.now() - t;
    const expectedFile = join(CORPUS, name.replace(/\.sql$/, '.expected'));
    const expected = existsSync(expectedFile) ? readFileSync(expectedFile, 'utf8').split('\n').filter(Boolean) : [];
    const actual = findings.map((f) => `${f.line} ${f.rule}${f.silenced !== undefined ? ' silenced' : ''}`);
    assert.deepEqual([...actual].sort(), [...expected].sort());
    for (const f of findings) {
      assert.equal(f.severity, 'error');
      assert.equal(f.file, `migrations/${name}`);
      assert.match(f.why, /^[A-Z].*\.$/, 'why is a sentence');
      assert.ok(f.fix.length > 10, 'a fix is offered');
      assert.ok(f.message.length > 10);
    }
  });
}

test('lint speed', () => {
  const perFile = total / files.length;
  console.log(`# lint: ${perFile.toFixed(2)} ms per file over ${files.length} files`);
  assert.ok(perFile < 50, `${perFile} ms per file`);
});

test('findings carry the names from the parse tree and a concrete rewrite', () => {
  const [rename] = lintSql('ALTER TABLE orders RENAME COLUMN price TO amount;', { file: 'm.sql', phase: 'expand' });
  assert.equal(rename.message, 'RENAME COLUMN orders.price TO amount in expand: old code still reads and writes price');
  assert.match(rename.fix, /ADD COLUMN amount.*DROP COLUMN price/);
  const [unique] = lintSql('ALTER TABLE customers ADD CONSTRAINT c_email UNIQUE (email);', { file: 'm.sql', phase: 'expand' });
  assert.equal(unique.fix, 'CREATE UNIQUE INDEX CONCURRENTLY c_email ON customers (email); then ALTER TABLE customers ADD CONSTRAINT c_email UNIQUE USING INDEX c_email');
  assert.deepEqual(lintSql('ALTER TABLE t DROP COLUMN c;', { file: 'm.sql', phase: 'contract' }), []);
  assert.deepEqual(lintSql('ALTER TABLE t DROP COLUMN c;', { file: 'm.sql', phase: 'expand', direction: 'down' }), []);
});

// ----- the pipeline view ---------------------------------------------------------------------

function project(migrations: string, sql: Record<string, string>): { dir: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-mlint-'));
  mkdirSync(join(dir, 'migrations'));
  for (const [file, text] of Object.entries(sql)) writeFileSync(join(dir, 'migrations', file), text);
  const text = [
    'apiVersion: firebreak/v1',
    'service: checkout',
    'owner: payments-team',
    'runbook: https://wiki.example.com/checkout/deploys',
    'regions:',
    '  - { name: ap-southeast-2, customers: 1200 }',
    '  - { name: us-east-1, customers: 310000 }',
    'soak: 45m',
    'gate:',
    '  name: "5xx < 1%"',
    '  checks:',
    '    - { name: e, prometheus: { url: "http://p:9090", query: "up" }, max: 0.01 }',
    'deploy: { command: [deploy, "{{region}}"], current: [current, "{{region}}"] }',
    migrations,
  ].join('\n');
  writeFileSync(join(dir, 'firebreak.yaml'), text);
  return { dir, text };
}

test('pipeline findings point at the step in the pipeline and name file:line of the SQL', () => {
  const { dir } = project(
    [
      'migrations:',
      '  - id: 001-amount',
      '    database: ${DATABASE_URL}',
      '    expand:',
      '      up: migrations/001.up.sql',
      '      down: migrations/001.down.sql',
      '    contract: { up: migrations/001.contract.sql, down: migrations/001.contract.down.sql }',
    ].join('\n'),
    {
      '001.up.sql': '-- wrong: a rename in expand\n\nALTER TABLE orders RENAME COLUMN price TO amount;\n',
      '001.down.sql': 'ALTER TABLE orders RENAME COLUMN amount TO price;\n',
      '001.contract.sql': 'ALTER TABLE orders DROP COLUMN price;\n',
      '001.contract.down.sql': 'ALTER TABLE orders ADD COLUMN price numeric;\n',
    },
  );
  try {
    const loaded = parsePipeline(readFileSync(join(dir, 'firebreak.yaml'), 'utf8'), join(dir, 'firebreak.yaml'));
    const found = lintMigrations(loaded, dir);
    assert.equal(found.length, 1);
    const [f] = found;
    assert.equal(f.rule, 'rename-column');
    assert.equal(f.line, 18, 'the expand up line of the pipeline');
    assert.deepEqual(f.sql, { file: 'migrations/001.up.sql', line: 3 });
    assert.match(f.message, /^migrations\/001\.up\.sql:3: migration 001-amount: RENAME COLUMN orders\.price TO amount in expand: /);
    // lint() includes it (baseDir defaults to the pipeline's directory), and it blocks the plan.
    const all = lint(loaded);
    assert.deepEqual(all.map((x) => x.rule), ['rename-column']);
    assert.equal(blockingFindings(all).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a silenced statement does not block; a missing file is left to resolveMigrations', () => {
  const { dir } = project(
    ['migrations:', '  - id: m', '    database: x', '    expand: { up: migrations/up.sql, down: migrations/down.sql }', '  - id: gone', '    database: x', '    expand: { up: migrations/nope.sql, down: migrations/down.sql }'].join('\n'),
    {
      'up.sql': '-- firebreak:allow index-concurrently: 12 rows\nCREATE INDEX i ON small (a);\n',
      'down.sql': 'DROP INDEX i;\n',
    },
  );
  try {
    const loaded = parsePipeline(readFileSync(join(dir, 'firebreak.yaml'), 'utf8'), join(dir, 'firebreak.yaml'));
    const all = lint(loaded);
    assert.deepEqual(all.map((f) => [f.rule, f.silenced]), [['index-concurrently', '12 rows']]);
    assert.deepEqual(blockingFindings(all), []);
    assert.throws(() => resolveMigrations(loaded.pipeline.migrations!, dir), (err: Error) => {
      assert.match(err.message, /migrations\[1\]\.expand\.up \(migration gone\): no such file: .*migrations\/nope\.sql/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one-way migrations: an empty down is one-way too; no down turns the first gate manual', () => {
  const { dir } = project(
    ['migrations:', '  - id: m', '    database: x', '    expand: { up: migrations/up.sql, down: migrations/down.sql }'].join('\n'),
    { 'up.sql': 'ALTER TABLE t ADD COLUMN c int;\n', 'down.sql': '-- nothing to undo\n' },
  );
  try {
    const loaded = parsePipeline(readFileSync(join(dir, 'firebreak.yaml'), 'utf8'), join(dir, 'firebreak.yaml'));
    const all = lint(loaded);
    assert.deepEqual(all.map((f) => f.rule), ['one-way-migration']);
    assert.match(all[0].message, /expand down migrations\/down\.sql has no statements/);
    assert.equal(all[0].line, 17);
    assert.equal(firstStageNeedsApproval(loaded.pipeline), false);
    assert.equal(firstStageNeedsApproval({ migrations: [{ id: 'm', database: 'x', expand: { up: 'a.sql' }, irreversible: 'append-only' }] }), true);
    assert.equal(firstStageNeedsApproval({ migrations: [{ id: 'm', database: 'x', expand: { up: 'a.sql', down: 'b.sql' }, contract: { up: 'c.sql' } }] }), true);
    assert.equal(firstStageNeedsApproval({}), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resolveMigrations reads the SQL with its checksum; the step lists come in workflow order', () => {
  const { dir } = project(
    [
      'migrations:',
      '  - id: a',
      '    database: ${DATABASE_URL}',
      '    expand: { up: migrations/a.up.sql, down: migrations/a.down.sql }',
      '    contract: { up: migrations/a.c.sql, down: migrations/a.cd.sql }',
      '  - id: b',
      '    database: ${DATABASE_URL}',
      '    expand: { up: migrations/b.up.sql }',
      '    irreversible: "append-only table"',
    ].join('\n'),
    { 'a.up.sql': 'SELECT 1;\n', 'a.down.sql': 'SELECT 2;\n', 'a.c.sql': 'SELECT 3;\n', 'a.cd.sql': 'SELECT 4;\n', 'b.up.sql': 'SELECT 5;\n' },
  );
  try {
    const loaded = parsePipeline(readFileSync(join(dir, 'firebreak.yaml'), 'utf8'), join(dir, 'firebreak.yaml'));
    const plan = resolveMigrations(loaded.pipeline.migrations!, dir);
    assert.equal(plan[0].expand!.up.sql, 'SELECT 1;\n');
    assert.equal(plan[0].expand!.up.checksum, createHash('sha256').update('SELECT 1;\n').digest('hex'));
    assert.equal(plan[0].expand!.up.database, '${DATABASE_URL}');
    assert.equal(plan[0].expand!.up.file, 'migrations/a.up.sql');
    assert.equal(plan[1].irreversible, 'append-only table');
    assert.deepEqual(expandSteps(plan).map((s) => s.sql.trim()), ['SELECT 1;', 'SELECT 5;']);
    assert.deepEqual(contractSteps(plan).map((s) => s.sql.trim()), ['SELECT 3;']);
    assert.deepEqual(downSteps(plan).map((s) => s.sql.trim()), ['SELECT 4;', 'SELECT 2;']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
