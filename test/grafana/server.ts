/**
 * The stand-in's HTTP routes. Every request that reaches a Grafana route is authenticated afresh (no
 * sessions), answered like Grafana answers, recorded in `requests` and announced on `events`.
 *
 * - /api/...: 401/403 JSON `{messageId, message}` when nobody is authenticated.
 * - pages (/, /d/:uid, /d/:uid/:slug): the page when authenticated, else 302 /login.
 * - /login: 302 / when a JWT signs the request in (it lasts that one request), else the login page.
 * - /__standin/...: TEST-ONLY controls that real Grafana does not have (clock, request log).
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, type AuthDeps, type AuthOutcome, type TokenSource } from './auth.ts';
import type { Clock } from './clock.ts';
import { renderDashboardPage, renderLoginPage } from './page.ts';

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

export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
}

export const DASHBOARDS: readonly Dashboard[] = [
  { uid: 'node-exporter', title: 'Node Exporter Full', tags: ['linux', 'hosts'] },
  { uid: 'http-latency', title: 'HTTP Latency', tags: ['http', 'slo'] },
  { uid: 'postgres-overview', title: 'PostgreSQL Overview', tags: ['database'] },
  { uid: 'token-server', title: 'Token Server', tags: ['sso', 'jwt'] },
];

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

  const kind: RequestRecord['kind'] | undefined = path.startsWith('/api/')
    ? 'api'
    : path === '/login'
      ? 'login'
      : isPageRoute(path)
        ? 'page'
        : undefined;
  if (!kind) return sendText(res, 404, 'Not found');

  const outcome = await authenticate(req.headers, url.searchParams, ctx.auth);
  let status: number;
  if (kind === 'api') status = apiRoute(res, path, method, url, outcome);
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
    record.orgRole = outcome.user.orgRole;
  } else if (outcome.anonymousRole) {
    record.orgRole = outcome.anonymousRole;
  }
  ctx.requests.push(record);
  ctx.events.emit('request', record);
  if (kind === 'api') ctx.events.emit('api', record);
}

function isPageRoute(path: string): boolean {
  return path === '/' || /^\/d\/[^/]+(?:\/[^/]+)?\/?$/.test(path);
}

function apiRoute(res: ServerResponse, path: string, method: string, url: URL, outcome: AuthOutcome): number {
  if (outcome.result === 'denied') {
    const error = outcome.error;
    const status = error?.status ?? 401;
    sendJson(res, status, error ? error.toJSON() : { messageId: 'auth.unauthorized', message: 'Unauthorized' });
    return status;
  }
  const user = outcome.user;
  const orgRole = user?.orgRole ?? outcome.anonymousRole ?? 'Viewer';

  if (method === 'GET' && path === '/api/user') {
    sendJson(res, 200, {
      id: user?.id ?? 0,
      login: user?.login ?? '',
      email: user?.email ?? '',
      name: user?.name ?? '',
      orgRole,
      isGrafanaAdmin: user?.isGrafanaAdmin ?? false,
      isAnonymous: !user,
    });
    return 200;
  }
  if (method === 'GET' && path === '/api/search') {
    const query = (url.searchParams.get('query') ?? '').toLowerCase();
    // Role None can see nothing.
    const visible = orgRole === 'None' ? [] : DASHBOARDS.filter((d) => d.title.toLowerCase().includes(query));
    sendJson(
      res,
      200,
      visible.map((d) => ({ uid: d.uid, title: d.title, tags: d.tags, type: 'dash-db', url: `/d/${d.uid}/${slug(d.title)}` })),
    );
    return 200;
  }
  sendJson(res, 404, { message: 'Not found' });
  return 404;
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
  const uid = /^\/d\/([^/]+)/.exec(path)?.[1];
  const dashboard = uid ? DASHBOARDS.find((d) => d.uid === decodeURIComponent(uid)) : undefined;
  if (uid && !dashboard) {
    sendHtml(res, 404, renderDashboardPage({ headerName, title: 'Dashboard not found', dashboardUid: uid }));
    return 404;
  }
  sendHtml(res, 200, renderDashboardPage({ headerName, title: dashboard?.title ?? 'Home', dashboardUid: dashboard?.uid }));
  return 200;
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

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, 'Cache-Control': 'no-store' });
  res.end();
}
