/**
 * The dashboard routes of Grafana's API the stand-in answers (docs/grafana-jwt.md#search):
 *
 * - GET /api/search: search.ts.
 * - GET /api/user/stars: the caller's starred uids. POST/DELETE /api/user/stars/dashboard/uid/:uid and the
 *   deprecated id forms POST/DELETE /api/user/stars/dashboard/:id: {"message": "Dashboard starred!"} /
 *   {"message": "Dashboard unstarred"}; an unknown dashboard → 404 {"message": "Dashboard not found"}.
 *   These are for signed-in users and service accounts only: anonymous → 401.
 *
 * Only the main org has dashboards; folder permissions are not modelled (every role but None sees all).
 */
import type { ServerResponse } from 'node:http';
import type { DashboardCatalog } from './dashboards.ts';
import { sendJson } from './reply.ts';
import { searchDashboards } from './search.ts';
import type { StarStore } from './stars.ts';
import { MAIN_ORG_ID, type GrafanaUser } from './users.ts';

export interface DashboardDeps {
  catalog: DashboardCatalog;
  stars: StarStore;
  subUrl: string;
}

export interface Caller {
  user: GrafanaUser | undefined;
  orgId: number;
  orgRole: string;
}

/** Answers a dashboard route and returns its status, or undefined when the path is none of them. */
export function dashboardRoute(
  res: ServerResponse,
  path: string,
  method: string,
  url: URL,
  caller: Caller,
  deps: DashboardDeps,
): number | undefined {
  const reply = (status: number, body: unknown) => {
    sendJson(res, status, body);
    return status;
  };
  const { user, orgId } = caller;
  const sees = orgId === MAIN_ORG_ID && caller.orgRole !== 'None' && caller.orgRole !== '';
  const starred = user ? deps.stars.of(user.id, orgId) : new Set<string>();

  if (path === '/api/search' || path === '/api/search/') {
    if (method !== 'GET') return undefined;
    const answer = searchDashboards(deps.catalog, url.searchParams, { orgId, orgRole: sees ? caller.orgRole : 'None', starred, subUrl: deps.subUrl });
    return reply(answer.status, answer.body);
  }

  if (!/^\/api\/user\/stars(\/|$)/.test(path)) return undefined;
  if (!user) return reply(401, { message: 'Unauthorized' });
  if (path === '/api/user/stars' || path === '/api/user/stars/') {
    return method === 'GET' ? reply(200, [...starred]) : undefined;
  }
  if (method !== 'POST' && method !== 'DELETE') return undefined;
  const byUid = /^\/api\/user\/stars\/dashboard\/uid\/([^/]+)$/.exec(path);
  const byId = byUid ? null : /^\/api\/user\/stars\/dashboard\/([^/]+)$/.exec(path);
  let uid: string;
  if (byUid) {
    uid = decode(byUid[1]!);
  } else if (byId) {
    const text = decode(byId[1]!);
    if (!/^[+-]?\d+$/.test(text)) return reply(400, { message: 'Invalid dashboard ID' });
    const id = Number(text);
    if (id <= 0) return reply(400, { message: 'Missing dashboard id' });
    const entry = deps.catalog.entries.find((e) => e.id === id && !e.isFolder);
    if (!entry) return reply(404, { message: 'Dashboard not found' });
    uid = entry.uid;
  } else {
    return undefined;
  }
  if (method === 'DELETE') {
    // Grafana deletes the row without looking the dashboard up.
    deps.stars.remove(user.id, orgId, uid);
    return reply(200, { message: 'Dashboard unstarred' });
  }
  // The lookup runs as the caller: one who cannot see the dashboard cannot find it. A folder is no dashboard.
  if (!sees || !deps.catalog.dashboard(uid)) return reply(404, { message: 'Dashboard not found' });
  deps.stars.add(user.id, orgId, uid);
  return reply(200, { message: 'Dashboard starred!' });
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
