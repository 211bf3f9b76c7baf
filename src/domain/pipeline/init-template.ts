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

export interface StarterOptions {
  /** The modeline's $schema; default ./schema/pipeline.schema.json (see above). */
  schemaRef?: string;
}

export function starterPipeline(service = 'my-service', opts: StarterOptions = {}): string {
  const schemaRef = opts.schemaRef ?? './schema/pipeline.schema.json';
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
      max: 0.01

# Promote only in working hours (optional):
# windows:
#   - { days: [mon, tue, wed, thu], from: "09:00", to: "16:00", tz: Europe/Dublin }

# Run as argv per region, never through a shell; must be idempotent (helm upgrade is).
deploy:
  command: [helm, upgrade, --install, ${service}, ./chart, --kube-context, "{{region}}", --set, "image.tag={{version}}"]
  # Prints the version a region runs now: the target automatic rollback returns to.
  current: [kubectl, --context, "{{region}}", get, deploy/${service}, -o, "jsonpath={.metadata.labels.app\\\\.kubernetes\\\\.io/version}"]
  timeout: 15m

rollback:
  onFailure: region       # roll back the failed region only; later regions wait for an operator
  onAbort: none
`;
}
