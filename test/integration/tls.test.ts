// Firebreak over mTLS, as production runs it: the real Temporal server on PostgreSQL
// configured by deploy/temporal/ to require client certificates (frontend and internode), with
// certificates this test makes with openssl. `firebreak worker` and `firebreak deploy` connect
// through @temporalio/envconfig's TEMPORAL_TLS_* variables and run a real deploy; a worker
// without a client certificate, or without TLS, exits with one clear line; an API key rides
// along over TLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgresTemporal } from '../../src/local/postgres-server.js';
import { ensureServerTools } from '../../src/local/server-tools.js';
import { freePort } from '../../src/local/ports.js';
import { REPO_ROOT } from '../../src/local/tools.js';
import { startSimulator } from '../../src/local/sim/server.js';
import { writePipelineFile } from '../../src/local/pipelines.js';

const BIN = join(REPO_ROOT, 'bin', 'firebreak.js');

/** A CA, a server certificate for localhost/127.0.0.1 (serverAuth + clientAuth) and a client one. */
function makeCertificates(dir: string) {
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=firebreak-test-ca', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  const issue = (name: string, cn: string, ext: string) => {
    writeFileSync(f(`${name}.ext`), ext);
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`));
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`));
  };
  issue('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  issue('client', 'firebreak-worker', 'extendedKeyUsage=clientAuth\n');
  return { ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 180_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('worker and CLI over mTLS against the real server: a deploy succeeds; no certificate or no TLS is one clear line', { timeout: 30 * 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-tls-'));
  chmodSync(dir, 0o755); // the PostgreSQL user reaches its state below it
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const certs = makeCertificates(dir);
  await ensureServerTools((line) => t.diagnostic(line));

  const started = Date.now();
  const server = await startPostgresTemporal({
    stateDir: join(dir, 'state'),
    port: await freePort(),
    internalPorts: 'free',
    tls: { caFile: certs.ca, certFile: certs.serverCert, keyFile: certs.serverKey, client: { certFile: certs.clientCert, keyFile: certs.clientKey } },
  });
  t.after(() => server.stop());
  t.diagnostic(`mTLS server ready in ${Date.now() - started} ms at ${server.address}`);
  const sim = await startSimulator({ port: 0, deploySeconds: 0.2 });
  t.after(() => sim.close());

  const base = { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default', FIREBREAK_TASK_QUEUE: 'firebreak-tls', FIREBREAK_SIM_URL: sim.url, FIREBREAK_USER: 'ci' };
  const mtls = {
    ...base,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
  };

  // Refused connections first: each one line, exit 2.
  const noClientCert = await cli(['worker'], { ...base, TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca, TEMPORAL_TLS_SERVER_NAME: 'localhost' });
  assert.equal(noClientCert.code, 2, noClientCert.stderr);
  assert.equal(noClientCert.stderr.trim().split('\n').length, 1, noClientCert.stderr);
  assert.match(noClientCert.stderr, /^firebreak: cannot reach Temporal at 127\.0\.0\.1:\d+: the TLS connection failed .*check the client certificate/);
  const plain = await cli(['worker'], base);
  assert.equal(plain.code, 2, plain.stderr);
  assert.equal(plain.stderr.trim().split('\n').length, 1, plain.stderr);
  assert.match(plain.stderr, /^firebreak: cannot reach Temporal at 127\.0\.0\.1:\d+/);

  // A worker over mTLS, and a deploy started and followed through the CLI over mTLS.
  const worker = spawn(process.execPath, [BIN, 'worker'], { cwd: REPO_ROOT, env: { ...process.env, ...mtls }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    worker.kill('SIGKILL');
  });
  let out = '';
  worker.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  worker.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (/worker ready/.test(out)) {
        clearInterval(poll);
        resolve();
      }
    }, 100);
    worker.on('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`the worker exited (${code}):\n${out}`));
    });
  });

  const file = writePipelineFile(dir, { service: 'tls-shop', regions: [['small', 10], ['large', 1000]], soak: '2s', interval: '500ms', minSamples: 2 });
  const deploy = await cli(['deploy', file, '--version', '2.0.0', '--wait', '--json'], mtls);
  assert.equal(deploy.code, 0, deploy.stderr);
  assert.equal(JSON.parse(deploy.stdout).phase, 'succeeded');

  // An API key rides along over TLS (this server has no authorizer: it is accepted as is).
  const listed = await cli(['list', '--service', 'tls-shop'], { ...mtls, TEMPORAL_API_KEY: 'firebreak-test-key' });
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /tls-shop/);
});
