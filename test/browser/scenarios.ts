// The built extension in a real browser, against the real token server and the Grafana stand-in: the
// same steps for Chromium and Firefox (extension-*.test.ts), through BrowserUnderTest (driver.ts).
// The tests run in order and share one browser: each step starts where the previous one left off
// (configure → sign in → open → refresh → keep-alive → sign out).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHeader } from '../../server/contract/index.ts';
import type { GrafanaStandin } from '../grafana/standin';
import { startStack, type Stack } from '../helpers/stack';
import { expectAccessible } from './axe';
import type { BrowserUnderTest } from './driver';
import { extensionState } from './extension-state';
import { launcherEntrySteps } from './launcher-entry-steps';
import { signedInPage } from './standin-page';
import { buildTestExtension, waitFor } from './harness';
import { goLinkSteps, otherSiteGoLinks } from './go-link-steps';
import { expectFocusOrder, focused } from './keyboard';
import { startOtherSite, type OtherSite } from './other-site';

const alice = { login: 'alice', password: 'correct horse battery', name: 'Alice Doe', grants: { grafana: 'Editor' as const } };

export interface Scenario {
  browser: BrowserUnderTest;
  stack: Stack;
  grafana: GrafanaStandin;
  otherSiteUrl: string;
}

/**
 * Builds the test extension, starts the stack, another site (other-site.ts) and the browser; `more`
 * gets them (filled in by beforeAll) to add browser-specific steps after the shared ones.
 */
export function extensionScenarios(name: string, launch: () => Promise<BrowserUnderTest>, more?: (s: Scenario) => void): void {
  const s = {} as Scenario;
  let otherSite: OtherSite | undefined;

  beforeAll(async () => {
    buildTestExtension();
    s.stack = await startStack({ instances: [{ id: 'grafana', name: 'Team Grafana' }], users: [alice] });
    s.grafana = s.stack.grafana.grafana!;
    otherSite = await startOtherSite(s.grafana.url, otherSiteGoLinks(s.stack.server.url));
    s.otherSiteUrl = otherSite.url;
    s.browser = await launch();
  });

  afterAll(async () => {
    await s.browser?.close();
    await s.stack?.close();
    await otherSite?.close();
  });

  describe(`Grafana SSO extension in ${name}`, () => {
    sharedSteps(s);
    more?.(s);
  });
}

