// CI where people look: the examples under examples/ci/ are valid YAML with the
// expected jobs and steps, and what the CLI writes for GitHub Actions and GitLab CI is exactly
// the format their runners read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../src/local/tools.js';
import { annotation, deployAnnotations, escapeData, escapeProperty, groupEnd, groupStart, jobSummary, webUiLink } from '../../src/cli/ci/github.js';
import { dotenvReport, sectionEnd, sectionStart } from '../../src/cli/ci/gitlab.js';
import { ciHost, group } from '../../src/cli/ci/host.js';
import type { DeployStatus } from '../../workflows/messages.js';

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { 'runs-on': string; if?: string; steps: Step[] };

test('examples/ci/github-actions.yml: lint on pull requests with plan --strict, deploy on main with --wait', () => {
  const wf = parse(readFileSync(join(REPO_ROOT, 'examples/ci/github-actions.yml'), 'utf8')) as { on: Record<string, { branches?: string[] } | null>; jobs: Record<string, Job> };
  assert.ok('pull_request' in wf.on);
  assert.deepEqual(wf.on.push?.branches, ['main']);
  const { lint, deploy } = wf.jobs;
  for (const job of [lint, deploy]) {
    assert.equal(typeof job['runs-on'], 'string');
    assert.ok(job.steps.every((s) => Boolean(s.uses) !== Boolean(s.run)), 'each step either uses an action or runs a command');
    assert.ok(job.steps.some((s) => s.uses?.startsWith('actions/checkout@')));
    assert.ok(job.steps.some((s) => s.uses?.startsWith('actions/setup-node@') && String(s.with?.['node-version']) === '20'));
  }
  assert.match(lint.if ?? '', /github\.event_name == 'pull_request'/);
  assert.ok(lint.steps.some((s) => /^firebreak plan \S+ --strict$/m.test(s.run ?? '')), 'lint runs plan --strict');
  assert.match(deploy.if ?? '', /refs\/heads\/main/);
  const run = deploy.steps.map((s) => s.run ?? '').find((r) => r.startsWith('firebreak deploy'));
  assert.match(run ?? '', /^firebreak deploy \S+ --version \$\{\{ github\.sha \}\} --wait --wait-timeout \d+m$/);
});

test('examples/ci/gitlab-ci.yml: lint on merge requests with plan --strict, deploy on the default branch with --wait and a dotenv report', () => {
  const ci = parse(readFileSync(join(REPO_ROOT, 'examples/ci/gitlab-ci.yml'), 'utf8')) as Record<string, { stage?: string; script?: string[]; rules?: { if: string }[]; artifacts?: { reports?: { dotenv?: string } } }>;
  assert.match(ci.lint.rules?.[0].if ?? '', /merge_request_event/);
  assert.ok(ci.lint.script?.some((l) => /^firebreak plan \S+ --strict$/.test(l)));
  assert.match(ci.deploy.rules?.[0].if ?? '', /CI_DEFAULT_BRANCH/);
  assert.ok(ci.deploy.script?.some((l) => /^firebreak deploy \S+ --version "\$CI_COMMIT_SHA" --wait/.test(l)));
  assert.equal(ci.deploy.artifacts?.reports?.dotenv, 'firebreak.env');
});

test("annotations: GitHub's workflow command syntax, escaped as @actions/core escapes", () => {
  assert.equal(escapeData('50% down\r\nnext'), '50%25 down%0D%0Anext');
  assert.equal(escapeProperty('a: b, c%'), 'a%3A b%2C c%25');
  assert.equal(
    annotation('error', 'breach: 5%\nrolled back', { file: 'deploy/a,b.yaml', line: 12, col: 3, title: 'firebreak: rollback' }),
    '::error file=deploy/a%2Cb.yaml,line=12,col=3,title=firebreak%3A rollback::breach: 5%25%0Arolled back',
  );
  assert.equal(annotation('warning', 'soak is short', { file: 'p.yaml', line: 4 }), '::warning file=p.yaml,line=4::soak is short');
  assert.equal(annotation('notice', 'plain'), '::notice::plain');
  assert.equal(groupStart('firebreak deploy shop 2.0.0'), '::group::firebreak deploy shop 2.0.0');
  assert.equal(groupEnd(), '::endgroup::');
});

