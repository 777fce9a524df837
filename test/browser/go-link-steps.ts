// /go/ links (docs/api.md "Links") followed in a real browser from another site's page, with the
// extension signed in: through its redirect rule and the header rule, and through the token server's
// URL login when the extension holds no token. Part of the shared steps (scenarios.ts), run while
// signed in with a live token.
import { decodeJwt } from 'jose';
import { expect, it } from 'vitest';
import { dashboardViews } from '../grafana/dashboard-helpers';
import { extensionState } from './extension-state';
import { waitFor } from './harness';
import type { Scenario } from './scenarios';
import { signedInPage } from './standin-page';

const dashboard = '/d/http-latency/http-latency';
const query = '?orgId=1&var-host=a%20b';
const planted = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.planted';

/** The other site's links (other-site.ts) to the token server's /go/ form. */
export const otherSiteGoLinks = (serverUrl: string) => ({
  'go-link': `${serverUrl}/go/grafana${dashboard}${query}`,
  'go-link-token': `${serverUrl}/go/grafana${dashboard}?orgId=1&auth_token=${planted}`,
});

export function goLinkSteps(s: Scenario): void {
  const { storedToken, headerRuleValues, linkRuleTypes } = extensionState(() => s.browser);
  const linkMints = async () => (await s.stack.server.store.listAudit(1000)).filter((e) => e.type === 'token_minted' && e.via === 'link');
  // The stand-in's record of who viewed the dashboard page and how the token came (header or URL).
  const dashboardLoads = (since: number) => dashboardViews(s.grafana, 'http-latency', since);
  const hasUrlToken = () => (window as unknown as { standin: { hasUrlToken: boolean } }).standin.hasUrlToken;

  it('a /go/ link on another site, extension signed in: its rule opens the Grafana page signed in by the header, no token in the URL, none minted', async () => {
    await waitFor(async () => (await linkRuleTypes()).join() === 'allow,redirect', 10_000, 'the link rules');
    const minted = (await linkMints()).length;
    const mark = s.grafana.requests.length;
    const page = await s.browser.newPage(s.otherSiteUrl);
    await Promise.all([page.waitForURL(`${s.grafana.url}${dashboard}${query}`), page.click('#go-link')]);
    expect(await signedInPage(page)).toEqual({ status: 'signed-in', login: 'alice', role: 'Editor' });
    expect(dashboardLoads(mark)).toMatchObject([{ tokenSource: 'header', status: 200, login: 'alice' }]);
    expect(await page.evaluate(hasUrlToken, null)).toBe(false);
    expect(await linkMints()).toHaveLength(minted);
    await page.close();
  });

  it("a /go/ link carrying someone's auth_token is left to the server, which drops it and signs the follower in as themselves", async () => {
    const minted = (await linkMints()).length;
    const page = await s.browser.newPage(s.otherSiteUrl);
    await page.click('#go-link-token');
    const url = await waitFor(async () => {
      const u = new URL(await page.url());
      return u.origin === s.grafana.url && u.pathname === dashboard ? u : undefined;
    }, 15_000, 'the Grafana page');
    expect(url.search).toMatch(/^\?orgId=1&auth_token=[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(url.searchParams.get('auth_token')).not.toBe(planted);
    expect(decodeJwt(url.searchParams.get('auth_token')!)).toMatchObject({ login: 'alice' });
    expect(await signedInPage(page)).toMatchObject({ status: 'signed-in', login: 'alice' });
    expect(await linkMints()).toHaveLength(minted + 1);
    await page.close();
  });

  it("another site's <img> and fetch of a /go/ link are neither redirected nor minted for", async () => {
    const minted = (await linkMints()).length;
    const mark = s.grafana.requests.length;
    const page = await s.browser.newPage(s.otherSiteUrl);
    const href = otherSiteGoLinks(s.stack.server.url)['go-link'];
    expect(await page.evaluate((h) => (window as unknown as { probeLink(h: string): Promise<string> }).probeLink(h), href)).toBe('done');
    expect(await linkMints()).toHaveLength(minted);
    expect(dashboardLoads(mark)).toEqual([]);
    await page.close();
  });

  it("without the extension's token: the server gets the SameSite=Lax cookie on the cross-site navigation, mints, URL login; the worker then keeps the tab signed in", async () => {
    // As when the token lapsed while a retry was pending: no token, no rules, and no fetch on demand
    // until the retry alarm (Firefox's probe page is a popup, whose warm-up would fetch one otherwise).
    await s.browser.inExtension(async () => {
      await chrome.alarms.clear('refresh:grafana');
      await chrome.storage.session.set({ 'failures:refresh:grafana': 1 });
      await chrome.storage.session.remove('token:grafana');
      const rules = await chrome.declarativeNetRequest.getSessionRules();
      await chrome.declarativeNetRequest.updateSessionRules({ removeRuleIds: rules.map((r) => r.id) });
    }, null);
    const minted = (await linkMints()).length;
    const mark = s.grafana.requests.length;
    const page = await s.browser.newPage(s.otherSiteUrl);
    await page.click('#go-link');
    const url = await waitFor(async () => {
      const u = new URL(await page.url());
      return u.origin === s.grafana.url ? u : undefined;
    }, 15_000, 'the Grafana page');
    expect(`${url.pathname}${url.search}`).toMatch(new RegExp(`^${dashboard}\\${query}&auth_token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    expect(await signedInPage(page)).toMatchObject({ status: 'signed-in', login: 'alice', role: 'Editor' });
    expect(dashboardLoads(mark)[0]).toMatchObject({ tokenSource: 'url', status: 200, login: 'alice' });
    expect((await linkMints()).length).toBe(minted + 1);

    // The retry comes: the Grafana tab is in use (in-use.ts), so the worker fetches a token for it,
    // with the header and link rules, as for any Grafana tab.
    await s.browser.inExtension(() => chrome.alarms.create('refresh:grafana', { when: Date.now() }), null);
    const token = await waitFor(storedToken, 10_000, 'a token for the open Grafana tab');
    await waitFor(async () => (await headerRuleValues()).join() === `${token.token},${token.token}`, 10_000, 'the header rules');
    await waitFor(async () => (await linkRuleTypes()).join() === 'allow,redirect', 10_000, 'the link rules');
    await page.close();
  });
}
