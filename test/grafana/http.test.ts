// Where the token is read, statelessness, answers, the page, test controls (docs/grafana-jwt.md#token-transport, #sessions, #failures).
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { call, claims, failure, harness, HEADER, JWT_INVALID, makeKey, nowSeconds, sign } from './helpers.ts';
import type { RequestRecord } from './standin.ts';

const h = harness();
afterEach(() => h.cleanup());

const UNAUTHORIZED = failure('auth.unauthorized', 'Unauthorized');

async function setup(jwt: Record<string, string | null> = {}, extra = '') {
  const key = await makeKey();
  const { grafana } = await h.start(key, jwt, extra);
  const valid = await sign(key);
  const expired = await sign(key, claims({ exp: nowSeconds() - 120, iat: nowSeconds() - 420, nbf: nowSeconds() - 420 }));
  return { grafana, key, valid, expired };
}

describe('where the token is read', () => {
  it('the header wins when both header and ?auth_token= are present', async () => {
    const { grafana, valid, expired } = await setup();
    expect(await call(grafana, '/d/http-latency', { token: valid, urlToken: expired })).toMatchObject({ status: 200 });
    expect(await call(grafana, '/d/http-latency', { token: expired, urlToken: valid })).toMatchObject({ status: 302, location: '/login' });
    expect(grafana.requests.map((r) => r.tokenSource)).toEqual(['header', 'header']);
  });

  it('?auth_token= is read when the header is empty and url_login is on', async () => {
    const { grafana, valid } = await setup();
    expect((await call(grafana, '/d/http-latency', { urlToken: valid })).status).toBe(200);
    expect((await call(grafana, '/api/user', { urlToken: valid, token: '' })).status).toBe(200);
    expect(grafana.requests.map((r) => r.tokenSource)).toEqual(['url', 'url']);
  });

  it('url_login off: ?auth_token= is ignored (page 302 /login, API 401)', async () => {
    const { grafana, valid } = await setup({ url_login: 'false' });
    expect(await call(grafana, '/d/http-latency', { urlToken: valid })).toMatchObject({ status: 302, location: '/login' });
    expect(await call(grafana, '/api/user', { urlToken: valid })).toMatchObject({ status: 401, body: UNAUTHORIZED });
    expect((await call(grafana, '/api/user', { token: valid })).status).toBe(200);
  });

  it('header_name empty: nothing is read, not even ?auth_token=', async () => {
    const { grafana, valid } = await setup({ header_name: null });
    expect((await call(grafana, '/d/http-latency', { urlToken: valid })).status).toBe(302);
    expect((await call(grafana, '/api/user', { token: valid })).status).toBe(401);
    expect(grafana.requests.every((r) => r.jwt === 'absent')).toBe(true);
  });

  it('header_name is matched case-insensitively', async () => {
    const { grafana, valid } = await setup({ header_name: 'x-jwt-ASSERTION' });
    expect((await call(grafana, '/api/user', { headers: { 'X-Jwt-Assertion': valid } })).status).toBe(200);
  });

  it('exactly the prefix "Bearer " is stripped', async () => {
    const { grafana, valid } = await setup();
    expect((await call(grafana, '/api/user', { token: `Bearer ${valid}` })).status).toBe(200);
    expect((await call(grafana, '/api/user', { token: `bearer ${valid}` })).status).toBe(401);
    // "Bearer  <jwt>" (two spaces) differs by version line: versions.test.ts.
    expect((await call(grafana, '/api/user', { urlToken: `Bearer ${valid}` })).status).toBe(200);
  });
});

describe('stateless, answers', () => {
  it('never sets a cookie: a signed-in page does not sign in the next request', async () => {
    const { grafana, valid, expired } = await setup({}, '\n[auth.anonymous]\nenabled = false\n');
    const answers = [
      await call(grafana, '/d/http-latency', { urlToken: valid }),
      await call(grafana, '/api/user', { token: valid }),
      await call(grafana, '/api/user', { token: expired }),
      await call(grafana, '/login', { urlToken: valid }),
      await call(grafana, '/login'),
      await call(grafana, '/'),
    ];
    expect(answers.map((a) => a.setCookie)).toEqual([null, null, null, null, null, null]);
    expect(answers[5]).toMatchObject({ status: 302, location: '/login' });
  });

  it('/login?auth_token= signs in for that one request, redirects to /, and / then lands on /login', async () => {
    const { grafana, valid } = await setup();
    const login = await call(grafana, '/login', { urlToken: valid });
    expect(login).toMatchObject({ status: 302, location: '/' });
    expect(await call(grafana, login.location ?? '')).toMatchObject({ status: 302, location: '/login' });
    const page = await call(grafana, '/login');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Grafana login');
  });

  it('failure shapes: API 401 jwt.invalid JSON; page 302 /login', async () => {
    const { grafana, expired } = await setup();
    const api = await fetch(`${grafana.url}/api/search?query=`, { headers: { [HEADER]: expired } });
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await api.json()).toEqual(JWT_INVALID);
    expect(await call(grafana, '/d/http-latency/http-latency', { token: expired })).toMatchObject({ status: 302, location: '/login' });
  });

  it('a failed JWT falls through to anonymous access when it is on', async () => {
    const { grafana, expired, valid } = await setup({}, '\n[auth.anonymous]\nenabled = true\norg_role = Editor\n');
    expect(await call(grafana, '/api/user', { token: expired })).toMatchObject({ status: 200, body: { isAnonymous: true, orgRole: 'Editor' } });
    expect((await call(grafana, '/', {})).status).toBe(200);
    expect(await call(grafana, '/api/user', { token: valid })).toMatchObject({ body: { isAnonymous: false, login: 'alice' } });
    expect(grafana.requests[0]).toMatchObject({ result: 'anonymous', jwt: 'failed', messageId: 'jwt.invalid' });
  });

  it('GET /api/search answers with the dashboards (search.test.ts has the rest); role None sees none', async () => {
    const { grafana, key, valid } = await setup();
    const res = await call(grafana, '/api/search?query=latency', { token: valid });
    expect((res.body as { uid: string }[]).map((h) => h.uid)).toEqual(['http-latency', 'redis-latency']);
    const none = await sign(key, claims({ role: 'None' }));
    expect((await call(grafana, '/api/search?query=', { token: none })).body).toEqual([]);
  });
});

