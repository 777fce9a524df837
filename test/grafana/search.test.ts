// GET /api/search as Grafana answers it (docs/grafana-jwt.md#search): parameters, hit shape, order, bad input.
import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardSet } from './dashboards.ts';
import { call, claims, harness, makeKey, sign, type TestKey } from './helpers.ts';
import type { SearchHit } from './search.ts';

const h = harness();
afterEach(() => h.cleanup());

async function setup(options: { extra?: string; dashboards?: DashboardSet } = {}) {
  const key = await makeKey();
  const { grafana } = await h.start(key, {}, options.extra ?? '', options.dashboards ? { dashboards: options.dashboards } : {});
  const token = await sign(key);
  const search = async (query: string, t = token) => {
    const res = await call(grafana, `/api/search${query}`, { token: t });
    return res as { status: number; body: SearchHit[] & { message?: string } };
  };
  const uids = async (query: string, t = token) => (await search(query, t)).body.map((hit) => hit.uid);
  return { grafana, key, token, search, uids };
}

const tokenAs = (key: TestKey, over: Record<string, unknown>) => sign(key, claims(over));

describe('hit shape', () => {
  it('a dashboard in a folder: every member Grafana sends, in its order, slug empty, folder fields filled', async () => {
    const { search } = await setup();
    const [hit] = (await search('?query=HTTP%20Latency')).body;
    expect(hit).toEqual({
      id: 7,
      uid: 'http-latency',
      orgId: 1,
      title: 'HTTP Latency',
      uri: 'db/http-latency',
      url: '/d/http-latency/http-latency',
      slug: '',
      type: 'dash-db',
      tags: ['http', 'slo'],
      isStarred: false,
      folderId: 2,
      folderUid: 'services',
      folderTitle: 'Services',
      folderUrl: '/dashboards/f/services/services',
      sortMeta: 0,
      isDeleted: false,
    });
    expect(Object.keys(hit!)).toEqual([
      'id', 'uid', 'orgId', 'title', 'uri', 'url', 'slug', 'type', 'tags', 'isStarred',
      'folderId', 'folderUid', 'folderTitle', 'folderUrl', 'sortMeta', 'isDeleted',
    ]);
  });

  it('a folder, and a dashboard at the root: the folder members are left out', async () => {
    const { search } = await setup();
    const [folder] = (await search('?query=Services&type=dash-folder')).body;
    expect(folder).toEqual({
      id: 2, uid: 'services', orgId: 1, title: 'Services', uri: 'db/services', url: '/dashboards/f/services/services',
      slug: '', type: 'dash-folder', tags: [], isStarred: false, sortMeta: 0, isDeleted: false,
    });
    const [root] = (await search('?query=team')).body;
    expect(root).toMatchObject({ uid: 'team-overview', url: '/d/team-overview/team-overview', tags: [] });
    expect(Object.keys(root!)).not.toContain('folderUid');
    expect(Object.keys(root!)).not.toContain('folderTitle');
  });

  it('urls carry the sub-path of root_url, as Grafana builds them', async () => {
    const { search } = await setup({ extra: '[server]\nroot_url = https://apps.example.test/grafana/\n' });
    const [hit] = (await search('?query=HTTP%20Latency')).body;
    expect(hit).toMatchObject({ url: '/grafana/d/http-latency/http-latency', folderUrl: '/grafana/dashboards/f/services/services', uri: 'db/http-latency' });
    const [folder] = (await search('?type=dash-folder&query=infra')).body;
    expect(folder!.url).toBe('/grafana/dashboards/f/infra/infrastructure');
  });
});

describe('order', () => {
  it('no sort: folders first, then dashboards, each by title without regard to case; tags sorted', async () => {
    const { search } = await setup({
      dashboards: {
        folders: [{ uid: 'z', title: 'zeta' }, { uid: 'a', title: 'Alpha' }],
        dashboards: [
          { uid: 'd1', title: 'beta', tags: ['z', 'a'] },
          { uid: 'd2', title: 'Alpha board' },
          { uid: 'd3', title: 'Charlie', folderUid: 'z' },
        ],
      },
    });
    const hits = (await search('')).body;
    expect(hits.map((x) => x.title)).toEqual(['Alpha', 'zeta', 'Alpha board', 'beta', 'Charlie']);
    expect(hits.find((x) => x.uid === 'd1')!.tags).toEqual(['a', 'z']);
  });

  it('sort=alpha-asc / alpha-desc: by title only, folders mixed in; an unknown sort keeps the title order', async () => {
    const { uids } = await setup();
    const asc = await uids('?sort=alpha-asc');
    expect(asc.slice(0, 5)).toEqual(['api-errors', 'checkout-slo', 'databases', 'disk-usage', 'http-latency']);
    expect(await uids('?sort=alpha-desc')).toEqual([...asc].reverse());
    expect(await uids('?sort=no-such-sort')).toEqual(asc);
  });
});

