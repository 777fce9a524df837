// The launcher's entry points outside the popup, in the real browser: the address-bar keyword and the
// context menu's search. Neither can be driven headless (no omnibox to type into, no menu to click),
// so the steps call the worker's own handlers through the test build's hook (index.ts grafanaSsoTest),
// and the worker does the rest for real: the search against the stand-in, the tab, the token.
import { expect, it } from 'vitest';
import type { Scenario } from './scenarios';
import { extensionState } from './extension-state';
import { signedInPage } from './standin-page';

interface Suggestion {
  content: string;
  description: string;
}
type Hook = { grafanaSsoTest: { omniboxInput(text: string): Promise<Suggestion[]>; omniboxEntered(text: string, disposition: string): Promise<unknown> } };

export function launcherEntrySteps(s: Scenario): void {
  const { menuClicked } = extensionState(() => s.browser);
  const omniboxInput = (text: string) => s.browser.inBackground((scope, t) => (scope as unknown as Hook).grafanaSsoTest.omniboxInput(t), text);
  const omniboxEntered = (text: string, disposition: string) =>
    s.browser.inBackground((scope, a) => (scope as unknown as Hook).grafanaSsoTest.omniboxEntered(a.text, a.disposition), { text, disposition });

  it('omnibox "gf latency" suggests dashboards from Grafana\'s search; Enter on one opens it signed in', async () => {
    const suggestions = await omniboxInput('latency');
    const http = suggestions.find((x) => x.content === `${s.grafana.url}/d/http-latency/http-latency`);
    // Chromium reads XML (the match marked); Firefox shows plain text.
    expect(http?.description).toBe(s.browser.name === 'Chromium' ? 'HTTP <match>Latency</match> <dim>— Services · Team Grafana</dim>' : 'HTTP Latency — Services · Team Grafana');
    const tab = await s.browser.nextPage(() => omniboxEntered(http!.content, 'newForegroundTab'));
    expect(await signedInPage(tab)).toMatchObject({ status: 'signed-in', login: 'alice' });
    expect(await tab.text('#dashboard')).toBe('http-latency');
    const recent = await s.browser.inExtension(async () => (await chrome.storage.local.get('recentDashboards')).recentDashboards as { path: string; title: string }[], null);
    expect(recent[0]).toMatchObject({ path: '/d/http-latency/http-latency', title: 'HTTP Latency' });
    await tab.close();
  });

  it('omnibox Enter on typed text opens the best match', async () => {
    const tab = await s.browser.nextPage(() => omniboxEntered('postgres', 'newForegroundTab'));
    expect(await signedInPage(tab)).toMatchObject({ status: 'signed-in', login: 'alice' });
    expect(await tab.text('#dashboard')).toBe('postgres-overview');
    await tab.close();
  });

  it("context menu \"Search Grafana for '<selection>'\" (driven through the background) opens the popup with the selection for it", async () => {
    // Both browsers let the worker open the popup (action.openPopup resolves, Chromium 156 and Firefox
    // ESR 153, headless); the popup takes the query with takePendingQuery. Where openPopup is refused
    // the worker opens the best match instead (test/extension/omnibox-and-menu.test.ts).
    const before = await s.browser.inExtension(async () => (await chrome.tabs.query({})).length, null);
    const outcome = await menuClicked({ menuItemId: 'search-grafana', selectionText: ' checkout   slo ', pageUrl: 'https://wiki.example/', editable: false });
    expect(outcome).toBe('popup');
    const pending = await s.browser.inExtension(async () => (await chrome.storage.session.get('pendingQuery')).pendingQuery as { query: string } | undefined, null);
    // Kept for the popup, unless the popup took it already.
    expect([undefined, 'checkout slo']).toContain(pending?.query);
    expect(await s.browser.inExtension(async () => (await chrome.tabs.query({})).length, null)).toBe(before);
  });
}
