import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobin {
  url: string;
  /** Backend base URLs, taken in turn; replace freely. */
  backends: string[];
  /** Requests each backend answered, by base URL. */
  answered: Map<string, number>;
  close(): Promise<void>;
}

/**
 * The simplest load balancer in front of several token servers: each request goes to the next backend
 * in turn; when a backend cannot be reached or drops the connection before answering, the request
 * goes to the next one (as nginx's proxy_next_upstream error does). Bodies are buffered (they are small).
 */
export async function startRoundRobin(backends: string[] = []): Promise<RoundRobin> {
  let next = 0;
  const answered = new Map<string, number>();
  const lb: RoundRobin = { url: '', backends, answered, close: async () => {} };

  const forward = (backend: string, req: IncomingMessage, body: Buffer) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const target = new URL(req.url ?? '/', backend);
      const out = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, resolve);
      out.once('error', reject);
      out.end(body);
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const first = next++;
      for (let tried = 0; tried < lb.backends.length; tried++) {
        const backend = lb.backends[(first + tried) % lb.backends.length];
        if (!backend) break;
        try {
          const answer = await forward(backend, req, body);
          answered.set(backend, (answered.get(backend) ?? 0) + 1);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        } catch {
          // Unreachable or dropped before answering: the next backend.
        }
      }
      res.writeHead(502, { 'content-type': 'application/json' }).end('{"code":"no_backend"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  lb.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  lb.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return lb;
}