describe('parameters', () => {
  it('query: a substring of the title, without regard to case; folders match too', async () => {
    const { uids } = await setup();
    expect(await uids('?query=LATENCY')).toEqual(['http-latency', 'redis-latency']);
    expect(await uids('?query=base')).toEqual(['databases']);
    expect(await uids('?query=xyz-nothing')).toEqual([]);
    expect((await uids('?query=')).length).toBe(13);
  });

  it('query: % and _ are SQL wildcards, since Grafana does not escape them; other characters are literal', async () => {
    const { uids } = await setup();
    expect(await uids('?query=http%25latency')).toEqual(['http-latency']);
    expect(await uids('?query=d_sk')).toEqual(['disk-usage']);
    expect((await uids('?query=_')).length).toBe(13);
    expect(await uids('?query=.%2A')).toEqual([]);
    expect(await uids('?query=(5')).toEqual([]);
  });

  it('tag: repeated, every one must match; folders have none', async () => {
    const { uids } = await setup();
    expect(await uids('?tag=linux')).toEqual(['disk-usage', 'node-exporter']);
    expect(await uids('?tag=linux&tag=hosts')).toEqual(['node-exporter']);
    expect(await uids('?tag=linux&tag=slo')).toEqual([]);
    expect(await uids('?tag=LINUX')).toEqual([]);
    // The database counts matching tag rows: asking for one tag twice finds nothing.
    expect(await uids('?tag=linux&tag=linux')).toEqual([]);
  });

  it('type: dash-db or dash-folder; any other value filters nothing', async () => {
    const { uids } = await setup();
    expect(await uids('?type=dash-folder')).toEqual(['databases', 'infra', 'services']);
    expect((await uids('?type=dash-db')).length).toBe(10);
    expect((await uids('?type=dashboard')).length).toBe(13);
  });

  it('folderUIDs: repeated; "general" is the root (top-level folders and root dashboards); folderIds the same by id, 0 the root', async () => {
    const { uids, search } = await setup();
    expect(await uids('?folderUIDs=infra')).toEqual(['disk-usage', 'kubernetes-cluster', 'node-exporter']);
    expect(await uids('?folderUIDs=infra&folderUIDs=databases')).toEqual(['disk-usage', 'kubernetes-cluster', 'node-exporter', 'postgres-overview', 'redis-latency']);
    expect(await uids('?folderUIDs=general')).toEqual(['databases', 'infra', 'services', 'team-overview', 'token-server']);
    expect(await uids('?folderUIDs=general&folderUIDs=databases')).toEqual(['databases', 'infra', 'services', 'postgres-overview', 'redis-latency', 'team-overview', 'token-server']);
    expect(await uids('?folderUIDs=')).toEqual([]);
    expect(await uids('?folderIds=1')).toEqual(await uids('?folderUIDs=infra'));
    expect(await uids('?folderIds=0')).toEqual(await uids('?folderUIDs=general'));
    // An id that does not parse is dropped: no folder filter at all.
    expect((await uids('?folderIds=abc')).length).toBe(13);
    expect(await search('?folderIds=1&folderUIDs=infra')).toMatchObject({ status: 400, body: { message: 'search supports UIDs or IDs, not both' } });
  });

  it('dashboardUIDs (and the older dashboardUID) and dashboardIds pick by identity; both kinds at once is 400', async () => {
    const { uids, search } = await setup();
    expect(await uids('?dashboardUIDs=token-server&dashboardUIDs=api-errors')).toEqual(['api-errors', 'token-server']);
    expect(await uids('?dashboardUID=token-server')).toEqual(['token-server']);
    expect(await uids('?dashboardIds=12')).toEqual(['token-server']);
    expect(await search('?dashboardIds=12&dashboardUIDs=x')).toMatchObject({ status: 400, body: { message: 'search supports UIDs or IDs, not both' } });
  });

  it('limit (default 1000, at most 5000) and page (from 1) cut the title-ordered list before folders go first', async () => {
    const { uids, search } = await setup();
    // Titles in order: API Errors, Checkout SLO, Databases, Disk Usage, … — the first page holds one folder.
    expect(await uids('?limit=3')).toEqual(['databases', 'api-errors', 'checkout-slo']);
    expect(await uids('?limit=3&page=2')).toEqual(['infra', 'disk-usage', 'http-latency']);
    expect(await uids('?limit=3&page=2&sort=alpha-asc')).toEqual(['disk-usage', 'http-latency', 'infra']);
    expect(await uids('?limit=3&page=99')).toEqual([]);
    expect(await uids('?limit=3&page=0')).toEqual(await uids('?limit=3'));
    expect((await uids('?limit=5000')).length).toBe(13);
    const over = await search('?limit=5001');
    expect(over).toMatchObject({
      status: 422,
      body: { message: 'Limit is above maximum allowed (5000), use page parameter to access hits beyond limit' },
    });
  });

  it('a limit that is not an integer, zero or negative means the default', async () => {
    const { uids } = await setup();
    for (const limit of ['abc', '2.5', '0', '-3', '', '%20%202']) expect((await uids(`?limit=${limit}`)).length, limit).toBe(13);
  });

  it('a custom set above the default limit is cut at 1000 hits', async () => {
    const dashboards = Array.from({ length: 1003 }, (_, i) => ({ uid: `d${i}`, title: `Board ${String(i).padStart(4, '0')}` }));
    const { search } = await setup({ dashboards: { folders: [], dashboards } });
    const hits = (await search('')).body;
    expect(hits.length).toBe(1000);
    expect(hits.at(-1)!.title).toBe('Board 0999');
    expect((await search('?limit=1000&page=2')).body.map((x) => x.uid)).toEqual(['d1000', 'd1001', 'd1002']);
  });

  it('the request record keeps what a search asked for, never an auth_token', async () => {
    const { grafana, token } = await setup();
    await call(grafana, '/api/search?query=latency&tag=http&tag=slo&starred=true', { urlToken: token });
    expect(grafana.requests.at(-1)).toMatchObject({ path: '/api/search', params: { query: ['latency'], tag: ['http', 'slo'], starred: ['true'] }, tokenSource: 'url' });
    expect(JSON.stringify(grafana.requests)).not.toContain(token);
  });

  it('deleted=true: 401 for anyone but an org Admin, who gets the (always empty) trash', async () => {
    const { key, search } = await setup();
    expect(await search('?deleted=true')).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
    expect(await search('?deleted=true', await tokenAs(key, { role: 'Admin', login: 'root', email: 'root@example.test', sub: 'root' }))).toMatchObject({ status: 200, body: [] });
  });
});

