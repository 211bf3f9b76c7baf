#!/usr/bin/env node
// Makes this checkout runnable: npm dependencies, the Temporal CLI (the dev server the tests
// and `firebreak dev` run), Prometheus and PostgreSQL's server binaries. Plain Node ESM with no
// dependencies, because it runs before `npm ci` and tsx exist. Idempotent and instant when
// everything is present (no child process is spawned then); it installs only what is missing,
// since CI and new machines start from nothing and cannot download prebuilt binaries.
// Resolved paths go to .firebreak/tools.json, read by src/local/tools.ts.
// `--postgres-stack` also builds the programs of `firebreak dev --persistence postgres` (the
// Temporal server 1.29.1, temporal-sql-tool, the ui-server; src/local/server-tools.ts).
// `--kubernetes` builds the programs of `firebreak dev --kubernetes` (kube-apiserver and the rest
// of a control plane, etcd, kwok, kubectl, helm; src/local/kubernetes/programs.ts).
// `npm test` passes both, so no test ever pays for a build inside its own time budget. Those
// builds run beside the Temporal CLI's and the apt installs.
// Builds are serialised by a lock in the cache: a second setup started meanwhile (another
// `npm test`, another checkout) waits for the first instead of building into the same cache.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// FIREBREAK_TOOLS_FILE lets tests run setup without touching the checkout's record.
const TOOLS_FILE = process.env.FIREBREAK_TOOLS_FILE ?? join(ROOT, '.firebreak', 'tools.json');
const CACHE_ROOT = join(homedir(), '.cache', 'firebreak');
const TEMPORAL_CACHE_BIN = join(CACHE_ROOT, 'bin');
const LOCK_DIR = join(CACHE_ROOT, 'setup.lock');
const RETRY = `node scripts/setup.mjs${process.argv.slice(2).filter((a) => a === '--postgres-stack' || a === '--kubernetes').map((a) => ` ${a}`).join('')}`;
// v1.5.1 is the newest release whose go.mod has no replace directive (go install refuses those).
const TEMPORAL_VERSIONS = ['v1.5.1', 'v1.5.0', 'v1.4.1'];
const TEMPORAL_MODULE = 'github.com/temporalio/cli/cmd/temporal';

process.env.DEBIAN_FRONTEND = 'noninteractive';

const log = (msg) => console.log(`setup: ${msg}`);
const warn = (msg) => console.log(`setup: WARNING: ${msg}`);
let didWork = false;
/** What was built or installed, and how long each took: printed at the end. */
const took = [];

/** A failure that already says everything: printed as the one ERROR line, nothing else. */
class SetupError extends Error {}

async function timed(what, fn) {
  const started = Date.now();
  const before = didWork;
  didWork = false;
  try {
    return await fn();
  } finally {
    if (didWork) took.push(`${what} ${Math.round((Date.now() - started) / 1000)} s`);
    didWork = didWork || before;
  }
}

// ---- 0. One setup at a time per cache -------------------------------------------------------

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * Takes the cache's lock (an atomic mkdir holding the owner's pid). A live owner is waited
 * for, saying so every 30 s; a dead one's lock is taken over. Instant when nobody holds it.
 */
