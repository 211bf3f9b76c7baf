// Local HTTP webhook receivers for tests of `notify:`: one server on a free port, one path per
// behaviour. /ok/... answers 200 and keeps the JSON body, /fail/... answers 500, /hang/... never
// answers (the notify activity's per-POST time limit has to cut it off). Every POST is counted
// per path, whatever its answer.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  at: number;
  body: { text: string; firebreak: { event: string; service: string; version: string; region?: string; reason: string; command: string } };
}

export interface WebhookReceivers {
  /** http://127.0.0.1:PORT; a webhook URL is `${base}/ok/<name>`, `/fail/<name>` or `/hang/<name>`. */
  base: string;
  ok(name?: string): string;
  failing(name?: string): string;
  hanging(name?: string): string;
  /** Bodies accepted by /ok/... receivers, in arrival order. */
  received: ReceivedWebhook[];
  /** POSTs per path (every answer, and no answer, counted). */
  hits: Map<string, number>;
  /** Drops the hanging connections and stops listening. */
  close(): Promise<void>;
}

export async function startWebhookReceivers(): Promise<WebhookReceivers> {
  const received: ReceivedWebhook[] = [];
  const hits = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path.startsWith('/hang/')) return; // never answers
    if (path.startsWith('/fail/')) {
      res.writeHead(500).end('down');
      return;
    }
    try {
      received.push({ path, at: Date.now(), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
    } catch {
      res.writeHead(400).end('not JSON');
      return;
    }
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    ok: (name = 'hook') => `${base}/ok/${name}`,
    failing: (name = 'hook') => `${base}/fail/${name}`,
    hanging: (name = 'hook') => `${base}/hang/${name}`,
    received,
    hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
