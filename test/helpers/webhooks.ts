// Local HTTP webhook receivers for tests of `notify:`: one server on a free port, one path per
// behaviour. /fail/... answers 500, /forbidden/... 403, /hang/... never answers (the notify
// activity's per-POST time limit has to cut it off); any other path answers 200 and keeps the
// JSON body. Every POST is counted per path, whatever its answer.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { notifyPayload } from '../../activities/notify.js';

export interface ReceivedWebhook {
  path: string;
  at: number;
  contentType?: string;
  /** What the notify activity posts (its own type: a change to the payload shows here). */
  body: ReturnType<typeof notifyPayload>;
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
    if (path.startsWith('/forbidden/')) {
      res.writeHead(403).end('no');
      return;
    }
    try {
      received.push({ path, at: Date.now(), contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
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
