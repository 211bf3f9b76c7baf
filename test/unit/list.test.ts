// `firebreak list`: the visibility query its filters make, --since parsing, and the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listQuery, parseSince, renderList, type ListRow } from '../../src/cli/list.js';
import { CliError } from '../../src/cli/fail.js';

const now = Date.parse('2026-11-27T12:00:00Z');

test('filters become one visibility query on the Firebreak search attributes', () => {
  assert.equal(listQuery({}, now), '(WorkflowType = "multiRegionDeploy" OR WorkflowType = "serviceRollback")');
  assert.equal(
    listQuery({ service: 'checkout', phase: 'paused', owner: 'payments-team', since: '24h' }, now),
    '(WorkflowType = "multiRegionDeploy" OR WorkflowType = "serviceRollback") AND FirebreakService = "checkout" AND FirebreakPhase = "paused" AND ' +
      'FirebreakOwner = "payments-team" AND StartTime > "2026-11-26T12:00:00.000Z"',
  );
  assert.equal(listQuery({ service: 'a"b' }, now), '(WorkflowType = "multiRegionDeploy" OR WorkflowType = "serviceRollback") AND FirebreakService = "a\\"b"');
  assert.throws(() => listQuery({ phase: 'stuck' }, now), (e: Error) => e instanceof CliError && /--phase must be one of running, paused/.test(e.message));
});

test('--since: a duration back from now, or an ISO time', () => {
  assert.equal(parseSince('90m', now).toISOString(), '2026-11-27T10:30:00.000Z');
  assert.equal(parseSince('7d', now).toISOString(), '2026-11-20T12:00:00.000Z');
  assert.equal(parseSince('2026-11-27', now).toISOString(), '2026-11-27T00:00:00.000Z');
  assert.equal(parseSince('2026-11-27T09:00:00+01:00', now).toISOString(), '2026-11-27T08:00:00.000Z');
  assert.throws(() => parseSince('yesterday', now), CliError);
  assert.throws(() => parseSince('2026-13-45', now), CliError);
});

test('the table: the columns a person scans', () => {
  const rows: ListRow[] = [
    { workflowId: 'deploy-checkout', runId: 'r2', service: 'checkout', version: '1.4.2', phase: 'paused', region: 'eu-west-1', owner: 'payments-team', started: '2026-11-27T10:00:00.000Z', durationMs: 7_200_000, status: 'RUNNING' },
    { workflowId: 'deploy-search', runId: 'r1', service: 'search', version: '9.0.0', phase: 'succeeded', owner: 'search-team', started: '2026-11-26T09:00:00.000Z', closed: '2026-11-26T09:45:30.000Z', durationMs: 2_730_000, status: 'COMPLETED' },
  ];
  assert.equal(
    renderList(rows),
    [
      'STARTED              SERVICE   VERSION  PHASE      REGION     OWNER          DURATION  WORKFLOW ID',
      '2026-11-27 10:00:00  checkout  1.4.2    paused     eu-west-1  payments-team  2h        deploy-checkout',
      '2026-11-26 09:00:00  search    9.0.0    succeeded  -          search-team    45m30s    deploy-search',
    ].join('\n'),
  );
  assert.equal(renderList([]), 'no deploys found');
});
