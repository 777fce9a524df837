/**
 * For tests that use the stand-in's dashboards (the launcher's, in the server, extension and browser
 * projects): star dashboards as a user through Grafana's real API with a token the real token server
 * minted, and ask which dashboard pages were viewed, by whom, with the token in the header or the URL.
 *
 *   const token = await tokenFor(stack.server, 'alice', 'pw', 'grafana');
 *   await starDashboard(stack.grafana.grafana!, token, 'http-latency');
 *   // … the extension opens it …
 *   expect(dashboardViews(stack.grafana.grafana!, 'http-latency')).toMatchObject([{ login: 'alice', tokenSource: 'header' }]);
 */
import type { RunningTokenServer } from '../helpers/token-server.ts';
import { requestToken } from '../helpers/token-server.ts';
import type { PageView } from './dashboard-pages.ts';
import type { GrafanaStandin, RequestRecord } from './standin.ts';

/** A fresh token for `instance`, minted by the real token server for a user signed in through its login form. */
export async function tokenFor(server: RunningTokenServer, login: string, password: string, instance = server.config.defaultInstance): Promise<string> {
  const cookie = await server.signIn(login, password);
  const res = await requestToken(server.url, cookie, instance);
  const body = (await res.json()) as { token?: string; error?: string };
  if (res.status !== 200 || !body.token) throw new Error(`POST /api/token for ${login} on ${instance}: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

/** One call to the stand-in's API with the token in its JWT header; throws unless Grafana answers 200. */
async function api(grafana: GrafanaStandin, token: string, method: string, path: string): Promise<unknown> {
  const res = await fetch(`${grafana.url}${path}`, { method, headers: { [grafana.settings.jwt.headerName]: token } });
  const body: unknown = await res.json();
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export async function starDashboard(grafana: GrafanaStandin, token: string, uid: string): Promise<void> {
  await api(grafana, token, 'POST', `/api/user/stars/dashboard/uid/${encodeURIComponent(uid)}`);
}

export async function unstarDashboard(grafana: GrafanaStandin, token: string, uid: string): Promise<void> {
  await api(grafana, token, 'DELETE', `/api/user/stars/dashboard/uid/${encodeURIComponent(uid)}`);
}

/** GET /api/user/stars: the token's user's starred uids. */
export async function starredUids(grafana: GrafanaStandin, token: string): Promise<string[]> {
  return (await api(grafana, token, 'GET', '/api/user/stars')) as string[];
}

/** "Star dashboard X as user Y": signs Y in at the token server, gets a token, stars through Grafana's API. */
export async function starAs(
  stack: { server: RunningTokenServer; grafana: Record<string, GrafanaStandin> },
  user: { login: string; password: string },
  uid: string,
  instance = stack.server.config.defaultInstance,
): Promise<void> {
  const grafana = stack.grafana[instance];
  if (!grafana) throw new Error(`no stand-in for instance ${instance}`);
  await starDashboard(grafana, await tokenFor(stack.server, user.login, user.password, instance), uid);
}

export interface PageVisit extends Omit<PageView, 'heading'> {
  path: string;
  status: number;
  /** Who the page was served to (absent: nobody signed in). */
  login?: string;
  /** How the token arrived: the JWT header (the extension's rule) or the auth_token URL parameter. */
  tokenSource: RequestRecord['tokenSource'];
  time: number;
}

/** Every dashboard and folder page served (200) since request number `since` (grafana.requests.length). */
export function pageVisits(grafana: GrafanaStandin, since = 0): PageVisit[] {
  return grafana.requests.slice(since).flatMap((r) => {
    if (r.kind !== 'page' || !r.page || r.page.type === 'other') return [];
    const visit: PageVisit = { ...r.page, path: r.path, status: r.status, tokenSource: r.tokenSource, time: r.time };
    if (r.login !== undefined) visit.login = r.login;
    return [visit];
  });
}

/** The views of one dashboard's page (every dashboard's when `uid` is left out). */
export function dashboardViews(grafana: GrafanaStandin, uid?: string, since = 0): PageVisit[] {
  return pageVisits(grafana, since).filter((v) => v.type === 'dashboard' && (uid === undefined || v.uid === uid));
}
