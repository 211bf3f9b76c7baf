// The pure parts of the local Kubernetes fleet: which version the simulator's Kubernetes mode
// reads off a workload, the kubeconfig the fleet writes, and `firebreak dev --kubernetes`'s
// region list, with what a tired operator would type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'yaml';
import { imageTag, runningVersion } from '../../src/local/sim/kubernetes.js';
import { fleetKubeconfig } from '../../src/local/kubernetes/fleet.js';
import { parseKubernetesRegions } from '../../src/cli/dev.js';
import { kwokStages, CRASHLOOP_SUFFIX } from '../../src/local/kubernetes/kwok-stages.js';

test('imageTag reads the tag, not a registry port or a digest', () => {
  assert.equal(imageTag('registry.example/shop:1.2.3'), '1.2.3');
  assert.equal(imageTag('registry.example:5000/shop:1.2.3-bad'), '1.2.3-bad');
  assert.equal(imageTag('registry.example:5000/shop'), undefined);
  assert.equal(imageTag('shop@sha256:abc'), undefined);
  assert.equal(imageTag('shop:2.0@sha256:abc'), '2.0');
  assert.equal(imageTag('shop:'), undefined);
  fc.assert(
    fc.property(fc.stringMatching(/^[a-z0-9.-]{1,20}(:[0-9]{2,5})?(\/[a-z0-9-]{1,10}){1,3}$/), fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,30}$/), (repo, tag) => {
      assert.equal(imageTag(`${repo}:${tag}`), tag);
      assert.equal(imageTag(repo), undefined);
    }),
  );
});

const deployment = (o: { gen?: number; observed?: number; want?: number; updated?: number; available?: number; replicas?: number; image?: string }) => ({
  kind: 'Deployment' as const,
  metadata: { name: 'shop', generation: o.gen ?? 2 },
  spec: { replicas: o.want ?? 3, template: { spec: { containers: [{ image: o.image ?? 'r/shop:2.0.0' }] } } },
  status: { observedGeneration: o.observed ?? 2, updatedReplicas: o.updated ?? 3, availableReplicas: o.available ?? 3, replicas: o.replicas ?? 3 },
});

test('runningVersion: a version counts only once every replica is updated and available, and no old one is left', () => {
  assert.equal(runningVersion(deployment({})), '2.0.0');
  assert.equal(runningVersion(deployment({ observed: 1 })), undefined, 'the controller has not seen the change yet');
  assert.equal(runningVersion(deployment({ updated: 2 })), undefined, 'still rolling');
  assert.equal(runningVersion(deployment({ available: 2 })), undefined, 'a new pod is not ready (a crash loop)');
  assert.equal(runningVersion(deployment({ replicas: 4 })), undefined, 'an old pod is still there');
  assert.equal(runningVersion({ kind: 'Deployment', metadata: { name: 'x' } }), undefined, 'nothing known: nothing served');
  fc.assert(
    fc.property(fc.nat(5), fc.nat(5), fc.nat(5), fc.nat(6), (want, updated, available, replicas) => {
      const v = runningVersion(deployment({ want, updated, available, replicas }));
      assert.equal(v !== undefined, updated >= want && available >= want && replicas <= want);
    }),
  );
  const sts = { kind: 'StatefulSet' as const, metadata: { name: 'db', generation: 1 }, spec: { replicas: 2, template: { spec: { containers: [{ image: 'db:5' }] } } } };
  assert.equal(runningVersion({ ...sts, status: { observedGeneration: 1, readyReplicas: 2, currentRevision: 'a', updateRevision: 'a' } }), '5');
  assert.equal(runningVersion({ ...sts, status: { observedGeneration: 1, readyReplicas: 2, currentRevision: 'a', updateRevision: 'b' } }), undefined);
});

test('the fleet kubeconfig has one context per region, named after it, each with its own server, CA and token', () => {
  const conns = {
    small: { server: 'https://127.0.0.1:1001', token: 't1', ca: 'CA1' },
    large: { server: 'https://127.0.0.1:1002', token: 't2', ca: 'CA2' },
  };
  const cfg = parse(fleetKubeconfig(conns)) as {
    clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { name: string; user: { token: string } }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
    'current-context': string;
  };
  assert.deepEqual(cfg.contexts.map((c) => c.name), ['small', 'large']);
  for (const ctx of cfg.contexts) {
    const cluster = cfg.clusters.find((c) => c.name === ctx.context.cluster)!;
    const user = cfg.users.find((u) => u.name === ctx.context.user)!;
    const want = conns[ctx.name as 'small' | 'large'];
    assert.equal(cluster.cluster.server, want.server);
    assert.equal(Buffer.from(cluster.cluster['certificate-authority-data'], 'base64').toString(), want.ca);
    assert.equal(user.user.token, want.token);
  }
  assert.equal(cfg['current-context'], 'small');
});

test('dev --kubernetes takes a list of context-safe region names and says what is wrong with anything else', () => {
  assert.equal(parseKubernetesRegions(undefined), undefined);
  assert.deepEqual(parseKubernetesRegions('small,medium,large'), ['small', 'medium', 'large']);
  assert.deepEqual(parseKubernetesRegions(' eu-west-1 , us-east-1 '), ['eu-west-1', 'us-east-1']);
  for (const [input, message] of [
    ['', /is not a list of regions/],
    [',', /is not a list of regions/],
    ['small,,large', /is not a list of regions/],
    ['Small', /"Small" cannot name a cluster context/],
    ['eu_west', /"eu_west" cannot name/],
    ['-a', /"-a" cannot name/],
    ['a,a', /a is given twice/],
    ['a,b,c,d,e,f,g,h,i', /9 regions; at most 8/],
  ] as const) {
    assert.throws(() => parseKubernetesRegions(input), message, input);
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (s) => {
      try {
        const regions = parseKubernetesRegions(s)!;
        assert.ok(regions.length >= 1 && regions.length <= 8);
        for (const r of regions) assert.match(r, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      } catch (err) {
        assert.equal((err as Error).name, 'CliError', String(err));
        assert.match((err as Error).message, /^--kubernetes: /);
      }
    }),
  );
});

test('the kwok stages parse, and crash-looping is keyed on the documented image suffix', () => {
  const docs = kwokStages().split(/^---$/m).map((d) => parse(d) as { kind: string; metadata: { name: string } });
  assert.deepEqual(docs.map((d) => d.metadata.name), ['pod-ready', 'pod-crashloop', 'pod-delete']);
  assert.ok(docs.every((d) => d.kind === 'Stage'));
  assert.equal(CRASHLOOP_SUFFIX, '-crashloop');
  assert.match(kwokStages(), /endswith\("-crashloop"\)/);
});
