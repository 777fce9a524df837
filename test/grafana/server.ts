/**
 * The stand-in's HTTP routes. Every request that reaches a Grafana route is authenticated afresh (no
 * sessions), answered like Grafana answers, recorded in `requests` and announced on `events`.
 *
 * - /api/...: api.ts; 401/403 JSON `{messageId, message}` when nobody is authenticated.
 * - every other path is a page of Grafana's single-page app: 200 with the app when signed in (an
 *   unknown dashboard uid too: "not found" is drawn by the frontend), else 302 /login. The record says
 *   which dashboard or folder page it was (dashboard-pages.ts), with the tab title Grafana gives it.
 * - OPTIONS (a CORS preflight): 404, no CORS headers, nothing recorded.
 * - with `[server] serve_from_sub_path`, the root_url's sub-path is taken off the request path first.
 * - /login: 302 / when a JWT signs the request in (it lasts that one request), else the login page.
 * - /__standin/...: TEST-ONLY controls that real Grafana does not have (clock, request log, users).
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiRoute, publicApiRoute } from './api.ts';
import { authenticate, type AuthDeps, type AuthOutcome, type TokenSource } from './auth.ts';
import type { Clock } from './clock.ts';
import type { DashboardDeps } from './dashboard-api.ts';
import { pageView, type PageView } from './dashboard-pages.ts';
import { renderDashboardPage, renderLoginPage } from './page.ts';
import { redirect, sendHtml, sendJson } from './reply.ts';
import { mainOrgRole } from './users.ts';

export interface RequestRecord {
  method: string;
  /** Path without the query string, so tokens never land in the record (as received, sub-path included). */
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
  /** For an API call: its query parameters (auth_token left out), e.g. what a search asked for. */
  params?: Record<string, string[]>;
  /** For a page: which dashboard or folder it showed (set for pages answered 200). */
  page?: Omit<PageView, 'heading'>;
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
  dashboards: DashboardDeps;
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
  const received = url.pathname;
  const method = req.method ?? 'GET';

  if (received.startsWith('/__standin/')) return testControls(req, res, ctx, received, method);
  const { subUrl, serveFromSubPath } = ctx.auth.settings.server;
  const path = serveFromSubPath && subUrl && (received === subUrl || received.startsWith(`${subUrl}/`)) ? received.slice(subUrl.length) || '/' : received;
  if (method === 'OPTIONS') {
    // No route answers OPTIONS and Grafana has no CORS support: a preflight gets a plain 404, no
    // Access-Control-* headers, so a web page of another origin cannot call the API with a token header.
    if (path.startsWith('/api/')) return sendJson(res, 404, { message: 'Not found' });
    return sendHtml(res, 404, '<!doctype html><title>Page not found - Grafana</title><h1>Page not found</h1>');
  }
  const api = { users: ctx.auth.users, rules: ctx.auth.rules, dashboards: ctx.dashboards };
  if (path.startsWith('/api/') && publicApiRoute(res, path, method, api) !== undefined) return;

  const kind: RequestRecord['kind'] = path.startsWith('/api/') ? 'api' : path === '/login' ? 'login' : 'page';
  const outcome = await authenticate(req.headers, url.searchParams, ctx.auth);
  let status: number;
  let view: PageView | undefined;
  if (kind === 'api') status = apiRoute(res, path, method, url, outcome, api);
  else if (kind === 'login') status = loginRoute(res, outcome, subUrl);
  else ({ status, view } = pageRoute(res, path, outcome, ctx));

  const record: RequestRecord = {
    method,
    path: received,
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
  if (kind === 'api') {
    const params: Record<string, string[]> = {};
    for (const [name, value] of url.searchParams) if (name !== 'auth_token') (params[name] ??= []).push(value);
    if (Object.keys(params).length > 0) record.params = params;
  }
  if (view) {
    const { heading: _, ...page } = view;
    record.page = page;
  }
  ctx.requests.push(record);
  ctx.events.emit('request', record);
  if (kind === 'api') ctx.events.emit('api', record);
}

function loginRoute(res: ServerResponse, outcome: AuthOutcome, subUrl: string): number {
  if (outcome.result === 'user') {
    // Signed in for this one request only; `/` carries no token, so a browser following this lands on /login.
    redirect(res, `${subUrl}/`);
    return 302;
  }
  sendHtml(res, 200, renderLoginPage());
  return 200;
}

function pageRoute(res: ServerResponse, path: string, outcome: AuthOutcome, ctx: ServerContext): { status: number; view?: PageView } {
  const { subUrl } = ctx.auth.settings.server;
  if (outcome.result === 'denied') {
    redirect(res, `${subUrl}/login`);
    return { status: 302 };
  }
  // The app is served for every page path; which page it draws is the frontend's business.
  const view = pageView(path, ctx.dashboards.catalog);
  const dashboardUid = view.type === 'dashboard' ? view.uid : undefined;
  const folderUid = view.type === 'folder' ? view.uid : view.folderUid;
  const page = { headerName: ctx.auth.settings.jwt.headerName, tabTitle: view.tabTitle, heading: view.heading, subUrl };
  sendHtml(res, 200, renderDashboardPage({ ...page, dashboardUid, folderUid }));
  return { status: 200, view };
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
