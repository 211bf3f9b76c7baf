// The programs of a local Kubernetes region (`firebreak dev --kubernetes`, the Kubernetes
// tests): kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from
// k8s.io/kubernetes, and etcd, all through the wrapper module in tools/kubernetes (go install
// refuses k8s.io/kubernetes directly: its k8s.io/* modules point at ./staging; etcd shares most
// of its packages with the API server, so it costs little more there); kwok (fake nodes that
// move pods through their lifecycle with no container runtime) and helm, each with plain
// `go install`. All are built once into ~/.cache/firebreak/bin by
// `node scripts/setup.mjs --kubernetes` (and so by `npm test`); FIREBREAK_KUBERNETES_BIN names
// a directory that already holds them. Run as a script it builds what is missing; `--check`
// only answers, by its exit code, whether anything is.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goInstall, type GoInstall } from '../go-install.js';
import { findGo } from '../server-tools.js';
import { isExecutable, REPO_ROOT, temporalCacheBin } from '../tools.js';

export const KUBERNETES_VERSION = 'v1.34.4';
export const ETCD_VERSION = 'v3.6.4';
export const KWOK_VERSION = 'v0.7.0';
export const HELM_VERSION = 'v3.21.4';

export const KUBE_PROGRAMS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'etcd', 'kwok', 'helm'] as const;
export type KubeProgram = (typeof KUBE_PROGRAMS)[number];

const RETRY = 'node scripts/setup.mjs --kubernetes';

/** One `go install` each; the wrapper module builds its five programs in one go (shared packages). */
const BUILDS: GoInstall[] = [
  {
    what: `the Kubernetes ${KUBERNETES_VERSION} control plane, etcd ${ETCD_VERSION} and kubectl`,
    args: ['tool', './cmd/etcd'],
    cwd: join(REPO_ROOT, 'tools', 'kubernetes'),
    binaries: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'etcd'].map((n) => ({ goName: n, name: n })),
  },
  { what: `kwok ${KWOK_VERSION}`, args: [`sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}`], binaries: [{ goName: 'kwok', name: 'kwok' }] },
  { what: `helm ${HELM_VERSION}`, args: [`helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`], binaries: [{ goName: 'helm', name: 'helm' }] },
];

function binDir(): string {
  return process.env.FIREBREAK_KUBERNETES_BIN || temporalCacheBin();
}

/** The program's path, or undefined when it is not built. */
export function findKubeProgram(name: KubeProgram): string | undefined {
  const path = join(binDir(), name);
  return isExecutable(path) ? path : undefined;
}

export function kubeProgramsMissing(): KubeProgram[] {
  return KUBE_PROGRAMS.filter((p) => !findKubeProgram(p));
}

/** Every program's path; throws one line with the fix when any is missing. */
export function kubePrograms(): Record<KubeProgram, string> {
  const missing = kubeProgramsMissing();
  if (missing.length) {
    throw new Error(`the local Kubernetes programs are not built (${missing.join(', ')} missing in ${binDir()}): run \`${RETRY}\` (about 20 minutes the first time)`);
  }
  return Object.fromEntries(KUBE_PROGRAMS.map((p) => [p, findKubeProgram(p)!])) as Record<KubeProgram, string>;
}

/** Builds whatever is missing; throws one line naming the build that failed. */
export async function ensureKubePrograms(log: (line: string) => void = () => {}): Promise<Record<KubeProgram, string>> {
  if (process.env.FIREBREAK_KUBERNETES_BIN) return kubePrograms();
  const go = findGo();
  for (const build of BUILDS) {
    if (build.binaries.every((b) => findKubeProgram(b.name as KubeProgram))) continue;
    if (process.env.FIREBREAK_NO_BUILD) {
      throw new Error(`${build.what} is not built, and builds are off here (tests never build: it would count against their time): run \`${RETRY}\``);
    }
    if (!go) throw new Error(`cannot build ${build.what}: Go is not installed; install Go 1.24 or newer, then retry: ${RETRY}`);
    const res = await goInstall(go, build, log);
    if ('error' in res) throw new Error(`could not build ${build.what} (${res.error}); retry: ${RETRY}`);
  }
  return kubePrograms();
}

// `tsx src/local/kubernetes/programs.ts`: build what is missing.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const log = (line: string) => console.log(`setup: ${line}`);
  if (process.argv.includes('--check')) process.exit(kubeProgramsMissing().length ? 1 : 0);
  log(`building the local Kubernetes programs (${kubeProgramsMissing().join(', ')})`);
  ensureKubePrograms(log).then(
    () => log(`kubernetes programs in ${binDir()}`),
    (err: Error) => {
      console.error(`setup: ERROR: ${err.message}`);
      process.exit(1);
    },
  );
}
