// Sign-in through a real OpenID Provider (oidc-provider in its own process) over HTTP: the whole
// flow, accounts by (issuer, sub), and every bad answer refused with a page, an audit event and no session.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as cli, type Io } from '../../server/cli.ts';
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
  provider = await startTestProvider({ accounts: [alice, bob, eve, carol, dave], clients: [tokenServerClient(url, 'corp'), tokenServerClient(url, 'strict')] });
  s = await startTokenServer({
    port,
    settings: {
      providers: [
        providerSettings(provider.issuer, url),
        {
          ...providerSettings(provider.issuer, url),
          id: 'strict',
          clientId: tokenServerClient(url, 'strict').client_id,
          clientSecret: tokenServerClient(url, 'strict').client_secret,
          maxAuthAgeMinutes: 1,
        },
      ],
      identityRefreshMinutes: 5,
      identityRefreshGraceMinutes: 10,
      instances: [{ id: 'grafana', url: 'http://127.0.0.1:3000', groupRoles: { 'grafana-editors': 'Editor', 'grafana-admins': 'Admin' } }],
    },
    users: [{ login: 'carol-local', password: 'carol local password', email: 'carol@example.com' }],
  });
}, 60_000);

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

/** A refused sign-in: a clear page with the code, no 500, an audit event with the reason, and no session. */
async function expectRefused(page: { status: number; html: string }, browser: HttpBrowser, code: string, status: number) {
  expect(page.status).toBe(status);
  expect(page.html).toContain(`<code id="error-code">${code}</code>`);
  expect(page.html).not.toMatch(/at .*\.ts:\d+|Error:/);
  expect(sessionCookieOf(browser)).toBeUndefined();
  const refusals = await auditOf('oidc_sign_in_refused');
  expect(refusals.at(-1)).toMatchObject({ provider: 'corp', reason: code });
  return refusals.at(-1)!;
}

