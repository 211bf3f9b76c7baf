// The few Kubernetes API calls the local fleet itself makes (readiness, nodes, a workload's
// images for the simulator): plain HTTPS with the cluster's CA and a bearer token. The deploy
// adapter uses @kubernetes/client-node; the fleet stays free of it so it starts with nothing
// but Node.
import { request } from 'node:https';

export interface KubeConnection {
  /** https://127.0.0.1:PORT */
  server: string;
  token: string;
  /** PEM of the CA that signed the API server's certificate. */
  ca: string;
}

export interface KubeAnswer {
  status: number;
  body: unknown;
  text: string;
}

export function kubeRequest(
  conn: KubeConnection,
  method: string,
  path: string,
  body?: unknown,
  opts: { timeoutMs?: number; contentType?: string } = {},
): Promise<KubeAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, conn.server);
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        ca: conn.ca,
        headers: {
          authorization: `Bearer ${conn.token}`,
          accept: 'application/json',
          ...(data ? { 'content-type': opts.contentType ?? 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
        },
        timeout: opts.timeoutMs ?? 5_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // readyz and friends answer plain text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/** True when the API server answers /readyz with ok. */
export async function apiReady(conn: KubeConnection): Promise<boolean> {
  try {
    const res = await kubeRequest(conn, 'GET', '/readyz', undefined, { timeoutMs: 2_000 });
    return res.status === 200;
  } catch {
    return false;
  }
}
