import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { TokenServer } from './app.ts';
import type { Logger } from './log.ts';
import type { Store } from './store/types.ts';

export interface Running {
  listener: Server;
  /** The separate /metrics listener, if any. */
  metricsListener?: Server | undefined;
  server: TokenServer;
  store: Store;
  logger: Logger;
  graceMs: number;
}

/**
 * Counts the requests in flight on each connection, so a stop can close each keep-alive connection
 * the moment it has nothing left to answer. (Node's closeIdleConnections counts a connection idle
 * once the request is read, before its answer is written, which would cut requests in flight.)
 */
export function trackConnections(listener: Server): { drain(): void } {
  const busy = new Map<Socket, number>();
  let draining = false;
  listener.on('connection', (socket: Socket) => {
    busy.set(socket, 0);
    socket.once('close', () => busy.delete(socket));
  });
  listener.on('request', (req, res) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (busy.get(socket) ?? 1) - 1;
      busy.set(socket, left);
      if (draining && left === 0) socket.end();
    });
  });
  return {
    drain() {
      draining = true;
      for (const [socket, n] of busy) if (n === 0) socket.end();
    },
  };
}

/**
 * A clean stop (SIGTERM, SIGINT): stop accepting and report not-ready, let requests in flight finish
 * within the grace period (then close their connections), flush the audit log, close the store.
 */
export async function shutDown(r: Running & { connections: { drain(): void } }, signal: string): Promise<void> {
  r.logger.info({ signal, graceMs: r.graceMs }, 'shutting down: no new connections, finishing requests in flight');
  r.server.readiness.draining = true;
  const closed = new Promise<void>((resolve) => r.listener.close(() => resolve()));
  r.connections.drain();
  const grace = setTimeout(() => {
    r.logger.warn('grace period over: closing the connections of requests still in flight');
    r.listener.closeAllConnections();
  }, r.graceMs);
  await closed;
  clearTimeout(grace);
  if (r.metricsListener) {
    r.metricsListener.closeAllConnections();
    await new Promise<void>((resolve) => r.metricsListener!.close(() => resolve()));
  }
  await r.server.close();
  await r.store.close();
  r.logger.info('stopped');
}
