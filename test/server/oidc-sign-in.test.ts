// Sign-in through a real OpenID Provider (oidc-provider in its own process) over HTTP: the whole
// flow, accounts by (issuer, sub), and every bad answer refused with a page, an audit event and no session.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSessionId } from '../../server/sessions.ts';
import { freePort } from '../helpers/stack.ts';
import { requestToken, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';
import { HttpBrowser } from '../oidc/http-browser.ts';
import { startTestProvider, tokenServerClient, type ProviderAccount, type TestProvider } from '../oidc/provider.ts';
import { callbackUrlOf, signInThroughProvider } from '../oidc/sign-in-steps.ts';

const account = (login: string, extra: Partial<ProviderAccount> = {}): ProviderAccount => ({
  sub: `sub-${login}`,
  login,
  password: `${login}-password`,
  email: `${login}@example.com`,
  name: `${login[0]!.toUpperCase()}${login.slice(1)} Example`,
  groups: [],
  ...extra,
});
const alice = account('alice', { groups: ['grafana-editors', 'staff'] });
const bob = account('bob', { emailVerified: false });
const eve = account('eve', { email: 'eve@elsewhere.org' });
const carol = account('carol');
const dave = account('dave');

let provider: TestProvider;
let s: RunningTokenServer;
let port: number;

const providerSettings = (issuer: string, tokenServerUrl: string) => ({
  id: 'corp',
  name: 'Corp SSO',
  issuer,
  clientId: tokenServerClient(tokenServerUrl, 'corp').client_id,
  clientSecret: tokenServerClient(tokenServerUrl, 'corp').client_secret,
  scopes: ['openid', 'email', 'profile', 'groups'],
  allowedEmailDomains: ['example.com'],
  timeoutSeconds: 1,
});

beforeAll(async () => {
  port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  provider = await startTestProvider({ accounts: [alice, bob, eve, carol, dave], clients: [tokenServerClient(url, 'corp')] });
  s = await startTokenServer({
    port,
    settings: {
      providers: [providerSettings(provider.issuer, url)],
      identityRefreshMinutes: 5,
      identityRefreshGraceMinutes: 10,
      instances: [{ id: 'grafana', url: 'http://127.0.0.1:3000', groupRoles: { 'grafana-editors': 'Editor', 'grafana-admins': 'Admin' } }],
    },
    users: [{ login: 'carol-local', password: 'carol local password', email: 'carol@example.com' }],
  });
});

afterAll(async () => {
  await s?.close();
  await provider?.close();
});

const sessionCookieOf = (browser: HttpBrowser) => {
  const value = browser.cookies(s.url).get('grafana_sso_session');
  return value ? `grafana_sso_session=${value}` : undefined;
};
const auditOf = async (type: string) => (await s.store.listAudit(1000)).filter((e) => e.type === type);

describe('sign-in through an OpenID Connect provider', () => {
  it('the sign-in page offers the provider next to the password form', async () => {
    const html = await (await fetch(`${s.url}/login?return_to=%2Fx`)).text();
    expect(html).toContain('href="/oidc/corp/login?return_to=%2Fx"');
    expect(html).toContain('Sign in with Corp SSO');
    expect(html).toContain('name="password"');
  });

  it('the whole flow: PKCE S256, state and nonce, an account from the claims, groups to roles', async () => {
    const browser = new HttpBrowser();
    const start = await browser.request(`${s.url}/oidc/corp/login?return_to=%2F`);
    expect(start.status).toBe(303);
    const auth = new URL(start.headers.get('location')!);
    expect(auth.origin).toBe(provider.issuer);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(auth.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(auth.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(auth.searchParams.get('redirect_uri')).toBe(`${s.url}/oidc/corp/callback`);
    expect(auth.searchParams.get('scope')).toBe('openid email profile groups');
    // The flow cookie: HttpOnly, SameSite=Lax, short-lived.
    const flowCookie = start.headers.getSetCookie().find((c) => c.startsWith('grafana_sso_oidc_'))!;
    expect(flowCookie).toMatch(/HttpOnly/i);
    expect(flowCookie).toMatch(/SameSite=Lax/i);
    expect(flowCookie).toMatch(/Max-Age=600/i);

    const page = await signInThroughProvider(browser, s.url, 'corp', alice);
    expect(page.status).toBe(200);
    expect(page.url).toBe(`${s.url}/`);
    expect(page.html).toContain('Signed in as Alice Example');

    const user = (await s.store.getUserByLogin('alice'))!;
    expect(user).toMatchObject({ email: 'alice@example.com', name: 'Alice Example', groups: ['grafana-editors', 'staff'], passwordHash: '' });
    expect(await s.store.getIdentity(provider.issuer, 'sub-alice')).toMatchObject({ userId: user.id, providerId: 'corp' });
    expect((await auditOf('oidc_sign_in')).at(-1)).toMatchObject({ user: user.id, login: 'alice', provider: 'corp', issuer: provider.issuer, sub: 'sub-alice', created: true });

    const res = await requestToken(s.url, sessionCookieOf(browser), 'grafana');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; user: { role: string } };
    expect(body.user.role).toBe('Editor');
    expect(decodeJwt(body.token)).toMatchObject({ sub: user.id, login: 'alice', email: 'alice@example.com', role: 'Editor' });
    // The provider's tokens are kept sealed, never as they came.
    const state = await s.store.getProviderSession(hashSessionId(sessionCookieOf(browser)!.split('=')[1]!));
    expect(state?.refreshToken).toMatch(/^v1\./);
    expect(state?.accessToken).toMatch(/^v1\./);
  });

  it('a later sign-in with the provider session alive needs no typing and finds the same account', async () => {
    const browser = new HttpBrowser();
    await signInThroughProvider(browser, s.url, 'corp', alice);
    const before = (await s.store.getUserByLogin('alice'))!;
    // Sign out here only; the provider still knows the browser.
    const home = await browser.go(`${s.url}/`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(home.html)![1]!;
    await browser.go(`${s.url}/logout`, { form: { csrf } });
    expect(sessionCookieOf(browser)).toBeUndefined();

    const again = await signInThroughProvider(browser, s.url, 'corp'); // no credentials: it would throw at a form
    expect(again.html).toContain('Signed in as Alice Example');
    expect((await s.store.getUserByLogin('alice'))!.id).toBe(before.id);
    expect((await auditOf('oidc_sign_in')).at(-1)).toMatchObject({ sub: 'sub-alice', created: false });
  });
});
