/**
 * The Grafana HTTP API routes the stand-in answers, with Grafana's answer shapes and permission checks:
 *
 * - GET /api/health (no sign-in): {commit, database, version}.
 * - GET /api/user: the signed-in user. /api/search and /api/user/stars…: dashboard-api.ts.
 * - GET /api/org: the caller's org. GET /api/org/users (`org.users:read`): its members, service
 *   accounts left out. GET /api/users?perpage=&page= and GET /api/users/:id/orgs (`users:read`).
 * - A missing permission: 403 {accessErrorId, message naming the permission, title "Access denied"}.
 *   An unknown route: 404 {"message": "Not found"}.
 */
import type { ServerResponse } from 'node:http';
import type { AuthOutcome } from './auth.ts';
import { sendJson } from './reply.ts';
import { dashboardRoute, type DashboardDeps } from './dashboard-api.ts';
import { permissions, type Permission } from './service-accounts.ts';
import { MAIN_ORG_ID, type GrafanaUser, type UserStore } from './users.ts';
import type { VersionRules } from './versions.ts';

export const ORG_NAMES: Readonly<Record<number, string>> = { [MAIN_ORG_ID]: 'Main Org.' };
const orgName = (id: number) => ORG_NAMES[id] ?? `Org ${id}`;

export interface ApiDeps {
  users: UserStore;
  rules: VersionRules;
  dashboards: DashboardDeps;
}

/** Routes that answer without anyone signed in (Grafana's reqNoAuth). */
export function publicApiRoute(res: ServerResponse, path: string, method: string, deps: ApiDeps): number | undefined {
  if (method === 'GET' && path === '/api/health') {
    sendJson(res, 200, { commit: 'stand-in', database: 'ok', version: deps.rules.reportedVersion });
    return 200;
  }
  return undefined;
}

export function apiRoute(res: ServerResponse, path: string, method: string, url: URL, outcome: AuthOutcome, deps: ApiDeps): number {
  if (outcome.result === 'denied') {
    const error = outcome.error;
    const status = error?.status ?? 401;
    sendJson(res, status, error ? error.toJSON() : { messageId: 'auth.unauthorized', message: 'Unauthorized' });
    return status;
  }
  const user = outcome.user;
  const orgId = outcome.serviceAccount?.orgId ?? MAIN_ORG_ID;
  const orgRole = user ? (user.orgs.get(orgId) ?? '') : (outcome.anonymousRole ?? 'Viewer');
  const may = (permission: Permission): boolean => {
    if (user && permissions(user, orgId, outcome.serviceAccount?.grants).has(permission)) return true;
    return denied(res, permission);
  };

  const dashboards = dashboardRoute(res, path, method, url, { user, orgId, orgRole }, deps.dashboards);
  if (dashboards !== undefined) return dashboards;
  if (method !== 'GET') return notFound(res);
  if (path === '/api/user') {
    sendJson(res, 200, {
      id: user?.id ?? 0,
      login: user?.login ?? '',
      email: user?.email ?? '',
      name: user?.name ?? '',
      orgId,
      orgRole,
      isGrafanaAdmin: user?.isGrafanaAdmin ?? false,
      isAnonymous: !user,
    });
    return 200;
  }
  if (path === '/api/org' || path === '/api/org/') {
    sendJson(res, 200, { id: orgId, name: orgName(orgId) });
    return 200;
  }
  if (path === '/api/org/users' || path === '/api/org/users/') {
    if (!may('org.users:read')) return 403;
    const members = deps.users.members(orgId).filter((u) => !u.isServiceAccount);
    sendJson(res, 200, members.map((u) => ({ orgId, userId: u.id, ...accountFields(u), role: u.orgs.get(orgId), isExternallySynced: !!u.authId })));
    return 200;
  }
  if (path === '/api/users' || path === '/api/users/') {
    if (!may('users:read')) return 403;
    const perPage = positive(url.searchParams.get('perpage'), 1000);
    const page = positive(url.searchParams.get('page'), 1);
    const slice = deps.users.all().slice((page - 1) * perPage, page * perPage);
    sendJson(res, 200, slice.map((u) => ({ id: u.id, ...accountFields(u), isAdmin: u.isGrafanaAdmin })));
    return 200;
  }
  const orgsOf = /^\/api\/users\/(\d+)\/orgs\/?$/.exec(path);
  if (orgsOf) {
    if (!may('users:read')) return 403;
    const target = deps.users.byId(Number(orgsOf[1]));
    if (!target || target.isServiceAccount) {
      sendJson(res, 404, { message: 'user not found' });
      return 404;
    }
    sendJson(res, 200, [...target.orgs].map(([id, role]) => ({ orgId: id, name: orgName(id), role })));
    return 200;
  }
  return notFound(res);
}

function accountFields(u: GrafanaUser) {
  return {
    uid: `u${String(u.id).padStart(8, '0')}`,
    login: u.login,
    email: u.email,
    name: u.name,
    avatarUrl: `/avatar/${u.id}`,
    isDisabled: false,
    authLabels: u.authId ? ['JWT'] : [],
    lastSeenAt: '2026-01-01T00:00:00Z',
    lastSeenAtAge: '10 years',
  };
}

function denied(res: ServerResponse, permission: Permission): false {
  sendJson(res, 403, {
    accessErrorId: 'ACE0000000001',
    message: `You'll need additional permissions to perform this action. Permissions needed: ${permission}`,
    title: 'Access denied',
  });
  return false;
}

function notFound(res: ServerResponse): number {
  sendJson(res, 404, { message: 'Not found' });
  return 404;
}

function positive(text: string | null, fallback: number): number {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
