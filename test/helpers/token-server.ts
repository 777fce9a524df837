import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestHandler } from 'express';
import { createApp, type TokenServer } from '../../server/app.ts';
import { OffsetClock, type Clock } from '../../server/clock.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { grafanaSettings } from '../../server/grafana-config.ts';
import { createLogger } from '../../server/log.ts';
import { hashPassword, type ScryptCost } from '../../server/passwords.ts';
import type { GrafanaRole } from '../../server/contract/index.ts';
import { openStore } from '../../server/store/open.ts';
import type { InstanceGrant, Store, User } from '../../server/store/types.ts';

export interface TestUser {
  login: string;
  password: string;
  email?: string;
  name?: string;
  groups?: string[];
  isAdmin?: boolean;
  grants?: Record<string, InstanceGrant>;
}

export interface StartOptions {
  /** Settings as in the JSON config file (instances, tokenLifetimeSeconds, …); a function gets the server's URL. */
  settings?: Record<string, unknown> | ((url: string) => Record<string, unknown> | Promise<Record<string, unknown>>);
  users?: TestUser[];
  /** Listen on this port instead of a free one. */
  port?: number;
  /** scrypt cost of the server's hashes (default TEST_PASSWORD_COST: tests sign in often). */
  passwordCost?: ScryptCost;
  /** Passed to createApp: routes before its 404 handler. */
  extraRoutes?: RequestHandler;
  /** The server's operational log (default: dropped). */
  log?: (message: string) => void;
  /** The server's clock (default: real time that tests can move forward). */
  clock?: MovableClock;
}

/** Cheap hashes for tests that are not about hashing; test/server/passwords.test.ts covers the real cost. */
export const TEST_PASSWORD_COST: ScryptCost = { N: 2 ** 12, r: 8, p: 1 };
export type MovableClock = Clock & { advanceMs(ms: number): void };

export interface RunningTokenServer {
  url: string;
  config: Config;
  store: Store;
  clock: MovableClock;
  server: TokenServer;
  /** The listening node:http server (the benchmark watches its connections). */
  listener: Server;
  /** Folder of the SQLite file and audit log; removed by close(). */
  dir: string;
  auditLogPath: string;
  /** The server's operational log (JSON lines), written synchronously so tests can read it at once. */
  logPath: string;
  addUser(user: TestUser): Promise<User>;
  /** Signs in through the real login form; returns the Cookie header value of the session. */
  signIn(login: string, password: string): Promise<string>;
  /** The grafana.ini the server generates for an instance, with app_mode = development (http JWKS). */
  grafanaIni(instanceId?: string): string;
  close(): Promise<void>;
}

/**
 * The real token server on a real port (127.0.0.1, free port by default) with a fresh SQLite file in a
 * temporary folder, and a clock that runs in real time but can jump forward (clock.advanceMs(ms)).
 */
export async function startTokenServer(options: StartOptions = {}): Promise<RunningTokenServer> {
  const dir = mkdtempSync(join(tmpdir(), 'grafana-sso-'));
  let handler: Parameters<typeof createServer>[1] = (_req, res) => res.end();
  const http: Server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const auditLogPath = join(dir, 'audit.log');
  const config = loadConfig({
    env: {},
    overrides: {
      publicUrl: url,
      databasePath: join(dir, 'db.sqlite'),
      auditLog: auditLogPath,
      ...(typeof options.settings === 'function' ? await options.settings(url) : options.settings),
    },
  });
  // SQLite in the folder, or PostgreSQL when the settings give a databaseUrl.
  const store = await openStore(config);
  const clock = options.clock ?? new OffsetClock();
  const logPath = join(dir, 'server.log');
  const logger = createLogger('json', { write: (line) => appendFileSync(logPath, line) });
  const passwordCost = options.passwordCost ?? TEST_PASSWORD_COST;
  const server = await createApp({ config, store, clock, logger, ...(options.log ? { log: options.log } : {}), passwordCost, extraRoutes: options.extraRoutes });
  handler = server.app;

  const addUser = async (u: TestUser): Promise<User> => {
    const created = await store.createUser(
      {
        login: u.login,
        email: u.email ?? `${u.login}@example.com`,
        name: u.name ?? u.login,
        passwordHash: await hashPassword(u.password, passwordCost),
        isAdmin: u.isAdmin ?? false,
        groups: u.groups ?? [],
      },
      clock.now(),
    );
    for (const [instance, grant] of Object.entries(u.grants ?? {})) await store.setGrant(created.id, instance, grant);
    return (await store.getUserById(created.id))!;
  };
  for (const u of options.users ?? []) await addUser(u);

  return {
    url,
    config,
    store,
    clock,
    server,
    listener: http,
    dir,
    auditLogPath,
    logPath,
    addUser,
    signIn: (login, password) => signInWithForm(url, login, password),
    grafanaIni: (instanceId = config.defaultInstance) => {
      const instance = config.instances.find((i) => i.id === instanceId);
      if (!instance) throw new Error(`no instance ${instanceId}`);
      return `app_mode = development\n\n${grafanaSettings(config, instance).ini}`;
    },
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The CSRF field of a server-rendered form. */
export function csrfField(html: string): string {
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf) throw new Error('the page has no CSRF field');
  return csrf;
}

/** GET /login: the page, and its CSRF cookie and field as a browser would hold them. */
export async function loginForm(baseUrl: string, query = '') {
  const page = await fetch(`${baseUrl}/login${query}`);
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
  const html = await page.text();
  return { page, html, cookie, csrf: csrfField(html) };
}

/** POSTs a form as a browser does, without following the redirect. */
export function postForm(url: string, cookie: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers },
    body: new URLSearchParams(fields),
  });
}

/** Signs in through the login form; returns the session Cookie header. */
export async function signInWithForm(baseUrl: string, login: string, password: string): Promise<string> {
  const form = await loginForm(baseUrl);
  const res = await postForm(`${baseUrl}/login`, form.cookie, { login, password, csrf: form.csrf, return_to: '/' });
  if (res.status !== 303) throw new Error(`sign-in failed with ${res.status}`);
  const session = res.headers.getSetCookie().find((c) => c.includes('grafana_sso_session='));
  if (!session) throw new Error('sign-in set no session cookie');
  return session.split(';')[0]!;
}

/** Presses the home page's Open button of an instance: answers the 303 to Grafana (not followed). */
export async function openFromHome(baseUrl: string, cookie: string, instance: string, path?: string) {
  const home = await (await fetch(`${baseUrl}/`, { headers: { cookie } })).text();
  return postForm(`${baseUrl}/open/${instance}`, cookie, { csrf: csrfField(home), ...(path === undefined ? {} : { path }) });
}

/** POST /api/token as the extension does. */
export function requestToken(baseUrl: string, cookie: string | undefined, instance: string, headers: Record<string, string> = {}) {
  return fetch(`${baseUrl}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-grafana-sso': '1', ...(cookie ? { cookie } : {}), ...headers },
    body: JSON.stringify({ instance }),
  });
}

export type { GrafanaRole };
