import type { InstanceConfig } from './config.ts';
import { roleRank, type GrafanaRole } from './contract/roles.ts';
import { roleFor } from './policy.ts';
import type { User } from './store/types.ts';

/**
 * Before SSO is switched on for a Grafana that has users: which Grafana accounts the token server's users
 * would sign in as, and what role sync would do to them. Read over Grafana's HTTP API with a
 * service-account token; nothing in Grafana is changed.
 *
 * Grafana links a token to an existing account by email, then login, case-insensitively, and from then on
 * sets the account's org role from the token on every request (docs/grafana-jwt.md#users, #fresh-grafana).
 * `org.users:read` (a service account with role Admin) is needed; with `users:read` as well (only
 * server admins have it in Grafana OSS) accounts outside the token's org are seen too, and which other
 * orgs a taken-over account would leave.
 */

/** Where the CLI reads the service-account token from (never an argument: those show in `ps`). */
export const GRAFANA_TOKEN_ENV = 'GRAFANA_SSO_GRAFANA_TOKEN';

export type GrafanaOrgRole = 'None' | 'Viewer' | 'Editor' | 'Admin';

export interface GrafanaAccount {
  id: number;
  login: string;
  email: string;
  /** Role in the checked org; null when not a member of it. */
  role: GrafanaOrgRole | null;
  /** Known only with users:read. */
  isServerAdmin?: boolean;
  /** Already signed in through JWT once (Grafana's auth label). */
  linkedToJwt: boolean;
  /** Other orgs (known only with users:read): role sync removes the account from them. */
  otherOrgs?: { id: number; name: string; role: string }[];
}

export interface Takeover {
  account: GrafanaAccount;
  /** The token server's user whose tokens would sign in as this account. */
  user: { login: string; email: string };
  matchedBy: 'email' | 'login';
  /** The org role its tokens carry (GrafanaAdmin is org Admin plus server admin). */
  tokenRole: GrafanaRole;
  change: 'demotion' | 'promotion' | 'joins-org' | 'unchanged';
  /** With allow_assign_grafana_admin every token other than GrafanaAdmin clears the server-admin flag. */
  losesServerAdmin: boolean;
  /** Demoted while no other person is Admin of the org: Grafana refuses that unless an Admin service account exists. */
  lastAdmin: boolean;
}

export interface PreflightReport {
  grafanaUrl: string;
  grafanaVersion: string;
  org: { id: number; name: string };
  /** 'all-users': /api/users was readable; 'org-members': only the org's members could be checked. */
  coverage: 'all-users' | 'org-members';
  accountsChecked: number;
  /** Demotions first, then other changes, then takeovers that change nothing. */
  takeovers: Takeover[];
}

export type PreflightFailure = 'unreachable' | 'timeout' | 'not-grafana' | 'token-refused' | 'permission' | 'bad-answer';

