// Real activities against real processes and real sockets: the command adapter runs node child
// processes, the http adapter and the providers talk to small node:http servers started here.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { HttpCheckProvider } from '../../activities/checks/http.js';
import { PrometheusProvider } from '../../activities/checks/prometheus.js';
import { CommandAdapter } from '../../activities/deploy/command.js';
import { HttpAdapter } from '../../activities/deploy/http.js';
import { createActivities } from '../../activities/index.js';
import type { Target } from '../../activities/types.js';
import type { Check, Deploy } from '../../src/domain/pipeline/schema.js';
import { FailureType } from '../../src/domain/failures.js';

const target: Target = { service: 'checkout', region: 'eu-west-1', version: '1.4.2', deployId: 'deploy-checkout/r1' };
const KEY = 'deploy-checkout/r1/eu-west-1/1.4.2/deploy';
const TOKEN = 'tok-9f8e7d6c5b4a';
const node = process.execPath;
const noop = () => {};
const tmp = mkdtempSync(join(tmpdir(), 'firebreak-adapters-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const isFailure = (type: string, nonRetryable: boolean, pattern?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ApplicationFailure, `not an ApplicationFailure: ${String(err)}`);
  assert.equal(err.type, type);
  assert.equal(err.nonRetryable, nonRetryable);
  if (pattern) assert.match(err.message, pattern);
  return true;
};

function commandDeploy(command: string[], extra: Partial<Deploy> = {}): Deploy {
  return { command, timeout: '10s', ...extra };
}

describe('command adapter (real child processes)', () => {
  test('runs argv with templates, ${VAR} and FIREBREAK_* env; heartbeats while it runs', async () => {
    const out = join(tmp, 'ok.json');
    const script = `setTimeout(() => require('fs').writeFileSync(process.argv[1], JSON.stringify({
      args: process.argv.slice(2), region: process.env.FIREBREAK_REGION, version: process.env.FIREBREAK_VERSION,
      service: process.env.FIREBREAK_SERVICE, deployId: process.env.FIREBREAK_DEPLOY_ID, key: process.env.FIREBREAK_IDEMPOTENCY_KEY,
      token: process.env.DEPLOY_TOKEN })), 1300)`;
    const adapter = new CommandAdapter(
      commandDeploy([node, '-e', script, out, '--kube-context', '{{region}}', 'image.tag={{version}}', '${DEPLOY_TOKEN}']),
      { ...process.env, DEPLOY_TOKEN: TOKEN },
    );
    let beats = 0;
    await adapter.deploy(target, KEY, new AbortController().signal, () => beats++);
    const seen = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(seen, {
      args: ['--kube-context', 'eu-west-1', 'image.tag=1.4.2', TOKEN],
      region: 'eu-west-1',
      version: '1.4.2',
      service: 'checkout',
      deployId: 'deploy-checkout/r1',
      key: KEY,
      token: TOKEN,
    });
    assert.ok(beats >= 2, `heartbeats: ${beats}`);
  });

  test('argv is never given to a shell: metacharacters arrive verbatim', async () => {
    const out = join(tmp, 'argv.json');
    const canary = join(tmp, 'canary');
    const nasty = [`x; touch ${canary}`, '$(touch ' + canary + ')', '`id`', "it's \"quoted\" | cat > /dev/null && rm -rf /nonexistent", '*'];
    const script = `require('fs').writeFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)))`;
    await new CommandAdapter(commandDeploy([node, '-e', script, out, ...nasty])).deploy(target, KEY, new AbortController().signal, noop);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), nasty);
    assert.throws(() => readFileSync(canary), /ENOENT/, 'nothing was executed by a shell');
  });

  test('non-zero exit: non-retryable DeployFailed with the exit code and the output tail, secrets redacted', async () => {
    const script = `for (let i = 0; i < 500; i++) console.log('line ' + i + ' ' + 'x'.repeat(40));
      console.error('Error: UPGRADE FAILED with token ' + process.argv[1]); process.exitCode = 3`;
    // (exitCode, not process.exit(): exit() can drop the child's own pending pipe writes.)
    const adapter = new CommandAdapter(commandDeploy([node, '-e', script, '${DEPLOY_TOKEN}']), { ...process.env, DEPLOY_TOKEN: TOKEN });
    const err = await adapter.deploy(target, KEY, new AbortController().signal, noop).then(
      () => assert.fail('should fail'),
      (e: unknown) => e,
    );
    isFailure(FailureType.DeployFailed, true, /exited with code 3/)(err);
    const message = (err as Error).message;
    assert.match(message, /UPGRADE FAILED with token \$\{DEPLOY_TOKEN\}/);
    assert.match(message, /line 499 /);
    assert.doesNotMatch(message, /line 0 /, 'only the tail of the output is kept');
    assert.ok(message.length < 5000, `message length ${message.length}`);
    assert.ok(!message.includes(TOKEN) && !(err as Error).stack?.includes(TOKEN), 'the token never leaves the activity');
  });

  test('no part of a secret survives in a cut output tail or a shortened command line', async () => {
    // Odd-length chunks so some copy of the token straddles every cut point.
    const script = `for (let i = 0; i < 700; i++) process.stdout.write(process.argv[1] + '.'.repeat(i % 7)); process.exitCode = 1`;
    const padding = 'p'.repeat(300);
    const adapter = new CommandAdapter(commandDeploy([node, '-e', script, '${DEPLOY_TOKEN}', padding, '${DEPLOY_TOKEN}']), {
      ...process.env,
      DEPLOY_TOKEN: TOKEN,
    });
    const err = (await adapter.deploy(target, KEY, new AbortController().signal, noop).catch((e: unknown) => e)) as Error;
    isFailure(FailureType.DeployFailed, true, /exited with code 1/)(err);
    for (const piece of [TOKEN.slice(0, 5), TOKEN.slice(-5)]) {
      assert.ok(!err.message.includes(piece), `"${piece}" of the token leaked: ${err.message.slice(0, 300)}`);
    }
  });

  test('timeout: the command is killed (SIGTERM, then SIGKILL) and the deploy fails', async () => {
    const started = Date.now();
    const stubborn = `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('rolling out'); setInterval(() => {}, 1000)`;
    const adapter = new CommandAdapter(commandDeploy([node, '-e', stubborn], { timeout: '500ms' }), process.env, { killGraceMs: 300 });
    await assert.rejects(
      adapter.deploy(target, KEY, new AbortController().signal, noop),
      isFailure(FailureType.DeployFailed, true, /timed out after 500ms and was killed[\s\S]*rolling out/),
    );
    assert.ok(Date.now() - started < 3000, 'killed promptly');
  });

  test('cancellation kills the command and rejects with CancelledFailure', async () => {
    const ac = new AbortController();
    const adapter = new CommandAdapter(commandDeploy([node, '-e', 'setInterval(() => {}, 1000)']));
    setTimeout(() => ac.abort(new CancelledFailure('CANCELLED')), 200);
    const started = Date.now();
    await assert.rejects(adapter.deploy(target, KEY, ac.signal, noop), (e: unknown) => e instanceof CancelledFailure);
    assert.ok(Date.now() - started < 2000);
  });

  test('a program that does not exist is a non-retryable failure', async () => {
    await assert.rejects(
      new CommandAdapter(commandDeploy(['/nonexistent/helm', 'upgrade'])).deploy(target, KEY, new AbortController().signal, noop),
      isFailure(FailureType.DeployFailed, true, /cannot run the command.*ENOENT/),
    );
  });

  test('current: trimmed stdout, empty means nothing runs, no `current` means unknown', async () => {
    const print = (s: string) => commandDeploy([node, '-e', 'true'], { current: [node, '-e', `process.stdout.write(${JSON.stringify(s)})`] });
    assert.equal(await new CommandAdapter(print('  1.4.1\n')).current(target), '1.4.1');
    assert.equal(await new CommandAdapter(print('\n')).current(target), null);
    assert.equal(await new CommandAdapter(commandDeploy([node, '-e', 'true'])).current(target), null);
    const region = commandDeploy([node], { current: [node, '-e', 'console.log(process.argv[1] + "-v")', '{{region}}'] });
    assert.equal(await new CommandAdapter(region).current(target), 'eu-west-1-v');
    const failing = commandDeploy([node], {
      current: [node, '-e', 'console.error("connection refused"); process.exitCode = 1', '{{region}}', '${DEPLOY_TOKEN}'],
    });
    await assert.rejects(
      new CommandAdapter(failing, { ...process.env, DEPLOY_TOKEN: TOKEN }).current(target),
      // The command is shown as written: templates filled, ${VAR} left unresolved.
      isFailure('CurrentVersionFailed', false, /eu-west-1 \$\{DEPLOY_TOKEN\}` exited with code 1[\s\S]*connection refused/),
    );
  });
});

/** A tiny http server for a test; routes get the request and its body. */
async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('http adapter (real node:http deployer)', () => {
  /** A deployer: POST starts a rollout that is ready after `pollsUntilDone` status reads. */
  async function deployer(
    opts: { outcome?: 'ready' | 'error'; pollsUntilDone?: number; postStatus?: number; ignorePosts?: boolean } = {},
  ) {
    const posts: { headers: IncomingMessage['headers']; body: unknown; url: string }[] = [];
    let region: { version: string; state: string } | undefined;
    let reads = 0;
    const srv = await serve((req, body, res) => {
      if (req.method === 'POST' && req.url === '/regions/eu-west-1/deployments') {
        posts.push({ headers: req.headers, body: JSON.parse(body), url: req.url });
        if (opts.postStatus) return json(res, opts.postStatus, { error: `refused ${req.headers.authorization}` });
        if (opts.ignorePosts) return json(res, 202, { accepted: true });
        region = { version: (JSON.parse(body) as { version: string }).version, state: 'rolling' };
        reads = 0;
        return json(res, 202, { accepted: true });
      }
      if (req.method === 'GET' && req.url === '/regions/eu-west-1') {
        if (!region) return json(res, 404, { error: 'no such region' });
        if (region.state === 'rolling' && ++reads >= (opts.pollsUntilDone ?? 3)) region.state = opts.outcome ?? 'ready';
        return json(res, 200, region);
      }
      json(res, 404, {});
    });
    const deploy: Deploy = {
      timeout: '10s',
      http: {
        url: `${srv.url}/regions/{{region}}/deployments`,
        method: 'POST',
        headers: { Authorization: 'Bearer ${DEPLOY_TOKEN}' },
        status: { url: `${srv.url}/regions/{{region}}`, state: '$.state', done: 'ready', failed: 'error', version: '$.version' },
      },
    };
    return { ...srv, posts, deploy, setRegion: (r: typeof region) => (region = r) };
  }
  const env = { DEPLOY_TOKEN: TOKEN };

  test('POSTs with the Idempotency-Key and resolved headers, then polls until ready at the version', async () => {
    const d = await deployer({ pollsUntilDone: 3 });
    try {
      const adapter = new HttpAdapter(d.deploy, env, { pollMs: 20 });
      assert.equal(await adapter.current(target), null, '404 before the first deploy: nothing runs');
      const beats: unknown[] = [];
      await adapter.deploy(target, KEY, new AbortController().signal, (x) => beats.push(x));
      assert.equal(d.posts.length, 1);
      assert.equal(d.posts[0].headers['idempotency-key'], KEY);
      assert.equal(d.posts[0].headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(d.posts[0].headers['content-type'], 'application/json');
      assert.deepEqual(d.posts[0].body, { service: 'checkout', version: '1.4.2', region: 'eu-west-1', deployId: 'deploy-checkout/r1' });
      assert.ok(beats.length >= 3, 'heartbeats while polling');
      assert.equal(await adapter.current(target), '1.4.2');
    } finally {
      await d.close();
    }
  });

  test('waits for the version too: a "ready" for the old version is not done', async () => {
    // A deployer that accepts the POST but keeps reporting the old version never finishes.
    const d = await deployer({ ignorePosts: true });
    try {
      d.setRegion({ version: '1.4.1', state: 'ready' });
      const stuck = new HttpAdapter({ ...d.deploy, timeout: '300ms' }, env, { pollMs: 20 });
      assert.equal(await stuck.current(target), '1.4.1');
      await assert.rejects(
        stuck.deploy(target, KEY, new AbortController().signal, noop),
        isFailure(FailureType.DeployFailed, true, /did not finish within 300ms; last state "ready", version "1.4.1"/),
      );
    } finally {
      await d.close();
    }
  });

  test('a custom body has its templates filled', async () => {
    const d = await deployer({ pollsUntilDone: 1 });
    try {
      const deploy: Deploy = { ...d.deploy, http: { ...d.deploy.http!, body: { version: '{{version}}', image: 'registry/{{service}}:{{version}}', replicas: 3 } } };
      await new HttpAdapter(deploy, env, { pollMs: 20 }).deploy(target, KEY, new AbortController().signal, noop);
      assert.deepEqual(d.posts[0].body, { version: '1.4.2', image: 'registry/checkout:1.4.2', replicas: 3 });
    } finally {
      await d.close();
    }
  });

  test('the failed state is a non-retryable DeployFailed', async () => {
    const d = await deployer({ outcome: 'error', pollsUntilDone: 2 });
    try {
      await assert.rejects(
        new HttpAdapter(d.deploy, env, { pollMs: 20 }).deploy(target, KEY, new AbortController().signal, noop),
        isFailure(FailureType.DeployFailed, true, /deploy of 1\.4\.2 to eu-west-1 failed: the deployer reports state "error"/),
      );
    } finally {
      await d.close();
    }
  });

  test('a refused POST fails with the status and body tail, the resolved token redacted', async () => {
    const d = await deployer({ postStatus: 401 });
    try {
      const err = await new HttpAdapter(d.deploy, env, { pollMs: 20 })
        .deploy(target, KEY, new AbortController().signal, noop)
        .then(() => assert.fail('should fail'), (e: unknown) => e);
      isFailure(FailureType.DeployFailed, true, /POST .* answered HTTP 401: \{"error":"refused Bearer \$\{DEPLOY_TOKEN\}"\}/)(err);
      assert.ok(!(err as Error).message.includes(TOKEN) && !(err as Error).stack?.includes(TOKEN));
    } finally {
      await d.close();
    }
    const d5 = await deployer({ postStatus: 503 });
    try {
      await assert.rejects(
        new HttpAdapter(d5.deploy, env).deploy(target, KEY, new AbortController().signal, noop),
        isFailure(FailureType.DeployRequestFailed, false, /HTTP 503/),
      );
    } finally {
      await d5.close();
    }
  });

  test('a missing ${DEPLOY_TOKEN} is a non-retryable MissingEnv before anything is sent', async () => {
    const d = await deployer();
    try {
      await assert.rejects(
        new HttpAdapter(d.deploy, {}).deploy(target, KEY, new AbortController().signal, noop),
        isFailure(FailureType.MissingEnv, true, /DEPLOY_TOKEN/),
      );
      assert.equal(d.posts.length, 0);
    } finally {
      await d.close();
    }
  });

  test('a status endpoint that hangs is cut off per request; the deploy keeps polling until its timeout', async () => {
    // Accepts the POST, never answers a status read: each read ends at the request limit (well
    // under the heartbeat timeout), and the deploy fails at its own timeout naming why.
    const srv = await serve((req, _body, res) => {
      if (req.method === 'POST') return json(res, 202, { accepted: true });
    });
    try {
      const deploy: Deploy = {
        timeout: '700ms',
        http: { url: `${srv.url}/deploy`, method: 'POST', headers: {}, status: { url: `${srv.url}/status`, state: '$.state', done: 'ready', failed: 'error' } },
      };
      const beats: unknown[] = [];
      const t0 = Date.now();
      await assert.rejects(
        new HttpAdapter(deploy, env, { pollMs: 20, requestTimeoutMs: 200 }).deploy(target, KEY, new AbortController().signal, (x) => beats.push(x)),
        isFailure(FailureType.DeployFailed, true, /did not finish within 700ms; last error reading status: no answer within 200 ms/),
      );
      assert.ok(Date.now() - t0 < 3000, `bounded: ${Date.now() - t0} ms`);
      assert.ok(beats.length >= 3, 'heartbeats between the cut-off reads');
    } finally {
      await srv.close();
    }
  });

  test('cancelling the activity ends a hanging request at once, as a cancellation', async () => {
    const srv = await serve(() => undefined); // never answers
    try {
      const deploy: Deploy = {
        timeout: '10s',
        http: { url: `${srv.url}/deploy`, method: 'POST', headers: {}, status: { url: `${srv.url}/status`, state: '$.state', done: 'ready', failed: 'error' } },
      };
      const ac = new AbortController();
      setTimeout(() => ac.abort(new CancelledFailure('CANCELLED')), 100);
      const t0 = Date.now();
      await assert.rejects(new HttpAdapter(deploy, env).deploy(target, KEY, ac.signal, noop), (err: unknown) => err instanceof CancelledFailure);
      assert.ok(Date.now() - t0 < 2000, `cancelled in ${Date.now() - t0} ms`);
    } finally {
      await srv.close();
    }
  });

  test('deployRegion activity: same key twice (a retried activity) reaches the deployer with that key', async () => {
    const d = await deployer({ pollsUntilDone: 1 });
    try {
      const activities = createActivities({ env });
      const menv = new MockActivityEnvironment();
      await menv.run(activities.deployRegion, { deploy: d.deploy, target, key: KEY });
      await menv.run(activities.deployRegion, { deploy: d.deploy, target, key: KEY });
      assert.deepEqual(
        d.posts.map((p) => p.headers['idempotency-key']),
        [KEY, KEY],
      );
      assert.equal(await menv.run(activities.currentVersion, { deploy: d.deploy, target }), '1.4.2');
    } finally {
      await d.close();
    }
  });
});

describe('prometheus provider (real node:http server speaking the Prometheus API)', () => {
  const check = (query: string, threshold: Partial<Check> = { max: 0.01 }): Check => ({
    name: 'error-rate',
    prometheus: { url: '${PROMETHEUS_URL}/', query },
    ...threshold,
  });
  const vector = (...values: string[]) => ({
    status: 'success',
    data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { pod: `p${i}` }, value: [1700000000.1, v] })) },
  });

  async function prometheus() {
    const queries: string[] = [];
    const srv = await serve((req, _body, res) => {
      const u = new URL(req.url!, 'http://x');
      if (u.pathname !== '/api/v1/query') return json(res, 404, {});
      const q = u.searchParams.get('query')!;
      queries.push(q);
      if (q.startsWith('one')) return json(res, 200, vector('0.0042'));
      if (q.startsWith('many')) return json(res, 200, vector('0.001', '0.03', '0.002'));
      if (q.startsWith('empty')) return json(res, 200, vector());
      if (q.startsWith('nan')) return json(res, 200, vector('NaN', '+Inf'));
      if (q.startsWith('scalar')) return json(res, 200, { status: 'success', data: { resultType: 'scalar', result: [1700000000, '7'] } });
      if (q.startsWith('matrix')) return json(res, 200, { status: 'success', data: { resultType: 'matrix', result: [] } });
      if (q.startsWith('bad')) return json(res, 400, { status: 'error', errorType: 'bad_data', error: 'parse error at char 4' });
      res.writeHead(500).end('internal meltdown');
    });
    return { ...srv, queries, provider: new PrometheusProvider({ env: { PROMETHEUS_URL: srv.url } }) };
  }

  test('reads instant vectors and scalars; renders templates and ${VAR}', async () => {
    const p = await prometheus();
    try {
      assert.equal(await p.provider.evaluate(check('one{region="{{region}}"}'), target), 0.0042);
      assert.equal(p.queries[0], 'one{region="eu-west-1"}');
      assert.equal(await p.provider.evaluate(check('scalar'), target), 7);
    } finally {
      await p.close();
    }
  });

  test('several series: the worst one (max, or min for a floor-only check)', async () => {
    const p = await prometheus();
    try {
      assert.equal(await p.provider.evaluate(check('many'), target), 0.03);
      assert.equal(await p.provider.evaluate(check('many', { min: 0.0001 }), target), 0.001);
    } finally {
      await p.close();
    }
  });

  test('an empty vector or NaN/Inf is no data (null)', async () => {
    const p = await prometheus();
    try {
      assert.equal(await p.provider.evaluate(check('empty'), target), null);
      assert.equal(await p.provider.evaluate(check('nan'), target), null);
    } finally {
      await p.close();
    }
  });

  test('errors throw with a clear message: bad query, server error, range vector, unreachable', async () => {
    const p = await prometheus();
    try {
      await assert.rejects(p.provider.evaluate(check('bad'), target), /HTTP 400 \(bad_data: parse error at char 4\)/);
      await assert.rejects(p.provider.evaluate(check('boom'), target), /HTTP 500 \(internal meltdown\)/);
      await assert.rejects(p.provider.evaluate(check('matrix'), target), /matrix result; a check needs an instant vector/);
    } finally {
      await p.close();
    }
    // A port nothing listens on (a fresh one: the closed server's keep-alive sockets could linger).
    const closed = await serve(() => {});
    await closed.close();
    const down = new PrometheusProvider({ env: { PROMETHEUS_URL: closed.url } });
    await assert.rejects(down.evaluate(check('one'), target), (err: Error) => {
      assert.match(err.message, /ECONNREFUSED/);
      assert.ok(!err.message.includes(closed.url), 'the resolved ${PROMETHEUS_URL} is redacted');
      return true;
    });
  });
});

describe('http check provider', () => {
  test('reads the value at path, whatever the status; missing is no data', async () => {
    const srv = await serve((req, _b, res) => {
      if (req.url === '/eu-west-1/healthz') return json(res, 200, { ok: true });
      if (req.url === '/sick/healthz') return json(res, 503, { ok: false });
      if (req.url === '/odd/healthz') return json(res, 200, { status: 'fine' });
      res.writeHead(502).end('bad gateway');
    });
    try {
      const provider = new HttpCheckProvider();
      const health = (url: string): Check => ({ name: 'health', http: { url: `${srv.url}${url}`, path: '$.ok', equals: true } });
      assert.equal(await provider.evaluate(health('/{{region}}/healthz'), target), true);
      assert.equal(await provider.evaluate(health('/sick/healthz'), target), false);
      assert.equal(await provider.evaluate(health('/odd/healthz'), target), null);
      await assert.rejects(provider.evaluate(health('/gone/healthz'), target), /HTTP 502 with a body that is not JSON/);
    } finally {
      await srv.close();
    }
  });
});
