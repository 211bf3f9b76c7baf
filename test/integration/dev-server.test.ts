// The real Temporal dev server and Prometheus, as `firebreak dev` and the integration tests
// start them: the server must know Firebreak's search attributes and stop cleanly; Prometheus
// must answer /-/ready and actually scrape a target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient } from '../../src/client/connect.js';
import { isPortOpen } from '../../src/local/ports.js';
import { instantQuery, startPrometheus, waitForFirstScrape } from '../../src/local/prometheus.js';
import { startDevServer } from '../../src/local/server.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

test('startDevServer runs a real server that knows the Firebreak search attributes, then stops', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-dev-server-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const started = Date.now();
  const server = await startDevServer({ dbFile: join(dir, 'temporal.db'), log: join(dir, 'server.log') });
  t.diagnostic(`dev server ready in ${Date.now() - started} ms at ${server.address}, UI ${server.uiUrl}`);
  try {
    const client = await connectClient({ address: server.address });
    try {
      const { customAttributes } = await client.connection.operatorService.listSearchAttributes({
        namespace: 'default',
      });
      for (const key of SEARCH_ATTRIBUTES) {
        // 2 = INDEXED_VALUE_TYPE_KEYWORD
        assert.equal(customAttributes?.[key.name], 2, `${key.name} is registered as Keyword`);
      }
    } finally {
      await client.connection.close();
    }
    const ui = await fetch(server.uiUrl!);
    assert.equal(ui.status, 200, 'the Web UI answers');
  } finally {
    await server.stop();
  }
  assert.notEqual(server.process.exitCode ?? server.process.signalCode, null, 'the server process has exited');
  const port = Number(server.address.split(':')[1]);
  assert.equal(await isPortOpen(port), false, 'the gRPC port is closed');
  await assert.rejects(connectClient({ address: server.address }), /cannot reach Temporal at .*firebreak dev/);
});

test('startPrometheus answers /-/ready and scrapes its target', async (t) => {
  // A tiny target exposing one gauge in the Prometheus text format.
  const target = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('# TYPE firebreak_test_gauge gauge\nfirebreak_test_gauge{region="eu"} 42\n');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  t.after(() => target.close());
  const targetPort = (target.address() as AddressInfo).port;

  const started = Date.now();
  const prom = await startPrometheus({ targets: [`127.0.0.1:${targetPort}`] });
  t.diagnostic(`prometheus ready in ${Date.now() - started} ms at ${prom.url}`);
  try {
    assert.equal((await fetch(`${prom.url}/-/ready`)).status, 200);
    // New targets are applied on Prometheus's 5 s tick; after that it scrapes every second.
    await waitForFirstScrape(prom.url, { timeoutMs: 20_000 });
    const deadline = Date.now() + 5_000;
    let result: Awaited<ReturnType<typeof instantQuery>> = [];
    while (Date.now() < deadline) {
      result = await instantQuery(prom.url, 'firebreak_test_gauge');
      if (result.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(result.length, 1, 'the gauge was scraped');
    assert.equal(result[0].metric.region, 'eu');
    assert.equal(result[0].value[1], '42');
  } finally {
    await prom.stop();
  }
  assert.equal(await isPortOpen(Number(new URL(prom.url).port)), false, 'prometheus has stopped');
});

test('startPrometheus refuses a busy port with a clear error', async (t) => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => busy.close());
  const port = (busy.address() as AddressInfo).port;
  await assert.rejects(startPrometheus({ targets: [], port }), new RegExp(`port ${port} .* already in use`));
});
