// GET /go/<instance>/<path>: the real server on a real port with its SQLite file, the Grafana stand-in
// verifying the minted token over the server's real JWKS, and a real OpenID Provider for the sign-in.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goLink, parseGoLink } from '../../server/contract/index.ts';
import type { GrafanaStandin } from '../grafana/standin.ts';
import { freePort, startStack, type Stack } from '../helpers/stack.ts';
import { loginForm, postForm, startTokenServer } from '../helpers/token-server.ts';
import { HttpBrowser } from '../oidc/http-browser.ts';
import { startTestProvider, tokenServerClient, type TestProvider } from '../oidc/provider.ts';
import { callbackUrlOf } from '../oidc/sign-in-steps.ts';

interface Answer {
  status: number;
  location: string | null;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** What a browser sends for a top-level navigation, unless `headers` says otherwise. */
const NAVIGATION = { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'cross-site' };

/** One request with the target exactly as given (fetch would normalise "%2e%2e" and friends first). */
function follow(base: string, target: string, o: { cookie?: string; headers?: Record<string, string | undefined>; method?: string } = {}): Promise<Answer> {
  const headers = Object.fromEntries(Object.entries({ ...NAVIGATION, ...(o.cookie ? { cookie: o.cookie } : {}), ...o.headers }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return new Promise((resolve, reject) => {
    const req = request(`${base}${target}`, { method: o.method ?? 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? null, headers: res.headers, body }));
    });
    req.path = target; // as sent, byte for byte
    req.on('error', reject);
    req.end();
  });
}

const alice = { login: 'alice', password: 'alice-password-1', grants: { grafana: 'Editor' as const } };
const bob = { login: 'bob', password: 'bob-password-12', grants: { grafana: 'no-access' as const } };

let stack: Stack;
let grafana: GrafanaStandin;
let url: string;
let aliceCookie: string;

const minted = async () => (await stack.server.store.listAudit(1000)).filter((e) => e.type === 'token_minted');

/** Follows the Grafana URL a /go/ link answered with, as the browser does; the stand-in's record of it. */
async function openInGrafana(location: string) {
  const before = grafana.requests.length;
  const res = await fetch(location, { redirect: 'manual' });
  await res.arrayBuffer();
  return { status: res.status, record: grafana.requests.slice(before).find((r) => r.kind === 'page') };
}

beforeAll(async () => {
  stack = await startStack({
    instances: [
      { id: 'grafana', name: 'Team Grafana' },
      { id: 'nourl', name: 'Header-only Grafana', urlLogin: false },
    ],
    users: [alice, bob],
  });
  grafana = stack.grafana.grafana!;
  url = stack.server.url;
  aliceCookie = await stack.server.signIn(alice.login, alice.password);
}, 60_000);
afterAll(() => stack?.close());

describe('the /go/ link form (server/contract/go-link.ts)', () => {
  it('builds and parses the same link, dropping auth_token and keeping the rest byte for byte', () => {
    const link = goLink('https://sso.example.test/', 'prod-1', '/d/abc/cpu?orgId=1&auth_token=x&var-host=a%20b#panel-2');
    expect(link).toBe('https://sso.example.test/go/prod-1/d/abc/cpu?orgId=1&var-host=a%20b#panel-2');
    expect(goLink('https://sso.example.test/sub', 'prod-1')).toBe('https://sso.example.test/sub/go/prod-1/');
    expect(parseGoLink('/go/prod-1/d/abc/cpu?orgId=1&auth%5Ftoken=x&var-host=a%20b')).toEqual({ instanceId: 'prod-1', path: '/d/abc/cpu?orgId=1&var-host=a%20b' });
    expect(parseGoLink('/go/prod-1')).toEqual({ instanceId: 'prod-1', path: '/' });
    expect(parseGoLink('/go/prod-1?auth_token=x')).toEqual({ instanceId: 'prod-1', path: '/' });
    for (const bad of ['/go/', '/go/Prod', '/go/a%2Fb/x', '/go/a.b/', '/other/prod']) expect(parseGoLink(bad), bad).toBeNull();
    expect(() => goLink('https://sso.example.test', 'a/b', '/')).toThrow(/instance id/);
    expect(() => goLink('https://sso.example.test', 'prod', 'd/x')).toThrow(/starts with/);
  });
});

