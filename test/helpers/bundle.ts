// The workflow bundle, built once and cached on disk by content hash: bundling with webpack
// takes seconds, and every workflow test file (each its own process) and every worker child
// process needs the same bundle.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { REPO_ROOT } from '../../src/temporal/tools.js';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/worker/run.js';
import { bundleInputs } from '../../scripts/lint/import-graph.js';

const CACHE_DIR = join(REPO_ROOT, '.firebreak', 'cache');
const KEEP_BUNDLES = 6;

/**
 * The bundle's real inputs: every file reached by the imports that run from the entry and the
 * interceptor modules (the same walk the bundler makes), the version of each package they
 * import, and the SDK version (a new SDK ships a new workflow runtime).
 */
export function bundleHash(workflowsPath: string): string {
  const { files, packages } = bundleInputs([workflowsPath, ...WORKFLOW_INTERCEPTOR_MODULES]);
  const hash = createHash('sha256');
  hash.update(`sdk ${packageVersion('@temporalio/workflow')}\n`);
  hash.update(`entry ${relative(REPO_ROOT, workflowsPath)}\n`);
  for (const name of packages) hash.update(`package ${name} ${packageVersion(name)}\n`);
  for (const file of files) {
    hash.update(`${relative(REPO_ROOT, file)}\n`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 32);
}

function packageVersion(name: string): string {
  if (name.startsWith('node:')) return 'builtin';
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Old bundles are dead weight after the workflow changes; keep only the latest few. */
function prune(): void {
  const bundles = readdirSync(CACHE_DIR)
    .filter((f) => /^bundle-[0-9a-f]+\.js$/.test(f))
    .map((f) => ({ f, t: statSync(join(CACHE_DIR, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of bundles.slice(KEEP_BUNDLES)) {
    try {
      unlinkSync(join(CACHE_DIR, f));
    } catch {
      // another process pruned it first
    }
  }
}

const memo = new Map<string, Promise<{ codePath: string }>>();

/**
 * Path of the bundled workflow code for `Worker.create({ workflowBundle })`.
 * @param opts.workflowsPath entry file; default workflows/index.ts
 */
export function workflowBundle(opts: { workflowsPath?: string } = {}): Promise<{ codePath: string }> {
  const workflowsPath = opts.workflowsPath ?? join(REPO_ROOT, 'workflows', 'index.ts');
  let pending = memo.get(workflowsPath);
  if (!pending) {
    pending = build(workflowsPath);
    memo.set(workflowsPath, pending);
  }
  return pending;
}

async function build(workflowsPath: string): Promise<{ codePath: string }> {
  const codePath = join(CACHE_DIR, `bundle-${bundleHash(workflowsPath)}.js`);
  if (existsSync(codePath)) return { codePath };
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: quietLogger });
  mkdirSync(CACHE_DIR, { recursive: true });
  // Write then rename: test processes running side by side may build the same bundle at once.
  const tmp = `${codePath}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, codePath);
  prune();
  return { codePath };
}

// webpack's progress chatter would drown the test output; warnings and errors still show.
const quietLogger = {
  log: (level: string, message: string) => {
    if (level === 'WARN' || level === 'ERROR') console.error(`[bundle] ${message}`);
  },
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.error(`[bundle] ${message}`),
  error: (message: string) => console.error(`[bundle] ${message}`),
};
