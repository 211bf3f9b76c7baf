// Where a region's workload lives: its kubeconfig context and namespace, from deploy.kubernetes
// and the region's own entry under deploy.kubernetes.regions. Templates stay unfilled here; the
// activities fill them. Pure: plan() uses it to give each region's kubernetes checks the place.
import type { Check, KubernetesDeploy } from '../pipeline/schema.js';

export interface KubePlace {
  context: string;
  namespace: string;
}

export function placeOf(k: Pick<KubernetesDeploy, 'context' | 'namespace' | 'regions'>, region: string): KubePlace {
  const own = k.regions?.[region];
  return { context: own?.context ?? k.context ?? '{{region}}', namespace: own?.namespace ?? k.namespace ?? 'default' };
}

/** A kubernetes check with the deploy's workload and the region's place filled where it named none. */
export function placeCheck(check: Check, deploy: KubernetesDeploy | undefined, region: string): Check {
  if (!check.kubernetes || !deploy) return check;
  const place = placeOf(deploy, region);
  return {
    ...check,
    kubernetes: {
      ...check.kubernetes,
      workload: check.kubernetes.workload ?? deploy.workload,
      namespace: check.kubernetes.namespace ?? place.namespace,
      context: check.kubernetes.context ?? place.context,
    },
  };
}