describe('bad answers are refused: a page, an audit event, no session', () => {
  const start = `/oidc/corp/login?return_to=%2F`;

  it('missing state', async () => {
    const browser = new HttpBrowser();
    const callback = new URL(await callbackUrlOf(browser, s.url + start, dave));
    callback.searchParams.delete('state');
    await expectRefused(await browser.go(callback.href), browser, 'oidc_state_missing', 400);
  });

  it('tampered state', async () => {
    const browser = new HttpBrowser();
    const callback = new URL(await callbackUrlOf(browser, s.url + start, dave));
    const state = callback.searchParams.get('state')!;
    callback.searchParams.set('state', `${state.slice(0, -4)}AAAA`);
    await expectRefused(await browser.go(callback.href), browser, 'oidc_state_mismatch', 400);
  });

  it('an answer arriving in another browser than the one that started the sign-in', async () => {
    const callback = await callbackUrlOf(new HttpBrowser(), s.url + start, dave);
    const other = new HttpBrowser();
    await expectRefused(await other.go(callback), other, 'oidc_state_missing', 400);
  });

  it('a replayed code: the same answer twice, and an old code under a new state', async () => {
    const browser = new HttpBrowser();
    const callback = await callbackUrlOf(browser, s.url + start, dave);
    expect((await browser.go(callback)).html).toContain('Signed in as Dave Example');
    const replayer = new HttpBrowser();
    await expectRefused(await replayer.go(callback), replayer, 'oidc_state_missing', 400);

    // With a fresh sign-in started, the old code is sent to the provider, which refuses it.
    const fresh = new URL(await callbackUrlOf(replayer, s.url + start, dave));
    const old = new URL(callback);
    fresh.searchParams.set('code', old.searchParams.get('code')!);
    const refusal = await expectRefused(await replayer.go(fresh.href), replayer, 'oidc_code_rejected', 400);
    expect(refusal.detail).toMatch(/invalid_grant/);
  });

  for (const [mode, detail] of [
    ['wrong-nonce', /nonce/],
    ['other-key', /signature/i],
    ['alg-none', /alg|unsupported|signature/i],
    ['unsigned-hs256', /alg|unsupported|signature/i],
    ['expired', /exp|timestamp/i],
    ['wrong-audience', /aud/],
  ] as const) {
    it(`an ID token with ${mode}`, async () => {
      const browser = new HttpBrowser();
      const callback = await callbackUrlOf(browser, s.url + start, dave);
      await provider.tamperNextIdToken(mode);
      const refusal = await expectRefused(await browser.go(callback), browser, 'oidc_id_token_invalid', 400);
      expect(refusal.detail).toMatch(detail);
    });
  }

  it('an unverified email, where verification is required', async () => {
    const browser = new HttpBrowser();
    await expectRefused(await signInThroughProvider(browser, s.url, 'corp', bob), browser, 'oidc_email_unverified', 403);
    expect(await s.store.getUserByLogin('bob')).toBeUndefined();
  });

  it('an email outside the allowed domains', async () => {
    const browser = new HttpBrowser();
    const refusal = await expectRefused(await signInThroughProvider(browser, s.url, 'corp', eve), browser, 'oidc_email_domain', 403);
    expect(refusal).toMatchObject({ sub: 'sub-eve' });
    expect(await s.store.getUserByLogin('eve')).toBeUndefined();
  });

  it('an existing local account with the same email is not taken over', async () => {
    const browser = new HttpBrowser();
    await expectRefused(await signInThroughProvider(browser, s.url, 'corp', carol), browser, 'oidc_account_conflict', 409);
    expect(await s.store.getIdentity(provider.issuer, 'sub-carol')).toBeUndefined();
    expect((await s.store.getUserByLogin('carol-local'))!.passwordHash).not.toBe('');
  });

  it('the provider answering with an error (the person cancelled)', async () => {
    const browser = new HttpBrowser();
    const callback = new URL(await callbackUrlOf(browser, s.url + start, dave));
    const denied = new URL(callback.origin + callback.pathname);
    denied.searchParams.set('error', 'access_denied');
    denied.searchParams.set('error_description', 'End-User aborted interaction');
    denied.searchParams.set('state', callback.searchParams.get('state')!);
    denied.searchParams.set('iss', provider.issuer);
    const page = await browser.go(denied.href);
    await expectRefused(page, browser, 'oidc_provider_error', 401);
    expect(page.html).toContain('access_denied');
  });

  it('a provider too slow to answer: the request times out', async () => {
    const browser = new HttpBrowser();
    const callback = await callbackUrlOf(browser, s.url + start, dave);
    await provider.delay('/token', 3000);
    try {
      const began = Date.now();
      const page = await browser.go(callback);
      expect(Date.now() - began).toBeLessThan(2900);
      await expectRefused(page, browser, 'oidc_provider_unavailable', 503);
    } finally {
      await provider.delay('/token', 0);
    }
  });

  it('an unknown provider id', async () => {
    const browser = new HttpBrowser();
    const page = await browser.go(`${s.url}/oidc/nope/login`);
    expect(page.status).toBe(404);
    expect(page.html).toContain('oidc_unknown_provider');
  });

  it('nothing the provider sent is in the audit log or the log file as a token', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(s.auditLogPath, 'utf8');
    // JWTs (ID tokens, access tokens from oidc-provider are opaque) and refresh tokens never appear.
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+/);
    const rows = await s.store.listAudit(1000);
    expect(JSON.stringify(rows)).not.toMatch(/refresh_token|access_token|eyJ[\w-]+\.eyJ/);
  });
});

describe('what the provider allows bounds the session', () => {
  it('maxAuthAgeMinutes: max_age is sent, auth_time checked, and the session ends at auth_time + that', async () => {
    const browser = new HttpBrowser();
    const start = await browser.request(`${s.url}/oidc/strict/login`);
    expect(new URL(start.headers.get('location')!).searchParams.get('max_age')).toBe('60');
    await signInThroughProvider(browser, s.url, 'strict', dave);
    const session = (await s.store.getSession(hashSessionId(sessionCookieOf(browser)!.split('=')[1]!)))!;
    const state = (await s.store.getProviderSession(session.idHash))!;
    expect(session.expiresAt).toBe(state.authTime! + 60_000);
    expect((await requestToken(s.url, sessionCookieOf(browser), 'grafana')).status).toBe(200);
    // (Before the tests below move the server's clock: auth_time is the provider's real time.)
    s.clock.advanceMs(session.expiresAt - s.clock.now() + 1);
    expect((await requestToken(s.url, sessionCookieOf(browser), 'grafana')).status).toBe(401);
  });
});

