// The built extension in real Chromium, against the real token server and the Grafana stand-in.
// The tests run in order and share one browser: each step starts where the previous one left off
// (configure → sign in → open → refresh → keep-alive → sign out).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrafanaStandin } from '../grafana/standin';
import { startStack, type Stack } from '../helpers/stack';
import { buildTestExtension, launchWithExtension, nextPage, stopServiceWorkers, waitFor, type LoadedExtension } from './harness';

const alice = { login: 'alice', password: 'correct horse battery', name: 'Alice Doe', grants: { grafana: 'Editor' as const } };

interface StoredToken {
  token: string;
  receivedAt: number;
  expiresIn: number;
}

let stack: Stack;
let grafana: GrafanaStandin;
let ext: LoadedExtension;
let otherSite: Server;
let otherSiteUrl: string;

beforeAll(async () => {
  buildTestExtension();
  stack = await startStack({ instances: [{ id: 'grafana', name: 'Team Grafana' }], users: [alice] });
  grafana = stack.grafana.grafana!;
  otherSite = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><title>other site</title>
<a id="link" href="${grafana.url}/">Grafana</a>
<form id="post" method="post" action="${grafana.url}/"></form>
<script>
  window.probe = () => Promise.all([
    fetch('${grafana.url}/api/user?from=other-site', { mode: 'no-cors', credentials: 'include' }),
    new Promise((done) => { const img = new Image(); img.onload = img.onerror = done; img.src = '${grafana.url}/api/search?query=from-other-site'; }),
  ]).then(() => 'done');
</script>`);
  });
  await new Promise<void>((resolve) => otherSite.listen(0, '127.0.0.1', resolve));
  // Same machine, but a different site for the browser: localhost, not 127.0.0.1.
  otherSiteUrl = `http://localhost:${(otherSite.address() as AddressInfo).port}`;
  ext = await launchWithExtension();
});

afterAll(async () => {
  await ext?.close();
  await stack?.close();
  await new Promise((resolve) => otherSite?.close(resolve));
});

/** Runs `fn` in the extension's service worker (chrome.* APIs available). */
const inWorker = <T, A>(fn: (arg: A) => T | Promise<T>, arg: A): Promise<T> => ext.worker.evaluate(fn as never, arg) as Promise<T>;
type StoredOptions = { options: Record<string, unknown> };
const badge = () => inWorker(() => chrome.action.getBadgeText({}), null);
const storedToken = () => inWorker(async () => (await chrome.storage.session.get('token:grafana'))['token:grafana'] as StoredToken | undefined, null);
const headerRuleValues = () =>
  inWorker(async () => (await chrome.declarativeNetRequest.getSessionRules()).map((r) => r.action.requestHeaders?.[0]?.value), null);

/** The context-menu click handler, through the test build's hook (menus cannot be clicked headless). */
const menuClicked = (info: object) =>
  inWorker((i) => (globalThis as unknown as { grafanaSsoTest: { menuClicked(info: object): Promise<void> } }).grafanaSsoTest.menuClicked(i), info);

async function openPopup(): Promise<Page> {
  const page = await ext.context.newPage();
  await page.goto(ext.popupUrl);
  return page;
}

async function signedInPage(page: Page): Promise<{ login: string; role: string; status: string }> {
  await page.locator('#status', { hasText: /^(signed-in|unauthorized|error.*)$/ }).waitFor();
  return {
    status: await page.locator('#status').innerText(),
    login: await page.locator('#login').innerText(),
    role: await page.locator('#role').innerText(),
  };
}

/** API calls the stand-in answered for `path` since `since` (an index into grafana.requests). */
const apiCalls = (since: number, path: string) => grafana.requests.slice(since).filter((r) => r.path === path);

