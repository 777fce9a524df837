// The real token server and a Grafana stand-in per instance (test/helpers/stack.ts) for the worker's
// unit tests, with the network a browser gives the worker: real HTTP to them, and the token server's
// session cookie sent only on requests that ask for credentials (the browser's cookie jar). Test files
// using it run in the node environment (`// @vitest-environment node`): the stand-in and the token
// server need node's own fetch, and so does this network.
import { fakeBrowser } from '@webext-core/fake-browser';
import { vi } from 'vitest';
import { startGrafanaStandin, type DashboardSet, type GrafanaStandin } from '../grafana/standin.ts';
import { freePort } from '../helpers/stack.ts';
import { signInWithForm, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

/** Node's fetch, taken before the extension tests' setup stubs the global away for each test. */
const nodeFetch = globalThis.fetch;

export const password = 'alice-password-1';

export interface NetworkCall {
  url: URL;
  init: RequestInit;
}

/** The token server and, per instance, its stand-in: `main` at the root of its origin, `ops` under /grafana/. */
export interface Stack {
  server: RunningTokenServer;
  grafana: Record<string, GrafanaStandin>;
  /** The instance's URL as the extension knows it (ops: with its sub-path). */
  instanceUrl(id: string): string;
  /** Stops an instance's stand-in, or starts it again on its port with its ini changed by `edit`. */
  stop(id: string): Promise<void>;
  restart(id: string, edit?: (ini: string) => string): Promise<void>;
  close(): Promise<void>;
}

export interface LauncherStack {
  stack: Stack;
  /** Every request the worker made, in order. */
  calls: NetworkCall[];
  /** Requests whose URL matches are held until `release()` (a slow network, for cancellation). */
  hold(match: (url: URL) => boolean): { release(): void };
  signIn(): Promise<void>;
  close(): Promise<void>;
}

export async function startLauncherStack(options: { grants?: Record<string, string>; dashboards?: DashboardSet } = {}): Promise<LauncherStack> {
  // Everything that talks HTTP in the test (the stand-in's JWKS fetch included) uses node's fetch.
  vi.stubGlobal('fetch', nodeFetch);
  const stack = await startStack(options);
  let cookie: string | undefined;
  const calls: NetworkCall[] = [];
  const holds: { match: (url: URL) => boolean; gate: Promise<void> }[] = [];
  const network = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const own = url.origin === stack.server.url;
    // The worker always says which credentials it wants; the test's own requests (sign-in form, the
    // stand-in's JWKS fetch) do not, and are neither recorded nor given the cookie.
    if (init.credentials === undefined || (!own && !isStandinOrigin(stack, url))) return nodeFetch(input, init);
    calls.push({ url, init });
    const headers = new Headers(init.headers);
    if (own && cookie && init.credentials === 'include') headers.set('cookie', cookie);
    for (const h of holds) if (h.match(url)) await h.gate;
    return nodeFetch(input, { ...init, headers });
  };
  vi.stubGlobal('fetch', network);
  await fakeBrowser.storage.local.set({ options: { serverUrl: stack.server.url } });
  return {
    stack,
    calls,
    hold(match) {
      let release = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      holds.push({ match, gate });
      return { release };
    },
    async signIn() {
      cookie = await signInWithForm(stack.server.url, 'alice', password);
    },
    close: () => stack.close(),
  };
}

function isStandinOrigin(stack: Stack, url: URL): boolean {
  return Object.values(stack.grafana).some((g) => new URL(g.url).origin === url.origin);
}

async function startStack(options: { grants?: Record<string, string>; dashboards?: DashboardSet }): Promise<Stack> {
  const [mainPort, opsPort] = [await freePort(), await freePort()];
  const instances = [
    { id: 'main', name: 'Main Grafana', url: `http://127.0.0.1:${mainPort}` },
    // Grafana behind a sub-path, serving it itself ([server] root_url + serve_from_sub_path).
    { id: 'ops', name: 'Ops', url: `http://127.0.0.1:${opsPort}/grafana/` },
  ];
  const server = await startTokenServer({
    settings: { instances },
    users: [{ login: 'alice', password, name: 'Alice', grants: (options.grants ?? { main: 'Editor', ops: 'Viewer' }) as never }],
  });
  const grafana: Record<string, GrafanaStandin> = {};
  const subPath = `[server]\nroot_url = ${instances[1]!.url}\nserve_from_sub_path = true\n`;
  const ini = (id: string) => (id === 'ops' ? `${server.grafanaIni('ops')}\n${subPath}` : server.grafanaIni(id));
  const port = (id: string) => Number(new URL(instances.find((i) => i.id === id)!.url).port);
  const start = async (id: string, edit = (text: string) => text) => {
    grafana[id] = await startGrafanaStandin({ ini: edit(ini(id)), port: port(id), dashboards: options.dashboards });
  };
  await start('main');
  await start('ops');
  const stop = async (id: string) => {
    const g = grafana[id];
    delete grafana[id];
    await g?.close();
  };
  return {
    server,
    grafana,
    instanceUrl: (id) => instances.find((i) => i.id === id)!.url,
    stop,
    restart: async (id, edit) => {
      await stop(id);
      await start(id, edit);
    },
    close: async () => {
      await Promise.all(Object.keys(grafana).map(stop));
      await server.close();
    },
  };
}