describe('the identity is refreshed while a session lasts', () => {
  const minutes = (n: number) => n * 60_000;
  const roleNow = async (browser: HttpBrowser) => {
    const res = await requestToken(s.url, sessionCookieOf(browser), 'grafana');
    const body = (await res.json()) as { code?: string; user?: { role: string } };
    return res.status === 200 ? body.user!.role : `${res.status} ${body.code}`;
  };

  it('a group change at the provider reaches the next token after the refresh interval', async () => {
    const browser = new HttpBrowser();
    await signInThroughProvider(browser, s.url, 'corp', alice);
    expect(await roleNow(browser)).toBe('Editor');
    await provider.updateAccount('sub-alice', { groups: ['grafana-admins'] });
    // Not yet due: the provider is not asked on every token.
    const before = (await provider.calls())['/token'] ?? 0;
    expect(await roleNow(browser)).toBe('Editor');
    expect((await provider.calls())['/token'] ?? 0).toBe(before);

    s.clock.advanceMs(minutes(5));
    expect(await roleNow(browser)).toBe('Admin');
    expect((await provider.calls())['/token']).toBe(before + 1);
    expect((await s.store.getUserByLogin('alice'))!.groups).toEqual(['grafana-admins']);
    expect((await auditOf('oidc_identity_updated')).at(-1)).toMatchObject({ login: 'alice', sub: 'sub-alice', changes: { groups: ['grafana-admins'] } });

    // Out of every mapped group: back to the instance's default role.
    await provider.updateAccount('sub-alice', { groups: [] });
    s.clock.advanceMs(minutes(5));
    expect(await roleNow(browser)).toBe('Viewer');
  });

  it('an account disabled at the provider gets no token after the refresh, and its session ends', async () => {
    const browser = new HttpBrowser();
    await signInThroughProvider(browser, s.url, 'corp', dave);
    expect(await roleNow(browser)).toBe('Viewer');
    await provider.updateAccount('sub-dave', { disabled: true });
    s.clock.advanceMs(minutes(5));
    try {
      expect(await roleNow(browser)).toBe('401 session_required');
      expect((await auditOf('oidc_refresh_refused')).at(-1)).toMatchObject({ login: 'dave', sub: 'sub-dave', reason: 'oidc_refresh_refused' });
      expect(await s.store.getSession(hashSessionId(sessionCookieOf(browser)!.split('=')[1]!))).toBeUndefined();
    } finally {
      await provider.updateAccount('sub-dave', { disabled: false });
    }
  });

  it('an unreachable provider: the session holds for the grace period, then ends', async () => {
    const browser = new HttpBrowser();
    await signInThroughProvider(browser, s.url, 'corp', dave);
    await provider.delay('/token', 3000);
    try {
      s.clock.advanceMs(minutes(6));
      expect(await roleNow(browser)).toBe('Viewer');
      expect((await auditOf('oidc_refresh_unavailable')).at(-1)).toMatchObject({ login: 'dave', sub: 'sub-dave' });
      // Refresh interval (5) + grace (10) after the last confirmation: refused.
      s.clock.advanceMs(minutes(9));
      expect(await roleNow(browser)).toBe('401 session_required');
      expect((await auditOf('oidc_refresh_refused')).at(-1)).toMatchObject({ login: 'dave', reason: 'provider_unreachable_past_grace' });
    } finally {
      await provider.delay('/token', 0);
    }
  });

  it('disabling the account here stops its tokens at once, without waiting for a refresh', async () => {
    const browser = new HttpBrowser();
    await signInThroughProvider(browser, s.url, 'corp', dave);
    const user = (await s.store.getUserByLogin('dave'))!;
    await s.store.updateUser(user.id, { disabled: true }, s.clock.now());
    try {
      expect(await roleNow(browser)).toBe('403 access_denied');
      await expectRefused(await signInThroughProvider(new HttpBrowser(), s.url, 'corp', dave), new HttpBrowser(), 'oidc_account_disabled', 403);
    } finally {
      await s.store.updateUser(user.id, { disabled: false }, s.clock.now());
    }
  });
});

