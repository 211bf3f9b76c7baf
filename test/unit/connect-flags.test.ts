// Where the CLI connects, as in the Temporal CLI: --address, -n/--namespace and --profile over
// TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_PROFILE, those over the profile file
// (TEMPORAL_CONFIG_FILE), the file over Firebreak's defaults. And -o/--output, refused before
// anything connects when it names no format.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { resolveConnectConfig } from '../../src/client/connect.js';
import { REPO_ROOT } from '../../src/local/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-profiles-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const configFile = join(dir, 'temporal.toml');
writeFileSync(
  configFile,
  [
    '[profile.default]',
    'address = "file-default:7233"',
    'namespace = "file-default-ns"',
    '',
    '[profile.staging]',
    'address = "file-staging:7233"',
    'namespace = "file-staging-ns"',
    '',
  ].join('\n'),
);

const VARS = ['TEMPORAL_CONFIG_FILE', 'TEMPORAL_PROFILE', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE'] as const;

/** Runs fn with exactly these Temporal variables set (the others unset), then puts them back. */
function withEnv<T>(env: Partial<Record<(typeof VARS)[number], string>>, fn: () => T): T {
  const saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
  for (const k of VARS) {
    if (env[k] === undefined) delete process.env[k];
    else process.env[k] = env[k];
  }
  try {
    return fn();
  } finally {
    for (const k of VARS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

const resolved = (opts: Parameters<typeof resolveConnectConfig>[0]) => {
  const { address, namespace } = resolveConnectConfig(opts);
  return { address, namespace };
};

test('nothing set: the defaults; a profile file: its default profile', () => {
  withEnv({ TEMPORAL_CONFIG_FILE: join(dir, 'none.toml') }, () =>
    assert.deepEqual(resolved({}), { address: 'localhost:7233', namespace: 'default' }),
  );
  withEnv({ TEMPORAL_CONFIG_FILE: configFile }, () =>
    assert.deepEqual(resolved({}), { address: 'file-default:7233', namespace: 'file-default-ns' }),
  );
});

test('the environment is over the profile file, a flag over the environment', () => {
  withEnv({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_ADDRESS: 'env:7233', TEMPORAL_NAMESPACE: 'env-ns' }, () => {
    assert.deepEqual(resolved({}), { address: 'env:7233', namespace: 'env-ns' });
    assert.deepEqual(resolved({ address: 'flag:7233' }), { address: 'flag:7233', namespace: 'env-ns' });
    assert.deepEqual(resolved({ namespace: 'flag-ns' }), { address: 'env:7233', namespace: 'flag-ns' });
    // A profile flag picks the file's profile; the environment's values are still over it.
    assert.deepEqual(resolved({ profile: 'staging' }), { address: 'env:7233', namespace: 'env-ns' });
  });
});

test('--profile is over TEMPORAL_PROFILE; each flag over the profile it picks', () => {
  withEnv({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'default' }, () => {
    assert.deepEqual(resolved({}), { address: 'file-default:7233', namespace: 'file-default-ns' });
    assert.deepEqual(resolved({ profile: 'staging' }), { address: 'file-staging:7233', namespace: 'file-staging-ns' });
    assert.deepEqual(resolved({ profile: 'staging', namespace: 'flag-ns' }), { address: 'file-staging:7233', namespace: 'flag-ns' });
  });
  withEnv({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'staging' }, () =>
    assert.deepEqual(resolved({}), { address: 'file-staging:7233', namespace: 'file-staging-ns' }),
  );
});

test('a profile that is not in the file is named, with where it came from', () => {
  withEnv({ TEMPORAL_CONFIG_FILE: configFile }, () =>
    assert.throws(() => resolveConnectConfig({ profile: 'prod' }), { message: `no profile "prod" (--profile) in ${configFile}` }),
  );
  withEnv({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'prod' }, () =>
    assert.throws(() => resolveConnectConfig({}), { message: `no profile "prod" (TEMPORAL_PROFILE) in ${configFile}` }),
  );
});

// Nothing listens on 127.0.0.1:9 or :1, so the commands below fail fast, each in its own way.
function firebreak(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'firebreak.js'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_ADDRESS: '127.0.0.1:9', ...env },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('the CLI: --address is over TEMPORAL_ADDRESS; a missing --profile is one line, exit 2', () => {
  const addr = firebreak(['status', 'checkout', '--address', '127.0.0.1:1']);
  assert.equal(addr.code, 2);
  assert.equal(addr.stderr, 'firebreak: cannot reach Temporal at 127.0.0.1:1: is `firebreak dev` running?\n');
  for (const command of [['pause', 'checkout'], ['worker']]) {
    const run = firebreak([...command, '--profile', 'prod']);
    assert.equal(run.code, 2, `${command.join(' ')}: ${run.stderr}`);
    assert.equal(run.stderr, `firebreak: no profile "prod" (--profile) in ${configFile}\n`, command.join(' '));
  }
});

test('-o yaml is the -o json document; --json is -o json', () => {
  const json = firebreak(['plan', 'examples/demo-shop.yaml', '-o', 'json']);
  assert.equal(json.code, 0, json.stderr);
  const yaml = firebreak(['plan', 'examples/demo-shop.yaml', '--output', 'yaml']);
  assert.equal(yaml.code, 0, yaml.stderr);
  // The earliest finish is counted from now, so it differs by the time between the two runs.
  const timeless = (doc: Record<string, unknown>) => ({ ...doc, earliestFinish: undefined });
  assert.deepEqual(timeless(parse(yaml.stdout) as Record<string, unknown>), timeless(JSON.parse(json.stdout) as Record<string, unknown>));
  assert.deepEqual(timeless(JSON.parse(firebreak(['plan', 'examples/demo-shop.yaml', '--json']).stdout) as Record<string, unknown>), timeless(JSON.parse(json.stdout) as Record<string, unknown>));
});

test('-o that names no format is refused in one line, exit 2, before anything connects', () => {
  const cases: [string[], string][] = [
    [['-o', 'bogus'], 'firebreak: -o/--output "bogus" is not one of text, json, yaml; nothing was started\n'],
    [['-o', 'JSON'], 'firebreak: -o/--output "JSON" is not one of text, json, yaml (did you mean -o json?); nothing was started\n'],
    [['--json', '-o', 'yaml'], 'firebreak: --json and -o yaml ask for two formats; pass one; nothing was started\n'],
  ];
  for (const [flags, line] of cases) {
    // A deploy that tried to connect would say it cannot reach 127.0.0.1:9 instead.
    const run = firebreak(['deploy', 'examples/demo-shop.yaml', '--version', '2.0.0', ...flags]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr, line);
    assert.equal(run.stdout, '');
  }
  const bare = firebreak(['status', 'checkout', '-o']);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /^error: option '-o, --output <format>' argument missing$/m);
});
