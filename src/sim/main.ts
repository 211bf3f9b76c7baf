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
}

export async function runSimulator(argv: SimulatorArgs): Promise<void> {
  const port = argv.port ?? 7070;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (0-65535), got ${argv.port}`);
  const customers = argv.pipeline ? customersFromPipeline(argv.pipeline) : {};
  const sim = await startSimulator({ port, customers, deploySeconds: argv.deploySeconds, token: argv.token });
  console.log(`simulator listening on ${sim.url}`);
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
