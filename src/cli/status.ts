// `firebreak status ID|SERVICE`: the status query, rendered.
import { statusQuery } from '../../workflows/messages.js';
import { client, deployIdOf, notFound, printJson } from './common.js';
import { renderStatus } from './render.js';

export async function statusCommand(idOrService: string, opts: { json?: boolean }): Promise<void> {
  const id = deployIdOf(idOrService);
  const c = await client();
  const status = await c.workflow.getHandle(id).query(statusQuery).catch((err) => notFound(err, id));
  if (opts.json) printJson(status);
  else process.stdout.write(`${renderStatus(status)}\n`);
}
