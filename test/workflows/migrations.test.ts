// Two-phase schema migrations in the workflow, against a real PostgreSQL: expand runs once
// before the first region, contract only after the last soak; a failed region never undoes
// expand; abort {rollback: all} runs `down` after every region is back; a worker killed during
// expand applies it exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startTestStack, startWorkerProcess, type TestStack } from '../helpers/stack.js';
import { pipelineYaml, type TestPipeline } from '../../src/local/pipelines.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';
import { activityEnv, phaseIs, regionState, seedVersion, settle, simFault, simRegion, start, waitFor, withWorker } from '../helpers/deploys.js';
import { parsePipeline } from '../../src/domain/pipeline/load.js';
import { plan } from '../../src/domain/pipeline/plan.js';
import { resolveMigrations } from '../../src/domain/migrations/steps.js';
import { abortUpdate } from '../../workflows/messages.js';
import { recordHistory } from '../helpers/histories.js';

let stack: TestStack;
let db: Postgres;
const dir = mkdtempSync(join(tmpdir(), 'firebreak-mig-'));
before(async () => {
  [stack, db] = await Promise.all([startTestStack({ simulator: true }), startPostgres()]);
});
after(async () => {
  await stack?.stop();
  await db?.stop();
});

const SQL = {
  // Expand: add what new code needs; old code keeps working.
  'expand.up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, price numeric);\nALTER TABLE orders ADD COLUMN currency text DEFAULT \'EUR\';\n',
  'expand.down.sql': 'DROP TABLE orders;\n',
  // Contract: remove what only old code used, once no old code runs anywhere.
  'contract.up.sql': 'ALTER TABLE orders DROP COLUMN price;\n',
  'contract.down.sql': 'ALTER TABLE orders ADD COLUMN price numeric;\n',
};
for (const [name, sql] of Object.entries(SQL)) writeFileSync(join(dir, name), sql);

const MIGRATIONS = `migrations:
  - id: 2026-11-currency
    database: \${DATABASE_URL}
    expand: { up: expand.up.sql, down: expand.down.sql }
    contract: { up: contract.up.sql, down: contract.down.sql }
`;