async function lockCache() {
  mkdirSync(CACHE_ROOT, { recursive: true });
  const started = Date.now();
  let said = 0;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, 'pid'), `${process.pid}\n`);
      const release = () => rmSync(LOCK_DIR, { recursive: true, force: true });
      process.once('exit', release);
      for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => process.exit(130));
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let owner;
    try {
      owner = Number(readFileSync(join(LOCK_DIR, 'pid'), 'utf8').trim());
    } catch {
      owner = undefined; // being written or removed right now
    }
    if (owner && !pidAlive(owner)) {
      log(`taking over the lock of a setup that died (pid ${owner})`);
      rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    const waited = Math.round((Date.now() - started) / 1000);
    if (said === 0 || waited - said >= 30) {
      log(`another setup${owner ? ` (pid ${owner})` : ''} is installing into ${CACHE_ROOT}; waiting for it (${waited} s)`);
      said = Math.max(waited, 1);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

// ---- 1. npm dependencies -------------------------------------------------------------------

function ensureNodeModules() {
  const lock = join(ROOT, 'package-lock.json');
  const nodeModules = join(ROOT, 'node_modules');
  // npm writes node_modules/.package-lock.json on every install: older than the lockfile means
  // someone changed dependencies since.
  const marker = join(nodeModules, '.package-lock.json');
  let reason;
  if (!existsSync(nodeModules)) reason = 'node_modules is missing';
  else if (existsSync(lock) && (!existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs)) {
    reason = 'package-lock.json is newer than node_modules';
  }
  if (!reason) return;
  const args = existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  log(`${reason}: npm ${args[0]}`);
  didWork = true;
  if (run('npm', args) !== 0) throw new Error(`npm ${args[0]} failed`);
}

// ---- 2. Temporal CLI -------------------------------------------------------------------------

function findTemporal() {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const cached = join(TEMPORAL_CACHE_BIN, 'temporal');
  return which('temporal') ?? (isExecutable(cached) ? cached : undefined);
}

function findGo() {
  const candidates = [which('go'), '/usr/local/go/bin/go', join(homedir(), 'go', 'bin', 'go'), '/usr/lib/go/bin/go'];
  return candidates.find((p) => p && isExecutable(p));
}

/** go install with progress: go is silent while compiling, so a ticker shows it is alive. */
function goInstall(go, version) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(go, ['install', `${TEMPORAL_MODULE}@${version}`], {
      cwd: ROOT,
      env: { ...process.env, GOBIN: TEMPORAL_CACHE_BIN },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let downloads = 0;
    const tail = [];
    child.stderr.on('data', (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        // Hundreds of "go: downloading" lines: summarise them instead of flooding the log.
        if (line.startsWith('go: downloading')) {
          if (++downloads % 25 === 1) log(`  ${line.trim()} (download ${downloads})`);
        } else {
          console.log(`  ${line}`);
        }
      }
    });
    const ticker = setInterval(() => {
      log(`  still building the Temporal CLI ${version} (${Math.round((Date.now() - started) / 1000)} s)...`);
    }, 30_000);
    child.on('error', (err) => {
      clearInterval(ticker);
      resolve({ ok: false, tail: [String(err)] });
    });
    child.on('exit', (code) => {
      clearInterval(ticker);
      log(`  go install ${version} ${code === 0 ? 'finished' : `failed (exit ${code})`} after ${Math.round((Date.now() - started) / 1000)} s`);
      resolve({ ok: code === 0, tail });
    });
  });
}

async function ensureTemporal() {
  const found = findTemporal();
  if (found) return found;
  const go = findGo();
  if (!go) {
    throw new SetupError(
      'cannot build the Temporal CLI: Go is not installed. Install Go 1.21 or newer ' +
        '(older Go cannot fetch the toolchain the CLI needs), or set TEMPORAL_CLI_PATH to an existing `temporal` binary; ' +
        `then retry: ${RETRY}`,
    );
  }
  mkdirSync(TEMPORAL_CACHE_BIN, { recursive: true });
  didWork = true;
  let last;
  for (const version of TEMPORAL_VERSIONS) {
    log(`building the Temporal CLI ${version} with ${go} into ${TEMPORAL_CACHE_BIN} (a few minutes on a fresh machine)`);
    const res = await goInstall(go, version);
    const built = join(TEMPORAL_CACHE_BIN, 'temporal');
    if (res.ok && isExecutable(built)) return built;
    warn(`building ${version} failed:\n${res.tail.join('\n')}`);
    last = res.tail.at(-1);
  }
  throw new SetupError(
    `could not build the Temporal CLI (go install ${TEMPORAL_MODULE}@${TEMPORAL_VERSIONS.join('|')} failed${last ? `: ${last.trim()}` : ''}); retry: ${RETRY}`,
  );
}

// ---- 3. Prometheus and PostgreSQL from Debian's packages -------------------------------------

let aptPrefix; // undefined = not yet checked, null = unusable
let aptUpdated = false;

function apt() {
  if (aptPrefix !== undefined) return aptPrefix;
  aptPrefix = null;
  if (!which('apt-get')) return aptPrefix;
  if (process.getuid?.() === 0) aptPrefix = [];
  else if (which('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) {
    // sudo resets the environment, so pass the non-interactive frontend explicitly.
    aptPrefix = ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive'];
  }
  return aptPrefix;
}

function aptInstall(pkgs) {
  const prefix = apt();
  if (!prefix) return false;
  const exec = (args) => {
    const [cmd, ...rest] = [...prefix, 'apt-get', ...args];
    return run(cmd, rest, { stdio: ['ignore', 'inherit', 'inherit'] });
  };
  didWork = true;
  if (!aptUpdated) {
    log('apt-get update');
    aptUpdated = true;
    if (exec(['update', '-q']) !== 0) warn('apt-get update failed; trying the install anyway');
  }
  log(`apt-get install -y ${pkgs.join(' ')}`);
  // No recommends: Debian's prometheus recommends node-exporter, a second daemon we do not use.
  return exec(['install', '-y', '-q', '--no-install-recommends', ...pkgs]) === 0;
}

/** Debian starts a packaged daemon on install where it can; ours must not hold port 9090. */
function stopPackagedService(name) {
  const script = `/etc/init.d/${name}`;
  if (!existsSync(script)) return;
  const prefix = apt() ?? [];
  const [cmd, ...rest] = [...prefix, script, 'stop'];
  spawnSync(cmd, rest, { stdio: 'ignore' });
}

function ensurePrometheus() {
  const found = which('prometheus');
  if (found) return found;
  if (!aptInstall(['prometheus'])) {
    warn('prometheus is not installed and apt-get is not usable here (needs root or passwordless sudo); ' +
      'tests that need Prometheus will fail. Install Debian\'s `prometheus` package or put `prometheus` on PATH.');
    return undefined;
  }
  stopPackagedService('prometheus');
  return which('prometheus') ?? (isExecutable('/usr/bin/prometheus') ? '/usr/bin/prometheus' : undefined);
}

function findPostgresBin() {
  const onPath = which('postgres');
  // Resolve symlinks (e.g. /usr/local/bin/postgres -> /usr/lib/postgresql/15/bin/postgres):
  // the real directory also holds initdb, pg_ctl and the rest.
  if (onPath) return dirname(realpathSync(onPath));
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const dir = join(root, major, 'bin');
    if (isExecutable(join(dir, 'postgres'))) return dir;
  }
  return undefined;
}