export class PreflightError extends Error {
  override name = 'PreflightError';
  constructor(
    readonly kind: PreflightFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface PreflightInput {
  instance: InstanceConfig;
  users: readonly User[];
  /** A Grafana service-account token (glsa_…). */
  token: string;
  /** Default: the instance's URL. */
  grafanaUrl?: string;
  timeoutMs: number;
}

const ORG_ROLES: readonly GrafanaOrgRole[] = ['None', 'Viewer', 'Editor', 'Admin'];
const PAGE_SIZE = 1000;

export async function runPreflight(input: PreflightInput): Promise<PreflightReport> {
  const base = (input.grafanaUrl ?? input.instance.url).replace(/\/+$/, '');
  const api = grafanaApi(base, input.token, input.timeoutMs);

  const health = await api.get('/api/health', { auth: false });
  if (health.status !== 200 || !isRecord(health.body) || typeof health.body.version !== 'string' || !('database' in health.body)) {
    throw new PreflightError('not-grafana', `${base} does not look like Grafana: GET /api/health answered ${health.status}${health.body === undefined ? ' (not JSON)' : ''}`);
  }
  const org = await api.get('/api/org');
  if (org.status !== 200 || !isRecord(org.body) || typeof org.body.id !== 'number') throw unexpected('/api/org', org);
  const members = await api.get('/api/org/users');
  if (members.status !== 200 || !Array.isArray(members.body)) throw unexpected('/api/org/users', members);

  const accounts = new Map<number, GrafanaAccount>();
  for (const m of members.body.filter(isRecord)) {
    const id = Number(m.userId);
    accounts.set(id, { id, login: str(m.login), email: str(m.email), role: orgRole(m.role), linkedToJwt: hasJwtLabel(m) });
  }
  let coverage: PreflightReport['coverage'] = 'org-members';
  for (let page = 1; ; page++) {
    const all = await api.get(`/api/users?perpage=${PAGE_SIZE}&page=${page}`, { mayBeForbidden: true });
    if (all.status === 403) break;
    if (all.status !== 200 || !Array.isArray(all.body)) throw unexpected('/api/users', all);
    coverage = 'all-users';
    for (const u of all.body.filter(isRecord)) {
      const id = Number(u.id);
      const known = accounts.get(id);
      const account = known ?? { id, login: str(u.login), email: str(u.email), role: null, linkedToJwt: hasJwtLabel(u) };
      account.isServerAdmin = u.isAdmin === true;
      accounts.set(id, account);
    }
    if (all.body.length < PAGE_SIZE) break;
  }

  const orgId = org.body.id;
  const takeovers = match(input, [...accounts.values()]);
  if (coverage === 'all-users') {
    // A few at a time: one request per taken-over account, without flooding Grafana.
    await eachAtMost(8, takeovers, async (t) => {
      const orgs = await api.get(`/api/users/${t.account.id}/orgs`);
      if (orgs.status !== 200 || !Array.isArray(orgs.body)) throw unexpected(`/api/users/${t.account.id}/orgs`, orgs);
      t.account.otherOrgs = orgs.body
        .filter(isRecord)
        .filter((o) => o.orgId !== orgId)
        .map((o) => ({ id: Number(o.orgId), name: str(o.name), role: str(o.role) }));
    });
  }
  const demoted = new Set(takeovers.filter((t) => t.change === 'demotion').map((t) => t.account));
  const everyAdminDemoted = [...accounts.values()].every((a) => a.role !== 'Admin' || demoted.has(a));
  for (const t of takeovers) t.lastAdmin = demoted.has(t.account) && t.account.role === 'Admin' && everyAdminDemoted;
  const order = (t: Takeover) => (t.change === 'demotion' || t.losesServerAdmin ? 0 : t.change === 'unchanged' ? 2 : 1);
  takeovers.sort((a, b) => order(a) - order(b) || a.account.id - b.account.id);
  return {
    grafanaUrl: base,
    grafanaVersion: health.body.version,
    org: { id: orgId, name: str(org.body.name) },
    coverage,
    accountsChecked: accounts.size,
    takeovers,
  };
}

/** Grafana's lookup for each user who can get a token: email first, then login, case-insensitive. */
function match(input: PreflightInput, accounts: GrafanaAccount[]): Takeover[] {
  // The first account (lowest id) per lowercased email and login.
  const index = (key: (a: GrafanaAccount) => string) => {
    const map = new Map<string, GrafanaAccount>();
    for (const a of [...accounts].sort((x, y) => x.id - y.id)) if (key(a) && !map.has(key(a).toLowerCase())) map.set(key(a).toLowerCase(), a);
    return map;
  };
  const emails = index((a) => a.email);
  const logins = index((a) => a.login);
  const out: Takeover[] = [];
  for (const user of input.users) {
    const tokenRole = roleFor(user, input.instance);
    if (!tokenRole) continue;
    const byEmail = user.email ? emails.get(user.email.toLowerCase()) : undefined;
    const byLogin = byEmail ? undefined : logins.get(user.login.toLowerCase());
    const account = byEmail ?? byLogin;
    if (!account) continue;
    const orgRoleOfToken: GrafanaOrgRole = tokenRole === 'GrafanaAdmin' ? 'Admin' : tokenRole;
    const change =
      account.role === null
        ? 'joins-org'
        : roleRank(orgRoleOfToken) < roleRank(account.role)
          ? 'demotion'
          : roleRank(orgRoleOfToken) > roleRank(account.role)
            ? 'promotion'
            : 'unchanged';
    out.push({
      account,
      user: { login: user.login, email: user.email },
      matchedBy: byEmail ? 'email' : 'login',
      tokenRole,
      change,
      losesServerAdmin: input.instance.allowGrafanaAdmin && tokenRole !== 'GrafanaAdmin' && account.isServerAdmin === true,
      lastAdmin: false,
    });
  }
  return out;
}

async function eachAtMost<T>(limit: number, items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

interface Answer {
  status: number;
  /** Parsed JSON, or undefined when the body is not JSON. */
  body: unknown;
}

function grafanaApi(base: string, token: string, timeoutMs: number) {
  return {
    async get(path: string, options: { auth?: boolean; mayBeForbidden?: boolean } = {}): Promise<Answer> {
      let res: Response;
      try {
        res = await fetch(base + path, {
          headers: { Accept: 'application/json', ...(options.auth === false ? {} : { Authorization: `Bearer ${token}` }) },
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        if (e.name === 'TimeoutError') throw new PreflightError('timeout', `Grafana at ${base} did not answer GET ${path} within ${timeoutMs / 1000} s`);
        throw new PreflightError('unreachable', `cannot reach Grafana at ${base}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
      }
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (res.status === 401) {
        const why = isRecord(body) ? ` (${str(body.messageId) || 'unauthorized'}: ${str(body.message)})` : '';
        throw new PreflightError('token-refused', `Grafana refused the token${why}: give a service-account token of this Grafana (Administration → Service accounts)`);
      }
      if (res.status === 403 && !options.mayBeForbidden) {
        const why = isRecord(body) && typeof body.message === 'string' ? `: ${body.message}` : '';
        throw new PreflightError('permission', `the token may not read ${path}${why}. Give the service account the role Admin`);
      }
      return { status: res.status, body };
    },
  };
}

function unexpected(path: string, answer: Answer): PreflightError {
  return new PreflightError('bad-answer', `unexpected answer from Grafana to GET ${path}: ${answer.status}${answer.body === undefined ? ' (not JSON)' : ''}`);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const orgRole = (v: unknown): GrafanaOrgRole | null => (ORG_ROLES as readonly unknown[]).includes(v) ? (v as GrafanaOrgRole) : null;
const hasJwtLabel = (v: Record<string, unknown>): boolean => Array.isArray(v.authLabels) && v.authLabels.includes('JWT');