describe('the page (like Grafana’s frontend)', () => {
  it('serves the page on a valid URL token, with the script that reads auth_token and sends the header', async () => {
    const { grafana, valid } = await setup();
    const res = await call(grafana, '/d/http-latency/http-latency?orgId=1', { urlToken: valid });
    expect(res.status).toBe(200);
    const html = res.body as string;
    expect(html).toContain('<script>');
    expect(html).toContain("get('auth_token')");
    expect(html).toContain(`var headerName = "${HEADER}"`);
    expect(html).toContain('id="role"');
    expect(html).not.toContain(valid);
  });

  it('the script reads the URL token once, sends it as the header, and goes to /login on 401', async () => {
    const { grafana, valid } = await setup();
    const page = (await call(grafana, '/d/http-latency', { urlToken: valid })).body as string;
    const script = /<script>([\s\S]*)<\/script>/.exec(page)?.[1] ?? '';
    const elements: Record<string, { textContent: string }> = {};
    const sent: Array<Record<string, string>> = [];
    const window = {
      location: { search: `?orgId=1&auth_token=${encodeURIComponent(valid)}`, href: `${grafana.url}/d/http-latency` },
      standin: undefined as undefined | { ready: Promise<unknown>; refresh(): Promise<{ status: number }> },
    };
    runInNewContext(script, {
      window,
      URLSearchParams,
      document: { getElementById: (id: string) => (elements[id] ??= { textContent: '' }) },
      fetch: (path: string, init: { headers: Record<string, string> }) => {
        sent.push(init.headers);
        return fetch(new URL(path, grafana.url), init);
      },
    });
    await window.standin?.ready;
    expect(elements.login?.textContent).toBe('alice');
    expect(elements.role?.textContent).toBe('Editor');
    expect(elements.status?.textContent).toBe('signed-in');
    expect(sent[0]).toEqual({ [HEADER]: valid });
    expect(grafana.requests.at(-1)).toMatchObject({ path: '/api/user', tokenSource: 'header', result: 'user' });

    // The address bar changing later does not matter: the token was read once.
    window.location.search = '';
    expect((await window.standin?.refresh())?.status).toBe(200);
    expect(sent[1]).toEqual({ [HEADER]: valid });

    grafana.clock.advanceSeconds(400);
    expect((await window.standin?.refresh())?.status).toBe(401);
    expect(window.location.href).toBe('/login');
  });
});

describe('test controls (stand-in only)', () => {
  it('POST /__standin/clock moves the clock: a token expires without waiting', async () => {
    const { grafana, valid } = await setup();
    expect((await call(grafana, '/api/user', { token: valid })).status).toBe(200);
    const moved = await fetch(`${grafana.url}/__standin/clock`, { method: 'POST', body: JSON.stringify({ advanceSeconds: 400 }) });
    expect(moved.status).toBe(200);
    expect(((await moved.json()) as { now: number }).now).toBeGreaterThanOrEqual(nowSeconds() + 399);
    expect((await call(grafana, '/api/user', { token: valid })).status).toBe(401);
    const bad = await fetch(`${grafana.url}/__standin/clock`, { method: 'POST', body: '{"advanceSeconds": "soon"}' });
    expect(bad.status).toBe(400);
  });

  it('records each request (token source, result, login, time) and emits request/api events', async () => {
    const { grafana, valid } = await setup();
    const apiEvents: RequestRecord[] = [];
    const allEvents: RequestRecord[] = [];
    grafana.events.on('api', (r: RequestRecord) => apiEvents.push(r));
    grafana.events.on('request', (r: RequestRecord) => allEvents.push(r));
    const before = Date.now();
    await call(grafana, '/d/http-latency', { urlToken: valid });
    await call(grafana, '/api/user', { token: valid });
    await call(grafana, '/api/user');
    expect(apiEvents.map((r) => [r.tokenSource, r.result, r.status])).toEqual([
      ['header', 'user', 200],
      [null, 'denied', 401],
    ]);
    expect(allEvents).toHaveLength(3);
    expect(grafana.requests[0]).toMatchObject({ kind: 'page', path: '/d/http-latency', tokenSource: 'url', login: 'alice', status: 200 });
    expect(grafana.requests[0]?.time).toBeGreaterThanOrEqual(before);
    const remote = (await (await fetch(`${grafana.url}/__standin/requests`)).json()) as RequestRecord[];
    expect(remote).toHaveLength(3);
    expect(JSON.stringify(remote)).not.toContain(valid);
  });
});
