// Signing in through a real OpenID Provider with the built extension in real Chromium: signed out at
// the token server but signed in at the provider, the popup's Open ends in a Grafana tab signed in,
// with the role the provider's groups give, and nothing typed; the provider's changes reach tokens.
import { decodeJwt } from 'jose';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrafanaStandin } from '../grafana/standin';
import { freePort, startStack, type Stack } from '../helpers/stack';
import { startTestProvider, tokenServerClient, type TestProvider } from '../oidc/provider';
import { expectAccessible } from './axe';
import { chromiumPage } from './chromium-driver';
import { buildTestExtension, launchWithExtension, nextPage, waitFor, type LoadedExtension } from './harness';

const alice = { sub: 'sub-alice', login: 'alice', password: 'alice at the provider', email: 'alice@example.com', name: 'Alice Doe', groups: ['grafana-editors'] };
const REFRESH_MINUTES = 5;

let provider: TestProvider;
let stack: Stack;
let grafana: GrafanaStandin;
let ext: LoadedExtension;

beforeAll(async () => {
  buildTestExtension();
  const port = await freePort();
  const serverUrl = `http://127.0.0.1:${port}`;
  provider = await startTestProvider({ accounts: [alice], clients: [tokenServerClient(serverUrl, 'corp')] });
  const client = tokenServerClient(serverUrl, 'corp');
  stack = await startStack({
    port,
    instances: [{ id: 'grafana', name: 'Team Grafana', groupRoles: { 'grafana-editors': 'Editor', 'grafana-admins': 'Admin' } }],
    settings: {
      localAccounts: false,
      identityRefreshMinutes: REFRESH_MINUTES,
      providers: [{ id: 'corp', name: 'Corp SSO', issuer: provider.issuer, clientId: client.client_id, clientSecret: client.client_secret, scopes: ['openid', 'email', 'profile', 'groups'] }],
    },
  });
  grafana = stack.grafana.grafana!;
  ext = await launchWithExtension();
});

afterAll(async () => {
  await ext?.close();
  await stack?.close();
  await provider?.close();
});

const inWorker = <T, A>(fn: (arg: A) => T | Promise<T>, arg: A): Promise<T> => ext.worker.evaluate(fn as never, arg) as Promise<T>;
const storedToken = () => inWorker(async () => (await chrome.storage.session.get('token:grafana'))['token:grafana'] as { token: string } | undefined, null);
const headerRuleValues = () => inWorker(async () => (await chrome.declarativeNetRequest.getSessionRules()).map((r) => r.action.requestHeaders?.[0]?.value), null);

async function openPopup(): Promise<Page> {
  const page = await ext.context.newPage();
  await page.goto(ext.popupUrl);
  return page;
}

async function grafanaPage(page: Page): Promise<{ status: string; login: string; role: string }> {
  await page.locator('#status', { hasText: /^(signed-in|unauthorized|error.*)$/ }).waitFor();
  return { status: await page.locator('#status').innerText(), login: await page.locator('#login').innerText(), role: await page.locator('#role').innerText() };
}

/** Both clocks jump together: the server's (refresh due) and Grafana's (tokens minted "later" are valid). */
function later(minutes: number): void {
  stack.server.clock.advanceMs(minutes * 60_000);
  grafana.clock.advanceSeconds(minutes * 60);
}

