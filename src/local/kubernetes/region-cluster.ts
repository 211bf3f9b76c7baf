// One region's real Kubernetes control plane, on loopback, with no container runtime:
// etcd -> kube-apiserver (static tokens, RBAC, a service-account key
// pair, a self-signed serving certificate) -> kube-controller-manager (Deployments, ReplicaSets,
// node lifecycle, service accounts) and kube-scheduler (pods stay Pending without it) -> kwok,
// which plays the kubelet of a few fake nodes (kwok-stages.ts). Every program logs to
// <dir>/<program>.log; a start that fails says which program and quotes its log's tail.
// The API server can be stopped and started again on the same port and store, which is how
// tests take a region's API away in the middle of a rollout.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stoppable, type Stoppable } from '../child.js';
import { freePort } from '../ports.js';
import { apiReady, kubeRequest, type KubeConnection } from './api.js';
import { kwokStages } from './kwok-stages.js';
import { kubePrograms, type KubeProgram } from './programs.js';

export interface RegionClusterOptions {
  region: string;
  /** Holds the store, keys, certificates, kubeconfigs and logs; kept between starts. */
  dir: string;
  /** Fake nodes (default 2). */
  nodes?: number;
  log?: (line: string) => void;
  readyTimeoutMs?: number;
}

export interface RegionCluster {
  region: string;
  /** The API server as cluster-admin (group system:masters). */
  admin: KubeConnection;
  /** A user named `deployer` with no rights until a Role grants them (for RBAC tests). */
  deployer: KubeConnection;
  dir: string;
  /** Stops only the API server (the store, controllers and kwok keep running). */
  stopApiServer(): Promise<void>;
  /** Starts it again on the same port and store. */
  startApiServer(): Promise<void>;
  /** Stops every program of the region; idempotent. */
  stop(): Promise<void>;
}

interface Running extends Stoppable {
  program: KubeProgram;
  child: ChildProcess;
  failure(): string | undefined;
}

function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function startProgram(program: KubeProgram, exe: string, args: string[], logFile: string): Running {
  const fd = openSync(logFile, 'a');
  const child = spawn(exe, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let failed: string | undefined;
  child.once('error', (err) => (failed = err.message));
  child.once('exit', (code, signal) => (failed ??= `exited (code ${code}, signal ${signal})`));
  return { ...stoppable(child, 5_000), program, child, failure: () => failed };
}

/** The service-account signing pair and the static tokens: made once, kept in the dir. */
function ensureSecrets(dir: string): { adminToken: string; deployerToken: string } {
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true });
  if (!existsSync(join(pki, 'sa.key'))) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(pki, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(pki, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  }
  const tokensFile = join(pki, 'tokens.csv');
  if (!existsSync(tokensFile)) {
    const admin = randomBytes(16).toString('hex');
    const deployer = randomBytes(16).toString('hex');
    writeFileSync(tokensFile, `${admin},admin,admin,"system:masters"\n${deployer},deployer,deployer\n`, { mode: 0o600 });
  }
  const [admin, deployer] = readFileSync(tokensFile, 'utf8').trim().split('\n').map((l) => l.split(',')[0]!);
  return { adminToken: admin!, deployerToken: deployer! };
}

/** A kubeconfig for the region's own programs (controller-manager, scheduler, kwok). */
function componentKubeconfig(file: string, conn: KubeConnection): void {
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: local',
      '  cluster:',
      `    server: ${conn.server}`,
      `    certificate-authority-data: ${Buffer.from(conn.ca).toString('base64')}`,
      'users:',
      '- name: admin',
      '  user:',
      `    token: ${conn.token}`,
      'contexts:',
      '- name: local',
      '  context: {cluster: local, user: admin}',
      'current-context: local',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
}

function fakeNode(name: string): unknown {
  const resources = { cpu: '32', memory: '256Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', type: 'kwok' },
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    status: { allocatable: resources, capacity: resources },
  };
}

