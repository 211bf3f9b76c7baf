// `firebreak dev`: the local stack, until Ctrl-C. Prints `ready` when a deploy can start.
import { startLocalStack } from '../dev/stack.js';
import { CliError } from './fail.js';

export async function devCommand(): Promise<void> {
  let stack;
  try {
    stack = await startLocalStack({ log: (l) => process.stdout.write(`${l}\n`) });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  process.stdout.write(
    [
      `Temporal      ${stack.temporalAddress}`,
      `Web UI        ${stack.uiUrl ?? '(headless)'}`,
      `simulator     ${stack.simUrl}   (FIREBREAK_SIM_URL)`,
      `Prometheus    ${stack.prometheusUrl ?? '(not installed)'}   (PROMETHEUS_URL)`,
      'ready',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write('stopping\n');
  await stack.stop();
}