describe('sign-in through the identity provider, in Chromium with the extension', () => {
  it('first sign-in: the popup opens the provider (the one way in), where the person signs in once', async () => {
    const options = await ext.context.newPage();
    await options.goto(ext.optionsUrl);
    await options.getByLabel('Token server URL').fill(stack.server.url);
    await options.getByRole('button', { name: 'Save and connect' }).click();
    await options.getByText(grafana.url).waitFor();
    await options.close();

    const popup = await openPopup();
    await popup.getByText('You are signed out.').waitFor();
    const tab = await nextPage(ext.context, () => popup.getByRole('button', { name: 'Sign in' }).click());
    // /login goes straight to the provider: one provider, local accounts off.
    await tab.waitForURL(new RegExp(`^${provider.issuer}/interaction/`));
    await tab.locator('#username').fill(alice.login);
    await tab.locator('#password').fill(alice.password);
    await tab.getByRole('button', { name: 'Sign in at the provider' }).click();
    await popup.getByText('Alice Doe').waitFor();
    // Roles are folded away under the launcher.
    await popup.locator('details.account summary').click();
    await popup.getByText('Editor').waitFor();
    await Promise.all([popup.close(), tab.close().catch(() => undefined)]);
  });

  it('signed out at the token server, signed in at the provider: the popup says so, Sign in needs nothing typed, Open ends in Grafana', async () => {
    // The server session ends (as after the idle timeout) and the cached token has run out.
    await stack.server.store.deleteUserSessions((await stack.server.store.getUserByLogin('alice'))!.id);
    await inWorker(() => chrome.storage.session.remove('token:grafana'), null);

    // The launcher's first search (the starred list) asks for a token: the popup learns the session ended.
    const popup = await openPopup();
    await popup.getByText('You are signed out.').waitFor();
    const opened = ext.context.waitForEvent('page');
    await popup.getByRole('button', { name: 'Sign in' }).click();
    // The sign-in tab runs through the provider on its own, nothing typed, to the server's home page…
    const signInTab = await opened;
    await signInTab.waitForURL(`${stack.server.url}/`, { timeout: 20_000 });
    // …and the popup is the launcher again: Open ends in Grafana, signed in with the role the provider's groups give.
    await popup.getByRole('combobox', { name: 'Search dashboards' }).waitFor();
    await signInTab.close();
    const grafanaTab = await nextPage(ext.context, () => popup.getByRole('button', { name: 'Open Grafana' }).click());
    expect(await grafanaPage(grafanaTab)).toEqual({ status: 'signed-in', login: 'alice', role: 'Editor' });
    const signIns = (await stack.server.store.listAudit(100)).filter((e) => e.type === 'oidc_sign_in');
    expect(signIns).toHaveLength(2);
    await Promise.all([grafanaTab.close(), popup.close().catch(() => undefined)]);
  });

  it('the same for a context-menu link: the dashboard asked for opens after the silent sign-in', async () => {
    await stack.server.store.deleteUserSessions((await stack.server.store.getUserByLogin('alice'))!.id);
    await inWorker(() => chrome.storage.session.remove('token:grafana'), null);
    const link = `${grafana.url}/d/http-latency/http-latency?orgId=1`;
    const pagesBefore = new Set(ext.context.pages());
    await inWorker(
      (i) => (globalThis as unknown as { grafanaSsoTest: { menuClicked(info: object): Promise<void> } }).grafanaSsoTest.menuClicked(i),
      { menuItemId: 'open-in-grafana', linkUrl: link, pageUrl: 'https://wiki.example/runbook', editable: false },
    );
    const tab = await waitFor(() => ext.context.pages().find((p) => !pagesBefore.has(p) && p.url().startsWith(`${grafana.url}/d/`)), 20_000, 'the dashboard tab');
    await tab.waitForLoadState('domcontentloaded');
    expect(await grafanaPage(tab)).toMatchObject({ status: 'signed-in', login: 'alice' });
    expect(await tab.locator('#dashboard').innerText()).toBe('http-latency');
    // Only the dashboard tab is left of what this opened: the sign-in tab closed itself.
    expect(ext.context.pages().filter((p) => !pagesBefore.has(p))).toEqual([tab]);
    await tab.close();
  });

  it('a group change at the provider: within the refresh interval the next token carries the new role', async () => {
    await provider.updateAccount('sub-alice', { groups: ['grafana-admins'] });
    const before = (await storedToken())!.token;
    later(REFRESH_MINUTES);
    await inWorker(() => chrome.alarms.create('refresh:grafana', { when: Date.now() }), null);
    const next = await waitFor(async () => {
      const t = await storedToken();
      return t && t.token !== before ? t : undefined;
    }, 15_000, 'a refreshed token');
    expect(decodeJwt(next.token)).toMatchObject({ login: 'alice', role: 'Admin' });
    const popup = await openPopup();
    const tab = await nextPage(ext.context, () => popup.getByRole('button', { name: 'Open Grafana' }).click());
    expect(await grafanaPage(tab)).toEqual({ status: 'signed-in', login: 'alice', role: 'Admin' });
    await Promise.all([tab.close(), popup.close().catch(() => undefined)]);
  });

  it('an account disabled at the provider gets no new token after the refresh', async () => {
    await provider.updateAccount('sub-alice', { disabled: true });
    later(REFRESH_MINUTES);
    await inWorker(() => chrome.alarms.create('refresh:grafana', { when: Date.now() }), null);
    await waitFor(async () => (await storedToken()) === undefined, 15_000, 'the token dropped');
    expect(await headerRuleValues()).toEqual([]);
    const popup = await openPopup();
    await popup.getByText('You are signed out.').waitFor();
    expect((await stack.server.store.listAudit(100)).filter((e) => e.type === 'oidc_refresh_refused').at(-1)).toMatchObject({ login: 'alice', sub: 'sub-alice' });
    // Asking again stays at the provider, which no longer signs the account in (this test provider
    // shows an error page for a session whose account is gone): no session here, no token.
    const tab = await nextPage(ext.context, () => popup.getByRole('button', { name: 'Sign in' }).click());
    await tab.waitForURL(new RegExp(`^${provider.issuer}/`), { waitUntil: 'load' });
    expect(new URL(tab.url()).origin).toBe(provider.issuer);
    expect(await storedToken()).toBeUndefined();
    expect(await stack.server.store.deleteUserSessions((await stack.server.store.getUserByLogin('alice'))!.id)).toBe(0);
    await Promise.all([tab.close(), popup.close().catch(() => undefined)]);
  });

  it("the server's pages around a provider pass axe-core: the choice of sign-in, home, the offer to sign out there too, a refused sign-in", async () => {
    // Last, since it signs out through the home page (the extension follows that sign-out).
    await provider.updateAccount('sub-alice', { disabled: false });
    const page = await ext.context.newPage();
    const testPage = chromiumPage(page);
    await page.goto(`${stack.server.url}/login?signed_out=1`);
    await page.getByText('Sign in with Corp SSO').waitFor();
    await expectAccessible(testPage, "the server's sign-in page with a provider");
    // Still signed in at the provider: back on the home page without typing.
    await page.getByRole('link', { name: 'Sign in with Corp SSO' }).click();
    await page.getByText('Signed in as Alice Doe').waitFor();
    await expectAccessible(testPage, "the server's home page after a provider sign-in");
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Also sign out at Corp SSO').waitFor();
    await expectAccessible(testPage, "the server's signed-out page");
    await page.goto(`${stack.server.url}/oidc/corp/callback?code=forged&state=forged`);
    await page.getByText('Sign-in failed').waitFor();
    await expectAccessible(testPage, "the server's refused sign-in page");
    await page.close();
  });
});
