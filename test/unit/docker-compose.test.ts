// docker-compose.yml is the production shape, but no Docker engine runs here: this checks what
// can be checked without one. It parses; every host file or directory it mounts exists; every
// named volume is declared; and its Temporal server runs deploy/temporal/development-postgres.yaml,
// the config `firebreak dev --persistence postgres` runs (one source of truth).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../src/local/tools.js';
import { TEMPORAL_CONFIG_DIR, TEMPORAL_CONFIG_ENV } from '../../src/local/postgres-server.js';

interface Service {
  image?: string;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  environment?: Record<string, string | number> | string[];
  entrypoint?: string | string[];
  command?: string | string[];
  depends_on?: string[] | Record<string, unknown>;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as Compose;

/** [host source, container target] of each mount; a source without a slash is a named volume. */
function mounts(service: Service): { source: string; target: string }[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      return { source, target };
    }
    return { source: v.source ?? '', target: v.target ?? '' };
  });
}

const isBindMount = (source: string) => source.startsWith('.') || isAbsolute(source) || source.includes('/');

test('docker-compose.yml parses and names its services', () => {
  assert.ok(compose.services, 'it has services');
  for (const name of ['postgresql', 'temporal-schema', 'temporal', 'temporal-search-attributes', 'temporal-ui', 'prometheus', 'worker']) {
    assert.ok(compose.services[name], `service ${name} is defined`);
  }
});

test('every host file or directory docker-compose.yml mounts exists, and every named volume is declared', () => {
  let bindMounts = 0;
  for (const [name, service] of Object.entries(compose.services)) {
    for (const { source, target } of mounts(service)) {
      assert.ok(target.startsWith('/'), `${name}: mount target ${target} is an absolute container path`);
      if (isBindMount(source)) {
        bindMounts++;
        assert.ok(existsSync(resolve(REPO_ROOT, source)), `${name} mounts ${source}, which does not exist`);
      } else {
        assert.ok(compose.volumes && source in compose.volumes, `${name} uses named volume ${source}, which is not declared`);
      }
    }
    for (const dep of Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {})) {
      assert.ok(compose.services[dep], `${name} depends on ${dep}, which is not a service`);
    }
  }
  assert.ok(bindMounts >= 4, `bind mounts checked: ${bindMounts}`);
});

test("compose's Temporal server runs the same config file as `firebreak dev --persistence postgres`", () => {
  const temporal = compose.services.temporal;
  assert.doesNotMatch(temporal.image ?? '', /auto-setup/, 'the plain server image, configured by our file');
  const mount = mounts(temporal).find((m) => resolve(REPO_ROOT, m.source) === TEMPORAL_CONFIG_DIR);
  assert.ok(mount, `the temporal service mounts ${TEMPORAL_CONFIG_DIR}`);
  const command = [temporal.entrypoint, temporal.command].flat().join(' ');
  assert.match(command, new RegExp(`--config ${mount.target}\\b`), 'the server reads its config from the mounted directory');
  assert.match(command, new RegExp(`--env ${TEMPORAL_CONFIG_ENV}\\b`));
  assert.ok(existsSync(join(TEMPORAL_CONFIG_DIR, `${TEMPORAL_CONFIG_ENV}.yaml`)));
  // The dynamic config path it passes lies inside the mount and names a file that exists.
  const env = temporal.environment as Record<string, string>;
  const dyn = env.DYNAMIC_CONFIG_FILE_PATH;
  assert.ok(dyn.startsWith(`${mount.target}/`), `${dyn} is inside the mount`);
  assert.ok(existsSync(join(TEMPORAL_CONFIG_DIR, dyn.slice(mount.target.length + 1))), `${dyn} exists on the host`);
  // The schema job runs the script that is mounted into it.
  const schema = compose.services['temporal-schema'];
  const script = mounts(schema).find((m) => m.source.endsWith('setup-postgres.sh'));
  assert.ok(script, 'temporal-schema mounts deploy/temporal/setup-postgres.sh');
  assert.match([schema.entrypoint, schema.command].flat().join(' '), new RegExp(script.target));
});
