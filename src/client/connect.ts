// Connections to Temporal for the CLI (Client) and workers (NativeConnection), configured the
// way every Temporal tool is: @temporalio/envconfig reads the profile file
// (~/.config/temporalio/temporal.toml, TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) and the
// TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_API_KEY / TEMPORAL_TLS* variables. The CLI's
// --address, -n/--namespace and --profile come in as ConnectOptions: a flag over the environment,
// the environment over the profile file, the file over Firebreak's defaults, as in the Temporal CLI.
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { connect as tcpConnect } from 'node:net';
import { DEFAULT_NAMESPACE, DEFAULT_TEMPORAL_ADDRESS } from '../domain/names.js';

export interface ConnectOptions {
  /** Overrides the profile and TEMPORAL_ADDRESS (e.g. a test server's address). */
  address?: string;
  /** Overrides the profile and TEMPORAL_NAMESPACE. */
  namespace?: string;
  /** Profile name in the envconfig file; defaults to TEMPORAL_PROFILE, then "default". */
  profile?: string;
  /** How long to wait for the server before giving up; default 5 s. */
  connectTimeoutMs?: number;
}

export interface ResolvedConnectConfig {
  address: string;
  namespace: string;
  connectionOptions: NativeConnectionOptions & { address: string };
}

/** Thrown when the server cannot be reached; the CLI prints its message and exits 2. */
export class TemporalUnreachableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemporalUnreachableError';
  }
}

/** The effective address, namespace and TLS/API-key options, with Firebreak's defaults. */
export function resolveConnectConfig(opts: ConnectOptions = {}): ResolvedConnectConfig {
  let loaded;
  try {
    loaded = loadClientConnectConfig({ profile: opts.profile });
  } catch (err) {
    const profile = opts.profile ?? process.env.TEMPORAL_PROFILE;
    // A profile that is not there would otherwise read as a bug in the file.
    if (profile !== undefined && /^Profile '.*' not found/.test((err as Error).message)) {
      const source = opts.profile !== undefined ? '--profile' : 'TEMPORAL_PROFILE';
      const file = process.env.TEMPORAL_CONFIG_FILE ?? 'the Temporal config file (TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml)';
      throw new Error(`no profile ${JSON.stringify(profile)} (${source}) in ${file}`, { cause: err });
    }
    // A broken profile file is bad input, not an unreachable server: say which.
    throw new Error(`cannot read Temporal client config: ${(err as Error).message}`, { cause: err });
  }
  const address = opts.address ?? loaded.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const namespace = opts.namespace ?? loaded.namespace ?? DEFAULT_NAMESPACE;
  return { address, namespace, connectionOptions: { ...loaded.connectionOptions, address } };
}

function isLocal(address: string): boolean {
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(address);
}

/** One sentence that says what failed and what to do about it. */
export function describeConnectError(address: string, err: unknown): TemporalUnreachableError {
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: number } | null)?.code;
  // gRPC 16 UNAUTHENTICATED, 7 PERMISSION_DENIED: the server answered, the credentials did not pass.
  if (code === 16 || code === 7 || /unauthenticated|permission denied/i.test(msg)) {
    return new TemporalUnreachableError(
      `Temporal at ${address} refused the credentials: check TEMPORAL_API_KEY / TLS settings (${msg})`,
      { cause: err },
    );
  }
  // Any TLS setting or an API key turns TLS on (envconfig): then the likely cause is the TLS
  // handshake (no or wrong client certificate, CA, server name; or a plain-gRPC dev server).
  const tlsOn = Boolean(process.env.TEMPORAL_API_KEY) || Object.keys(process.env).some((k) => k.startsWith('TEMPORAL_TLS') && process.env[k]);
  const hint = tlsOn
    ? 'the TLS connection failed (TEMPORAL_TLS_* or TEMPORAL_API_KEY is set): check the client certificate, the CA and the server name, and that this server speaks TLS (`firebreak dev` does not)'
    : isLocal(address)
      ? 'is `firebreak dev` running?'
      : 'check the address (--address, TEMPORAL_ADDRESS or the profile), TLS settings and the network';
  return new TemporalUnreachableError(`cannot reach Temporal at ${address}: ${hint}`, { cause: err });
}

/**
 * Fails fast when nothing listens: the gRPC client otherwise retries a refused connection
 * until its connect timeout, which makes `firebreak status` with no server hang for seconds.
 * Anything but a refusal or an unknown host is left to the real connect to judge.
 */
function refusedFast(address: string, timeoutMs = 1_000): Promise<Error | undefined> {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!m) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const sock = tcpConnect({ host: m[1], port: Number(m[2]) });
    const done = (err?: Error) => {
      sock.destroy();
      resolve(err);
    };
    sock.setTimeout(timeoutMs, () => done());
    sock.once('connect', () => done());
    sock.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' ? err : undefined),
    );
  });
}

/** A Client for the CLI and tests. Throws TemporalUnreachableError when the server is not there. */
export async function connectClient(opts: ConnectOptions = {}): Promise<Client> {
  const cfg = resolveConnectConfig(opts);
  const refused = await refusedFast(cfg.address);
  if (refused) throw describeConnectError(cfg.address, refused);
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address: cfg.address,
      tls: cfg.connectionOptions.tls,
      apiKey: cfg.connectionOptions.apiKey,
      metadata: cfg.connectionOptions.metadata,
      connectTimeout: opts.connectTimeoutMs ?? 5_000,
    });
  } catch (err) {
    throw describeConnectError(cfg.address, err);
  }
  return new Client({ connection, namespace: cfg.namespace });
}

/** A NativeConnection for Worker.create; same configuration and error as connectClient. */
export async function connectWorkerConnection(
  opts: ConnectOptions = {},
): Promise<{ connection: NativeConnection; namespace: string; address: string }> {
  const cfg = resolveConnectConfig(opts);
  try {
    const connection = await NativeConnection.connect(cfg.connectionOptions);
    return { connection, namespace: cfg.namespace, address: cfg.address };
  } catch (err) {
    throw describeConnectError(cfg.address, err);
  }
}
