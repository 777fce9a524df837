import { createServer } from 'node:net';
import { startGrafanaStandin, type GrafanaStandin, type StandinOptions } from '../grafana/standin.ts';
import { startTokenServer, type RunningTokenServer, type StartOptions } from './token-server.ts';

/** A free TCP port on 127.0.0.1 (closed again; the caller binds it right away). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Stack {
  server: RunningTokenServer;
  /** One stand-in per configured instance id. */
  grafana: Record<string, GrafanaStandin>;
  close(): Promise<void>;
}

/**
 * The token server plus, for every instance, a Grafana stand-in started with the exact ini the server
 * generates for it (with app_mode = development, since the test JWKS URL is plain http). Instances are
 * given without `url`: each gets its stand-in's.
 */
export async function startStack(
  o: StartOptions & { instances?: ({ id: string } & Record<string, unknown>)[]; standin?: Omit<StandinOptions, 'ini' | 'port'> } = {},
): Promise<Stack> {
  const instances = await Promise.all(
    (o.instances ?? [{ id: 'grafana' }]).map(async (i) => ({ ...i, url: `http://127.0.0.1:${await freePort()}` })),
  );
  const settings = o.settings;
  const server = await startTokenServer({
    ...o,
    settings: async (url) => ({ ...(typeof settings === 'function' ? await settings(url) : settings), instances }),
  });
  const grafana: Record<string, GrafanaStandin> = {};
  try {
    for (const i of instances) {
      grafana[i.id] = await startGrafanaStandin({ ...o.standin, ini: server.grafanaIni(i.id), port: Number(new URL(i.url).port) });
    }
  } catch (e) {
    await Promise.all(Object.values(grafana).map((g) => g.close()));
    await server.close();
    throw e;
  }
  return {
    server,
    grafana,
    close: async () => {
      await Promise.all(Object.values(grafana).map((g) => g.close()));
      await server.close();
    },
  };
}
