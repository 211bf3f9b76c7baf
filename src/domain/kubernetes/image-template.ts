// A container's image template (`registry.example/shop:{{version}}`) read both ways: filled to
// deploy a version, and reversed to tell which version a live image is. The schema requires
// {{version}} exactly once, so the text around it is fixed and the reversal is unique. Pure.

/** What a version may be (the workflow inputs' rule). */
export const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
const VERSION_TEMPLATE = /\{\{\s*version\s*\}\}/g;

/** How many times the template holds {{version}}. */
export function versionCount(template: string): number {
  return [...template.matchAll(VERSION_TEMPLATE)].length;
}

/**
 * The fixed text before and after {{version}}, once every other template and ${VAR} was filled
 * by `fill` (the adapter's Renderer). Undefined when the template does not hold {{version}} once.
 */
export function splitTemplate(template: string, fill: (s: string) => string = (s) => s): { prefix: string; suffix: string } | undefined {
  if (versionCount(template) !== 1) return undefined;
  const [before, after] = template.split(VERSION_TEMPLATE);
  return { prefix: fill(before), suffix: fill(after) };
}

/** The version `image` was made from, or undefined when the template cannot have made it. */
export function reverseImage(template: string, image: string, fill?: (s: string) => string): string | undefined {
  const parts = splitTemplate(template, fill);
  if (!parts) return undefined;
  const { prefix, suffix } = parts;
  if (image.length < prefix.length + suffix.length + 1) return undefined;
  if (!image.startsWith(prefix) || !image.endsWith(suffix)) return undefined;
  const version = image.slice(prefix.length, image.length - suffix.length);
  return VERSION.test(version) ? version : undefined;
}

/** One container's live image and the version it reverses to (undefined: not the template's). */
export interface ContainerVersion {
  container: string;
  image: string | undefined;
  version: string | undefined;
}

export type WorkloadVersion =
  | { kind: 'version'; version: string }
  | { kind: 'missing'; container: string; containers: string[] }
  | { kind: 'unmatched'; container: string; image: string; template: string }
  | { kind: 'disagree'; versions: ContainerVersion[] };

/**
 * The one version a workload runs, from its containers' images and the pipeline's templates;
 * every configured container must be there and match its template, and all must agree.
 */
export function workloadVersion(
  templates: Record<string, string>,
  images: Record<string, string>,
  fill?: (s: string) => string,
): WorkloadVersion {
  const versions: ContainerVersion[] = [];
  for (const [container, template] of Object.entries(templates)) {
    const image = images[container];
    if (image === undefined) return { kind: 'missing', container, containers: Object.keys(images) };
    const version = reverseImage(template, image, fill);
    if (version === undefined) return { kind: 'unmatched', container, image, template: fill ? fill(template) : template };
    versions.push({ container, image, version });
  }
  const distinct = new Set(versions.map((v) => v.version));
  if (distinct.size === 1) return { kind: 'version', version: versions[0].version! };
  return { kind: 'disagree', versions };
}

/** A WorkloadVersion that is not one version, in words (the workload named by the caller). */
export function versionProblem(v: Exclude<WorkloadVersion, { kind: 'version' }>): string {
  switch (v.kind) {
    case 'missing':
      return `has no container ${v.container} (it has ${v.containers.join(', ') || 'none'})`;
    case 'unmatched':
      return `runs ${v.image} in container ${v.container}, which the template ${v.template} does not make`;
    case 'disagree':
      return `runs different versions in its containers (${v.versions.map((c) => `${c.container}=${c.version}`).join(', ')}): no one version to report`;
  }
}
