// deploy.kubernetes and the kubernetes check through the real loader: defaults, per-region
// places, exactly one adapter, and any value of any type in each field gives one-line problems
// with a path, never a throw. plan() gives each region's kubernetes checks the deploy's place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { formatProblem, parsePipeline, PipelineError } from '../../src/domain/pipeline/load.js';
import { plan } from '../../src/domain/pipeline/plan.js';
import { thresholdOf } from '../../src/domain/pipeline/threshold.js';

const kube = () => ({ namespace: 'shop', workload: 'deployment/shop', containers: { web: 'registry.example/shop:{{version}}' } });

function doc(deploy: Record<string, unknown>, checks: unknown[] = []) {
  return {
    apiVersion: 'firebreak/v1',
    service: 'shop',
    owner: 'payments',
    runbook: 'https://wiki.example.com/shop',
    regions: [
      { name: 'small', customers: 10 },
      { name: 'large', customers: 1000 },
    ],
    gate: { name: 'g', checks },
    deploy,
  };
}

function problems(d: unknown): string[] {
  try {
    parsePipeline(stringify(d), 'p.yaml');
    return [];
  } catch (err) {
    assert.ok(err instanceof PipelineError, `not a PipelineError: ${String(err)}`);
    return err.problems.map(formatProblem);
  }
}

const anything = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.string({ maxLength: 12 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
);

test('deploy.kubernetes loads with its defaults: context {{region}}, namespace default', () => {
  const { pipeline } = parsePipeline(stringify(doc({ kubernetes: { workload: 'statefulset/db', containers: { db: 'r/db:{{version}}' } }, timeout: '5m' })), 'p.yaml');
  assert.deepEqual(pipeline.deploy.kubernetes, { context: '{{region}}', namespace: 'default', workload: 'statefulset/db', containers: { db: 'r/db:{{version}}' } });
  assert.deepEqual(problems(doc({ kubernetes: { ...kube(), context: 'prod-{{region}}', regions: { large: { context: 'big', namespace: 'shop-large' } } } })), []);
});

test('exactly one adapter among command, http and kubernetes', () => {
  assert.match(problems(doc({ kubernetes: kube(), command: ['x'] }))[0], /deploy: deploy needs exactly one adapter: command, http or kubernetes$/);
  assert.match(problems(doc({}))[0], /deploy needs exactly one adapter: command, http or kubernetes$/);
  assert.match(problems(doc({ kubernetes: kube(), current: ['x'] }))[0], /current belongs to the command adapter/);
});

test('wrong shapes get the words that fix them', () => {
  const bad = (k: Record<string, unknown>) => problems(doc({ kubernetes: { ...kube(), ...k } }));
  assert.match(bad({ workload: 'shop' })[0], /deploy\.kubernetes\.workload: a workload like deployment\/shop or statefulset\/shop; got "shop"$/);
  assert.match(bad({ workload: 'daemonset/shop' })[0], /a workload like deployment\/shop/);
  assert.match(bad({ containers: { web: 'registry.example/shop:latest' } })[0], /containers\.web: an image template holds \{\{version\}\} exactly once/);
  assert.match(bad({ containers: { web: 'r/{{version}}:{{version}}' } })[0], /exactly once/);
  assert.match(bad({ containers: {} })[0], /name at least one container and its image/);
  assert.match(bad({ containers: { web: 'r/web:{{versoin}}' } })[0], /did you mean \{\{version\}\}/);
  assert.match(bad({ regions: { lagre: { context: 'x' } } })[0], /deploy\.kubernetes\.regions\.lagre: must name one of the regions; got "lagre" \(did you mean "large"\?\)$/);
  assert.match(bad({ regions: { large: { cluster: 'x' } } })[0], /regions\.large\.cluster: unknown key; got "cluster" \(known: context, namespace\)$/);
});

test('any value of any type in each field: single-line problems with a path, never a throw', () => {
  const fields = ['context', 'namespace', 'workload', 'containers', 'regions', 'containers.web', 'regions.small', 'regions.small.context'] as const;
  fc.assert(
    fc.property(fc.constantFrom(...fields), anything, (field, value) => {
      const k: Record<string, unknown> = kube();
      const [head, ...rest] = field.split('.');
      if (rest.length === 0) k[head] = value;
      else if (rest.length === 1) k[head] = { ...((k[head] as object) ?? {}), [rest[0]]: value };
      else k[head] = { [rest[0]]: { [rest[1]]: value } };
      for (const line of problems(doc({ kubernetes: k }))) {
        assert.ok(!line.includes('\n'), `one line: ${line}`);
        assert.match(line, /^p\.yaml:\d+:\d+ deploy(\.kubernetes)?/, line);
      }
    }),
    { numRuns: 300 },
  );
});

test('the kubernetes check: limits, no threshold of its own, a workload to watch', () => {
  const check = (k: unknown, more: Record<string, unknown> = {}) => ({ name: 'pods', kubernetes: k, ...more });
  assert.deepEqual(problems(doc({ kubernetes: kube() }, [check({ maxRestarts: 2, minReadyRatio: 0.9 })])), []);
  assert.match(problems(doc({ kubernetes: kube() }, [check({})]))[0], /a kubernetes check needs maxRestarts, minReadyRatio or both$/);
  assert.match(problems(doc({ kubernetes: kube() }, [check({ maxRestarts: 1 }, { max: 1 })]))[0], /a kubernetes check passes within its own limits and takes no max$/);
  assert.match(problems(doc({ kubernetes: kube() }, [check({ minReadyRatio: 1.5 })]))[0], /minReadyRatio/);
  assert.match(problems(doc({ kubernetes: kube() }, [check({ maxRestarts: -1 })]))[0], /maxRestarts/);
  assert.match(problems(doc({ command: ['x'], current: ['y'] }, [check({ maxRestarts: 1 })]))[0], /kubernetes\.workload: name the workload: without deploy\.kubernetes there is none to default to$/);
  assert.deepEqual(problems(doc({ command: ['x'], current: ['y'] }, [check({ maxRestarts: 1, workload: 'deployment/shop', namespace: 'shop' })])), []);
  fc.assert(
    fc.property(fc.constantFrom('maxRestarts', 'minReadyRatio', 'workload', 'namespace', 'context'), anything, (field, value) => {
      for (const line of problems(doc({ kubernetes: kube() }, [check({ maxRestarts: 1, [field]: value })]))) {
        assert.ok(!line.includes('\n'), `one line: ${line}`);
        assert.match(line, /^p\.yaml:\d+:\d+ gate\.checks\[0\]/, line);
      }
    }),
    { numRuns: 200 },
  );
});

test("plan gives each region's kubernetes check the deploy's workload and that region's place", () => {
  const d = doc({ kubernetes: { ...kube(), regions: { large: { context: 'big-cluster', namespace: 'shop-l' } } } }, [{ name: 'pods', kubernetes: { maxRestarts: 0 } }]);
  const p = plan(parsePipeline(stringify(d), 'p.yaml').pipeline, '2.0');
  const byRegion = Object.fromEntries(p.stages.flatMap((s) => s.regions).map((r) => [r.name, r.gate.checks[0].kubernetes]));
  assert.deepEqual(byRegion.small, { maxRestarts: 0, workload: 'deployment/shop', namespace: 'shop', context: '{{region}}' });
  assert.deepEqual(byRegion.large, { maxRestarts: 0, workload: 'deployment/shop', namespace: 'shop-l', context: 'big-cluster' });
  assert.deepEqual(thresholdOf(p.stages[0].regions[0].gate.checks[0]), { equals: 0 });
});
