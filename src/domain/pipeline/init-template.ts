// `firebreak init`: a commented two-region starter pipeline ("start with two regions":
// smallest and largest, to prove the pattern before adding more) that passes `firebreak plan --strict` as written.
//
// Editor support: the first line is a yaml-language-server modeline. Its $schema is resolved
// relative to the YAML file, so the right value depends on where the pipeline is written and
// where Firebreak is installed:
//   - in a Firebreak checkout, a pipeline at the root uses ./schema/pipeline.schema.json (the default);
//   - in a service repo with Firebreak as a dev dependency, the CLI passes
//     schemaRefFor(file), e.g. ./node_modules/firebreak/schema/pipeline.schema.json.
// JSON pipelines say the same with a top-level "$schema" key, which the schema accepts.
import { dirname, join, relative, resolve, sep } from 'node:path';
import { PACKAGE_ROOT } from './package-root.js';

/** This package's generated JSON Schema (see scripts/gen-schema.ts). */
export const SCHEMA_FILE = join(PACKAGE_ROOT, 'schema', 'pipeline.schema.json');

/** The modeline $schema for a pipeline written at `pipelineFile`: a relative, POSIX-style path. */
export function schemaRefFor(pipelineFile: string, schemaFile: string = SCHEMA_FILE): string {
  const rel = relative(dirname(resolve(pipelineFile)), schemaFile).split(sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** Where the starter deploys: the native adapter, or helm or kubectl through the command adapter. */
export const INIT_TARGETS = ['helm', 'kubectl', 'kubernetes'] as const;
export type InitTarget = (typeof INIT_TARGETS)[number];

export interface StarterOptions {
  /** The modeline's $schema; default ./schema/pipeline.schema.json (see above). */
  schemaRef?: string;
  /** The deploy block's recipe; default helm. */
  target?: InitTarget;
}

/**
 * `current` for the command recipes: the tag of the image the workload's first container runs.
 * A chart's app.kubernetes.io/version label follows the chart's appVersion, not the image, so
 * it can name a version that is not running. sh only cuts the tag; the region arrives as $1,
 * never inside the script.
 */
export function currentFromImage(service: string, namespace = service): string {
  const jsonpath = 'jsonpath={.spec.template.spec.containers[0].image}';
  return `[sh, -c, 'image=$(kubectl --context "$1" --namespace ${namespace} get deployment/${service} --ignore-not-found -o "${jsonpath}") && echo "\${image##*:}"', sh, "{{region}}"]`;
}

/** The deploy block of each target, as the starter writes it (docs/pipeline.md shows the same). */
export function deployBlock(service: string, target: InitTarget = 'helm'): string {
  switch (target) {
    case 'kubernetes':
      return `# Patch the images of each region's Deployment, then follow its rollout until every replica is
# available. One kubeconfig context per region cluster (KUBECONFIG on the worker).
deploy:
  kubernetes:
    context: "{{region}}"
    namespace: ${service}
    workload: deployment/${service}
    containers:
      web: registry.example/${service}:{{version}}
  timeout: 15m
`;
    case 'kubectl':
      return `# Run as argv per region, never through a shell: sh runs the two kubectl lines, with the region
# and version as $1 and $2. set image is idempotent; rollout status waits for every new pod.
deploy:
  command: [sh, -c, 'kubectl --context "$1" --namespace ${service} set image deployment/${service} web="registry.example/${service}:$2" && kubectl --context "$1" --namespace ${service} rollout status deployment/${service} --timeout 10m', sh, "{{region}}", "{{version}}"]
  # Prints the version a region runs now (its image's tag): the target automatic rollback returns to.
  current: ${currentFromImage(service)}
  timeout: 15m
`;
    case 'helm':
      return `# Run as argv per region, never through a shell; must be idempotent (helm upgrade is).
# --wait: the soak starts only once every new pod is ready; --atomic: a failed upgrade is undone.
deploy:
  command: [helm, upgrade, --install, ${service}, ./chart, --kube-context, "{{region}}", --namespace, ${service}, --wait, --atomic, --timeout, 10m, --set, "image.tag={{version}}"]
  # Prints the version a region runs now (its image's tag): the target automatic rollback returns to.
  current: ${currentFromImage(service)}
  timeout: 15m
`;
  }
}

export function starterPipeline(service = 'my-service', opts: StarterOptions = {}): string {
  const schemaRef = opts.schemaRef ?? './schema/pipeline.schema.json';
  const target = opts.target ?? 'helm';
  const pods =
    target === 'kubernetes'
      ? `
    - name: pods          # the Deployment's own pods: no restarts, every replica ready
      kubernetes: { maxRestarts: 0, minReadyRatio: 1 }`
      : '';
  return `# yaml-language-server: $schema=${schemaRef}
# Firebreak pipeline for ${service}. Check it with:  firebreak plan <this file> --strict
# Start with two regions, the smallest and the largest, and add regions as customers arrive.
apiVersion: firebreak/v1
service: ${service}
# The team answerable for this pipeline (a team, not a person, and not TODO).
owner: ${service}-team
# The pause-and-resume runbook; write it now with:  firebreak runbook <this file> > docs/runbooks/${service}-deploys.md
runbook: docs/runbooks/${service}-deploys.md

# Customer counts set the order: smallest region first, largest last.
regions:
  - { name: eu-west-1, customers: 1000 }
  - { name: us-east-1, customers: 20000 }

# Watch each region this long before promoting to the next (practice: 30-60 minutes).
soak: 45m

# The named promotion criteria, checked every interval during the soak.
gate:
  name: "5xx rate under 1% through the soak"
  approval: auto          # manual: wait for  firebreak approve ${service} --region R
  interval: 60s
  failAfter: 2            # consecutive breaches that fail (and roll back) the region
  minSamples: 10          # evaluations needed before the gate may pass
  maxExtension: 22m30s    # a soak short of samples goes on this long for them (default: half the soak)
  onNoData: pause         # then, missing data never passes a gate
  checks:
    - name: error-rate
      prometheus:
        url: \${PROMETHEUS_URL}    # read from the worker's environment, never stored in history
        query: >-
          sum(rate(http_requests_total{service="${service}",region="{{region}}",code=~"5.."}[5m]))
          / sum(rate(http_requests_total{service="${service}",region="{{region}}"}[5m]))
      max: 0.01${pods}

# Promote only in working hours (optional):
# windows:
#   - { days: [mon, tue, wed, thu], from: "09:00", to: "16:00", tz: Europe/Dublin }

${deployBlock(service, target)}
rollback:
  onFailure: region       # roll back the failed region only; later regions wait for an operator
  onAbort: none
`;
}
