// Stars as Grafana answers them (docs/grafana-jwt.md#search): per user, idempotent, isStarred in search.
import { afterEach, describe, expect, it } from 'vitest';
import { call, claims, harness, HEADER, makeKey, sign } from './helpers.ts';

const h = harness();
afterEach(() => h.cleanup());

async function setup(extra = '') {
  const key = await makeKey();
  const { grafana } = await h.start(key, {}, extra);
  const alice = await sign(key);
  const bob = await sign(key, claims({ sub: 'user-2', login: 'bob', email: 'bob@example.test', name: 'Bob' }));
  const send = async (method: string, path: string, token?: string) => {
    const res = await fetch(`${grafana.url}${path}`, { method, headers: token === undefined ? {} : { [HEADER]: token } });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const starredInSearch = async (token: string, query = '') =>
    ((await call(grafana, `/api/search${query}`, { token })).body as { uid: string; isStarred: boolean }[]).filter((x) => x.isStarred).map((x) => x.uid);
  return { grafana, key, alice, bob, send, starredInSearch };
}

describe('star endpoints', () => {
  it('POST stars for the caller only: GET /api/user/stars and isStarred differ per user', async () => {
    const { alice, bob, send, starredInSearch } = await setup();
    expect(await send('GET', '/api/user/stars', alice)).toEqual({ status: 200, body: [] });
    expect(await send('POST', '/api/user/stars/dashboard/uid/http-latency', alice)).toEqual({ status: 200, body: { message: 'Dashboard starred!' } });
    expect(await send('POST', '/api/user/stars/dashboard/uid/token-server', bob)).toEqual({ status: 200, body: { message: 'Dashboard starred!' } });
    expect(await send('GET', '/api/user/stars', alice)).toEqual({ status: 200, body: ['http-latency'] });
    expect(await send('GET', '/api/user/stars', bob)).toEqual({ status: 200, body: ['token-server'] });
    expect(await starredInSearch(alice)).toEqual(['http-latency']);
    expect(await starredInSearch(bob)).toEqual(['token-server']);
  });

  it('starring twice is fine; DELETE unstars, also what was never starred', async () => {
    const { alice, send } = await setup();
    await send('POST', '/api/user/stars/dashboard/uid/http-latency', alice);
    expect((await send('POST', '/api/user/stars/dashboard/uid/http-latency', alice)).status).toBe(200);
    expect(await send('GET', '/api/user/stars', alice)).toMatchObject({ body: ['http-latency'] });
    expect(await send('DELETE', '/api/user/stars/dashboard/uid/http-latency', alice)).toEqual({ status: 200, body: { message: 'Dashboard unstarred' } });
    expect(await send('DELETE', '/api/user/stars/dashboard/uid/no-such-uid', alice)).toEqual({ status: 200, body: { message: 'Dashboard unstarred' } });
    expect(await send('GET', '/api/user/stars', alice)).toMatchObject({ body: [] });
  });

  it('an unknown uid, a folder or a role that sees nothing: 404 Dashboard not found', async () => {
    const { key, alice, send } = await setup();
    expect(await send('POST', '/api/user/stars/dashboard/uid/no-such-uid', alice)).toEqual({ status: 404, body: { message: 'Dashboard not found' } });
    expect((await send('POST', '/api/user/stars/dashboard/uid/services', alice)).status).toBe(404);
    const none = await sign(key, claims({ role: 'None' }));
    expect(await send('POST', '/api/user/stars/dashboard/uid/http-latency', none)).toMatchObject({ status: 404 });
  });

  it('the deprecated id forms: star by id; a bad id is 400', async () => {
    const { alice, send } = await setup();
    expect(await send('POST', '/api/user/stars/dashboard/12', alice)).toEqual({ status: 200, body: { message: 'Dashboard starred!' } });
    expect(await send('GET', '/api/user/stars', alice)).toMatchObject({ body: ['token-server'] });
    expect(await send('DELETE', '/api/user/stars/dashboard/12', alice)).toEqual({ status: 200, body: { message: 'Dashboard unstarred' } });
    expect(await send('POST', '/api/user/stars/dashboard/abc', alice)).toEqual({ status: 400, body: { message: 'Invalid dashboard ID' } });
    expect(await send('POST', '/api/user/stars/dashboard/0', alice)).toEqual({ status: 400, body: { message: 'Missing dashboard id' } });
    expect(await send('POST', '/api/user/stars/dashboard/999', alice)).toEqual({ status: 404, body: { message: 'Dashboard not found' } });
  });

  it('starred=true lists only the caller\'s starred dashboards, with the other filters applied', async () => {
    const { alice, bob, send, grafana } = await setup();
    const uids = async (query: string, token: string) => ((await call(grafana, `/api/search${query}`, { token })).body as { uid: string }[]).map((x) => x.uid);
    expect(await uids('?starred=true', alice)).toEqual([]);
    for (const uid of ['token-server', 'http-latency', 'redis-latency']) await send('POST', `/api/user/stars/dashboard/uid/${uid}`, alice);
    expect(await uids('?starred=true', alice)).toEqual(['http-latency', 'redis-latency', 'token-server']);
    expect(await uids('?starred=true&query=latency&tag=slo', alice)).toEqual(['http-latency']);
    expect(await uids('?starred=1', alice)).toHaveLength(13);
    expect(await uids('?starred=true', bob)).toEqual([]);
  });

  it('without a valid token every star route answers 401; anonymous access is refused too', async () => {
    const { send } = await setup();
    for (const [method, path] of [['GET', '/api/user/stars'], ['POST', '/api/user/stars/dashboard/uid/http-latency'], ['DELETE', '/api/user/stars/dashboard/uid/http-latency']] as const) {
      expect(await send(method, path), `${method} ${path}`).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
    }
    const anon = await setup('[auth.anonymous]\nenabled = true\n');
    expect((await anon.send('GET', '/api/search')).status).toBe(200);
    expect(await anon.send('POST', '/api/user/stars/dashboard/uid/http-latency')).toEqual({ status: 401, body: { message: 'Unauthorized' } });
  });

  it('a service account stars for itself', async () => {
    const { grafana, send } = await setup();
    const sa = grafana.serviceAccounts.add({ name: 'launcher-bench', role: 'Viewer' });
    const res = await fetch(`${grafana.url}/api/user/stars/dashboard/uid/api-errors`, { method: 'POST', headers: { authorization: `Bearer ${sa.token}` } });
    expect(res.status).toBe(200);
    const stars = await fetch(`${grafana.url}/api/user/stars`, { headers: { authorization: `Bearer ${sa.token}` } });
    expect(await stars.json()).toEqual(['api-errors']);
    expect((await send('GET', '/api/user/stars', undefined)).status).toBe(401);
  });
});