function ensurePostgres() {
  const found = findPostgresBin();
  if (found) return found;
  if (!aptInstall(['postgresql'])) {
    warn('PostgreSQL server binaries are missing and apt-get is not usable here; migration tests will fail. ' +
      'Install Debian\'s `postgresql` package.');
    return undefined;
  }
  // Firebreak starts its own throwaway clusters; the packaged one is not needed running.
  stopPackagedService('postgresql');
  return findPostgresBin();
}

// Debian's Chromium, for the Web UI test (playwright-core drives it; never a browser download).
function ensureChromium() {
  const path = '/usr/bin/chromium';
  if (isExecutable(path)) return path;
  if (!aptInstall(['chromium'])) {
    warn('Chromium is missing and apt-get is not usable here; the Web UI test will fail. Install Debian\'s `chromium` package.');
    return undefined;
  }
  return isExecutable(path) ? path : undefined;
}

// ---- 4. Record what was found -----------------------------------------------------------------

function writeTools(tools) {
  const text = `${JSON.stringify(tools, null, 2)}\n`;
  let current;
  try {
    current = readFileSync(TOOLS_FILE, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) return;
  mkdirSync(dirname(TOOLS_FILE), { recursive: true });
  writeFileSync(TOOLS_FILE, text);
  log(`wrote ${TOOLS_FILE.startsWith(ROOT) ? TOOLS_FILE.slice(ROOT.length) : TOOLS_FILE}`);
  didWork = true;
}

/**
 * A build run by one of our TypeScript tools (after npm deps: it needs tsx), in the background:
 * `--check` says whether anything is missing; if so the tool builds it, printing what it builds
 * and how long each took, and its own one-line ERROR on failure. Returns a promise of the
 * build, or undefined when everything is present. Builds run side by side with each other and
 * with the apt installs: a fresh machine spends much of a build downloading modules and linking
 * on one core, and another build fills those gaps.
 */
function buildInBackground(what, script) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', script, '--check'], { cwd: ROOT, encoding: 'utf8' });
  if (res.status === 0) return undefined;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new SetupError('')); // the tool printed the one ERROR line
      took.push(`${what} ${Math.round((Date.now() - started) / 1000)} s`);
      resolve();
    });
  });
}

async function main() {
  await lockCache();
  await timed('npm dependencies', () => ensureNodeModules());
  const background = [];
  if (process.argv.includes('--postgres-stack')) {
    background.push(buildInBackground('postgres stack', join(ROOT, 'src', 'local', 'server-tools.ts')));
  }
  if (process.argv.includes('--kubernetes')) {
    background.push(buildInBackground('kubernetes programs', join(ROOT, 'src', 'local', 'kubernetes', 'programs.ts')));
  }
  const building = background.filter(Boolean);
  // Settled even when one fails, so a failure is reported after the others finish, not orphaning them.
  const builds = Promise.allSettled(building);
  const temporal = await timed('Temporal CLI', () => ensureTemporal());
  const prometheus = await timed('Prometheus', () => ensurePrometheus());
  const postgresBin = await timed('PostgreSQL', () => ensurePostgres());
  const chromium = await timed('Chromium', () => ensureChromium());
  const failed = (await builds).find((r) => r.status === 'rejected');
  if (building.length) didWork = true;
  if (failed) throw failed.reason;
  writeTools({ temporal, prometheus, postgresBin });
  const summary = `temporal ${temporal}; prometheus ${prometheus ?? 'MISSING'}; postgres ${postgresBin ?? 'MISSING'}; chromium ${chromium ?? 'MISSING'}`;
  if (took.length) log(`took: ${took.join(', ')}`);
  log(didWork ? `done (${summary})` : `ok, nothing to do (${summary})`);
}

main().catch((err) => {
  if (!(err instanceof SetupError)) {
    console.error(`setup: ERROR: ${err instanceof Error ? err.message : err}; retry: ${RETRY}`);
  } else if (err.message) {
    console.error(`setup: ERROR: ${err.message}`);
  }
  process.exit(1);
});
