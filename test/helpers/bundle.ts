// The workflow bundle, built once and cached on disk by content hash: bundling with webpack
// takes seconds, and every workflow test file (each its own process) and every worker child
// process needs the same bundle.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { bundleWorkflowCode } from '@temporalio/worker';
import { REPO_ROOT } from '../../src/temporal/tools.js';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/worker/run.js';

const CACHE_DIR = join(REPO_ROOT, '.firebreak', 'cache');
const KEEP_BUNDLES = 6;

function tsFiles(dir: string, recursive: boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory() && recursive) out.push(...tsFiles(p, true));
    else if (entry.isFile() && entry.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/**
 * Everything the bundle is made of: workflows/**, src/** (the pure modules the workflow
 * imports are there), the activity types, the entry file itself and the SDK version (a new SDK ships a new
 * workflow runtime).
 */
function bundleHash(workflowsPath: string): string {
  const files = new Set([
    ...tsFiles(join(REPO_ROOT, 'workflows'), true),
    // The pure modules the workflow imports live under src/ (pipeline, migrations, notify).
    ...tsFiles(join(REPO_ROOT, 'src'), true),
    join(REPO_ROOT, 'activities', 'types.ts'),
    workflowsPath,
  ]);
  const hash = createHash('sha256');
  const require = createRequire(import.meta.url);
  hash.update(`sdk ${(require('@temporalio/workflow/package.json') as { version: string }).version}\n`);
  hash.update(`entry ${relative(REPO_ROOT, workflowsPath)}\n`);
  for (const file of [...files].sort()) {
    if (!existsSync(file)) continue;
    hash.update(`${relative(REPO_ROOT, file)}\n`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 32);
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
