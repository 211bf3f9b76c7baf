// `firebreak sim`: the simulator as a foreground process, until Ctrl-C or a SIGTERM from a
// supervisor, closing its port cleanly so a restart can bind it again at once.
import { customersFromPipeline } from './pipeline-customers.js';
import { startSimulator } from './server.js';

export interface SimulatorArgs {
  /** Default 7070, the port `firebreak dev` and the docs use. */
  port?: number;
  /** A pipeline file whose regions' customer counts size the traffic. */
  pipeline?: string;
  deploySeconds?: number;
  token?: string;
  /** Keep regions, faults and the deployment log here across restarts; in memory when omitted. */
  stateDir?: string;
  /** Seeded per-second noise (0 to 1, default 0) and its seed. */
  noise?: number;
  seed?: number;
}

export async function runSimulator(argv: SimulatorArgs): Promise<void> {
  const port = argv.port ?? 7070;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (0-65535), got ${argv.port}`);
  const customers = argv.pipeline ? customersFromPipeline(argv.pipeline) : {};
  const deploySeconds = argv.deploySeconds;
  if (deploySeconds !== undefined && !(Number.isFinite(deploySeconds) && deploySeconds >= 0)) {
    throw new Error(`--deploy-seconds must be a number >= 0, got ${deploySeconds}`);
  }
  if (argv.stateDir === '') throw new Error('--state-dir needs a directory');
  if (argv.noise !== undefined && !(Number.isFinite(argv.noise) && argv.noise >= 0 && argv.noise <= 1)) {
    throw new Error(`--noise must be a number from 0 to 1 (0.1 is 10 % per-second jitter), got ${argv.noise}`);
  }
  if (argv.seed !== undefined && !Number.isSafeInteger(argv.seed)) throw new Error(`--seed must be an integer, got ${argv.seed}`);
  // Signals during start-up must not kill the process before close() can save and unlock.
  let signalled = false;
  const early = () => (signalled = true);
  process.on('SIGINT', early);
  process.on('SIGTERM', early);
  let sim;
  try {
    sim = await startSimulator({ port, customers, deploySeconds, token: argv.token, stateDir: argv.stateDir, noise: argv.noise, seed: argv.seed });
  } finally {
    process.off('SIGINT', early);
    process.off('SIGTERM', early);
  }
  const noisy = argv.noise ? ` (noise ${argv.noise}, seed ${argv.seed ?? 1})` : '';
  console.log(`simulator listening on ${sim.url}${argv.stateDir ? ` (state in ${argv.stateDir})` : ''}${noisy}`);
  if (signalled) return sim.close();
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.close();
}
