import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, it } from 'vitest';
import type { RecentDashboard } from '../../extension/common/launcher';
import { RECENT_MAX, loadRecent, recordRecent } from '../../extension/background/recent';
import { dashboardTitle } from '../../extension/background/grafana-tabs';
import { advance, connectSearchPort, openedUrls, popupSender, sendAs, setUp, until } from './harness';

const recent = () => sendAs(popupSender(), { type: 'recentDashboards' }) as Promise<RecentDashboard[]>;

describe('Recent', () => {
  it('keeps the most recent first, once per instance and path, capped', async () => {
    for (let n = 0; n < RECENT_MAX + 5; n++) await recordRecent({ instanceId: 'main', path: `/d/u${n}/slug`, title: `D${n}` }, 1000 + n);
    await recordRecent({ instanceId: 'main', path: '/d/u10/slug?orgId=1', title: 'D10 again' }, 5000);
    await recordRecent({ instanceId: 'ops', path: '/d/u10/slug', title: 'Ops D10' }, 5001);
    const list = await loadRecent();
    expect(list).toHaveLength(RECENT_MAX);
    expect(list.slice(0, 2)).toEqual([
      { instanceId: 'ops', path: '/d/u10/slug', title: 'Ops D10', openedAt: 5001 },
      { instanceId: 'main', path: '/d/u10/slug', title: 'D10 again', openedAt: 5000 },
    ]);
    expect(list.filter((r) => r.instanceId === 'main' && r.path === '/d/u10/slug')).toHaveLength(1);
    // The oldest went: u0…u5 (six, since u10 moved up instead of taking a new place).
    expect(list.map((r) => r.path)).not.toContain('/d/u5/slug');
    expect(list.map((r) => r.path)).toContain('/d/u6/slug');
  });

  it('never keeps a query or fragment (tokens, dashboard variables)', async () => {
    await recordRecent({ instanceId: 'main', path: '/d/abc/cpu?auth_token=eyJsecret&var-host=db1#panel-2', title: 'CPU' }, 1);
    expect(await loadRecent()).toEqual([{ instanceId: 'main', path: '/d/abc/cpu', title: 'CPU', openedAt: 1 }]);
    expect(JSON.stringify(await fakeBrowser.storage.local.get())).not.toMatch(/eyJ|var-host|panel/);
  });

  it('is recorded when the launcher opens a dashboard, in a background tab when asked', async () => {
    const { sync } = await setUp();
    await sync.syncAccount();
    const result = await sendAs(popupSender(), { type: 'open', instanceId: 'ops', path: '/d/abc/cpu?from=now-1h', title: 'CPU', background: true });
    expect(result).toEqual({ ok: true, instanceId: 'ops' });
    const tabOn = async (prefix: string) => (await fakeBrowser.tabs.query({})).find((t) => t.url?.startsWith(prefix));
    expect(await tabOn('https://ops.example.com/')).toMatchObject({ active: false, url: 'https://ops.example.com/grafana/d/abc/cpu?from=now-1h&auth_token=jwt-1' });
    expect(await recent()).toEqual([{ instanceId: 'ops', path: '/d/abc/cpu', title: 'CPU', openedAt: Date.now() }]);
    // A plain open (no title: the popup's Open button) is not a dashboard for Recent, and takes focus.
    await sendAs(popupSender(), { type: 'open' });
    expect(await recent()).toHaveLength(1);
    expect(await tabOn('http://127.0.0.1:3000/')).toMatchObject({ active: true });
  });

  it('is recorded when a Grafana tab shows a dashboard, with the title Grafana gave it', async () => {
    const { sync } = await setUp();
    await sync.syncAccount();
    const tab = { id: 5, index: 0, highlighted: true, active: true, pinned: false, incognito: false, url: 'https://ops.example.com/grafana/d/xyz/disk?orgId=1' };
    await fakeBrowser.tabs.onUpdated.trigger(5, { title: 'Grafana' }, { ...tab, title: 'Grafana' } as never);
    await fakeBrowser.tabs.onUpdated.trigger(5, { title: 'Disk usage - Dashboards - Grafana' }, { ...tab, title: 'Disk usage - Dashboards - Grafana' } as never);
    // Not dashboards: Explore, the home page, a page outside any instance.
    await fakeBrowser.tabs.onUpdated.trigger(6, { title: 'Explore - Grafana' }, { ...tab, id: 6, url: 'https://ops.example.com/grafana/explore', title: 'Explore - Grafana' } as never);
    await fakeBrowser.tabs.onUpdated.trigger(7, { title: 'X - Grafana' }, { ...tab, id: 7, url: 'https://elsewhere.example/d/xyz', title: 'X - Grafana' } as never);
    await until(async () => expect(await recent()).toEqual([{ instanceId: 'ops', path: '/d/xyz/disk', title: 'Disk usage', openedAt: Date.now() }]));
  });

  it("guesses the dashboard's title from Grafana's tab title when Grafana cannot be asked", () => {
    expect(dashboardTitle('HTTP Latency - Dashboards - Grafana')).toBe('HTTP Latency');
    expect(dashboardTitle('HTTP Latency - Services - Dashboards - Grafana')).toBe('HTTP Latency');
    expect(dashboardTitle('HTTP Latency - Services - Dashboards - Acme Monitoring')).toBe('HTTP Latency');
    expect(dashboardTitle('Grafana')).toBeNull();
    expect(dashboardTitle('Explore - Grafana')).toBeNull();
    expect(dashboardTitle(' - Dashboards - Grafana')).toBeNull();
  });

  it('is cleared on sign-out and when the options page asks; entries of removed instances are dropped', async () => {
    const { sync } = await setUp();
    await sync.syncAccount();
    await recordRecent({ instanceId: 'main', path: '/d/a', title: 'A' }, 1);
    await recordRecent({ instanceId: 'gone', path: '/d/b', title: 'B' }, 2);
    expect((await recent()).map((r) => r.instanceId)).toEqual(['main']);
    expect(await loadRecent()).toHaveLength(1); // dropped from storage too
    expect(await sendAs(popupSender(), { type: 'clearRecent' })).toBeNull();
    expect(await recent()).toEqual([]);
    await recordRecent({ instanceId: 'main', path: '/d/a', title: 'A' }, 3);
    await sendAs(popupSender(), { type: 'signOut' });
    expect(await loadRecent()).toEqual([]);
  });

  it('is cleared when the server changes', async () => {
    const { sync } = await setUp();
    await sync.syncAccount();
    await recordRecent({ instanceId: 'main', path: '/d/a', title: 'A' }, 1);
    await fakeBrowser.storage.local.set({ options: { serverUrl: 'http://127.0.0.1:7001' } });
    await until(async () => expect(await loadRecent()).toEqual([]));
  });

  it('comes with the empty query, most recent first, and not when signed out', async () => {
    const { sync } = await setUp();
    await sync.syncAccount();
    await recordRecent({ instanceId: 'main', path: '/d/a', title: 'A' }, 1);
    advance(1000);
    await recordRecent({ instanceId: 'ops', path: '/d/b', title: 'B' }, 2);
    const popup = await connectSearchPort();
    popup.search(1, '');
    await until(() => expect(popup.answers[0]?.recent.map((r) => r.title)).toEqual(['B', 'A']));
    expect(await openedUrls()).toEqual([]);
  });
});