describe('logout', () => {
  it('ends the session here and offers to sign out at the provider (RP-initiated logout)', async () => {
    const browser = new HttpBrowser();
    await signInThroughProvider(browser, s.url, 'corp', dave);
    const home = await browser.go(`${s.url}/`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(home.html)![1]!;
    const page = await browser.go(`${s.url}/logout`, { form: { csrf } });
    expect(page.status).toBe(200);
    expect(sessionCookieOf(browser)).toBeUndefined();
    const href = /id="provider-logout" href="([^"]+)"/.exec(page.html)![1]!.replaceAll('&amp;', '&');
    const end = new URL(href);
    expect(end.origin).toBe(provider.issuer);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${s.url}/login?signed_out=1`);
    expect(decodeJwt(end.searchParams.get('id_token_hint')!)).toMatchObject({ sub: 'sub-dave', iss: provider.issuer });

    // The provider asks to confirm; confirming ends its session and comes back here.
    const confirm = await browser.go(href);
    expect(confirm.status).toBe(200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.html)![1]!;
    const action = /action="([^"]+)"/.exec(confirm.html)![1]!;
    const back = await browser.go(new URL(action, provider.issuer).href, { form: { xsrf, logout: 'yes' } });
    expect(back.url).toBe(`${s.url}/login?signed_out=1`);
    expect(back.html).toContain('You are signed out.');
    // Signed out at the provider too: the next sign-in asks for the password again.
    await expect(signInThroughProvider(browser, s.url, 'corp')).rejects.toThrow(/sign-in stopped at/);
  });
});

describe('an administrator links an existing account to a provider identity', () => {
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const env = {
      GRAFANA_SSO_DATABASE: s.config.databasePath,
      GRAFANA_SSO_AUDIT_LOG: '',
      GRAFANA_SSO_PROVIDERS: JSON.stringify([providerSettings(provider.issuer, s.url)]),
    };
    const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => '', env };
    return { code: await cli(args, io), out: out.join('\n'), err: err.join('\n') };
  };

  it('users link lets the identity sign in as that account; users list shows where accounts come from; unlink undoes it', async () => {
    expect(await run('users', 'link', 'carol-local', '--provider', 'nope', '--subject', 'sub-carol')).toMatchObject({ code: 1, err: expect.stringMatching(/no provider "nope" \(configured: corp\)/) });
    expect(await run('users', 'link', 'nobody', '--provider', 'corp', '--subject', 'sub-carol')).toMatchObject({ code: 1, err: expect.stringMatching(/no user "nobody"/) });
    expect((await run('users', 'link', 'carol-local', '--provider', 'corp')).code).toBe(2);
    expect(await run('users', 'link', 'carol-local', '--provider', 'corp', '--subject', 'sub-alice')).toMatchObject({ code: 1, err: expect.stringMatching(/already linked to "alice"/) });
    expect(await run('users', 'link', 'carol-local', '--provider', 'corp', '--subject', 'sub-carol')).toMatchObject({ code: 0, out: expect.stringMatching(/Linked sub-carol at corp/) });

    const browser = new HttpBrowser();
    const page = await signInThroughProvider(browser, s.url, 'corp', carol);
    expect(page.html).toContain('Signed in as Carol Example');
    const user = (await s.store.getUserByLogin('carol'))!;
    expect(user.passwordHash).not.toBe(''); // the same account: its password still works too
    const listed = (await run('users', 'list')).out.split('\n');
    expect(listed.find((l) => l.startsWith('carol\t'))).toMatch(/\tsource=local,corp\t/);
    expect(listed.find((l) => l.startsWith('alice\t'))).toMatch(/\tsource=corp\t/);

    expect(await run('users', 'unlink', 'carol', '--provider', 'corp')).toMatchObject({ code: 0, out: expect.stringMatching(/Unlinked sub-carol .* 1 session\(s\) ended/) });
    expect(await requestToken(s.url, sessionCookieOf(browser), 'grafana').then((r) => r.status)).toBe(401);
    const again = new HttpBrowser();
    await expectRefused(await signInThroughProvider(again, s.url, 'corp', carol), again, 'oidc_account_conflict', 409);
    expect((await s.store.listAudit(1000)).filter((e) => e.type === 'identity_linked' || e.type === 'identity_unlinked').map((e) => e.type)).toEqual(['identity_linked', 'identity_unlinked']);
  });
});
