/**
 * The Grafana stand-in's programmatic API.
 *
 *   const grafana = await startGrafanaStandin({ ini: '[auth.jwt]\nenabled = true\n…', version: '12.x' });
 *   await fetch(`${grafana.url}/api/user`, { headers: { 'X-JWT-Assertion': token } });
 *   grafana.clock.advanceSeconds(301); grafana.requests; grafana.events.on('api', …); await grafana.close();
 *
 * It models one Grafana version line (versions.ts) and starts like a fresh Grafana, with the built-in
 * admin (`empty: true` starts without). Startup applies the checks that would stop that Grafana from
 * starting and rejects with a StandinConfigError naming the setting; what that version only logs is in
 * `startupLog`.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PathFn } from './auth.ts';
import { parseExpectClaims } from './claims.ts';
import { createClock, type Clock } from './clock.ts';
import { DashboardCatalog, readDashboardFile, type DashboardSet } from './dashboards.ts';
import { StandinConfigError } from './errors.ts';
import { parseIni } from './ini.ts';
import { compilePath, UnsupportedPathError } from './jmespath.ts';
import type { JwksFetchEvent } from './jwks-cache.ts';
import { startKeySource } from './key-sources.ts';
import { createRequestHandler, type RequestRecord } from './server.ts';
import { ServiceAccounts } from './service-accounts.ts';
import { readSettings, type Settings } from './settings.ts';
import { StarStore } from './stars.ts';
import { BUILT_IN_ADMIN, UserStore } from './users.ts';
import { JwtVerifier } from './verify.ts';
import { DEFAULT_GRAFANA_VERSION, versionRules, type GrafanaVersion, type VersionRules } from './versions.ts';

export { StandinConfigError } from './errors.ts';
export type { RequestRecord } from './server.ts';
export type { GrafanaUser } from './users.ts';
export type { Clock } from './clock.ts';
export type { GrafanaVersion } from './versions.ts';
export type { DashboardSet } from './dashboards.ts';
export { DEFAULT_DASHBOARDS } from './dashboards.ts';
export { GRAFANA_VERSIONS, DEFAULT_GRAFANA_VERSION } from './versions.ts';

export interface StandinOptions {
  /** grafana.ini text. */
  ini?: string;
  /** Path of a grafana.ini (alternative to `ini`). */
  iniPath?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The Grafana version line to model: '12.x' (default, the newest release line) or 'main' (era D). */
  version?: GrafanaVersion;
  /** Start without Grafana's built-in admin (default: like a fresh Grafana, with it). */
  empty?: boolean;
  /** Inject a clock (default: real time, movable with advanceSeconds()). */
  clock?: Clock;
  /** The folders and dashboards (default DEFAULT_DASHBOARDS), or the path of a JSON file holding them. */
  dashboards?: DashboardSet | string;
}

/**
 * Events: 'request' (every Grafana route, a RequestRecord), 'api' (the /api/... subset),
 * 'jwks-fetch' (each jwk_set_url fetch, a JwksFetchEvent).
 */
export interface StandinApp {
  settings: Settings;
  rules: VersionRules;
  clock: Clock;
  users: UserStore;
  serviceAccounts: ServiceAccounts;
  /** The folders and dashboards search and the pages know. */
  dashboards: DashboardCatalog;
  /** Per-user stars (what POST /api/user/stars/dashboard/uid/:uid writes). */
  stars: StarStore;
  /** What Grafana would have logged at startup (main: a bad key source). */
  startupLog: string[];
  requests: RequestRecord[];
  events: EventEmitter;
  handler: ReturnType<typeof createRequestHandler>;
}

export interface GrafanaStandin extends StandinApp {
  url: string;
  close(): Promise<void>;
}

/** Builds the app (all startup validation happens here) without listening. */
export function createStandinApp(options: StandinOptions = {}): StandinApp {
  if (options.ini !== undefined && options.iniPath !== undefined) {
    throw new StandinConfigError('options', 'pass either ini or iniPath, not both');
  }
  let text = options.ini ?? '';
  if (options.iniPath !== undefined) {
    try {
      text = readFileSync(options.iniPath, 'utf8');
    } catch (err) {
      throw new StandinConfigError('options.iniPath', `cannot read ${options.iniPath}: ${(err as Error).message}`);
    }
  }
  const settings = readSettings(parseIni(text));
  const dashboards = new DashboardCatalog(typeof options.dashboards === 'string' ? readDashboardFile(options.dashboards) : options.dashboards);
  const stars = new StarStore();
  const clock = options.clock ?? createClock();
  const events = new EventEmitter();
  const rules = versionRules(options.version ?? DEFAULT_GRAFANA_VERSION);
  const users = new UserStore();
  if (!options.empty) users.add(BUILT_IN_ADMIN);
  const serviceAccounts = new ServiceAccounts(users);
  const requests: RequestRecord[] = [];
  const startupLog: string[] = [];

  let verifier: JwtVerifier | undefined;
  const paths: { role?: PathFn; username?: PathFn; email?: PathFn } = {};
  if (settings.jwt.enabled) {
    // Grafana's order: claim expectations, then the key set.
    const expect = parseExpectClaims(settings.jwt.expectClaims);
    const keys = startKeySource(settings, clock, rules, (line) => startupLog.push(line), (e: JwksFetchEvent) =>
      events.emit('jwks-fetch', e),
    );
    verifier = new JwtVerifier(keys, expect, clock, rules);
    const compile = (setting: string, path: string): PathFn | undefined => {
      if (path === '') return undefined;
      try {
        return compilePath(path);
      } catch (err) {
        if (err instanceof UnsupportedPathError) throw new StandinConfigError(`[auth.jwt] ${setting}`, err.message);
        throw err;
      }
    };
    const role = compile('role_attribute_path', settings.jwt.roleAttributePath);
    const username = compile('username_attribute_path', settings.jwt.usernameAttributePath);
    const email = compile('email_attribute_path', settings.jwt.emailAttributePath);
    if (role) paths.role = role;
    if (username) paths.username = username;
    if (email) paths.email = email;
  }

  const auth = { settings, verifier, users, serviceAccounts, rules, paths };
  const handler = createRequestHandler({ auth, clock, requests, events, dashboards: { catalog: dashboards, stars, subUrl: settings.server.subUrl } });
  return { settings, rules, clock, users, serviceAccounts, dashboards, stars, startupLog, requests, events, handler };
}

export async function startGrafanaStandin(options: StandinOptions = {}): Promise<GrafanaStandin> {
  const app = createStandinApp(options);
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer(app.handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    ...app,
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
