// `npm run demo`: the local stack, then two real deploys through the `firebreak` CLI:
// 2.0.0 walks every region smallest first; 2.1.0-bad is caught in the smallest region,
// rolled back there, and left paused for an operator. With --exit (or CI=true) it tears
// down and exits 0 only if both outcomes were as described.
// `npm run demo -- --kubernetes`: the same story on a real local cluster per region
// (docs/kubernetes-fleet.md), through the kubernetes deploy adapter; it ends by showing each
// cluster's Deployment, and checks that only the smallest region ever ran the bad image.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLocalStack } from '../src/local/stack.js';
import { customersFromPipeline } from '../src/local/sim/pipeline-customers.js';
import { REPO_ROOT, findTemporalCli, which } from '../src/local/tools.js';
import { ensureKubePrograms } from '../src/local/kubernetes/programs.js';
import { createDeployment, waitForDeployment } from '../src/local/kubernetes/workloads.js';

const onKubernetes = process.argv.includes('--kubernetes');
const PIPELINE = onKubernetes ? 'examples/demo-shop-kubernetes.yaml' : 'examples/demo-shop.yaml';
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-south-1', 'ap-southeast-2'];
const FIRST_IMAGE = 'registry.example/demo-shop:1.9.0';
const exitWhenDone = process.argv.includes('--exit') || process.env.CI === 'true';
const t0 = Date.now();
const say = (line: string) => process.stdout.write(`${line}\n`);
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;

function firebreak(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const bin = fileURLToPath(new URL('../bin/firebreak.js', import.meta.url));
  say(`\n$ firebreak ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: REPO_ROOT, env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

// Built once (about 20 minutes on a new machine) when `setup --kubernetes` has not run yet.
const kubectl = onKubernetes ? (await ensureKubePrograms((l) => say(`[setup] ${l}`))).kubectl : undefined;
const stack = await startLocalStack({
  customers: customersFromPipeline(PIPELINE),
  kubernetes: onKubernetes ? REGIONS : undefined,
  log: (l) => say(`[stack] ${l}`),
});
let ok = false;
try {
  const env = { ...process.env, TEMPORAL_ADDRESS: stack.temporalAddress, FIREBREAK_USER: 'demo', ...(stack.kubernetes ? { KUBECONFIG: stack.kubernetes.kubeconfig } : {}) };
  if (stack.kubernetes) {
    // What helm or GitOps does before Firebreak's first deploy: the workload exists in each cluster.
    await Promise.all(
      Object.values(stack.kubernetes.clusters).map(async (c) => {
        await createDeployment(c.admin, { namespace: 'shop', name: 'demo-shop', containers: { web: FIRST_IMAGE }, replicas: 3, progressDeadlineSeconds: 30 });
        await waitForDeployment(c.admin, 'shop', 'demo-shop');
      }),
    );
    say(`[${elapsed()}] deployment/demo-shop (${FIRST_IMAGE}) runs in namespace shop of every region's cluster`);
  }
  say(`[${elapsed()}] stack ready`);

  // --supersede: a paused deploy left by an earlier demo run is aborted, not an error.
  const good = await firebreak(['deploy', PIPELINE, '--version', '2.0.0', '--wait', '--supersede'], env);
  say(`\n[${elapsed()}] 2.0.0 finished with exit code ${good} (expected 0: succeeded in every region)`);

  const bad = await firebreak(['deploy', PIPELINE, '--version', '2.1.0-bad', '--wait'], env);
  say(`\n[${elapsed()}] 2.1.0-bad finished with exit code ${bad} (expected 3: paused for an operator)`);

  const statusOk = (await firebreak(['status', 'demo-shop'], env)) === 0;
  ok = good === 0 && bad === 3 && statusOk;

  if (stack.kubernetes && kubectl) {
    // What each cluster runs now, by kubectl with the fleet's kubeconfig: 2.0.0 everywhere,
    // the smallest region's bad rollout undone.
    const images: Record<string, string> = {};
    for (const region of REGIONS) {
      const args = ['--kubeconfig', stack.kubernetes.kubeconfig, '--context', region, '-n', 'shop', 'get', 'deployment/demo-shop'];
      say(`\n$ kubectl --context ${region} -n shop get deployment/demo-shop -o wide`);
      say(execFileSync(kubectl, [...args, '-o', 'wide'], { encoding: 'utf8' }).trimEnd());
      images[region] = execFileSync(kubectl, [...args, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'], { encoding: 'utf8' });
    }
    const onGood = REGIONS.every((r) => images[r] === 'registry.example/demo-shop:2.0.0');
    say(`\n[${elapsed()}] every cluster runs registry.example/demo-shop:2.0.0: ${onGood ? 'yes' : `NO (${JSON.stringify(images)})`}`);
    ok &&= onGood;
  }

  // The operator's `temporal`: on PATH when installed, else the one setup built.
  const temporal = which('temporal') ?? findTemporalCli();
  const ui = stack.uiUrl ? `${stack.uiUrl}/namespaces/default/workflows/deploy-demo-shop` : '(headless)';
  say(`
The bad version was caught in the smallest region and rolled back; nothing else saw it.${stack.kubernetes ? `

  KUBECONFIG=${stack.kubernetes.kubeconfig} (a context per region)` : ''}

  Web UI:  ${ui}

Decide as an operator (Temporal CLI; the same commands exist as \`firebreak retry|abort\`):

  ${temporal} workflow update execute --address ${stack.temporalAddress} --workflow-id deploy-demo-shop \\
    --name abort --input '{"reason":"2.1.0-bad breaks checkout","by":"you","rollback":"failed"}'

  ${temporal} workflow update execute --address ${stack.temporalAddress} --workflow-id deploy-demo-shop \\
    --name retry --input '{"region":"ap-southeast-2","by":"you"}'
`);
  say(`demo ${ok ? 'passed' : 'FAILED'} in ${elapsed()}`);
  if (!exitWhenDone) {
    say('The stack stays up for you to explore; Ctrl-C stops it.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
} finally {
  await stack.stop();
}
process.exit(ok ? 0 : 1);
