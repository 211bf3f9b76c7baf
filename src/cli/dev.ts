// `firebreak dev`: the local stack, until Ctrl-C or SIGTERM. Prints `ready` when a deploy can
// start. Stopping it keeps its state (.firebreak/ or --state-dir): started again on the same
// state, every deploy carries on where it was.
import { PERSISTENCE_MODES, startLocalStack, type Persistence } from '../local/stack.js';
import { PORTS } from '../domain/names.js';
import { CliError } from './fail.js';

export interface DevOptions {
  /** `temporal=17233,ui=18233,sim=17070,prometheus=19090,metrics=19464` (any subset); FIREBREAK_DEV_PORTS. */
  ports?: string;
  /** Default: .firebreak in the checkout; FIREBREAK_STATE_DIR. */
  stateDir?: string;
  /** sqlite (default: the Temporal CLI's dev server) or postgres (Temporal server on PostgreSQL). */
  persistence?: string;
  /** Workers inside this process: a whole number, default 1, 0 = none. */
  workers?: string;
  /** Regions that each get a real Kubernetes control plane: `small,medium,large`. */
  kubernetes?: string;
}

/** --kubernetes: region names, comma-separated, each usable as a kubeconfig context name. */
export function parseKubernetesRegions(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const regions = value.split(',').map((r) => r.trim());
  if (!value.trim() || regions.some((r) => !r)) throw new CliError(`--kubernetes: "${value}" is not a list of regions (e.g. --kubernetes small,medium,large)`);
  const bad = regions.find((r) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(r));
  if (bad !== undefined) throw new CliError(`--kubernetes: "${bad}" cannot name a cluster context: lowercase letters, digits and '-', starting and ending with a letter or digit`);
  const twice = regions.find((r, i) => regions.indexOf(r) !== i);
  if (twice !== undefined) throw new CliError(`--kubernetes: ${twice} is given twice`);
  if (regions.length > 8) throw new CliError(`--kubernetes: ${regions.length} regions; at most 8 (each control plane takes about 560 MiB)`);
  return regions;
}

/** --persistence: one of PERSISTENCE_MODES; anything else is one clear line. */
export function parsePersistence(value: string | undefined): Persistence {
  if (value === undefined) return 'sqlite';
  if ((PERSISTENCE_MODES as readonly string[]).includes(value)) return value as Persistence;
  throw new CliError(`--persistence: "${value}" is not one of ${PERSISTENCE_MODES.join(', ')}`);
}

/** --workers: a whole number from 0 (none: run `firebreak worker` separately) to 64. */
export function parseWorkers(value: string | undefined): number {
  if (value === undefined) return 1;
  if (!/^\d+$/.test(value.trim()) || Number(value) > 64) {
    throw new CliError(`--workers: "${value}" is not a whole number from 0 to 64 (0 = none; run \`firebreak worker\` separately)`);
  }
  return Number(value);
}

export type PortName = keyof typeof PORTS;

/** Parses `name=port,...`; every problem is one line naming the bad part. Empty means the defaults. */
export function parsePorts(spec: string | undefined): Partial<Record<PortName, number>> {
  const out: Partial<Record<PortName, number>> = {};
  if (spec === undefined || spec.trim() === '') return out;
  const names = Object.keys(PORTS) as PortName[];
  for (const part of spec.split(',')) {
    const m = /^\s*([a-z]+)\s*=\s*(\d{1,5})\s*$/.exec(part);
    if (!m) throw new CliError(`--ports: "${part.trim()}" is not name=port (e.g. --ports temporal=17233,ui=18233,sim=17070,prometheus=19090)`);
    const name = m[1] as PortName;
    if (!names.includes(name)) throw new CliError(`--ports: unknown name "${m[1]}" (known: ${names.join(', ')})`);
    const port = Number(m[2]);
    if (port > 65535) throw new CliError(`--ports: ${name}=${m[2]} is not a port (0-65535; 0 = any free port)`);
    if (name in out) throw new CliError(`--ports: ${name} is given twice`);
    out[name] = port;
  }
  const all = { ...PORTS, ...out };
  names.forEach((a, i) => {
    for (const b of names.slice(i + 1)) {
      if (all[a] !== 0 && all[a] === all[b]) throw new CliError(`--ports: ${a} and ${b} would both use port ${all[a]}`);
    }
  });
  return out;
}

export async function devCommand(opts: DevOptions = {}): Promise<void> {
  const ports = parsePorts(opts.ports);
  const persistence = parsePersistence(opts.persistence);
  const workers = parseWorkers(opts.workers);
  const kubernetes = parseKubernetesRegions(opts.kubernetes);
  if (opts.stateDir !== undefined && opts.stateDir.trim() === '') throw new CliError('--state-dir needs a directory');

  // Listen for the stop signals before anything starts: a SIGTERM during start-up must stop
  // the children (Temporal, Prometheus) too, not kill this process and leave them holding the
  // ports and the state. A second signal while stopping is reported, not fatal.
  let signalled: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  const stopRequested = new Promise<void>((resolve) => (wake = resolve));
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) {
      process.stdout.write(`${sig}: already stopping\n`);
      return;
    }
    signalled = sig;
    wake?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let stack;
    try {
      stack = await startLocalStack({ stateDir: opts.stateDir, ports, persistence, workers, kubernetes, log: (l) => process.stdout.write(`${l}\n`) });
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    if (!signalled) {
      process.stdout.write(
        [
          `Temporal      ${stack.temporalAddress}   (${stack.persistence === 'postgres' ? 'Temporal server on PostgreSQL' : 'dev server, SQLite'})`,
          `workers       ${stack.workers}${stack.workers === 0 ? '   (run `firebreak worker` with TEMPORAL_ADDRESS set)' : ''}`,
          `Web UI        ${stack.uiUrl ?? '(headless)'}`,
          `simulator     ${stack.simUrl}   (FIREBREAK_SIM_URL)`,
          `Prometheus    ${stack.prometheusUrl ?? '(not installed)'}   (PROMETHEUS_URL)`,
          ...(stack.metricsUrl ? [`metrics       ${stack.metricsUrl}   (the workers', scraped by Prometheus)`] : []),
          ...(stack.kubernetes ? [`kubernetes    ${stack.kubernetes.kubeconfig}   (KUBECONFIG; contexts ${Object.values(stack.kubernetes.contexts).join(', ')})`] : []),
          'ready',
          '',
        ].join('\n'),
      );
    }
    await stopRequested;
    const started = Date.now();
    process.stdout.write(`stopping (${signalled}); state is kept\n`);
    await stack.stop();
    process.stdout.write(`stopped in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    // Everything is stopped, but a timer a cancelled activity armed could keep this process
    // alive for up to its timeout (measured once: 26 s after a stop mid-soak). Do not wait.
    setTimeout(() => process.exit(process.exitCode ?? 0), 1_000).unref();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
