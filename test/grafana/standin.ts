/**
 * The Grafana stand-in's programmatic API.
 *
 *   const grafana = await startGrafanaStandin({ ini: '[auth.jwt]\nenabled = true\n…' });
 *   await fetch(`${grafana.url}/api/user`, { headers: { 'X-JWT-Assertion': token } });
 *   grafana.clock.advanceSeconds(301); grafana.requests; grafana.events.on('api', …); await grafana.close();
 *
 * Startup applies the checks that would stop real Grafana from starting and rejects with a
 * StandinConfigError naming the setting.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PathFn } from './auth.ts';
import { parseExpectClaims, type AudienceMode } from './claims.ts';
import { createClock, type Clock } from './clock.ts';
import { StandinConfigError } from './errors.ts';
import { parseIni } from './ini.ts';
import { compilePath, UnsupportedPathError } from './jmespath.ts';
import type { JwksFetchEvent } from './jwks-cache.ts';
import { createKeySource } from './key-sources.ts';
import { createRequestHandler, type RequestRecord } from './server.ts';
import { readSettings, type Settings } from './settings.ts';
import { UserStore } from './users.ts';
import { JwtVerifier } from './verify.ts';

export { StandinConfigError } from './errors.ts';
export type { RequestRecord } from './server.ts';
export type { GrafanaUser } from './users.ts';
export type { Clock } from './clock.ts';
export type { AudienceMode } from './claims.ts';

export interface StandinOptions {
  /** grafana.ini text. */
  ini?: string;
  /** Path of a grafana.ini (alternative to `ini`). */
  iniPath?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** How expect_claims `aud` is matched: 'all' (<= 12.x, default) or 'any' (era D). */
  audienceMode?: AudienceMode;
  /** Inject a clock (default: real time, movable with advanceSeconds()). */
  clock?: Clock;
}

/**
 * Events: 'request' (every Grafana route, a RequestRecord), 'api' (the /api/... subset),
 * 'jwks-fetch' (each jwk_set_url fetch, a JwksFetchEvent).
 */
export interface StandinApp {
  settings: Settings;
  clock: Clock;
  users: UserStore;
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
  const clock = options.clock ?? createClock();
  const events = new EventEmitter();
  const users = new UserStore();
  const requests: RequestRecord[] = [];

  let verifier: JwtVerifier | undefined;
  const paths: { role?: PathFn; username?: PathFn; email?: PathFn } = {};
  if (settings.jwt.enabled) {
    // Grafana's order: claim expectations, then the key set.
    const expect = parseExpectClaims(settings.jwt.expectClaims);
    const keys = createKeySource(settings, clock, (e: JwksFetchEvent) => events.emit('jwks-fetch', e));
    verifier = new JwtVerifier(keys, expect, clock, options.audienceMode ?? 'all');
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

  const handler = createRequestHandler({ auth: { settings, verifier, users, paths }, clock, requests, events });
  return { settings, clock, users, requests, events, handler };
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
