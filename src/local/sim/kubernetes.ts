// The simulator's Kubernetes mode: each region serves the version its real cluster runs. Every
// second it lists the region's Deployments and StatefulSets; a workload belongs to the service
// named by its `firebreak.dev/service` label, else to the service of its own name. A workload
// counts as running a version once its rollout is complete (every replica updated and
// available), and the version is its first container's image tag; until then the region keeps
// serving what it ran before, as a rolling update's old pods do. So a `-bad` image serves
// errors once Kubernetes runs it, and a `-crashloop` one, never ready, serves nothing new.
import { kubeRequest, type KubeConnection } from '../kubernetes/api.js';
import type { SimState } from './state.js';

export const SERVICE_LABEL = 'firebreak.dev/service';

interface Workload {
  kind: 'Deployment' | 'StatefulSet';
  metadata: { name: string; generation?: number; labels?: Record<string, string> };
  spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

/** The tag of an image reference (`registry:5000/shop:1.2` -> `1.2`); undefined without one. */
export function imageTag(image: string): string | undefined {
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(':');
  if (colon < 0 || ref.indexOf('/', colon) >= 0) return undefined;
  return ref.slice(colon + 1) || undefined;
}

/** The version a workload runs, once its rollout is complete; undefined while it rolls. */
export function runningVersion(w: Workload): string | undefined {
  const want = w.spec?.replicas ?? 1;
  const st = w.status ?? {};
  if ((st.observedGeneration ?? 0) < (w.metadata.generation ?? 0)) return undefined;
  if (w.kind === 'StatefulSet') {
    if (st.updateRevision && st.currentRevision !== st.updateRevision) return undefined;
    if ((st.readyReplicas ?? 0) < want) return undefined;
  } else if ((st.updatedReplicas ?? 0) < want || (st.availableReplicas ?? 0) < want || (st.replicas ?? 0) > want) {
    return undefined;
  }
  const image = w.spec?.template?.spec?.containers?.[0]?.image;
  return image ? imageTag(image) : undefined;
}

async function list(conn: KubeConnection, kind: Workload['kind']): Promise<Workload[]> {
  const res = await kubeRequest(conn, 'GET', `/apis/apps/v1/${kind === 'Deployment' ? 'deployments' : 'statefulsets'}`);
  if (res.status !== 200) throw new Error(`listing ${kind}s: HTTP ${res.status}`);
  return ((res.body as { items?: Workload[] }).items ?? []).map((w) => ({ ...w, kind }));
}

export interface ClusterWatch {
  /** One pass over every region now (tests call it instead of waiting for the timer). */
  poll(): Promise<void>;
  stop(): void;
}

/** Follows each region's cluster; a region whose API is down keeps its last version. */
export function watchClusters(state: SimState, clusters: Record<string, KubeConnection>, intervalMs = 1_000): ClusterWatch {
  const poll = async () => {
    await Promise.all(
      Object.entries(clusters).map(async ([region, conn]) => {
        let workloads: Workload[];
        try {
          workloads = [...(await list(conn, 'Deployment')), ...(await list(conn, 'StatefulSet'))];
        } catch {
          return; // the API server is away: the pods it ran keep serving
        }
        for (const w of workloads) {
          const version = runningVersion(w);
          if (version) state.observe(w.metadata.labels?.[SERVICE_LABEL] ?? w.metadata.name, region, version);
        }
      }),
    );
  };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const loop = () => {
    if (stopped) return;
    void poll().finally(() => {
      if (!stopped) timer = setTimeout(loop, intervalMs);
    });
  };
  loop();
  return {
    poll,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
