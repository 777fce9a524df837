import type { AddressInfo } from 'node:net';
import { createApp } from '../../app.ts';
import { ensureFirstAdmin } from '../../bootstrap.ts';
import { systemClock } from '../../clock.ts';
import { developmentWarnings } from '../../config.ts';
import { InputError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import { listenMetrics } from '../../metrics.ts';
import { shutDown, trackConnections } from '../../shutdown.ts';
import { openStore } from '../../store/open.ts';
import { command } from '../command.ts';

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the address is already in use; stop the other program or set port (GRAFANA_SSO_PORT)',
  EADDRNOTAVAIL: 'this machine has no such address; set host (GRAFANA_SSO_HOST)',
  EACCES: 'permission denied; use a port above 1023 or a reverse proxy',
};

export const commands = [
  command({
    words: ['serve'],
    summary: 'start the token server',
    async run({ config, io }) {
      const store = await openStore(config, io.err);
      const logger = createLogger(config.logFormat);
      const server = await createApp({ config, store, logger });
      const listener = server.app.listen(config.port, config.host);
      const connections = trackConnections(listener);
      try {
        await new Promise<void>((resolve, reject) => {
          listener.once('listening', resolve);
          listener.once('error', reject);
        });
      } catch (e) {
        await server.close();
        await store.close();
        const code = (e as NodeJS.ErrnoException).code ?? '';
        const address = config.host.includes(':') ? `[${config.host}]:${config.port}` : `${config.host}:${config.port}`;
        throw new InputError('cannot_listen', `cannot listen on ${address}: ${LISTEN_ERRORS[code] ?? (e as Error).message}${code ? ` (${code})` : ''}`);
      }
      const metricsAt = config.derived.metricsListen;
      const metricsListener = metricsAt
        ? await listenMetrics(server.metrics, metricsAt.host, metricsAt.port).catch(async (e: unknown) => {
            listener.close();
            await server.close();
            await store.close();
            throw new InputError('cannot_listen', `cannot listen on metricsAddress ${config.metricsAddress}: ${(e as Error).message}`);
          })
        : undefined;
      let stopping: Promise<void> | undefined;
      const stop = (signal: string) => {
        stopping ??= shutDown({ listener, connections, metricsListener, server, store, logger, graceMs: config.shutdownGraceSeconds * 1000 }, signal).catch((e: unknown) => {
          logger.error(`shutdown failed: ${(e as Error).message}`);
          process.exitCode = 1;
        });
        return stopping;
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      try {
        // After listening, so a start that cannot listen does not use up the once-shown password.
        const notice = await ensureFirstAdmin(store, systemClock, server.ctx.audit, io.env, config.instances);
        if (notice) io.out(notice);
      } catch (e) {
        await stop('error');
        throw e;
      }
      for (const w of developmentWarnings(config)) io.err(`\n*** WARNING (development settings): ${w}\n`);
      const { port } = listener.address() as AddressInfo;
      io.out(`grafana-sso listening on http://${config.host}:${port} (public URL ${config.publicUrl})`);
      if (metricsListener) io.out(`metrics on http://${config.metricsAddress}/metrics`);
      io.out(`Grafana settings:  npm run cli -- grafana-config ${config.defaultInstance}`);
      return 0;
    },
  }),
];
