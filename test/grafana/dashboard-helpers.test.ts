// The helpers other tests use, against the real token server: tokens it mints star dashboards through
// the stand-in's API, and page views are reported per user and transport.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.ts';
import { openFromHome } from '../helpers/token-server.ts';
import { dashboardViews, starAs, starDashboard, starredUids, tokenFor, unstarDashboard } from './dashboard-helpers.ts';

describe('dashboard helpers with the real token server', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      instances: [{ id: 'grafana', groupRoles: { ops: 'Editor' } }],
      users: [
        { login: 'alice', password: 'alice-password-1', groups: ['ops'] },
        { login: 'bob', password: 'bob-password-123', groups: ['ops'] },
      ],
    });
  });
  afterAll(() => stack.close());

  it('starAs stars for that user only; starDashboard/unstarDashboard/starredUids work with a minted token', async () => {
    const grafana = stack.grafana.grafana!;
    await starAs(stack, { login: 'alice', password: 'alice-password-1' }, 'http-latency');
    const alice = await tokenFor(stack.server, 'alice', 'alice-password-1');
    const bob = await tokenFor(stack.server, 'bob', 'bob-password-123');
    expect(await starredUids(grafana, alice)).toEqual(['http-latency']);
    expect(await starredUids(grafana, bob)).toEqual([]);
    await starDashboard(grafana, bob, 'token-server');
    await unstarDashboard(grafana, alice, 'http-latency');
    expect(await starredUids(grafana, alice)).toEqual([]);
    expect(await starredUids(grafana, bob)).toEqual(['token-server']);
    await expect(starDashboard(grafana, bob, 'no-such-uid')).rejects.toThrow(/404 .*Dashboard not found/);
    await expect(tokenFor(stack.server, 'alice', 'alice-password-1', 'no-such-instance')).rejects.toThrow(/404/);
  });

  it('dashboardViews says who opened which dashboard, and whether by header or URL token', async () => {
    const grafana = stack.grafana.grafana!;
    const since = grafana.requests.length;
    const cookie = await stack.server.signIn('alice', 'alice-password-1');
    const open = await openFromHome(stack.server.url, cookie, 'grafana', '/d/api-errors/api-errors?orgId=1');
    await fetch(open.headers.get('location')!, { redirect: 'manual' });
    const token = await tokenFor(stack.server, 'bob', 'bob-password-123');
    await fetch(`${grafana.url}/d/api-errors`, { headers: { [grafana.settings.jwt.headerName]: token } });
    expect(dashboardViews(grafana, 'api-errors', since)).toMatchObject([
      { login: 'alice', tokenSource: 'url', found: true, tabTitle: 'API Errors - Services - Dashboards - Grafana' },
      { login: 'bob', tokenSource: 'header' },
    ]);
    expect(dashboardViews(grafana, 'http-latency', since)).toEqual([]);
  });
});