function planWith(t: TestPipeline, version: string) {
  const { pipeline } = parsePipeline(pipelineYaml({ ...t, extra: MIGRATIONS }), join(dir, `${t.service}.yaml`));
  return plan(pipeline, version, { migrations: resolveMigrations(pipeline.migrations ?? [], dir) });
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const columns = (url: string) =>
  query<{ column_name: string }>(url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' ORDER BY column_name").then((r) => r.map((c) => c.column_name));
const applied = (url: string) =>
  query<{ id: string; phase: string; direction: string; n: number }>(url, 'SELECT id, phase, direction, count(*)::int AS n FROM firebreak_migrations GROUP BY 1, 2, 3 ORDER BY 2, 3');

const REGIONS: [string, number][] = [
  ['small', 100],
  ['middle', 5000],
  ['large', 90000],
];

test('expand once before any region, contract only after the last soak; a re-run applies nothing again', async () => {
  const url = await db.createDatabase('mig_happy');
  await withWorker(
    stack,
    async () => {
      const handle = await start(stack, planWith({ service: 'mig-happy', regions: REGIONS, soak: '2s' }, '2.0.0'), { previous: '1.0.0' });
      const done = await settle(handle);
      assert.equal(done.phase, 'succeeded');
      const kinds = done.events.map((e) => `${e.kind}${e.region ? ` ${e.region}` : ''}`);
      const expandAt = kinds.indexOf('migrated');
      const contractAt = kinds.lastIndexOf('migrated');
      assert.ok(expandAt >= 0 && expandAt < kinds.indexOf('deploying small'), `expand before the first region: ${kinds.join(', ')}`);
      assert.ok(contractAt > kinds.indexOf('promoted large'), 'contract after the last region is promoted and soaked');
      assert.deepEqual(done.migrations!.map((m) => `${m.phase} ${m.direction} ${m.state}`), ['expand up applied', 'contract up applied']);
      await recordHistory(stack.address, handle, 'v1-migrations-expand-contract');
      assert.deepEqual(await columns(url), ['currency', 'id']);
      assert.deepEqual(await applied(url), [
        { id: '2026-11-currency', phase: 'contract', direction: 'up', n: 1 },
        { id: '2026-11-currency', phase: 'expand', direction: 'up', n: 2 },
      ]);

      // The same migrations in the next deploy are found applied, not run again.
      const again = await settle(await start(stack, planWith({ service: 'mig-happy', regions: REGIONS, soak: '1s', minSamples: 1 }, '2.0.1'), { previous: '2.0.0' }));
      assert.equal(again.phase, 'succeeded');
      assert.deepEqual(again.migrations!.map((m) => `${m.phase} ${m.state}`), ['expand already_applied', 'contract already_applied']);
    },
    activityEnv(stack, { DATABASE_URL: url }),
  );
});

test('a failure in the first region never undoes expand, and contract never runs', async () => {
  const url = await db.createDatabase('mig_fail');
  await withWorker(
    stack,
    async () => {
      await seedVersion(stack, 'mig-fail', ['small', 'middle', 'large'], '1.0.0');
      await simFault(stack, { service: 'mig-fail', region: 'small', version: '2.0.0', errorRate: 0.5 });
      const handle = await start(stack, planWith({ service: 'mig-fail', regions: REGIONS, soak: '2s' }, '2.0.0'));
      const paused = await waitFor(handle, phaseIs('paused'), 'the failure in small');
      assert.equal(regionState(paused, 'small'), 'rolled_back');
      assert.deepEqual(await columns(url), ['currency', 'id', 'price'], 'expand stays applied: old code works with it');
      const ended = await handle.executeUpdate(abortUpdate, { args: [{ reason: 'bad build', by: 'ana', rollback: 'none' }] });
      assert.equal(ended.phase, 'aborted');
      assert.deepEqual((await applied(url)).map((r) => r.phase), ['expand'], 'contract never ran');
    },
    activityEnv(stack, { DATABASE_URL: url }),
  );
});

test('abort {rollback: all} after the second region: every region back, then down; schema as before', async () => {
  const url = await db.createDatabase('mig_abort');
  const schemaBefore = await db.dump(url);
  await withWorker(
    stack,
    async () => {
      await seedVersion(stack, 'mig-abort', ['small', 'middle', 'large'], '1.0.0');
      await simFault(stack, { service: 'mig-abort', region: 'large', version: '2.0.0', errorRate: 0.5 });
      const handle = await start(stack, planWith({ service: 'mig-abort', regions: REGIONS, soak: '2s' }, '2.0.0'));
      await waitFor(handle, phaseIs('paused'), 'large to fail after two regions were promoted');
      const s = await handle.executeUpdate(abortUpdate, { args: [{ reason: 'roll it all back', by: 'ana', rollback: 'all' }] });
      assert.equal(s.phase, 'aborted');
      for (const region of ['small', 'middle', 'large']) assert.equal((await simRegion(stack, 'mig-abort', region)).version, '1.0.0');
      const order = s.events.map((e) => e.kind);
      assert.ok(order.lastIndexOf('rolled_back') < order.lastIndexOf('migrated'), `down after every rollback: ${order.join(', ')}`);
      assert.deepEqual(s.migrations!.map((m) => `${m.phase} ${m.direction} ${m.state}`), ['expand up applied', 'contract down skipped', 'expand down applied']);
      assert.equal(await db.dump(url), schemaBefore, 'pg_dump --schema-only equals the schema before the deploy');
    },
    activityEnv(stack, { DATABASE_URL: url }),
  );
});

test('abort {rollback: all} whose down-migration fails: the deploy ends aborted and says so', async () => {
  const url = await db.createDatabase('mig_down_fails');
  writeFileSync(join(dir, 'broken.down.sql'), 'DROP TABLE no_such_table;\n');
  const broken = `migrations:
  - id: 2026-11-broken-down
    database: \${DATABASE_URL}
    expand: { up: expand.up.sql, down: broken.down.sql }
`;
  const { pipeline } = parsePipeline(pipelineYaml({ service: 'mig-down', regions: [['only', 10]], soak: '2s', extra: broken }), join(dir, 'mig-down.yaml'));
  const downPlan = plan(pipeline, '2.0.0', { migrations: resolveMigrations(pipeline.migrations ?? [], dir) });
  await withWorker(
    stack,
    async () => {
      await seedVersion(stack, 'mig-down', ['only'], '1.0.0');
      await simFault(stack, { service: 'mig-down', region: 'only', version: '2.0.0', errorRate: 0.5 });
      const handle = await start(stack, downPlan);
      await waitFor(handle, phaseIs('paused'), 'the failure in only');
      const s = await handle.executeUpdate(abortUpdate, { args: [{ reason: 'roll it all back', by: 'ana', rollback: 'all' }] });
      assert.equal(s.phase, 'aborted');
      assert.equal(regionState(s, 'only'), 'rolled_back');
      assert.match(s.failure ?? '', /down-migration failed.*no_such_table/);
      assert.ok(s.events.some((e) => e.kind === 'migration_failed'), 'the failed down is an event');
      const last = s.events.at(-1)!;
      assert.equal(last.kind, 'aborted');
      assert.match(last.message, /down-migration failed/, 'the end says the schema was not restored');
    },
    activityEnv(stack, { DATABASE_URL: url }),
  );
});

test('a worker SIGKILLed during expand: the retried deploy applies it exactly once', async () => {
  const url = await db.createDatabase('mig_crash');
  // A slow expand (pg_sleep inside the transaction) so the kill lands while it runs.
  const slow = join(dir, 'slow.up.sql');
  writeFileSync(slow, 'CREATE TABLE ledger (id bigint);\nSELECT pg_sleep(4);\nINSERT INTO ledger VALUES (1);\n');
  const { pipeline } = parsePipeline(
    pipelineYaml({ service: 'mig-crash', regions: [['only', 10]], soak: '1s', minSamples: 1, extra: `migrations:\n  - { id: slow, database: "\${DATABASE_URL}", expand: { up: slow.up.sql, down: expand.down.sql } }\n` }),
    join(dir, 'mig-crash.yaml'),
  );
  const thePlan = plan(pipeline, '2.0.0', { migrations: resolveMigrations(pipeline.migrations ?? [], dir) });
  const env = { FIREBREAK_SIM_URL: stack.sim!.url, DATABASE_URL: url };
  const first = await startWorkerProcess({ address: stack.address, taskQueue: stack.taskQueue, env });
  const handle = await start(stack, thePlan, { previous: '1.0.0' });
  await waitFor(handle, (s) => s.events.some((e) => e.kind === 'migrating'), 'expand to start');
  await new Promise((r) => setTimeout(r, 1500));
  first.kill('SIGKILL');
  await first.exited;
  const second = await startWorkerProcess({ address: stack.address, taskQueue: stack.taskQueue, env });
  try {
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded');
    assert.deepEqual(await query(url, 'SELECT id FROM ledger'), [{ id: '1' }], 'the migration ran exactly once');
    assert.deepEqual(await applied(url), [{ id: 'slow', phase: 'expand', direction: 'up', n: 3 }]);
  } finally {
    second.kill('SIGTERM');
    await second.exited;
  }
});
