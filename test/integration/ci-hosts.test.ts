// CI output from real deploys, `deploy --wait` run as a child process against the
// dev server and the simulator. GitHub Actions, on a deploy that was rolled back: the job summary
// lands in $GITHUB_STEP_SUMMARY (region table, verdicts with values, events, the Web UI link),
// the rollback is an ::error annotation, and the long output is grouped. GitLab CI: collapsible
// sections and the dotenv report.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { writePipelineFile } from '../../src/local/pipelines.js';
import { runFirebreak } from '../helpers/cli.js';
import { seedVersion, simFault, withWorker } from '../helpers/deploys.js';
import { deployHandle } from '../../src/client/workflow.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

test('a rolled-back deploy under GitHub Actions: job summary, rollback annotation, groups', async () => {
  await withWorker(stack, async () => {
    const service = 'gh-shop';
    await seedVersion(stack, service, ['small', 'large'], '1.0.0');
    await simFault(stack, { service, region: 'small', version: '2.0.0', errorRate: 0.5 });
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-gh-'));
    const file = writePipelineFile(dir, { service, regions: [['small', 10], ['large', 1000]], soak: '3s', rollback: { onFailure: 'all' } });
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '# earlier step\n');

    const run = await runFirebreak(stack, ['deploy', file, '--version', '2.0.0', '--wait'], {
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summary,
      FIREBREAK_UI_URL: 'https://temporal.example.com/',
      CI: 'true',
    });
    assert.equal(run.code, 1, run.stderr + run.stdout);
    const lines = run.stdout.split('\n');

    // Groups: the progress and the final timeline, each opened and closed.
    assert.ok(lines.includes(`::group::firebreak deploy ${service} 2.0.0: progress`), run.stdout);
    assert.ok(lines.includes(`::group::firebreak deploy ${service} 2.0.0: rolled_back, the whole timeline`), run.stdout);
    assert.equal(lines.filter((l) => l === '::endgroup::').length, 2);

    // The rollback as an error annotation, escaped as GitHub reads it (":" in a property is %3A).
    const errors = lines.filter((l) => l.startsWith('::error '));
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], new RegExp(`^::error title=firebreak%3A ${service} 2\\.0\\.0 rolled back in small::rolling small back to 1\\.0\\.0: small failed: error-rate = [0-9.]+ breached <= 0\\.05 `));

    // The job summary: appended after the earlier step's, with everything a reviewer needs.
    const md = readFileSync(summary, 'utf8');
    assert.ok(md.startsWith('# earlier step\n## gh-shop 2.0.0: rolled_back\n'), md.slice(0, 200));
    const { runId } = await deployHandle(stack.client, `deploy-${service}`).describe();
    assert.ok(md.includes(`[deploy-${service} in the Temporal Web UI](https://temporal.example.com/namespaces/${stack.namespace}/workflows/deploy-${service}/${runId}/history)`), md);
    assert.match(md, /\| stage \| region \| customers \| state \| from \| gate \|\n\| --- \| --- \| --- \| --- \| --- \| --- \|\n\| 1 \| small \| 10 \| rolled_back \| 1\.0\.0 \| failed \|\n\| 2 \| large \| 1,000 \| pending \| - \| pending \|/);
    assert.match(md, /### Verdicts\n\n- \*\*small\*\* \(rolled_back\): error-rate = [0-9.]+ \(<= 0\.05\) \*\*breach\*\*, \d+ samples?, [2-9]\d* breaches/);
    assert.match(md, /### Events\n\n\| time \| event \| message \|\n\| --- \| --- \| --- \|\n\| \d\d:\d\d:\d\d \| started \| deploy of gh-shop 2\.0\.0 started: small > large \(by ci\) \|/);
    assert.match(md, /\| rolled_back \| rolled_back: 0 promoted, 1 rolled back, 0 failed, 1 never deployed \|/);
  });
});

test('plan --strict under GitHub Actions: one annotation per finding, with its file and line', async () => {
  const run = await runFirebreak(stack, ['plan', 'examples/migrations/rename-wrong.yaml', '--strict'], { GITHUB_ACTIONS: 'true' });
  assert.equal(run.code, 2);
  const annotations = run.stdout.split('\n').filter((l) => /^::(error|warning) /.test(l));
  assert.ok(annotations.length > 0, run.stdout);
  assert.ok(
    annotations.some((l) => l.startsWith('::error file=examples/migrations/wrong/010_full_name.up.sql,line=3,title=firebreak lint%3A rename-column::')),
    annotations.join('\n'),
  );
  // Elsewhere: today's plain output, no workflow commands.
  const plain = await runFirebreak(stack, ['plan', 'examples/migrations/rename-wrong.yaml', '--strict'], { GITHUB_ACTIONS: '' });
  assert.ok(!plain.stdout.includes('::'), plain.stdout);
});

test('a deploy under GitLab CI: collapsible sections in the log, and the outcome in the dotenv report', async () => {
  await withWorker(stack, async () => {
    const service = 'gl-shop';
    await seedVersion(stack, service, ['small'], '1.0.0');
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-gl-'));
    const file = writePipelineFile(dir, { service, regions: [['small', 10]], soak: '1s', minSamples: 1 });
    const dotenv = join(dir, 'firebreak.env');
    const run = await runFirebreak(stack, ['deploy', file, '--version', '2.0.0', '--wait'], { GITLAB_CI: 'true', GITHUB_ACTIONS: '', FIREBREAK_DOTENV: dotenv, CI: 'true' });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    // GitLab's markers: ESC[0K section_start:<unix time>:<name>[collapsed=true] CR ESC[0K <header>.
    const log = run.stdout.replaceAll('\u001b[0K', '<EL>');
    assert.match(log, /<EL>section_start:\d+:firebreak_progress\[collapsed=true\]\r<EL>firebreak deploy gl-shop 2\.0\.0: progress\n/);
    assert.match(log, /<EL>section_end:\d+:firebreak_progress\r<EL>\n/);
    assert.match(log, /<EL>section_start:\d+:firebreak_timeline\[collapsed=true\]\r<EL>firebreak deploy gl-shop 2\.0\.0: succeeded, the whole timeline\n/);
    assert.ok(!run.stdout.includes('::group::'), 'no GitHub commands under GitLab');
    const report = readFileSync(dotenv, 'utf8');
    assert.match(report, /^FIREBREAK_SERVICE=gl-shop\nFIREBREAK_VERSION=2\.0\.0\nFIREBREAK_OUTCOME=succeeded\nFIREBREAK_EXIT_CODE=0\nFIREBREAK_WORKFLOW_ID=deploy-gl-shop\nFIREBREAK_REGIONS_PROMOTED=1\nFIREBREAK_REGIONS_ROLLED_BACK=0\n$/);
  });
});
