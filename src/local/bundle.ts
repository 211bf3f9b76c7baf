// The workflow bundle, built once and cached on disk: bundling with webpack takes seconds, and
// every workflow test file (each its own process), every worker child process, the bench and the
// chaos campaign need the same bundle.
//
// The cache key is what the bundler actually read. Each build records webpack's own list of the
// files it read (the compilation's fileDependencies: the entry, the interceptor modules, every
// project file and package file reached through imports that run, and the package.json files it
// consulted) in inputs-<entry>.json. A lookup hashes those files' contents with the SDK version:
// if any changed (including an import that now reaches a new file: the importer changed), the key
// changes and the bundle is rebuilt, which records the new list.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { REPO_ROOT } from './tools.js';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../worker/run.js';

const CACHE_DIR = join(REPO_ROOT, '.firebreak', 'cache');
const KEEP_BUNDLES = 6;

/** Where the list of files the last bundle of this entry read is kept. */
function inputsFile(workflowsPath: string): string {
  const id = createHash('sha256').update([workflowsPath, ...WORKFLOW_INTERCEPTOR_MODULES].join('\n')).digest('hex').slice(0, 16);
  return join(CACHE_DIR, `inputs-${id}.json`);
}

/** The files the last bundle of `workflowsPath` read (absolute paths), or undefined before the first build. */
export function bundleInputs(workflowsPath: string): string[] | undefined {
  try {
    return (JSON.parse(readFileSync(inputsFile(workflowsPath), 'utf8')) as { files: string[] }).files;
  } catch {
    return undefined;
  }
}

/** The cache key of a bundle that read `files`: the SDK version, the entry, and each file's contents. */
export function bundleHash(workflowsPath: string, files: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(`sdk ${packageVersion('@temporalio/workflow')}\n`);
  hash.update(`entry ${relative(REPO_ROOT, workflowsPath)}\n`);
  for (const file of files) {
    hash.update(`${relative(REPO_ROOT, file)}\n`);
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('(missing)\n');
    }
  }
  return hash.digest('hex').slice(0, 32);
}

function packageVersion(name: string): string {
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
  const known = bundleInputs(workflowsPath);
  if (known) {
    const codePath = join(CACHE_DIR, `bundle-${bundleHash(workflowsPath, known)}.js`);
    if (existsSync(codePath)) return { codePath };
  }
  let read: string[] = [];
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: quietLogger,
    // Record the files webpack read: they are the bundle's inputs.
    webpackConfigHook: (config) => ({
      ...config,
      plugins: [
        ...(config.plugins ?? []),
        {
          apply(compiler) {
            compiler.hooks.done.tap('firebreak-bundle-inputs', (stats) => {
              read = [...stats.compilation.fileDependencies].filter((f) => existsSync(f) && statSync(f).isFile()).sort();
            });
          },
        },
      ],
    }),
  });
  if (read.length === 0) throw new Error('the workflow bundler reported no input files');
  mkdirSync(CACHE_DIR, { recursive: true });
  const codePath = join(CACHE_DIR, `bundle-${bundleHash(workflowsPath, read)}.js`);
  // Write then rename: test processes running side by side may build the same bundle at once.
  writeAtomically(codePath, code);
  writeAtomically(inputsFile(workflowsPath), `${JSON.stringify({ entry: workflowsPath, files: read }, null, 1)}\n`);
  prune();
  return { codePath };
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
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
