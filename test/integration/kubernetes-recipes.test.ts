// The helm and kubectl recipes `firebreak init --target helm|kubectl` writes, run through the
// command adapter on real control planes: a good version rolls through three clusters and each
// Deployment ends on the new image with every replica available (the step waits for the
// rollout); `current` reads the running image's tag, so a `-crashloop` version that fails the
// first region is rolled back there to the version that really ran, the other clusters never
// touched.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { activityEnv, phaseIs, regionState, settle, start, waitFor, withWorker } from '../helpers/deploys.js';
import { testPlan } from '../../src/local/pipelines.js';
import { deployBlock, type InitTarget } from '../../src/domain/pipeline/init-template.js';
import { REPO_ROOT } from '../../src/local/tools.js';
import { kubePrograms } from '../../src/local/kubernetes/programs.js';
import { startTestFleet, type KubeFleet } from '../helpers/kube.js';
import { apis, createDeployment, ensureNamespace, imagesOf, readDeployment, rolledOut, waitRolledOut, type Apis } from '../helpers/kube-workloads.js';

const REGIONS: [string, number][] = [
  ['small', 100],
  ['middle', 5000],
  ['large', 90000],
];
const NAMES = REGIONS.map(([name]) => name);
const CHART = join(REPO_ROOT, 'examples', 'chart');
/** Where setup --kubernetes put kubectl and helm: the recipes find them on the worker's PATH. */
const BIN = dirname(kubePrograms().kubectl);

let stack: TestStack;
let fleet: KubeFleet;
const api: Record<string, Apis> = {};

before(async () => {
  [stack, fleet] = await Promise.all([startTestStack(), startTestFleet(NAMES)]);
  for (const region of NAMES) api[region] = apis(fleet.kubeconfig, fleet.contexts[region]);
});
after(async () => {
  await stack?.stop();
  await fleet?.stop();
});

/** The recipe exactly as init writes it, its chart path and the tools' own timeouts made test-sized. */
function recipe(service: string, target: InitTarget): string {
  const block = deployBlock(service, target)
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#') && l !== 'deploy:')
    .join('\n')
    .replace('./chart', CHART)
    .replaceAll('10m', '20s');
  return block.trimEnd();
}

function env() {
  return activityEnv(stack, { KUBECONFIG: fleet.kubeconfig, PATH: `${BIN}${delimiter}${process.env.PATH}` });
}

async function roll(service: string, target: InitTarget, image: (v: string) => string) {
  const generationsAt = async () => Object.fromEntries(await Promise.all(NAMES.map(async (r) => [r, (await readDeployment(api[r], service, service)).metadata!.generation!] as const)));
  await withWorker(
    stack,
    async () => {
      // A good version: every cluster, every replica, smallest first.
      const good = await start(stack, testPlan({ service, regions: REGIONS, soak: '1s', checks: 'none', deployYaml: recipe(service, target) }, '2.0.0'));
      const done = await settle(good);
      assert.equal(done.phase, 'succeeded', done.pausedReason);
      for (const r of done.stages.flatMap((s) => s.regions)) assert.equal(r.fromVersion, '1.0.0', `${r.name}: current read the running image`);
      for (const region of NAMES) {
        const d = await readDeployment(api[region], service, service);
        assert.equal(imagesOf(d).web, image('2.0.0'), region);
        assert.ok(rolledOut(d), `${region}: the step waited for every replica: ${JSON.stringify(d.status)}`);
      }
      const before = await generationsAt();

      // A crashing version: the first region fails with the tool's own words and goes back to 2.0.0.
      const bad = await start(stack, testPlan({ service, regions: REGIONS, soak: '1s', checks: 'none', deployYaml: recipe(service, target) }, '2.1.0-crashloop'));
      const paused = await waitFor(bad, phaseIs('paused'), 'the crashing version to pause the deploy', 180_000);
      assert.equal(regionState(paused, 'small'), 'rolled_back', paused.pausedReason);
      assert.equal(paused.stages[0].regions[0].fromVersion, '2.0.0');
      assert.match(paused.stages[0].regions[0].error!, /exited with code [1-9]/);
      const small = await waitRolledOut(api.small, service, service);
      assert.equal(imagesOf(small).web, image('2.0.0'), 'small back on the version that ran');
      const after = await generationsAt();
      assert.equal(after.middle, before.middle, 'middle never changed');
      assert.equal(after.large, before.large, 'large never changed');
      await bad.terminate('test over');
    },
    env(),
  );
}

test('kubectl recipe (set image + rollout status): rolls through, waits, and a crashing version is rolled back', async () => {
  const service = 'shop-kubectl';
  await Promise.all(
    NAMES.map((r) => createDeployment(api[r], { namespace: service, name: service, containers: { web: `registry.example/${service}:1.0.0` }, progressDeadlineSeconds: 8 })),
  );
  await roll(service, 'kubectl', (v) => `registry.example/${service}:${v}`);
});

test('helm recipe (upgrade --install --wait --atomic): rolls through, waits, and a crashing version is rolled back', async () => {
  const service = 'shop-helm';
  // What GitOps installed before Firebreak: the chart at 1.0.0 in every cluster.
  for (const region of NAMES) {
    await ensureNamespace(api[region], service);
    execFileSync(kubePrograms().helm, ['upgrade', '--install', service, CHART, '--kube-context', fleet.contexts[region], '--namespace', service, '--wait', '--timeout', '60s', '--set', 'image.tag=1.0.0'], {
      env: { ...process.env, KUBECONFIG: fleet.kubeconfig },
      stdio: 'pipe',
    });
  }
  await roll(service, 'helm', (v) => `registry.example/shop:${v}`);
});