describe('Grafana SSO extension in Chromium', () => {
  it('options page: connects to the token server and gets access to exactly its Grafana origins', async () => {
    const options = await ext.context.newPage();
    await options.goto(ext.optionsUrl);
    await options.getByLabel('Token server URL').fill(stack.server.url);
    await options.getByRole('button', { name: 'Save and connect' }).click();
    await options.getByText(grafana.url).waitFor();
    // The test build holds http://127.0.0.1/* already (a headless browser cannot click a prompt), so
    // the page shows the granted state at once; a real install shows "Allow access…" first.
    await options.getByText('Access granted').waitFor();
    expect(await inWorker(() => chrome.storage.local.get('options'), null)).toEqual({ options: { serverUrl: stack.server.url } });

    await options.getByRole('button', { name: 'Test connection' }).click();
    await options.getByText('Server reachable; you are not signed in.').waitFor();
    await options.close();
  });

  it('signed out: badge and popup ask to sign in; the popup updates when sign-in completes', async () => {
    await waitFor(async () => (await badge()) === 'off', 10_000, 'badge "off"');
    const popup = await openPopup();
    await popup.getByText('You are signed out.').waitFor();

    const login = await nextPage(ext.context, () => popup.getByRole('button', { name: 'Sign in' }).click());
    expect(new URL(login.url()).pathname).toBe('/login');
    await login.locator('#login').fill(alice.login);
    await login.locator('#password').fill(alice.password);
    await login.getByRole('button', { name: 'Sign in' }).click();

    await popup.getByText('Alice Doe').waitFor();
    await popup.getByText('Editor').waitFor();
    await popup.getByText(/token \d:\d\d left/).waitFor();
    expect(await badge()).toBe('✓');
    await Promise.all([popup.close(), login.close()]);
  });

  it('popup "Open Grafana" opens the stand-in signed in as that user, with the right role', async () => {
    const popup = await openPopup();
    const tab = await nextPage(ext.context, () => popup.getByRole('button', { name: 'Open Grafana' }).click());
    expect(await signedInPage(tab)).toEqual({ status: 'signed-in', login: 'alice', role: 'Editor' });
    const url = new URL(tab.url());
    expect(url.origin).toBe(grafana.url);
    expect(url.searchParams.get('auth_token')).toBe((await storedToken())?.token);
    await tab.close();
  });

  it('context menu on a Grafana link (driven through the worker) opens that link signed in', async () => {
    const link = `${grafana.url}/d/http-latency/http-latency?orgId=1`;
    const tab = await nextPage(ext.context, () =>
      menuClicked({ menuItemId: 'open-in-grafana', linkUrl: link, pageUrl: 'https://wiki.example/runbook', editable: false }),
    );
    expect(await signedInPage(tab)).toMatchObject({ status: 'signed-in', login: 'alice' });
    expect(await tab.locator('#dashboard').innerText()).toBe('http-latency');
    expect(tab.url()).toMatch(new RegExp(`^${grafana.url}/d/http-latency/http-latency\\?orgId=1&auth_token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    await tab.close();
  });

  it('refreshes the token with an alarm before it expires, and replaces the header rule', async () => {
    const first = (await storedToken())!;
    const alarm = await inWorker(() => chrome.alarms.get('refresh:grafana'), null);
    // Default policy: max(60 s, 20 % of 300 s) before expiry, counted from the local receipt time.
    expect(alarm?.scheduledTime).toBeCloseTo(first.receivedAt + 240_000, -1);
    expect(await headerRuleValues()).toEqual([first.token, first.token]);

    // Widen the margin so that the alarm is due about 4 s from now instead of in 4 minutes.
    const elapsed = (Date.now() - first.receivedAt) / 1000;
    const margin = Math.floor(first.expiresIn - elapsed - 4);
    await inWorker(
      (m) => chrome.storage.local.get('options').then((o) => chrome.storage.local.set({ options: { ...(o as StoredOptions).options, refreshMinMarginSeconds: m } })),
      margin,
    );
    const due = first.receivedAt + (first.expiresIn - margin) * 1000;
    await waitFor(async () => (await inWorker(() => chrome.alarms.get('refresh:grafana'), null))?.scheduledTime === due, 5000, 'rescheduled alarm');

    const second = await waitFor(async () => {
      const t = await storedToken();
      return t && t.token !== first.token ? t : undefined;
    }, 15_000, 'a refreshed token');
    expect(second.receivedAt).toBeGreaterThanOrEqual(due - 50);
    expect(second.receivedAt).toBeLessThan(first.receivedAt + first.expiresIn * 1000);
    expect(await headerRuleValues()).toEqual([second.token, second.token]);
    expect(JSON.stringify(await inWorker(() => chrome.storage.local.get(), null))).not.toContain(second.token);

    await inWorker(() => chrome.storage.local.get('options').then((o) => chrome.storage.local.set({ options: { serverUrl: (o as StoredOptions).options.serverUrl } })), null);
    await waitFor(async () => (await inWorker(() => chrome.alarms.get('refresh:grafana'), null))?.scheduledTime === second.receivedAt + 240_000, 5000, 'default schedule');
  });

  it('a request to Grafana initiated by another site does not carry the header', async () => {
    const page = await ext.context.newPage();
    await page.goto(otherSiteUrl);
    const mark = grafana.requests.length;
    expect(await page.evaluate(() => (window as unknown as { probe(): Promise<string> }).probe())).toBe('done');
    const probes = [...apiCalls(mark, '/api/user'), ...apiCalls(mark, '/api/search')];
    expect(probes).toHaveLength(2);
    for (const r of probes) expect(r).toMatchObject({ tokenSource: null, status: 401 });

    // A cross-site form POST navigation gets no header either: no CSRF through the rule. (Grafana
    // then redirects to /login, a GET navigation, which does get it and lands on the home page.)
    await Promise.all([page.waitForURL(`${grafana.url}/`), page.evaluate(() => (document.getElementById('post') as HTMLFormElement).submit())]);
    expect(grafana.requests.slice(mark).find((r) => r.method === 'POST')).toMatchObject({ path: '/', tokenSource: null, status: 302 });

    // …while a top-level GET navigation does, like a SameSite=Lax cookie (documented in docs/extension.md).
    await page.goto(otherSiteUrl);
    await Promise.all([page.waitForURL(`${grafana.url}/`), page.locator('#link').click()]);
    expect(await signedInPage(page)).toMatchObject({ status: 'signed-in', login: 'alice' });
    await page.close();
  });

  it('the worker, stopped by the browser, still serves the popup', async () => {
    const popup = await openPopup();
    await popup.getByText('Alice Doe').waitFor();
    await inWorker(() => Object.assign(globalThis, { marker: 'before stop' }), null);
    await stopServiceWorkers(ext.context, popup);
    await popup.close();

    const again = await openPopup();
    await again.getByText('Alice Doe').waitFor();
    await again.getByText(/token \d:\d\d left/).waitFor();
    // A fresh worker scope answered: nothing survived in globals.
    expect(await inWorker(() => (globalThis as { marker?: string }).marker ?? 'gone', null)).toBe('gone');
    const tab = await nextPage(ext.context, () => again.getByRole('button', { name: 'Open Grafana' }).click());
    expect(await signedInPage(tab)).toMatchObject({ status: 'signed-in', login: 'alice', role: 'Editor' });
    await tab.close();
  });

  it('"keep tokens out of URLs": opens Grafana without auth_token, signed in by the header rule alone', async () => {
    const setKeepOut = (on: boolean) =>
      inWorker(
        (v) => chrome.storage.local.get('options').then((o) => chrome.storage.local.set({ options: { ...(o as StoredOptions).options, keepTokensOutOfUrls: v } })),
        on,
      );
    await setKeepOut(true);
    const popup = await openPopup();
    const tab = await nextPage(ext.context, () => popup.getByRole('button', { name: 'Open Grafana' }).click());
    expect(await signedInPage(tab)).toMatchObject({ status: 'signed-in', login: 'alice', role: 'Editor' });
    expect(tab.url()).toBe(`${grafana.url}/`);
    expect(await tab.evaluate(() => (window as unknown as { standin: { hasUrlToken: boolean } }).standin.hasUrlToken)).toBe(false);
    await setKeepOut(false);
    await tab.close();
  });

  it("keeps an open tab signed in after its URL token expired (header rule), and not after sign-out", async () => {
    const popup = await openPopup();
    const tab = await nextPage(ext.context, () => popup.getByRole('button', { name: 'Open Grafana' }).click());
    expect(await signedInPage(tab)).toMatchObject({ status: 'signed-in' });
    const urlToken = new URL(tab.url()).searchParams.get('auth_token')!;

    // The server is 290 s later: the next token it mints outlives the URL token.
    stack.server.clock.advanceMs(290_000);
    await inWorker(() => chrome.alarms.create('refresh:grafana', { when: Date.now() }), null);
    const fresh = await waitFor(async () => {
      const t = await storedToken();
      return t && t.token !== urlToken ? t : undefined;
    }, 10_000, 'a token minted after the clock jump');
    await waitFor(async () => (await headerRuleValues())[0] === fresh.token, 5000, 'rule with the new token');

    // Grafana is 400 s later: the URL token is past exp + 60 s leeway, the header token is not.
    grafana.clock.advanceSeconds(400);
    const direct = await fetch(`${grafana.url}/api/user`, { headers: { 'X-JWT-Assertion': urlToken } });
    expect(direct.status).toBe(401);

    let mark = grafana.requests.length;
    const status = await tab.evaluate(() => (window as unknown as { standin: { refresh(): Promise<{ status: number }> } }).standin.refresh().then((r) => r.status));
    expect(status).toBe(200);
    expect(apiCalls(mark, '/api/user')).toMatchObject([{ tokenSource: 'header', status: 200, login: 'alice' }]);

    // Sign out in the popup: the rule goes, and the tab's own (expired) token is refused.
    const popup2 = await openPopup();
    await popup2.getByRole('button', { name: 'Sign out' }).click();
    await popup2.getByText('You are signed out.').waitFor();
    expect(await headerRuleValues()).toEqual([]);
    expect(await storedToken()).toBeUndefined();
    expect(await badge()).toBe('off');

    mark = grafana.requests.length;
    await Promise.all([
      tab.waitForURL(`${grafana.url}/login`),
      tab.evaluate(() => (window as unknown as { standin: { refresh(): Promise<unknown> } }).standin.refresh()),
    ]);
    expect(apiCalls(mark, '/api/user')[0]).toMatchObject({ status: 401 });
    await Promise.all([tab.close(), popup.close().catch(() => undefined), popup2.close()]);
  });

  it('signed out: opening Grafana (context menu, shortcut) leads to the sign-in page instead', async () => {
    const popup = await openPopup();
    await popup.getByText('You are signed out.').waitFor();
    expect(await popup.getByRole('button', { name: 'Open Grafana' }).count()).toBe(0);
    const login = await nextPage(ext.context, () => menuClicked({ menuItemId: 'open-in-grafana', pageUrl: 'https://wiki.example/', editable: false }));
    expect(login.url()).toBe(`${stack.server.url}/login?return_to=%2F`);
    await Promise.all([popup.close(), login.close()]);
  });
});