function sharedSteps(s: Scenario): void {
  const inExtension = <T, A>(fn: (arg: A) => T | Promise<T>, arg: A) => s.browser.inExtension(fn, arg);
  const { badge, storedToken, headerRuleValues, refreshAlarm, setOptions, menuClicked } = extensionState(() => s.browser);
  const openPopup = () => s.browser.openExtensionPage('popup');

  /** The test build counts an opening through the extension as "in use" for 5 s (production: 5 min). */
  async function openingTooOld(): Promise<void> {
    const opened = await inExtension(async () => (await chrome.storage.session.get('opened:grafana'))['opened:grafana'] as number | undefined, null);
    await waitFor(async () => Date.now() > (opened ?? 0) + 5_000, 10_000, 'the last opening to be older than 5 s');
  }

  /** API calls the stand-in answered for `path` since `since` (an index into grafana.requests). */
  const apiCalls = (since: number, path: string) => s.grafana.requests.slice(since).filter((r) => r.path === path);

  it('options page: connects to the token server and gets access to exactly its Grafana origins', async () => {
    const popup = await openPopup();
    await popup.waitForText('No token server is configured yet.');
    await expectAccessible(popup, 'the popup, unconfigured');
    await popup.close();

    const options = await s.browser.openExtensionPage('options');
    await options.waitForText('Token server');
    await expectAccessible(options, 'the options page, unconfigured');
    await options.fill('input[aria-label="Token server URL"]', s.stack.server.url);
    await options.clickButton('Save and connect');
    await options.waitForText(s.grafana.url);
    // The test build holds http://127.0.0.1/* already (a headless browser cannot click a prompt), so
    // the page shows the granted state at once; a real install shows "Allow access…" first.
    await options.waitForText('Access granted');
    expect(await inExtension(() => chrome.storage.local.get('options'), null)).toEqual({ options: { serverUrl: s.stack.server.url } });

    await options.clickButton('Test connection');
    await options.waitForText('Server reachable; you are not signed in.');
    await expectAccessible(options, 'the options page, connected');
    await options.close();
  });

  it('options page by keyboard: Tab moves through every control in reading order, each showing its focus', async () => {
    const options = await s.browser.openExtensionPage('options');
    await options.waitForText('Access granted');
    await expectFocusOrder(options, [
      'Token server URL',
      'Reconnect',
      'Test connection',
      'Default instance',
      /^Keep tokens out of URLs/,
      'Minimum refresh margin in seconds',
      'Refresh margin in percent of the lifetime',
    ]);
    await expectFocusOrder(options, ['Minimum refresh margin in seconds', /^Keep tokens out of URLs/, 'Default instance'], 'Shift+Tab');
    await options.close();
  });

  it('signed out: badge and popup ask to sign in; the popup updates when sign-in completes', async () => {
    await waitFor(async () => (await badge()) === 'off', 10_000, 'badge "off"');
    const popup = await openPopup();
    await popup.waitForText('You are signed out.');
    await expectAccessible(popup, 'the popup, signed out');
    expect(await focused(popup)).toMatchObject({ name: 'Sign in' });

    const login = await s.browser.nextPage(() => popup.clickButton('Sign in'));
    expect(new URL(await login.url()).pathname).toBe('/login');
    await expectAccessible(login, "the server's sign-in page");
    expect(await focused(login)).toMatchObject({ name: 'Login' });
    await expectFocusOrder(login, ['Password', 'Sign in']);
    await login.fill('#login', alice.login);
    await login.fill('#password', 'not the password');
    await login.clickButton('Sign in');
    await login.waitForText('Wrong login or password.');
    await expectAccessible(login, "the server's sign-in page with an error");
    await login.fill('#password', alice.password);
    await login.clickButton('Sign in');

    await popup.waitForText('Alice Doe');
    // Roles and tokens are folded away under the launcher.
    await popup.click('details.account summary');
    await popup.waitForText('Editor');
    await popup.waitForText(/token \d:\d\d left/);
    expect(await badge()).toBe('✓');
    await expectAccessible(popup, 'the popup, signed in');
    await Promise.all([popup.close(), login.close()]);
  });

  it('popup by keyboard: focus starts in the search box, Tab reaches every control in order, each showing its focus', async () => {
    const popup = await openPopup();
    await popup.waitForText('No starred or recent dashboards yet');
    expect(await focused(popup)).toMatchObject({ name: 'Search dashboards' });
    // The results are reached with ↑/↓ from the box (launcher-scenarios.ts), not with Tab.
    await expectFocusOrder(popup, ['Open Grafana', 'Alice Doe · 1 instance', 'Options', 'Sign out']);
    await expectFocusOrder(popup, ['Options', 'Alice Doe · 1 instance', 'Open Grafana', 'Search dashboards'], 'Shift+Tab');
    await popup.close();
  });

  it("the server's pages pass axe-core: the signed-in home page (and its Tab order), error pages", async () => {
    const page = await s.browser.newPage(`${s.stack.server.url}/`);
    await page.waitForText('Signed in as Alice Doe');
    await expectAccessible(page, "the server's home page");
    await expectFocusOrder(page, ['Open', 'Sign out']);
    await page.goto(`${s.stack.server.url}/no-such-page`);
    await page.waitForText('Error 404');
    await expectAccessible(page, "the server's error page");
    await page.goto(`${s.stack.server.url}/go/no-such-grafana/d/x`);
    await page.waitForText('No such Grafana');
    await expectAccessible(page, "the server's page for a /go/ link it refuses");
    await page.close();
  });

  it("the extension's requests carry the token server's SameSite=Lax session cookie (background and pages)", async () => {
    const cookie = await fetch(`${s.stack.server.url}/login`).then((r) => r.headers.get('set-cookie') ?? '');
    expect(cookie).toMatch(/SameSite=Lax/i);
    // Without the cookie the answer would be 401 session_required.
    const request = { url: `${s.stack.server.url}/api/session`, headers: { [requestHeader.name]: requestHeader.value } };
    const fromBackground = await s.browser.inBackground(
      (scope, r) => scope.fetch(r.url, { credentials: 'include', headers: r.headers }).then(async (res) => [res.status, ((await res.json()) as { user?: { login: string } }).user?.login]),
      request,
    );
    expect(fromBackground).toEqual([200, 'alice']);
    const fromPage = await inExtension((r) => fetch(r.url, { credentials: 'include', headers: r.headers }).then((res) => res.status), request);
    expect(fromPage).toBe(200);
  });

  it('popup "Open Grafana" opens the stand-in signed in as that user, with the right role', async () => {
    const popup = await openPopup();
    const tab = await s.browser.nextPage(() => popup.clickButton('Open Grafana'));
    expect(await signedInPage(tab)).toEqual({ status: 'signed-in', login: 'alice', role: 'Editor' });
    const url = new URL(await tab.url());
    expect(url.origin).toBe(s.grafana.url);
    expect(url.searchParams.get('auth_token')).toBe((await storedToken())?.token);
    await Promise.all([tab.close(), popup.close()]);
  });

  it('context menu on a Grafana link (driven through the background) opens that link signed in', async () => {
    const link = `${s.grafana.url}/d/http-latency/http-latency?orgId=1`;
    const tab = await s.browser.nextPage(() =>
      menuClicked({ menuItemId: 'open-in-grafana', linkUrl: link, pageUrl: 'https://wiki.example/runbook', editable: false }),
    );
    expect(await signedInPage(tab)).toMatchObject({ status: 'signed-in', login: 'alice' });
    expect(await tab.text('#dashboard')).toBe('http-latency');
    expect(await tab.url()).toMatch(new RegExp(`^${s.grafana.url}/d/http-latency/http-latency\\?orgId=1&auth_token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    await tab.close();
  });

  launcherEntrySteps(s);

  it('refreshes the token with an alarm before it expires while a Grafana tab is open, and replaces the header rule', async () => {
    // Only instances in use are refreshed: a Grafana tab stays open throughout, and the last opening
    // is too old to count, so the worker must see the tab itself.
    const grafanaTab = await s.browser.newPage(`${s.grafana.url}/`);
    await openingTooOld();
    const first = (await storedToken())!;
    const alarm = await refreshAlarm();
    // Default policy: max(60 s, 20 % of 300 s) before expiry, counted from the local receipt time.
    expect(alarm?.scheduledTime).toBeCloseTo(first.receivedAt + 240_000, -1);
    expect(await headerRuleValues()).toEqual([first.token, first.token]);

    // Widen the margin so that the alarm is due about 4 s from now instead of in 4 minutes.
    const elapsed = (Date.now() - first.receivedAt) / 1000;
    const margin = Math.floor(first.expiresIn - elapsed - 4);
    await setOptions({ refreshMinMarginSeconds: margin });
    const due = first.receivedAt + (first.expiresIn - margin) * 1000;
    await waitFor(async () => (await refreshAlarm())?.scheduledTime === due, 5000, 'rescheduled alarm');

    const second = await waitFor(async () => {
      const t = await storedToken();
      return t && t.token !== first.token ? t : undefined;
    }, 15_000, 'a refreshed token');
    expect(second.receivedAt).toBeGreaterThanOrEqual(due - 50);
    expect(second.receivedAt).toBeLessThan(first.receivedAt + first.expiresIn * 1000);
    expect(await headerRuleValues()).toEqual([second.token, second.token]);
    expect(JSON.stringify(await inExtension(() => chrome.storage.local.get(), null))).not.toContain(second.token);

    await setOptions(null);
    await waitFor(async () => (await refreshAlarm())?.scheduledTime === second.receivedAt + 240_000, 5000, 'default schedule');
    await grafanaTab.close();
  });

  it('with no Grafana tab open, a due refresh asks for no token: the token and its rule stay until they expire', async () => {
    const current = (await storedToken())!;
    await openingTooOld();
    await inExtension(() => chrome.alarms.create('refresh:grafana', { when: Date.now() }), null);
    const expiry = current.receivedAt + current.expiresIn * 1000;
    await waitFor(async () => (await refreshAlarm())?.scheduledTime === expiry, 10_000, 'the alarm moved to the expiry');
    expect(await storedToken()).toEqual(current);
    expect(await headerRuleValues()).toEqual([current.token, current.token]);
  });

  it('header scope: another site\'s fetch, <img>, iframe and form POST get no token; its link (GET) and the extension do', async () => {
    const page = await s.browser.newPage(s.otherSiteUrl);
    const mark = s.grafana.requests.length;
    expect(await page.evaluate(() => (window as unknown as { probe(): Promise<string> }).probe(), null)).toBe('done');
    const probes = [...apiCalls(mark, '/api/user'), ...apiCalls(mark, '/api/search'), ...apiCalls(mark, '/api/dashboards/uid/from-other-site')];
    expect(probes).toHaveLength(3);
    for (const r of probes) expect(r).toMatchObject({ tokenSource: null, status: 401 });

    // A cross-site form POST navigation gets no header either: no CSRF through the rule. (Grafana
    // then redirects to /login, a GET navigation, which does get it and lands on the home page.)
    await Promise.all([page.waitForURL(`${s.grafana.url}/`), page.evaluate(() => (document.getElementById('post') as HTMLFormElement).submit(), null)]);
    expect(s.grafana.requests.slice(mark).find((r) => r.method === 'POST')).toMatchObject({ path: '/', tokenSource: null, status: 302 });

    // …while a top-level GET navigation does, like a SameSite=Lax cookie (documented in docs/extension.md).
    await page.goto(s.otherSiteUrl);
    await Promise.all([page.waitForURL(`${s.grafana.url}/`), page.click('#link')]);
    expect(await signedInPage(page)).toMatchObject({ status: 'signed-in', login: 'alice' });
    await page.close();

    // The extension's own request to Grafana (initiated by its moz-/chrome-extension:// origin) does.
    const fromExtension = s.grafana.requests.length;
    expect(await inExtension((url) => fetch(`${url}/api/user`).then((r) => r.status), s.grafana.url)).toBe(200);
    expect(apiCalls(fromExtension, '/api/user')).toMatchObject([{ tokenSource: 'header', status: 200, login: 'alice' }]);
  });

  goLinkSteps(s);

  it('the background, stopped by the browser, still serves the popup', async () => {
    const popup = await openPopup();
    await popup.waitForText('Alice Doe');
    await s.browser.inBackground((scope) => void Object.assign(scope, { marker: 'before stop' }), null);
    await s.browser.stopBackground();
    await popup.close();

    const again = await openPopup();
    await again.waitForText('Alice Doe');
    await again.click('details.account summary');
    await again.waitForText(/token \d:\d\d left/);
    // A fresh background scope answered: nothing survived in globals.
    expect(await s.browser.inBackground((scope) => (scope as { marker?: string }).marker ?? 'gone', null)).toBe('gone');
    const tab = await s.browser.nextPage(() => again.clickButton('Open Grafana'));
    expect(await signedInPage(tab)).toMatchObject({ status: 'signed-in', login: 'alice', role: 'Editor' });
    await Promise.all([tab.close(), again.close()]);
  });

  it('"keep tokens out of URLs": opens Grafana without auth_token, signed in by the header rule alone', async () => {
    await setOptions({ keepTokensOutOfUrls: true });
    const popup = await openPopup();
    const tab = await s.browser.nextPage(() => popup.clickButton('Open Grafana'));
    expect(await signedInPage(tab)).toMatchObject({ status: 'signed-in', login: 'alice', role: 'Editor' });
    expect(await tab.url()).toBe(`${s.grafana.url}/`);
    expect(await tab.evaluate(() => (window as unknown as { standin: { hasUrlToken: boolean } }).standin.hasUrlToken, null)).toBe(false);
    await setOptions({ keepTokensOutOfUrls: false });
    await Promise.all([tab.close(), popup.close()]);
  });

  it('keeps an open tab signed in after its URL token expired (header rule), and not after sign-out', async () => {
    const popup = await openPopup();
    const tab = await s.browser.nextPage(() => popup.clickButton('Open Grafana'));
    expect(await signedInPage(tab)).toMatchObject({ status: 'signed-in' });
    const urlToken = new URL(await tab.url()).searchParams.get('auth_token')!;

    // The server is 290 s later: the next token it mints outlives the URL token.
    s.stack.server.clock.advanceMs(290_000);
    await inExtension(() => chrome.alarms.create('refresh:grafana', { when: Date.now() }), null);
    const fresh = await waitFor(async () => {
      const t = await storedToken();
      return t && t.token !== urlToken ? t : undefined;
    }, 10_000, 'a token minted after the clock jump');
    await waitFor(async () => (await headerRuleValues())[0] === fresh.token, 5000, 'rule with the new token');

    // Grafana is 400 s later: the URL token is past exp + 60 s leeway, the header token is not.
    s.grafana.clock.advanceSeconds(400);
    const direct = await fetch(`${s.grafana.url}/api/user`, { headers: { 'X-JWT-Assertion': urlToken } });
    expect(direct.status).toBe(401);

    let mark = s.grafana.requests.length;
    const refresh = () => (window as unknown as { standin: { refresh(): Promise<{ status: number }> } }).standin.refresh().then((r) => r.status);
    expect(await tab.evaluate(refresh, null)).toBe(200);
    expect(apiCalls(mark, '/api/user')).toMatchObject([{ tokenSource: 'header', status: 200, login: 'alice' }]);

    // Sign out in the popup: the rule goes, and the tab's own (expired) token is refused.
    const popup2 = await openPopup();
    await popup2.clickButton('Sign out');
    await popup2.waitForText('You are signed out.');
    expect(await headerRuleValues()).toEqual([]);
    expect(await storedToken()).toBeUndefined();
    expect(await badge()).toBe('off');

    mark = s.grafana.requests.length;
    await Promise.all([tab.waitForURL(`${s.grafana.url}/login`), tab.evaluate(refresh, null).catch(() => undefined)]);
    expect(apiCalls(mark, '/api/user')[0]).toMatchObject({ status: 401 });
    await Promise.all([tab.close(), popup.close().catch(() => undefined), popup2.close()]);
  });

  it('signed out: opening Grafana (context menu, shortcut) leads to the sign-in page instead', async () => {
    const popup = await openPopup();
    await popup.waitForText('You are signed out.');
    expect(await popup.countButtons('Open Grafana')).toBe(0);
    const login = await s.browser.nextPage(() => menuClicked({ menuItemId: 'open-in-grafana', pageUrl: 'https://wiki.example/', editable: false }));
    expect(await login.url()).toBe(`${s.stack.server.url}/login?return_to=%2F`);
    await Promise.all([popup.close(), login.close()]);
  });

  it('a token server that does not answer: the popup and the options page say so, and pass axe-core', async () => {
    await setOptions({ serverUrl: 'http://127.0.0.1:1' });
    const popup = await openPopup();
    await popup.waitForText('The token server is unreachable.');
    await expectAccessible(popup, 'the popup, server unreachable');
    const options = await s.browser.openExtensionPage('options');
    await options.waitForText("Could not read the server's configuration");
    await expectAccessible(options, 'the options page, server unreachable');
    await setOptions({ serverUrl: s.stack.server.url });
    await Promise.all([popup.close(), options.close()]);
  });
}