describe('who sees what', () => {
  it('every role but None sees everything (folder permissions are not modelled)', async () => {
    const { key, uids } = await setup();
    for (const role of ['Viewer', 'Editor']) expect((await uids('', await tokenAs(key, { role }))).length, role).toBe(13);
    expect(await uids('', await tokenAs(key, { role: 'None' }))).toEqual([]);
  });

  it('permission=Edit: what the caller may edit, nothing for a Viewer', async () => {
    const { key, uids } = await setup();
    expect((await uids('?permission=Edit')).length).toBe(13);
    expect(await uids('?permission=Edit', await tokenAs(key, { role: 'Viewer' }))).toEqual([]);
    expect((await uids('?permission=View', await tokenAs(key, { role: 'Viewer' }))).length).toBe(13);
  });

  it('without a valid token: 401 like the rest of the API, and no CORS headers', async () => {
    const { grafana } = await setup();
    const res = await fetch(`${grafana.url}/api/search?query=`, { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ messageId: 'auth.unauthorized', message: 'Unauthorized' });
    expect([...res.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    const preflight = await fetch(`${grafana.url}/api/search`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-jwt-assertion' },
    });
    expect(preflight.status).toBe(404);
    expect(await preflight.json()).toEqual({ message: 'Not found' });
    expect([...preflight.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
  });
});
