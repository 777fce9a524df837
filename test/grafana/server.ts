/**
 * The stand-in's HTTP routes. Every request that reaches a Grafana route is authenticated afresh (no
 * sessions), answered like Grafana answers, recorded in `requests` and announced on `events`.
 *
 * - /api/...: api.ts; 401/403 JSON `{messageId, message}` when nobody is authenticated.
 * - every other path is a page of Grafana's single-page app: 200 with the app when signed in (an
 *   unknown dashboard uid too: "not found" is drawn by the frontend), else 302 /login.
 * - /login: 302 / when a JWT signs the request in (it lasts that one request), else the login page.
 * - /__standin/...: TEST-ONLY controls that real Grafana does not have (clock, request log, users).
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiRoute, DASHBOARDS, publicApiRoute } from './api.ts';
import { authenticate, type AuthDeps, type AuthOutcome, type TokenSource } from './auth.ts';
import type { Clock } from './clock.ts';
import { renderDashboardPage, renderLoginPage } from './page.ts';
import { redirect, sendHtml, sendJson } from './reply.ts';
import { mainOrgRole } from './users.ts';

export interface RequestRecord {
  method: string;
  /** Path without the query string, so tokens never land in the record. */
  path: string;
  kind: 'api' | 'page' | 'login';
  tokenSource: TokenSource | null;
  jwt: AuthOutcome['jwt'];
  result: AuthOutcome['result'];
  status: number;
  messageId?: string;
  /** Why a token failed or was skipped (private detail, for debugging tests). */
  detail?: string;
  login?: string;
  orgRole?: string;
  /** Real wall-clock time (Date.now()) — for benchmarks. */
  time: number;
  /** Stand-in clock time in ms (moves with clock.advanceSeconds()). */
  clockTime: number;
}

export interface ServerContext {
  auth: AuthDeps;
  clock: Clock;
  requests: RequestRecord[];
  events: EventEmitter;
}

export function createRequestHandler(ctx: ServerContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res, ctx).catch((err: unknown) => {
      // A bug in the stand-in, never a Grafana answer: make it loud.
      console.error('grafana stand-in: internal error', err);
      if (!res.headersSent) sendJson(res, 500, { message: 'stand-in internal error' });
      else res.end();
    });
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: ServerContext): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://standin.invalid');
  const path = url.pathname;
  const method = req.method ?? 'GET';

  if (path.startsWith('/__standin/')) return testControls(req, res, ctx, path, method);
  const api = { users: ctx.auth.users, rules: ctx.auth.rules };
  if (path.startsWith('/api/') && publicApiRoute(res, path, method, api) !== undefined) return;

  const kind: RequestRecord['kind'] = path.startsWith('/api/') ? 'api' : path === '/login' ? 'login' : 'page';
  const outcome = await authenticate(req.headers, url.searchParams, ctx.auth);
  let status: number;
  if (kind === 'api') status = apiRoute(res, path, method, url, outcome, api);
  else if (kind === 'login') status = loginRoute(res, outcome);
  else status = pageRoute(res, path, outcome, ctx.auth.settings.jwt.headerName);

  const record: RequestRecord = {
    method,
    path,
    kind,
    tokenSource: outcome.tokenSource,
    jwt: outcome.jwt,
    result: outcome.result,
    status,
    time: Date.now(),
    clockTime: ctx.clock.now(),
  };
  const error = outcome.error;
  if (error) record.messageId = error.messageId;
  if (outcome.detail) record.detail = outcome.detail;
  if (outcome.user) {
    record.login = outcome.user.login;
    record.orgRole = mainOrgRole(outcome.user);
  } else if (outcome.anonymousRole) {
    record.orgRole = outcome.anonymousRole;
  }
  ctx.requests.push(record);
  ctx.events.emit('request', record);
  if (kind === 'api') ctx.events.emit('api', record);
}

function loginRoute(res: ServerResponse, outcome: AuthOutcome): number {
  if (outcome.result === 'user') {
    // Signed in for this one request only; `/` carries no token, so a browser following this lands on /login.
    redirect(res, '/');
    return 302;
  }
  sendHtml(res, 200, renderLoginPage());
  return 200;
}

function pageRoute(res: ServerResponse, path: string, outcome: AuthOutcome, headerName: string): number {
  if (outcome.result === 'denied') {
    redirect(res, '/login');
    return 302;
  }
  // The app is served for every page path; which page it draws is the frontend's business.
  const raw = /^\/d\/([^/]+)/.exec(path)?.[1];
  const uid = raw === undefined ? undefined : decodeOrKeep(raw);
  const dashboard = uid ? DASHBOARDS.find((d) => d.uid === uid) : undefined;
  const title = dashboard?.title ?? (uid ? 'Dashboard not found' : 'Home');
  sendHtml(res, 200, renderDashboardPage({ headerName, title, dashboardUid: uid }));
  return 200;
}

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

async function testControls(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ServerContext,
  path: string,
  method: string,
): Promise<void> {
  if (path === '/__standin/clock' && method === 'GET') return sendJson(res, 200, clockState(ctx.clock));
  if (path === '/__standin/clock' && method === 'POST') {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return sendJson(res, 400, { message: 'body must be JSON {"advanceSeconds": n}' });
    }
    const seconds = (body as { advanceSeconds?: unknown } | null)?.advanceSeconds;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      return sendJson(res, 400, { message: 'advanceSeconds must be a number >= 0' });
    }
    ctx.clock.advanceSeconds(seconds);
    return sendJson(res, 200, clockState(ctx.clock));
  }
  if (path === '/__standin/requests' && method === 'GET') return sendJson(res, 200, ctx.requests);
  if (path === '/__standin/users' && method === 'GET') {
    const users = ctx.auth.users.all().map((u) => ({
      id: u.id,
      login: u.login,
      email: u.email,
      name: u.name,
      orgs: Object.fromEntries(u.orgs),
      isGrafanaAdmin: u.isGrafanaAdmin,
      linked: u.authId !== undefined,
    }));
    return sendJson(res, 200, users);
  }
  return sendJson(res, 404, { message: 'unknown stand-in control' });
}

function clockState(clock: Clock) {
  const now = clock.now();
  return { now: Math.floor(now / 1000), nowMs: now, offsetSeconds: Math.round((now - Date.now()) / 1000) };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      data += chunk;
      if (data.length > 64 * 1024) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
