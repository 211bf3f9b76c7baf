// `firebreak init`'s starter: two regions (smallest and largest), commented, clean under
// `plan --strict`, with a modeline whose $schema path resolves from where the file is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { lint } from '../../src/domain/pipeline/lint.js';
import { parsePipeline } from '../../src/domain/pipeline/load.js';
import { plan } from '../../src/domain/pipeline/plan.js';
import { INIT_TARGETS, SCHEMA_FILE, schemaRefFor, starterPipeline } from '../../src/domain/pipeline/init-template.js';

test('the starter is valid, two regions smallest then largest, and lint-clean under --strict', () => {
  const text = starterPipeline('web-shop');
  const loaded = parsePipeline(text, 'firebreak.yaml');
  assert.equal(loaded.pipeline.service, 'web-shop');
  assert.deepEqual(plan(loaded.pipeline, '1.0.0').stages.map((s) => s.regions.map((r) => r.name)), [['eu-west-1'], ['us-east-1']]);
  assert.deepEqual(lint(loaded, { strict: true }), []);
  assert.ok(text.split('\n').filter((l) => l.trimStart().startsWith('#')).length >= 10, 'commented');
  assert.equal(parsePipeline(starterPipeline(), 'x.yaml').pipeline.service, 'my-service');
});

test('the modeline comes first; its default path is right for a pipeline at the repository root', () => {
  const [first] = starterPipeline('web').split('\n');
  assert.equal(first, '# yaml-language-server: $schema=./schema/pipeline.schema.json');
  assert.ok(existsSync(SCHEMA_FILE));
  const root = dirname(dirname(SCHEMA_FILE));
  assert.equal(schemaRefFor(join(root, 'firebreak.yaml')), './schema/pipeline.schema.json');
  assert.equal(schemaRefFor(join(root, 'examples', 'checkout.yaml')), '../schema/pipeline.schema.json');
  assert.equal(
    schemaRefFor('/srv/shop/firebreak.yaml', '/srv/shop/node_modules/firebreak/schema/pipeline.schema.json'),
    './node_modules/firebreak/schema/pipeline.schema.json',
  );
  assert.equal(resolve(join(root, 'examples'), schemaRefFor(join(root, 'examples', 'x.yaml'))), SCHEMA_FILE);
  const example = join(root, 'examples', 'checkout.yaml');
  assert.equal(readFileSync(example, 'utf8').split('\n')[0], `# yaml-language-server: $schema=${schemaRefFor(example)}`);
  assert.match(starterPipeline('web', { schemaRef: 'https://example.com/s.json' }), /^# yaml-language-server: \$schema=https:\/\/example\.com\/s\.json\n/);
});

test('every --target starter is valid and lint-clean; the command recipes wait for the rollout and read the running image', () => {
  for (const target of INIT_TARGETS) {
    const loaded = parsePipeline(starterPipeline('web-shop', { target }), 'firebreak.yaml');
    assert.deepEqual(lint(loaded, { strict: true }), [], target);
    const { deploy } = loaded.pipeline;
    if (target === 'kubernetes') {
      assert.deepEqual(deploy.kubernetes?.containers, { web: 'registry.example/web-shop:{{version}}' });
      assert.deepEqual(loaded.pipeline.gate.checks.map((c) => c.kubernetes), [undefined, { maxRestarts: 0, minReadyRatio: 1 }]);
      continue;
    }
    const command = deploy.command!.join(' ');
    if (target === 'helm') assert.match(command, /upgrade --install .* --wait --atomic /);
    if (target === 'kubectl') assert.match(command, /set image .* && kubectl .* rollout status /);
    // The running image's tag, never the chart's version label.
    assert.match(deploy.current!.join(' '), /jsonpath=\{\.spec\.template\.spec\.containers\[0\]\.image\}/);
    assert.doesNotMatch(deploy.current!.join(' '), /app\\*\.kubernetes\\*\.io\/version/);
  }
  const example = parsePipeline(readFileSync(join(dirname(dirname(SCHEMA_FILE)), 'examples', 'checkout.yaml'), 'utf8'), 'checkout.yaml').pipeline.deploy;
  assert.match(example.command!.join(' '), /--wait --atomic/);
  assert.match(example.current!.join(' '), /containers\[0\]\.image/);
});
