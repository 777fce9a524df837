import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, it, vi } from 'vitest';
import { currentPageLink } from '../../extension/background/page-link';
import * as store from '../../extension/background/store';
import { instances, serverUrl } from './fakes';

const publicUrl = 'https://sso.example.test';

const saveConfig = () => store.save({ config: { serverUrl, config: { issuer: publicUrl, loginUrl: `${publicUrl}/login`, instances } } });

/** The active tab as the browser reports it to the worker (url and title only where host access was granted). */
async function activeTab(url: string | undefined, title = 'CPU - Dashboards - Grafana') {
  await saveConfig();
  const query = vi.spyOn(fakeBrowser.tabs, 'query').mockResolvedValue([{ id: 1, index: 0, active: true, highlighted: true, pinned: false, incognito: false, url, title }] as never);
  return query;
}

describe('currentPageLink', () => {
  it('the active Grafana tab as a /go/ link on the public URL, without its auth_token, with its title', async () => {
    const query = await activeTab('http://127.0.0.1:3000/d/abc/cpu?orgId=1&var-host=a%20b&auth_token=the-jwt#panel-2');
    const link = await currentPageLink();
    expect(query).toHaveBeenCalledWith({ active: true, lastFocusedWindow: true });
    expect(link).toEqual({ instanceId: 'main', title: 'CPU - Dashboards - Grafana', link: `${publicUrl}/go/main/d/abc/cpu?orgId=1&var-host=a%20b#panel-2` });
    expect(JSON.stringify(link)).not.toContain('the-jwt');
  });

  it('a tab under a sub-path instance: the path within it', async () => {
    await activeTab('https://ops.example.com/grafana/explore?left=%7B%7D');
    expect((await currentPageLink())?.link).toBe(`${publicUrl}/go/ops/explore?left=%7B%7D`);
  });

  it('null for a tab outside every instance, or one whose URL the browser hides (no host access)', async () => {
    await activeTab('https://wiki.example/runbook');
    expect(await currentPageLink()).toBeNull();
    await activeTab(undefined, '');
    expect(await currentPageLink()).toBeNull();
  });

  it('null before any config is known', async () => {
    vi.spyOn(fakeBrowser.tabs, 'query').mockResolvedValue([{ id: 1, index: 0, active: true, highlighted: true, pinned: false, incognito: false, url: "http://127.0.0.1:3000/d/abc" }] as never);
    expect(await currentPageLink()).toBeNull();
  });
});
