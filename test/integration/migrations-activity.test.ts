// The migration activity against a real PostgreSQL (Debian's package, started on a free
// loopback port by test/helpers/postgres.ts): exactly once, the advisory lock, statements that
// cannot run in a transaction, failures with their position, checksums, and `down` restoring
// the schema byte for byte (pg_dump --schema-only).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createMigrationActivities, type AppliedStep } from '../../activities/migrations.js';
import { migrationStatus } from '../../activities/ledger.js';
import { contractSteps, downSteps, expandSteps, resolveMigrations, sha256, type MigrationStep, type PlanMigration } from '../../src/domain/migrations/steps.js';
import { loadPipelineFile } from '../../src/domain/pipeline/load.js';
import { migrationsStatus } from '../../src/cli/migrations.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';
import { FailureType } from '../../src/domain/failures.js';


function step(id: string, phase: MigrationStep['phase'], direction: MigrationStep['direction'], sql: string): MigrationStep {
  return { id, phase, direction, file: `migrations/${id}.${phase}.${direction}.sql`, sql, checksum: sha256(sql), database: '${DATABASE_URL}' };
}

async function query<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a failure');
}

describe('migration activity on PostgreSQL', () => {
  let server: Postgres;
  let n = 0;
  /** A fresh database per test, and activities whose ${DATABASE_URL} points at it. */
  const fresh = async () => {
    const url = await server.createDatabase(`m${++n}`);
    const acts = createMigrationActivities({ env: { DATABASE_URL: url }, lockPollMs: 25 });
    const apply = (steps: MigrationStep[], deployId = 'deploy-checkout/run-1') => acts.applyMigrations({ steps, deployId, service: 'checkout' });
    return { url, apply };
  };

  before(async () => {
    const t = performance.now();
    server = await startPostgres();
    console.log(`# postgres started in ${Math.round(performance.now() - t)} ms`);
  });
  after(async () => server?.stop());

  test('expand applies once: a second run skips it and runs nothing', async () => {
    const { url, apply } = await fresh();
    const expand = step('001-currency', 'expand', 'up', `
      CREATE TABLE orders (id bigint PRIMARY KEY, price numeric NOT NULL);
      CREATE TABLE applied_log (at timestamptz DEFAULT now());
      ALTER TABLE orders ADD COLUMN currency text NOT NULL DEFAULT 'EUR';
      INSERT INTO applied_log DEFAULT VALUES;
    `);
    const [first] = await apply([expand]);
    assert.equal(first.skipped, false);
    assert.equal(first.statements, 4);
    assert.equal(first.checksum, expand.checksum);
    assert.ok(Date.parse(first.appliedAt) > 0);
    const [second] = await apply([expand], 'deploy-checkout/run-2');
    assert.equal(second.skipped, true);
    assert.equal(second.reason, 'already applied');
    assert.equal(second.appliedAt, first.appliedAt);
    assert.deepEqual(await query(url, 'SELECT count(*)::int AS n FROM applied_log'), [{ n: 1 }]);
    const rows = await query<{ deploy_id: string; statement_index: number }>(url, 'SELECT deploy_id, statement_index FROM firebreak_migrations ORDER BY statement_index');
    assert.deepEqual(rows, [0, 1, 2, 3].map((i) => ({ deploy_id: 'deploy-checkout/run-1', statement_index: i })));
  });

  test('two deploys on one database: the second waits on the advisory lock, none interleave', async () => {
    const { url, apply } = await fresh();
    await query(url, 'CREATE TABLE trace (who text, what text, at timestamptz)');
    const slow = (who: string) =>
      step(`slow-${who}`, 'expand', 'up', `
        INSERT INTO trace VALUES ('${who}', 'start', clock_timestamp());
        SELECT pg_sleep(0.7);
        INSERT INTO trace VALUES ('${who}', 'end', clock_timestamp());
      `);
    // A third connection watches the second wait for the lock while the first runs.
    const t0 = Date.now();
    const a = apply([slow('a')], 'deploy-a/1');
    await new Promise((r) => setTimeout(r, 150));
    const b = apply([slow('b')], 'deploy-b/1');
    await new Promise((r) => setTimeout(r, 200));
    const waiting = await query<{ n: number }>(url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'firebreak-migrations'");
    assert.equal(waiting[0].n, 2, 'both deploys are connected, one holds the lock');
    const [ra, rb] = await Promise.all([a, b]);
    const elapsed = Date.now() - t0;
    assert.equal(ra[0].skipped, false);
    assert.equal(rb[0].skipped, false);
    const trace = await query<{ who: string; what: string }>(url, 'SELECT who, what FROM trace ORDER BY at');
    assert.deepEqual(trace.map((t) => `${t.who}:${t.what}`), ['a:start', 'a:end', 'b:start', 'b:end']);
    assert.ok(elapsed >= 1400, `ran one after the other (${elapsed} ms)`);
  });

  test('in an activity: a waiting call heartbeats and can be cancelled; cancelling stops a running statement', async () => {
    const url = await server.createDatabase(`m${++n}`);
    const acts = createMigrationActivities({ env: { DATABASE_URL: url }, lockPollMs: 25, heartbeatMs: 50 });
    const holder = acts.applyMigrations({ steps: [step('hold', 'expand', 'up', 'SELECT pg_sleep(1.2);')], deployId: 'a', service: 's' });
    await new Promise((r) => setTimeout(r, 150));
    const waiting = new MockActivityEnvironment();
    const beats: unknown[] = [];
    waiting.on('heartbeat', (d: unknown) => beats.push(d));
    const blocked = waiting.run(acts.applyMigrations, { steps: [step('blocked', 'expand', 'up', 'SELECT 1;')], deployId: 'b', service: 's' });
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(beats.some((d) => (d as { waitingFor?: string }).waitingFor === 'migration lock'), JSON.stringify(beats.slice(0, 2)));
    waiting.cancel();
    await assert.rejects(blocked, (err: unknown) => err instanceof CancelledFailure);
    assert.equal((await holder)[0].skipped, false);

    const running = new MockActivityEnvironment();
    const long = running.run(acts.applyMigrations, { steps: [step('long', 'expand', 'up', 'CREATE TABLE long_marker (a int);\nSELECT pg_sleep(30);')], deployId: 'c', service: 's' });
    await new Promise((r) => setTimeout(r, 300));
    const t = Date.now();
    running.cancel();
    await assert.rejects(long, (err: unknown) => err instanceof CancelledFailure);
    assert.ok(Date.now() - t < 5000, 'the statement was cancelled, not waited for');
    assert.deepEqual(await query(url, "SELECT to_regclass('long_marker') IS NULL AS gone"), [{ gone: true }]);
    assert.deepEqual(await query(url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'"), [{ n: 0 }]);
  });

  test('CREATE INDEX CONCURRENTLY runs on its own, recorded one by one; a retry resumes after the last', async () => {
    const { url, apply } = await fresh();
    await query(url, 'CREATE TABLE items (a int, b int); CREATE TABLE dups (x int); INSERT INTO dups VALUES (1), (1)');
    const sql = [
      'CREATE INDEX CONCURRENTLY items_a ON items (a);',
      'CREATE INDEX CONCURRENTLY items_b ON items (b);',
      'CREATE TABLE later_marker (id int);',
      'INSERT INTO later_marker VALUES (1);',
      'CREATE UNIQUE INDEX CONCURRENTLY dups_x ON dups (x);',
    ].join('\n');
    const s = step('002-indexes', 'expand', 'up', sql);
    const err = await failure(apply([s]));
    assert.equal(err.type, FailureType.MigrationFailed);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /^migration 002-indexes expand up \(migrations\/002-indexes\.expand\.up\.sql\) failed at line 5 col 1: could not create unique index "dups_x"/);
    const recorded = async () =>
      (await query<{ i: number }>(url, 'SELECT statement_index AS i FROM firebreak_migrations ORDER BY 1')).map((r) => r.i);
    // items_a, items_b, and the transactional pair (2, 3) in one transaction with its records.
    assert.deepEqual(await recorded(), [0, 1, 2, 3]);
    const invalid = await query<{ valid: boolean }>(url, "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'dups_x'::regclass");
    assert.deepEqual(invalid, [{ valid: false }], 'the failed concurrent build left an invalid index');

    // Prove the retry does not re-run what was recorded: drop items_a behind its back.
    await query(url, 'DROP INDEX items_a; DELETE FROM dups WHERE ctid = (SELECT min(ctid) FROM dups)');
    const [retried] = await apply([s], 'deploy-checkout/run-2');
    assert.equal(retried.skipped, false);
    assert.deepEqual(await recorded(), [0, 1, 2, 3, 4]);
    const indexes = await query<{ name: string; valid: boolean }>(url, "SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname IN ('items_a', 'items_b', 'dups_x') ORDER BY 1");
    assert.deepEqual(indexes, [{ name: 'dups_x', valid: true }, { name: 'items_b', valid: true }], 'items_a not rebuilt; the invalid dups_x dropped and rebuilt');
    assert.deepEqual(await query(url, 'SELECT count(*)::int AS n FROM later_marker'), [{ n: 1 }]);

    // A worker that died after building an index but before recording it: found, recorded, not rebuilt.
    await query(url, "DELETE FROM firebreak_migrations WHERE statement_index = 4");
    const [again] = await apply([s], 'deploy-checkout/run-3');
    assert.equal(again.skipped, false);
    assert.deepEqual(await recorded(), [0, 1, 2, 3, 4]);
    const [done] = await apply([s], 'deploy-checkout/run-4');
    assert.equal(done.skipped, true);
  });

  test('a failing statement is reported with its line, column and text; nothing of the file stays', async () => {
    const { url, apply } = await fresh();
    const sql = [
      '-- add the totals table',
      'CREATE TABLE totals (a int);',
      'INSERT INTO totals VALUES (1);',
      "SELECT 'é', a,",
      '       nosuchcol',
      '  FROM totals;',
    ].join('\n');
    const err = await failure(apply([step('003-totals', 'expand', 'up', sql)]));
    assert.equal(err.type, FailureType.MigrationFailed);
    assert.equal(err.nonRetryable, true);
    assert.equal(
      err.message,
      'migration 003-totals expand up (migrations/003-totals.expand.up.sql) failed at line 5 col 8: column "nosuchcol" does not exist\n' +
        "  SELECT 'é', a,\n         nosuchcol\n    FROM totals",
    );
    assert.deepEqual(await query(url, "SELECT to_regclass('totals') IS NULL AS gone"), [{ gone: true }], 'the transaction rolled back');
    assert.deepEqual(await query(url, 'SELECT count(*)::int AS n FROM firebreak_migrations'), [{ n: 0 }]);
  });

  test('the database password never appears in a failure', async () => {
    const { apply } = await fresh();
    const sql = `DO $$ BEGIN RAISE EXCEPTION 'leaked %', '${server.password}'; END $$;`;
    const err = await failure(apply([step('004-leak', 'expand', 'up', sql)]));
    assert.ok(!err.message.includes(server.password), err.message);
    assert.match(err.message, /leaked \*\*\*/);
    const unreachable = createMigrationActivities({ env: { DATABASE_URL: `postgres://postgres:${server.password}@127.0.0.1:1/nope` } });
    const down = await failure(unreachable.applyMigrations({ steps: [step('x', 'expand', 'up', 'SELECT 1')], deployId: 'd', service: 's' }));
    assert.equal(down.type, 'DatabaseUnavailable');
    assert.equal(down.nonRetryable, false);
    assert.ok(!down.message.includes(server.password), down.message);
    const missing = createMigrationActivities({ env: {} });
    const unset = await failure(missing.applyMigrations({ steps: [step('x', 'expand', 'up', 'SELECT 1')], deployId: 'd', service: 's' }));
    assert.equal(unset.type, FailureType.MissingEnv);
    assert.match(unset.message, /DATABASE_URL/);
  });

  test('a syntax error is refused before anything runs, with its line', async () => {
    const { url, apply } = await fresh();
    const good = step('005-a', 'expand', 'up', 'CREATE TABLE a (x int);');
    const bad = step('005-b', 'expand', 'up', 'CREATE TABLE b (x int);\nALTER TABLE b ADD COLUMN y int nul;');
    const err = await failure(apply([good, bad]));
    assert.equal(err.type, FailureType.MigrationFailed);
    assert.match(err.message, /^migration 005-b expand up \(migrations\/005-b\.expand\.up\.sql\) does not parse: syntax error at or near "nul" at line 2 col 32$/);
    assert.deepEqual(await query(url, "SELECT to_regclass('a') IS NULL AS gone"), [{ gone: true }]);
  });

  test('a migration whose file changed after it ran is refused', async () => {
    const { apply } = await fresh();
    await apply([step('006-x', 'expand', 'up', 'CREATE TABLE x (a int);')]);
    const changed = step('006-x', 'expand', 'up', 'CREATE TABLE x (a bigint);');
    const err = await failure(apply([changed]));
    assert.equal(err.type, FailureType.MigrationChecksumMismatch);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /^migration 006-x expand was applied with checksum [0-9a-f]{12}, file now has [0-9a-f]{12} \(/);
  });

  test('down in reverse order restores the schema exactly; a down whose up never ran is skipped', async () => {
    const { url, apply } = await fresh();
    await query(url, "CREATE TABLE orders (id bigint PRIMARY KEY, price numeric); INSERT INTO orders VALUES (1, 9.5)");
    const before = await server.dump(url);
    const migrations: PlanMigration[] = [
      {
        id: '007-amount',
        database: '${DATABASE_URL}',
        expand: {
          up: step('007-amount', 'expand', 'up', 'ALTER TABLE orders ADD COLUMN amount numeric;\nUPDATE orders SET amount = price;\nCREATE INDEX CONCURRENTLY orders_amount ON orders (amount);'),
          down: step('007-amount', 'expand', 'down', 'DROP INDEX CONCURRENTLY IF EXISTS orders_amount;\nALTER TABLE orders DROP COLUMN amount;'),
        },
        contract: {
          up: step('007-amount', 'contract', 'up', 'ALTER TABLE orders DROP COLUMN price;'),
          down: step('007-amount', 'contract', 'down', 'ALTER TABLE orders ADD COLUMN price numeric;\nUPDATE orders SET price = amount;'),
        },
      },
      {
        id: '008-refunds',
        database: '${DATABASE_URL}',
        expand: {
          up: step('008-refunds', 'expand', 'up', 'CREATE TABLE refunds (order_id bigint REFERENCES orders (id), amount numeric);'),
          down: step('008-refunds', 'expand', 'down', 'DROP TABLE refunds;'),
        },
      },
    ];
    const expanded = await apply([migrations[0].expand!.up, migrations[1].expand!.up]);
    assert.deepEqual(expanded.map((s) => s.skipped), [false, false]);
    assert.notEqual(await server.dump(url), before);

    // Contract never ran (say the deploy was aborted): its down is skipped, the rest run in reverse.
    const order = downSteps(migrations);
    assert.deepEqual(order.map((s) => `${s.id} ${s.phase}`), ['008-refunds expand', '007-amount contract', '007-amount expand']);
    const downs: AppliedStep[] = await apply(order, 'deploy-checkout/abort');
    assert.deepEqual(downs.map((s) => [s.id, s.phase, s.skipped, s.reason ?? null]), [
      ['008-refunds', 'expand', false, null],
      ['007-amount', 'contract', true, 'up never applied'],
      ['007-amount', 'expand', false, null],
    ]);
    assert.equal(await server.dump(url), before);
    // Running the downs again does nothing; the next deploy applies expand again.
    assert.deepEqual((await apply(order)).map((s) => s.skipped), [true, true, true]);
    const reapplied = await apply([migrations[0].expand!.up]);
    assert.equal(reapplied[0].skipped, false);
    assert.deepEqual(await query(url, 'SELECT amount FROM orders'), [{ amount: '9.5' }]);

    const status = await migrationStatus(url);
    assert.deepEqual(status.map((r) => [r.id, r.phase, r.direction, r.complete]), [
      ['008-refunds', 'expand', 'down', true],
      ['007-amount', 'expand', 'up', true],
    ]);
  });

  test('the examples run as documented: rename in three deploys, dual-write both ways, down restores', async () => {
    const file = fileURLToPath(new URL('../../examples/migrations/rename.yaml', import.meta.url));
    const plan = resolveMigrations(loadPipelineFile(file).pipeline.migrations!, dirname(file));
    const { url, apply } = await fresh();
    await query(url, "CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL); INSERT INTO customers VALUES (1, 'Ada Lovelace')");
    const before = await server.dump(url);

    // Deploy 1: expand. Old code (writes name) and new code (writes full_name) both keep working.
    await apply(expandSteps(plan), 'deploy-accounts/1');
    await query(url, "INSERT INTO customers (id, name) VALUES (2, 'Old Writer')");
    await query(url, "INSERT INTO customers (id, full_name) VALUES (3, 'New Writer')");
    await query(url, "UPDATE customers SET name = 'Ada King' WHERE id = 1");
    await query(url, "UPDATE customers SET full_name = 'New Writer Jr' WHERE id = 3");
    assert.deepEqual(await query(url, 'SELECT id::int, name, full_name FROM customers ORDER BY id'), [
      { id: 1, name: 'Ada King', full_name: 'Ada King' },
      { id: 2, name: 'Old Writer', full_name: 'Old Writer' },
      { id: 3, name: 'New Writer Jr', full_name: 'New Writer Jr' },
    ]);
    // Deploy 3: expand is skipped (applied by deploy 1), contract drops name after the last region.
    const third = await apply([...expandSteps(plan), ...contractSteps(plan)], 'deploy-accounts/3');
    assert.deepEqual(third.map((s) => [s.phase, s.skipped]), [['expand', true], ['contract', false]]);
    assert.deepEqual(await query(url, 'SELECT id::int, full_name FROM customers WHERE id = 1'), [{ id: 1, full_name: 'Ada King' }]);
    // Abort with rollback: all: contract down, then expand down, and the schema is as before.
    const downs = await apply(downSteps(plan), 'deploy-accounts/3-abort');
    assert.deepEqual(downs.map((s) => [s.phase, s.skipped]), [['contract', false], ['expand', false]]);
    assert.equal(await server.dump(url), before);
    assert.deepEqual(await query(url, 'SELECT id::int, name FROM customers ORDER BY id'), [
      { id: 1, name: 'Ada King' }, { id: 2, name: 'Old Writer' }, { id: 3, name: 'New Writer Jr' },
    ]);

    // examples/checkout.yaml (the full example pipeline) names SQL files too: they run, and revert, as well.
    const checkout = fileURLToPath(new URL('../../examples/checkout.yaml', import.meta.url));
    const spec = resolveMigrations(loadPipelineFile(checkout).pipeline.migrations!, dirname(checkout));
    const other = await fresh();
    await query(other.url, 'CREATE TABLE orders (id bigint PRIMARY KEY, price numeric(12, 2)); INSERT INTO orders VALUES (1, 9.99)');
    const original = await server.dump(other.url);
    await other.apply([...expandSteps(spec), ...contractSteps(spec)]);
    assert.deepEqual(await query(other.url, 'SELECT currency, price_minor::int FROM orders'), [{ currency: 'USD', price_minor: 999 }]);
    await other.apply(downSteps(spec));
    assert.equal(await server.dump(other.url), original);
    assert.deepEqual(await query(other.url, 'SELECT price FROM orders'), [{ price: '9.99' }]);
  });

  test('`migrations status` reads each database named by the pipeline', async () => {
    const { url, apply } = await fresh();
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-mstatus-'));
    try {
      mkdirSync(join(dir, 'migrations'));
      const upSql = 'CREATE TABLE s (a int);\n';
      writeFileSync(join(dir, 'migrations', 'up.sql'), upSql);
      writeFileSync(join(dir, 'migrations', 'down.sql'), 'DROP TABLE s;\n');
      writeFileSync(join(dir, 'migrations', 'c.sql'), 'SELECT 1;\n');
      writeFileSync(join(dir, 'migrations', 'cd.sql'), 'SELECT 1;\n');
      const file = join(dir, 'firebreak.yaml');
      writeFileSync(file, [
        'apiVersion: firebreak/v1',
        'service: checkout',
        'owner: payments-team',
        'runbook: https://wiki.example.com/checkout',
        'regions: [{ name: a, customers: 1 }, { name: b, customers: 2 }]',
        'gate: { name: g, approval: manual }',
        'deploy: { command: [x, "{{region}}"], current: [y] }',
        'migrations:',
        '  - id: 009-s',
        '    database: ${STATUS_DB}',
        '    expand: { up: migrations/up.sql, down: migrations/down.sql }',
        '    contract: { up: migrations/c.sql, down: migrations/cd.sql }',
        '',
      ].join('\n'));
      await apply([{ ...step('009-s', 'expand', 'up', upSql), file: 'migrations/up.sql' }], 'deploy-checkout/r9');
      const status = await migrationsStatus(file, { STATUS_DB: url });
      assert.equal(status.databases.length, 1);
      const [db] = status.databases;
      assert.match(db.database, /^127\.0\.0\.1:\d+\/m\d+$/);
      assert.equal(db.as, '${STATUS_DB}');
      assert.deepEqual(db.migrations.map((m) => [m.id, m.phase, m.state, m.deployId ?? null, m.changed ?? null]), [
        ['009-s', 'expand', 'applied', 'deploy-checkout/r9', false],
        ['009-s', 'contract', 'pending', null, null],
      ]);
      assert.ok(!JSON.stringify(status).includes(server.password));
      await assert.rejects(migrationsStatus(file, {}), /environment variable STATUS_DB is not set/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