describe("the docs' example links are the contract's form", () => {
  it('every /go/ example in README.md and docs/api.md parses, and the builder gives it back', () => {
    const examples = ['README.md', 'docs/api.md'].flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/https:\/\/sso\.example\.com(\/go\/[^\s)`]+)/g)].map((m) => m[1]!));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const target of examples) {
      const link = parseGoLink(target);
      expect(link, target).not.toBeNull();
      const rebuilt = goLink('https://sso.example.com', link!.instanceId, link!.path);
      expect(rebuilt.replace(/\/$/, ''), target).toBe(`https://sso.example.com${target}`.replace(/\/$/, ''));
    }
  });
});

describe('GET /go/<instance>/<path> signed in', () => {
  it('mints for the session user, 303 to that Grafana page with the query byte for byte; Grafana takes the token', async () => {
    const target = '/go/grafana/d/http-latency/http-latency?orgId=1&var-host=a%20b&from=now-1h&x=%3A';
    const before = (await minted()).length;
    const res = await follow(url, target, { cookie: aliceCookie });
    expect(res.status).toBe(303);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.location).toMatch(new RegExp(`^${grafana.url}/d/http-latency/http-latency\\?orgId=1&var-host=a%20b&from=now-1h&x=%3A&auth_token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));

    const token = new URL(res.location!).searchParams.get('auth_token')!;
    const user = (await stack.server.store.getUserByLogin('alice'))!;
    expect(decodeJwt(token)).toMatchObject({ sub: user.id, login: 'alice', role: 'Editor', aud: 'grafana:grafana' });
    const audit = await minted();
    expect(audit).toHaveLength(before + 1);
    expect(audit.at(-1)).toMatchObject({ user: user.id, instance: 'grafana', via: 'link', jti: decodeJwt(token).jti });

    // The stand-in verifies it over the server's JWKS, as Grafana would.
    const opened = await openInGrafana(res.location!);
    expect(opened.status).toBe(200);
    expect(opened.record).toMatchObject({ path: '/d/http-latency/http-latency', tokenSource: 'url', result: 'user', login: 'alice', orgRole: 'Editor' });
  });

  it("drops an auth_token the link carries: it would sign the follower in as someone else (login CSRF)", async () => {
    const planted = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.c2ln';
    for (const param of [`auth_token=${planted}`, `auth%5Ftoken=${planted}`]) {
      const res = await follow(url, `/go/grafana/explore?${param}&left=%7B%7D`, { cookie: aliceCookie });
      expect(res.status, param).toBe(303);
      expect(res.location, param).not.toContain(planted);
      const location = new URL(res.location!);
      expect(location.search, param).toMatch(/^\?left=%7B%7D&auth_token=[^&]+$/);
      expect(decodeJwt(location.searchParams.get('auth_token')!).login).toBe('alice');
    }
  });

  it('/go/<instance> alone and with only a query open the instance home', async () => {
    expect((await follow(url, '/go/grafana', { cookie: aliceCookie })).location).toMatch(new RegExp(`^${grafana.url}/\\?auth_token=`));
    expect((await follow(url, '/go/grafana?orgId=2', { cookie: aliceCookie })).location).toMatch(new RegExp(`^${grafana.url}/\\?orgId=2&auth_token=`));
  });

  it('a browser without Fetch Metadata headers (an older one) still follows the link', async () => {
    const res = await follow(url, '/go/grafana/', { cookie: aliceCookie, headers: { 'sec-fetch-mode': undefined, 'sec-fetch-dest': undefined, 'sec-fetch-site': undefined } });
    expect(res.status).toBe(303);
    expect(res.location).toContain('auth_token=');
  });
});

describe('GET /go/ refusals: readable pages, no token, never a 500', () => {
  const refused = async (res: Answer, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.location).toBeNull();
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain(`<code id="error-code">${code}</code>`);
    expect(res.body).toMatch(/<h1>[^<]+<\/h1>/);
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
  };

  it('requests that are not a top-level document navigation, prefetches and prerenders mint nothing', async () => {
    const before = (await minted()).length;
    const cases: Record<string, string | undefined>[] = [
      { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' }, // <img src>
      { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }, // fetch()
      { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' }, // a frame on another page
      { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' },
      { 'sec-purpose': 'prefetch' }, // speculation rules
      { 'sec-purpose': 'prefetch;prerender' },
      { purpose: 'prefetch' },
      { 'x-moz': 'prefetch' }, // Firefox <link rel=prefetch>
      { 'x-purpose': 'preview' },
    ];
    for (const headers of cases) {
      const res = await follow(url, '/go/grafana/d/x', { cookie: aliceCookie, headers });
      await refused(res, 403, 'navigation_required');
      expect(res.body, JSON.stringify(headers)).toContain('open it in a browser tab');
    }
    const head = await follow(url, '/go/grafana/d/x', { cookie: aliceCookie, method: 'HEAD' });
    expect(head.status).toBe(403);
    expect(head.location).toBeNull();
    expect(await minted()).toHaveLength(before);
  });

  it('an unknown instance: 404 with where to go instead', async () => {
    for (const target of ['/go/staging/d/x', '/go/STAGING/', '/go/a%2Fb']) {
      const res = await follow(url, target, { cookie: aliceCookie });
      await refused(res, 404, 'unknown_instance');
      expect(res.body).toContain('href="/"');
    }
    expect((await follow(url, '/go/<script>/', { cookie: aliceCookie })).body).not.toContain('<script>');
  });

  it('a path that would leave the instance: 400 invalid_path, before any sign-in', async () => {
    const before = (await minted()).length;
    for (const target of ['/go/grafana/d/a%2fb', '/go/grafana/d/a%5Cb', '/go/grafana//evil.example/x', '/go/grafana/..%2f..%2fx', '/go/grafana/d\\x']) {
      await refused(await follow(url, target, { cookie: aliceCookie }), 400, 'invalid_path');
      await refused(await follow(url, target), 400, 'invalid_path');
    }
    expect(await minted()).toHaveLength(before);
  });

  it('no role on the instance: 403 access_denied, nothing minted', async () => {
    const cookie = await stack.server.signIn(bob.login, bob.password);
    const before = (await minted()).length;
    const res = await follow(url, '/go/grafana/d/x', { cookie });
    await refused(res, 403, 'access_denied');
    expect(res.body).toContain('You have no access to Team Grafana');
    expect(await minted()).toHaveLength(before);
  });

  it('an instance with url_login off: 409 saying what to do instead (extension, or Grafana unsigned), signed in or not', async () => {
    const nourl = stack.server.config.instances.find((i) => i.id === 'nourl')!;
    for (const cookie of [aliceCookie, undefined]) {
      const res = await follow(url, '/go/nourl/d/x?orgId=1', { cookie });
      await refused(res, 409, 'url_login_off');
      expect(res.body).toContain('Install the Grafana SSO browser extension');
      expect(res.body).toContain(`href="${nourl.url}/d/x?orgId=1"`);
    }
  });

  it('a sub-path instance: a link out of the sub-path is refused', async () => {
    const s = await startTokenServer({ settings: { instances: [{ id: 'sub', url: 'https://apps.example.test/grafana' }] } });
    try {
      for (const target of ['/go/sub/../admin', '/go/sub/%2e%2e/admin', '/go/sub/.%2E/x']) await refused(await follow(s.url, target), 400, 'invalid_path');
      expect((await follow(s.url, '/go/sub/d/x')).location).toBe('/login?return_to=%2Fgo%2Fsub%2Fd%2Fx');
    } finally {
      await s.close();
    }
  });
});

describe('GET /go/ signed out: through the sign-in and back to the link', () => {
  it('local account: /login with return_to the link (auth_token dropped), then the Grafana page signed in', async () => {
    const target = '/go/grafana/d/http-latency/x?orgId=1&var-host=a%20b&auth_token=planted';
    const res = await follow(url, target);
    expect(res.status).toBe(303);
    const login = new URL(res.location!, url);
    expect(login.pathname).toBe('/login');
    const returnTo = login.searchParams.get('return_to');
    expect(returnTo).toBe('/go/grafana/d/http-latency/x?orgId=1&var-host=a%20b');

    const form = await loginForm(url, login.search);
    expect(form.html).toContain(`name="return_to" value="${returnTo!.replace(/&/g, '&amp;')}"`);
    const signedIn = await postForm(`${url}/login`, form.cookie, { login: alice.login, password: alice.password, csrf: form.csrf, return_to: returnTo! });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe(returnTo);
    const cookie = signedIn.headers.getSetCookie().find((c) => c.startsWith('grafana_sso_session='))!.split(';')[0]!;

    // The POST's redirect is a same-origin navigation.
    const back = await follow(url, signedIn.headers.get('location')!, { cookie, headers: { 'sec-fetch-site': 'same-origin' } });
    expect(back.location).toMatch(new RegExp(`^${grafana.url}/d/http-latency/x\\?orgId=1&var-host=a%20b&auth_token=[^&]+$`));
    const opened = await openInGrafana(back.location!);
    expect(opened.record).toMatchObject({ tokenSource: 'url', result: 'user', login: 'alice' });
  });
});

describe('GET /go/ signed out, OpenID Connect sign-in', () => {
  let provider: TestProvider;
  let oidc: Stack;
  beforeAll(async () => {
    const port = await freePort();
    const serverUrl = `http://127.0.0.1:${port}`;
    const client = tokenServerClient(serverUrl, 'corp');
    provider = await startTestProvider({
      accounts: [{ sub: 'sub-carol', login: 'carol', password: 'carol-password', email: 'carol@example.com', name: 'Carol Example', groups: ['editors'] }],
      clients: [client],
    });
    oidc = await startStack({
      port,
      instances: [{ id: 'grafana', name: 'Team Grafana', groupRoles: { editors: 'Editor' } }],
      // One provider, no passwords: /login goes straight to the provider.
      settings: { localAccounts: false, providers: [{ id: 'corp', name: 'Corp SSO', issuer: provider.issuer, clientId: client.client_id, clientSecret: client.client_secret, scopes: ['openid', 'email', 'profile', 'groups'] }] },
    });
  }, 60_000);
  afterAll(async () => {
    await oidc?.close();
    await provider?.close();
  });

  it('the link survives the provider round trip and opens the Grafana page signed in', async () => {
    const base = oidc.server.url;
    const standin = oidc.grafana.grafana!;
    const target = '/go/grafana/d/http-latency/x?orgId=1&var-host=a%20b';
    const first = await follow(base, target);
    expect(first.location).toBe(`/login?return_to=${encodeURIComponent(target)}`);

    // Through /login (straight on to the provider), its form, and back to the callback. HttpBrowser
    // uses fetch, whose Fetch Metadata says "cors": the /go/ hops go through follow(), as a tab's would.
    const browser = new HttpBrowser();
    const callback = await callbackUrlOf(browser, new URL(first.location!, base).href, { login: 'carol', password: 'carol-password' });
    const signedIn = await browser.request(callback);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe(target);

    const back = await follow(base, target, { cookie: browser.cookieHeader(base) });
    expect(back.location).toMatch(new RegExp(`^${standin.url}/d/http-latency/x\\?orgId=1&var-host=a%20b&auth_token=[^&]+$`));
    const before = standin.requests.length;
    expect((await fetch(back.location!)).status).toBe(200);
    expect(standin.requests.slice(before).find((r) => r.kind === 'page')).toMatchObject({ tokenSource: 'url', result: 'user', login: 'carol', orgRole: 'Editor' });
  });
});