async function waitUntil(what: string, deadline: number, probe: () => Promise<boolean>, failure: () => string | undefined): Promise<void> {
  for (;;) {
    const failed = failure();
    if (failed) throw new Error(`${what}: ${failed}`);
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within the deadline`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startRegionCluster(opts: RegionClusterOptions): Promise<RegionCluster> {
  const programs = kubePrograms();
  const { region, dir } = opts;
  const log = opts.log ?? (() => {});
  const deadline = () => Date.now() + (opts.readyTimeoutMs ?? 90_000);
  mkdirSync(dir, { recursive: true });
  const { adminToken, deployerToken } = ensureSecrets(dir);
  const pki = join(dir, 'pki');
  const ports = join(dir, 'ports.json');
  // The same ports on a restart, so kubeconfigs written earlier stay right.
  const saved = existsSync(ports) ? (JSON.parse(readFileSync(ports, 'utf8')) as { etcd: number; etcdPeer: number; api: number }) : undefined;
  const etcdPort = saved?.etcd ?? (await freePort());
  const etcdPeerPort = saved?.etcdPeer ?? (await freePort());
  const apiPort = saved?.api ?? (await freePort());
  writeFileSync(ports, JSON.stringify({ etcd: etcdPort, etcdPeer: etcdPeerPort, api: apiPort }));
  const logOf = (p: KubeProgram) => join(dir, `${p}.log`);
  const running: Running[] = [];
  const stopAll = async () => {
    for (const r of running.splice(0).reverse()) await r.stop();
  };
  const fail = async (program: KubeProgram, err: unknown): Promise<never> => {
    await stopAll();
    const tail = logTail(logOf(program));
    throw new Error(`region ${region}: ${program} did not start (${(err as Error).message})${tail ? `\n--- ${logOf(program)} ---\n${tail}` : ''}`);
  };

  const client = `http://127.0.0.1:${etcdPort}`;
  const peer = `http://127.0.0.1:${etcdPeerPort}`;
  const etcd = startProgram(
    'etcd',
    programs.etcd,
    [
      `--name=${region}`,
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=${region}=${peer}`,
      // A throwaway local store: skipping fsync keeps a fleet of them from queueing on the disk.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    logOf('etcd'),
  );
  running.push(etcd);

  const apiArgs = [
    `--etcd-servers=${client}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${pki}`,
    `--token-auth-file=${join(pki, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    `--service-account-key-file=${join(pki, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    '--service-cluster-ip-range=10.96.0.0/24',
    '--enable-priority-and-fairness=false',
    '--profiling=false',
    '--endpoint-reconciler-type=none',
  ];
  let api: Running | undefined;
  const admin: KubeConnection = { server: `https://127.0.0.1:${apiPort}`, token: adminToken, ca: '' };
  const startApiServer = async () => {
    api = startProgram('kube-apiserver', programs['kube-apiserver'], apiArgs, logOf('kube-apiserver'));
    running.push(api);
    const current = api;
    try {
      await waitUntil('the serving certificate', deadline(), async () => existsSync(join(pki, 'apiserver.crt')), current.failure);
      admin.ca = readFileSync(join(pki, 'apiserver.crt'), 'utf8');
      await waitUntil('/readyz', deadline(), () => apiReady(admin), current.failure);
    } catch (err) {
      await fail('kube-apiserver', err);
    }
  };
  const stopApiServer = async () => {
    if (!api) return;
    const stopping = api;
    api = undefined;
    running.splice(running.indexOf(stopping), 1);
    await stopping.stop();
  };

  const started = Date.now();
  await startApiServer();
  log(`region ${region}: API server ready on ${admin.server} (${Math.round((Date.now() - started) / 100) / 10} s)`);
  const components = join(dir, 'components.kubeconfig');
  componentKubeconfig(components, admin);

  running.push(
    startProgram(
      'kube-controller-manager',
      programs['kube-controller-manager'],
      [
        `--kubeconfig=${components}`,
        '--leader-elect=false',
        '--secure-port=0',
        `--service-account-private-key-file=${join(pki, 'sa.key')}`,
        `--root-ca-file=${join(pki, 'apiserver.crt')}`,
        '--controllers=*',
        '--concurrent-deployment-syncs=2',
        '--node-monitor-grace-period=60s',
      ],
      logOf('kube-controller-manager'),
    ),
    startProgram('kube-scheduler', programs['kube-scheduler'], [`--kubeconfig=${components}`, '--leader-elect=false', '--secure-port=0'], logOf('kube-scheduler')),
  );
  const stagesFile = join(dir, 'kwok-stages.yaml');
  writeFileSync(stagesFile, kwokStages());
  running.push(startProgram('kwok', programs.kwok, [`--kubeconfig=${components}`, `--config=${stagesFile}`, '--manage-all-nodes', '--node-lease-duration-seconds=40'], logOf('kwok')));

  const nodes = opts.nodes ?? 2;
  try {
    for (let i = 0; i < nodes; i++) {
      const name = `kwok-${region}-${i}`;
      const res = await kubeRequest(admin, 'POST', '/api/v1/nodes', fakeNode(name));
      if (res.status !== 201 && res.status !== 409) throw new Error(`creating node ${name}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    }
    await waitUntil(
      `${nodes} ready node(s) and the default service account`,
      deadline(),
      async () => {
        const res = await kubeRequest(admin, 'GET', '/api/v1/nodes');
        const items = (res.body as { items?: { status?: { conditions?: { type: string; status: string }[] } }[] }).items ?? [];
        const ready = items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
        if (ready < nodes) return false;
        const sa = await kubeRequest(admin, 'GET', '/api/v1/namespaces/default/serviceaccounts/default');
        return sa.status === 200;
      },
      () => running.map((r) => r.failure()).find(Boolean),
    );
  } catch (err) {
    await fail(running.find((r) => r.failure())?.program ?? 'kwok', err);
  }
  log(`region ${region}: ${nodes} node(s) ready (${Math.round((Date.now() - started) / 100) / 10} s)`);

  return {
    region,
    admin,
    deployer: { ...admin, token: deployerToken, get ca() { return admin.ca; } },
    dir,
    stopApiServer,
    startApiServer,
    stop: stopAll,
  };
}
