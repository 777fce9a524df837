// Dashboard and folder pages (docs/grafana-jwt.md#search): the app for every uid, Grafana's tab title,
// and a record of who viewed which page with which transport.
import { afterEach, describe, expect, it } from 'vitest';
import { pageVisits } from './dashboard-helpers.ts';
import { call, harness, makeKey, sign } from './helpers.ts';

const h = harness();
afterEach(() => h.cleanup());

async function setup(extra = '') {
  const key = await makeKey();
  const { grafana } = await h.start(key, {}, extra);
  return { grafana, token: await sign(key) };
}
const tabTitle = (html: unknown) => /<title>([^<]*)<\/title>/.exec(html as string)?.[1];

describe('dashboard and folder pages', () => {
  it('a dashboard page has Grafana\'s tab title: dashboard - folder - Dashboards - Grafana', async () => {
    const { grafana, token } = await setup();
    const page = await call(grafana, '/d/http-latency/http-latency?orgId=1', { urlToken: token });
    expect(page.status).toBe(200);
    expect(tabTitle(page.body)).toBe('HTTP Latency - Services - Dashboards - Grafana');
    expect(page.body).toContain('<span id="dashboard">http-latency</span>');
    expect(tabTitle((await call(grafana, '/d/token-server', { token })).body)).toBe('Token Server - Dashboards - Grafana');
    expect(tabTitle((await call(grafana, '/dashboards/f/infra/infrastructure', { token })).body)).toBe('Infrastructure - Dashboards - Grafana');
    expect(tabTitle((await call(grafana, '/dashboards', { token })).body)).toBe('Dashboards - Grafana');
    expect(tabTitle((await call(grafana, '/', { token })).body)).toBe('Grafana');
  });

  it('an unknown uid is still the app (200), drawn as not found, and recorded as not found', async () => {
    const { grafana, token } = await setup();
    const page = await call(grafana, '/d/no-such-uid/whatever', { token });
    expect(page.status).toBe(200);
    expect(tabTitle(page.body)).toBe('Dashboard not found - Grafana');
    expect((await call(grafana, '/dashboards/f/no-such-folder', { token })).status).toBe(200);
    expect(pageVisits(grafana).map((v) => [v.type, v.uid, v.found])).toEqual([
      ['dashboard', 'no-such-uid', false],
      ['folder', 'no-such-folder', false],
    ]);
  });

  it('records who viewed which page and how the token came: header or auth_token URL; signed out is no view', async () => {
    const { grafana, token } = await setup();
    await call(grafana, '/d/http-latency/http-latency', { token });
    await call(grafana, '/d/api-errors?orgId=1', { urlToken: token });
    expect((await call(grafana, '/d/token-server')).status).toBe(302);
    await call(grafana, '/dashboards/f/services/services', { token });
    expect(pageVisits(grafana)).toEqual([
      expect.objectContaining({ type: 'dashboard', uid: 'http-latency', found: true, folderUid: 'services', login: 'alice', tokenSource: 'header', status: 200, path: '/d/http-latency/http-latency', tabTitle: 'HTTP Latency - Services - Dashboards - Grafana' }),
      expect.objectContaining({ type: 'dashboard', uid: 'api-errors', login: 'alice', tokenSource: 'url', path: '/d/api-errors' }),
      expect.objectContaining({ type: 'folder', uid: 'services', login: 'alice', tokenSource: 'header' }),
    ]);
    expect(grafana.requests.find((r) => r.path === '/d/token-server')).not.toHaveProperty('page');
  });

  it('served from a sub-path: pages and API under it, redirects and the app\'s API calls keep it', async () => {
    const { grafana, token } = await setup('[server]\nroot_url = http://localhost:3000/grafana/\nserve_from_sub_path = true\n');
    const page = await call(grafana, '/grafana/d/http-latency/http-latency', { urlToken: token });
    expect(page.status).toBe(200);
    expect(page.body).toContain('var subUrl = "/grafana"');
    expect(await call(grafana, '/grafana/d/http-latency')).toMatchObject({ status: 302, location: '/grafana/login' });
    const hits = (await call(grafana, '/grafana/api/search?query=token', { token })).body as { url: string }[];
    expect(hits.map((x) => x.url)).toEqual(['/grafana/d/token-server/token-server']);
    expect(pageVisits(grafana)).toMatchObject([{ uid: 'http-latency', path: '/grafana/d/http-latency/http-latency' }]);
  });
});
