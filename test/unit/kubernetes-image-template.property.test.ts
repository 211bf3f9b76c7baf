// Image templates read both ways: any version filled into a template reads back as itself, an
// image the template cannot have made reads as nothing, and a workload's containers are one
// version or reported as missing, unmatched or disagreeing (never guessed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { reverseImage, versionCount, VERSION, workloadVersion, versionProblem } from '../../src/domain/kubernetes/image-template.js';

const version = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,40}$/);
const fixed = fc.stringMatching(/^[a-z0-9./:@_-]{0,30}$/);

test('a version filled into a template reads back as itself', () => {
  fc.assert(
    fc.property(fixed, fixed, version, (before, after, v) => {
      const template = `${before}{{version}}${after}`;
      assert.equal(reverseImage(template, template.replace('{{version}}', v)), v);
    }),
  );
});

test('other templates and ${VAR} are filled around {{version}} before reading', () => {
  const fill = (s: string) => s.replace('{{region}}', 'eu-west-1').replace('${REGISTRY}', 'reg.example');
  const t = '${REGISTRY}/shop-{{region}}:{{ version }}-slim';
  assert.equal(reverseImage(t, 'reg.example/shop-eu-west-1:2.1.0-slim', fill), '2.1.0');
  assert.equal(reverseImage(t, 'reg.example/shop-us-east-1:2.1.0-slim', fill), undefined);
});

test('an image the template cannot have made reads as no version', () => {
  const t = 'registry.example/shop:{{version}}';
  for (const image of ['', 'registry.example/shop:', 'registry.example/other:1.0', 'nginx', 'registry.example/shop:1.0 x', 'registry.example/shop:-1']) {
    assert.equal(reverseImage(t, image), undefined, image);
  }
  fc.assert(
    fc.property(fc.string(), (image) => {
      const v = reverseImage(t, image);
      assert.ok(v === undefined || (VERSION.test(v) && image === `registry.example/shop:${v}`));
    }),
  );
});

test('a template without {{version}} exactly once reads nothing', () => {
  assert.equal(versionCount('shop:{{version}}-{{version}}'), 2);
  assert.equal(reverseImage('shop:latest', 'shop:latest'), undefined);
  assert.equal(reverseImage('shop:{{version}}-{{version}}', 'shop:1-1'), undefined);
});

test("a workload's version: one, or what is wrong with its containers", () => {
  const templates = { web: 'r/web:{{version}}', worker: 'r/worker:{{version}}' };
  assert.deepEqual(workloadVersion(templates, { web: 'r/web:2.0', worker: 'r/worker:2.0', sidecar: 'envoy:1' }), { kind: 'version', version: '2.0' });
  const disagree = workloadVersion(templates, { web: 'r/web:2.0', worker: 'r/worker:1.9' });
  assert.equal(disagree.kind, 'disagree');
  assert.match(versionProblem(disagree as Exclude<typeof disagree, { kind: 'version' }>), /different versions in its containers \(web=2\.0, worker=1\.9\)/);
  const missing = workloadVersion(templates, { web: 'r/web:2.0' });
  assert.equal(versionProblem(missing as Exclude<typeof missing, { kind: 'version' }>), 'has no container worker (it has web)');
  const unmatched = workloadVersion(templates, { web: 'nginx:latest', worker: 'r/worker:2.0' });
  assert.match(versionProblem(unmatched as Exclude<typeof unmatched, { kind: 'version' }>), /runs nginx:latest in container web, which the template r\/web:\{\{version\}\} does not make/);
});

test('any images: a workload version is never guessed', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom('web', 'worker', 'x'), fc.oneof(fc.string(), version.map((v) => `r/web:${v}`))), (images) => {
      const v = workloadVersion({ web: 'r/web:{{version}}', worker: 'r/web:{{version}}' }, images);
      if (v.kind === 'version') {
        assert.equal(images.web, `r/web:${v.version}`);
        assert.equal(images.worker, `r/web:${v.version}`);
      }
    }),
  );
});
