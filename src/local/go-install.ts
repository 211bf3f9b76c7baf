// `go install` into ~/.cache/firebreak/bin with progress and one-line failures: how setup builds
// every program the local stacks run (Temporal's server and UI, the Kubernetes control plane),
// from the Go module proxy and never as a binary download. Go is silent while it compiles, so a
// ticker says it is alive; the binaries land in a scratch GOBIN first and are moved into the
// cache only when all of them built, so a half-finished build never looks installed.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isExecutable, temporalCacheBin } from './tools.js';

export interface GoInstall {
  /** What the log calls it: "kube-apiserver", "the Kubernetes programs". */
  what: string;
  /** Arguments after `go install`: `module@version`, or `tool` inside a wrapper module. */
  args: string[];
  /** Where to run go (a wrapper module's directory); default the current directory. */
  cwd?: string;
  /** Binaries it produces: Go's name for each (the package's last element) and ours in the cache. */
  binaries: { goName: string; name: string }[];
}

export type GoInstallResult = { paths: Record<string, string> } | { error: string };

export async function goInstall(go: string, spec: GoInstall, log: (line: string) => void): Promise<GoInstallResult> {
  const cache = temporalCacheBin();
  mkdirSync(cache, { recursive: true });
  const gobin = mkdtempSync(join(cache, '.build-'));
  const started = Date.now();
  const command = `go install ${spec.args.join(' ')}`;
  log(`building ${spec.what} (${command}); a few minutes the first time`);
  const tail: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(go, ['install', ...spec.args], { cwd: spec.cwd, env: { ...process.env, GOBIN: gobin }, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim() && !line.startsWith('go: downloading')) tail.push(line);
      tail.splice(0, Math.max(0, tail.length - 20));
    });
    const ticker = setInterval(() => log(`  still building ${spec.what} (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
    child.once('error', (err) => {
      tail.push(String(err));
      clearInterval(ticker);
      resolve(-1);
    });
    child.once('exit', (c) => {
      clearInterval(ticker);
      resolve(c);
    });
  });
  try {
    const missing = spec.binaries.filter((b) => !isExecutable(join(gobin, b.goName)));
    if (code !== 0 || missing.length) {
      log(`  ${command} failed (exit ${code}):\n${tail.join('\n')}`);
      return { error: `${command} exited ${code}${tail.length ? `: ${tail.at(-1)!.trim()}` : ''}` };
    }
    const paths: Record<string, string> = {};
    for (const b of spec.binaries) {
      paths[b.name] = join(cache, b.name);
      renameSync(join(gobin, b.goName), paths[b.name]!);
    }
    log(`  built ${spec.what} in ${Math.round((Date.now() - started) / 1000)} s (${cache})`);
    return { paths };
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
}