const status: DeployStatus = {
  service: 'shop',
  version: '2.0.0',
  owner: 'team|a',
  runbook: 'https://wiki/shop',
  phase: 'rolled_back',
  currentStage: 0,
  failure: 'small failed: error-rate = 0.5 breached <= 0.05',
  startedAt: '2026-12-02T10:00:00.000Z',
  endedAt: '2026-12-02T10:01:00.000Z',
  stages: [
    {
      index: 0,
      gate: { name: 'errors', approval: 'auto', state: 'failed' },
      regions: [
        {
          name: 'small',
          customers: 1200,
          state: 'rolled_back',
          fromVersion: '1.0.0',
          attempt: 1,
          gate: { state: 'failed' },
          checks: [{ name: 'error-rate', value: 0.5, samples: 3, breaches: 2, threshold: '<= 0.05', limits: { max: 0.05 } }],
        },
      ],
    },
    { index: 1, gate: { name: 'errors', approval: 'auto', state: 'pending' }, regions: [{ name: 'large', customers: 90000, state: 'pending', attempt: 1, checks: [], gate: { state: 'pending' } }] },
  ],
  events: [
    { at: '2026-12-02T10:00:00.000Z', kind: 'started', message: 'deploy of shop 2.0.0 started: small > large', by: 'ci' },
    { at: '2026-12-02T10:00:40.000Z', kind: 'rollback_started', message: 'rolling small back to 1.0.0: a | b', region: 'small' },
  ],
};

test('the job summary: outcome, Web UI link, region table, verdicts with values, events', () => {
  const md = jobSummary(status, { uiUrl: 'https://t.example.com/', namespace: 'prod', workflowId: 'deploy-shop', runId: 'r1' });
  assert.equal(
    md,
    [
      '## shop 2.0.0: rolled_back',
      '',
      '**Why:** small failed: error-rate = 0.5 breached <= 0.05',
      '',
      '[deploy-shop in the Temporal Web UI](https://t.example.com/namespaces/prod/workflows/deploy-shop/r1/history) · owner team|a · [runbook](https://wiki/shop)',
      '',
      '| stage | region | customers | state | from | gate |',
      '| --- | --- | --- | --- | --- | --- |',
      '| 1 | small | 1,200 | rolled_back | 1.0.0 | failed |',
      '| 2 | large | 90,000 | pending | - | pending |',
      '',
      '### Verdicts',
      '',
      '- **small** (rolled_back): error-rate = 0.5 (<= 0.05) **breach**, 3 samples, 2 breaches',
      '',
      '### Events',
      '',
      '| time | event | message |',
      '| --- | --- | --- |',
      '| 10:00:00 | started | deploy of shop 2.0.0 started: small > large (by ci) |',
      '| 10:00:40 | rollback_started | rolling small back to 1.0.0: a \\| b |',
      '',
    ].join('\n'),
  );
  assert.equal(webUiLink({ namespace: 'prod', workflowId: 'deploy-shop' }), undefined, 'no FIREBREAK_UI_URL, no link');
  assert.deepEqual(deployAnnotations(status), ['::error title=firebreak%3A shop 2.0.0 rolled back in small::rolling small back to 1.0.0: a | b']);
});

test("GitLab: collapsible sections in GitLab's marker syntax, and a dotenv report of the outcome", () => {
  const at = new Date('2026-12-02T10:00:00Z');
  assert.equal(sectionStart('firebreak progress', 'firebreak deploy shop 2.0.0', at), '\u001b[0Ksection_start:1796205600:firebreak_progress[collapsed=true]\r\u001b[0Kfirebreak deploy shop 2.0.0');
  assert.equal(sectionEnd('firebreak progress', at), '\u001b[0Ksection_end:1796205600:firebreak_progress\r\u001b[0K');
  assert.equal(
    dotenvReport(status, 'deploy-shop', 1),
    [
      'FIREBREAK_SERVICE=shop',
      'FIREBREAK_VERSION=2.0.0',
      'FIREBREAK_OUTCOME=rolled_back',
      'FIREBREAK_EXIT_CODE=1',
      'FIREBREAK_WORKFLOW_ID=deploy-shop',
      'FIREBREAK_REGIONS_PROMOTED=0',
      'FIREBREAK_REGIONS_ROLLED_BACK=1',
      'FIREBREAK_FAILURE=small failed: error-rate = 0.5 breached <= 0.05',
      '',
    ].join('\n'),
  );
});

test('which CI: GitHub, GitLab, or plain output with nothing added', () => {
  assert.equal(ciHost({ GITHUB_ACTIONS: 'true' }), 'github');
  assert.equal(ciHost({ GITLAB_CI: 'true' }), 'gitlab');
  assert.equal(ciHost({ CI: 'true' }), 'plain');
  const plain = group('plain', 'x', 'title');
  assert.deepEqual([plain.open, plain.close()], [[], []]);
});
