/**
 * Who is making this request: Grafana's authn chain reduced to what matters here — a service-account
 * token (`Authorization: Bearer glsa_…`), the JWT client, then anonymous access. There are no sessions: JWT auth is stateless, nothing is remembered between
 * requests and no cookie is ever set.
 *
 * JWT client, in Grafana's order:
 * 1. Test(): enabled, header_name set, a token found (header first; `?auth_token=` only when the header
 *    is empty and url_login is on; exactly "Bearer " stripped), and the token parses with a non-empty
 *    `sub` — otherwise the client is skipped, as if there were no token.
 * 2. Verify (signature, claims) → 401 jwt.invalid.
 * 3. login/email from username_claim/email_claim (non-strings read as ""), display name from `name`.
 * 4. Role sync → 403 jwt.invalid_role in strict mode.
 * 5. Neither login nor email → 401 jwt.missing_claim.
 * 6. User sync → 401 user.sync.signup-disabled.
 * Any failure falls through to anonymous access when it is enabled.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AuthError } from './errors.ts';
import { syncRoles } from './roles.ts';
import type { ServiceAccount, ServiceAccounts } from './service-accounts.ts';
import type { OrgRole, Settings } from './settings.ts';
import { hasSubClaim, parseUnverified } from './token.ts';
import type { GrafanaUser, UserStore } from './users.ts';
import type { JwtVerifier } from './verify.ts';
import type { VersionRules } from './versions.ts';

export type TokenSource = 'header' | 'url';
export type PathFn = (data: unknown) => unknown;

export interface AuthOutcome {
  tokenSource: TokenSource | null;
  /** What the JWT client did: no token, skipped (Test() false), verified, or failed. */
  jwt: 'absent' | 'skipped' | 'verified' | 'failed';
  /** user: JWT sign-in; anonymous: [auth.anonymous]; denied: nobody. */
  result: 'user' | 'anonymous' | 'denied';
  user?: GrafanaUser;
  /** Set when a service-account token authenticated the request (then `user` is its row). */
  serviceAccount?: ServiceAccount;
  anonymousRole?: OrgRole;
  /** Set when result is 'denied' (what the API answers), and on a failed JWT that fell through. */
  error?: AuthError;
  detail?: string;
}

export interface AuthDeps {
  settings: Settings;
  verifier: JwtVerifier | undefined;
  users: UserStore;
  serviceAccounts: ServiceAccounts;
  rules: VersionRules;
  paths: { role?: PathFn; username?: PathFn; email?: PathFn };
}

export function retrieveToken(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  settings: Settings,
): { token: string; source: TokenSource } | undefined {
  const { headerName, urlLogin } = settings.jwt;
  // Header names are case-insensitive; Node lowercases them. Like Go's Header.Get, take the first value.
  const raw = headers[headerName.toLowerCase()];
  const fromHeader = (Array.isArray(raw) ? raw[0] : raw) ?? '';
  let token = fromHeader;
  let source: TokenSource = 'header';
  if (token === '' && urlLogin) {
    token = query.get('auth_token') ?? '';
    source = 'url';
  }
  token = token.startsWith('Bearer ') ? token.slice('Bearer '.length) : token;
  return token === '' ? undefined : { token, source };
}

export async function authenticate(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  deps: AuthDeps,
): Promise<AuthOutcome> {
  const sa = serviceAccountClient(headers, deps.serviceAccounts);
  if (sa?.result === 'user') return sa;
  const jwt = await jwtClient(headers, query, deps);
  if (jwt.result === 'user') return jwt;
  if (deps.settings.anonymous.enabled) {
    return { ...jwt, result: 'anonymous', anonymousRole: deps.settings.anonymous.orgRole };
  }
  const error = sa?.error ?? jwt.error ?? new AuthError('auth.unauthorized', jwt.detail ?? 'no credentials');
  return { ...jwt, error, detail: sa?.detail ?? jwt.detail };
}

/** Tested only for `Authorization: Bearer glsa_…`; undefined when the request carries none. */
function serviceAccountClient(headers: IncomingHttpHeaders, accounts: ServiceAccounts): AuthOutcome | undefined {
  const token = /^Bearer (glsa_\S+)$/.exec(headers.authorization ?? '')?.[1];
  if (!token) return undefined;
  const account = accounts.find(token);
  if (!account) {
    const error = new AuthError('api-key.invalid', 'no service-account token like this');
    return { tokenSource: null, jwt: 'absent', result: 'denied', error, detail: error.detail };
  }
  return { tokenSource: null, jwt: 'absent', result: 'user', user: account.user, serviceAccount: account };
}

async function jwtClient(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  deps: AuthDeps,
): Promise<AuthOutcome> {
  const { settings, verifier, users, paths } = deps;
  const jwt = settings.jwt;
  const denied = (partial: Partial<AuthOutcome>): AuthOutcome => ({
    tokenSource: null,
    jwt: 'absent',
    result: 'denied',
    ...partial,
  });

  if (!jwt.enabled || !verifier) return denied({ detail: 'JWT auth disabled' });
  if (jwt.headerName === '') return denied({ detail: 'header_name is empty: no token is read' });
  const found = retrieveToken(headers, query, settings);
  if (!found) return denied({ detail: 'no token' });
  const tokenSource = found.source;

  const parsed = parseUnverified(found.token, deps.rules);
  if (!hasSubClaim(parsed)) {
    const why = parsed ? 'sub missing or empty' : 'token does not parse (or alg/claim types not accepted)';
    return denied({ tokenSource, jwt: 'skipped', detail: `JWT client skipped: ${why}` });
  }

  const fail = (error: AuthError): AuthOutcome => denied({ tokenSource, jwt: 'failed', error, detail: error.detail });
  let claims: Record<string, unknown>;
  try {
    claims = await verifier.verify(parsed);
  } catch (err) {
    return fail(new AuthError('jwt.invalid', (err as Error).message));
  }

  const stringAt = (claim: string, path: PathFn | undefined): string => {
    const v = claim ? claims[claim] : path?.(claims);
    return typeof v === 'string' ? v : '';
  };
  const login = stringAt(jwt.usernameClaim, paths.username);
  const email = stringAt(jwt.emailClaim, paths.email);
  const name = typeof claims.name === 'string' ? claims.name : '';

  try {
    const roles = syncRoles(claims, settings, paths.role);
    if (login === '' && email === '') throw new AuthError('jwt.missing_claim', 'missing login and email claim in JWT');
    const user = users.sync({ authId: claims.sub as string, login, email, name }, roles, {
      autoSignUp: jwt.autoSignUp,
      autoAssignOrgRole: settings.users.autoAssignOrgRole,
    });
    return { tokenSource, jwt: 'verified', result: 'user', user };
  } catch (err) {
    if (err instanceof AuthError) return fail(err);
    throw err;
  }
}
