// The popup's launcher in a real browser (launcher-*.test.ts), the same steps for Chromium and
// Firefox through BrowserUnderTest (driver.ts): the built extension, the real token server, two
// Grafana stand-ins with dashboards. In order, one browser: connect and sign in → starred → search →
// open → Recent → background open → no matches → an instance down → sign out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardViews, starAs } from '../grafana/dashboard-helpers';
import type { GrafanaStandin } from '../grafana/standin';
import { startStack, type Stack } from '../helpers/stack';
import { expectAccessible } from './axe';
import type { BrowserUnderTest, TestPage } from './driver';
import { buildTestExtension, waitFor } from './harness';

const alice = { login: 'alice', password: 'correct horse battery', name: 'Alice Doe', grants: { team: 'Editor' as const, ops: 'Viewer' as const } };

interface Option {
  title: string;
  where: string;
  section: string;
  selected: boolean;
}

/** The launcher's options as a person sees them: title, folder · instance, section, highlight. */
function readOptions(page: TestPage): Promise<Option[]> {
  return page.evaluate(
    () =>
      [...document.querySelectorAll('[role="option"]')].map((o) => ({
        title: (o.querySelector('.title') as HTMLElement).innerText.replace(/^★/, '').trim(),
        where: (o.querySelector('.where') as HTMLElement).innerText.trim(),
        // textContent: the section label is upper-cased by CSS only.
        section: document.getElementById(o.closest('[role="group"]')!.getAttribute('aria-labelledby')!)!.textContent!.trim(),
        selected: o.getAttribute('aria-selected') === 'true' && document.querySelector('[role="combobox"]')!.getAttribute('aria-activedescendant') === o.id,
      })),
    null,
  );
}

export function launcherScenarios(name: string, launch: () => Promise<BrowserUnderTest>): void {
  let browser: BrowserUnderTest;
  let stack: Stack;
  const grafana = (id: string) => stack.grafana[id] as GrafanaStandin;
  /** What the Enter step opened, for the Recent step. */
  const opened = { where: '' };

  beforeAll(async () => {
    buildTestExtension();
    stack = await startStack({ instances: [{ id: 'team', name: 'Team Grafana' }, { id: 'ops', name: 'Ops Grafana' }], users: [alice] });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const inExtension = <T, A>(fn: (arg: A) => T | Promise<T>, arg: A) => browser.inExtension(fn, arg);
  /** The popup, once its search box is there (signed in). */
  async function launcher(): Promise<TestPage> {
    const popup = await browser.openExtensionPage('popup');
    await waitFor(() => popup.evaluate(() => document.activeElement?.getAttribute('role') === 'combobox', null), 15_000, 'the focused search box');
    return popup;
  }
  /** Types a query and waits for its complete answer (the live region's words for it). */
  const search = async (popup: TestPage, query: string) => {
    await popup.fill('[role="combobox"]', query);
    const answered = /found$|^No dashboards match|^No instance could be searched/;
    await waitFor(async () => answered.test(await popup.text('[role="status"]')), 15_000, `the answer to "${query}"`);
  };
  describe(`Launcher in ${name}`, () => {
    it('connects to the token server and signs in', async () => {
      await inExtension((serverUrl) => chrome.storage.local.set({ options: { serverUrl } }), stack.server.url);
      const login = await browser.newPage(`${stack.server.url}/login`);
      await login.fill('#login', alice.login);
      await login.fill('#password', alice.password);
      await Promise.all([login.waitForURL(`${stack.server.url}/`), login.clickButton('Sign in')]);
      await login.close();
      const popup = await launcher();
      await popup.waitForText('Alice Doe');
      await popup.close();
    });

    it('nothing typed: the starred dashboard (starred in Grafana by that user) under "Starred"', async () => {
      await starAs(stack, alice, 'http-latency', 'team');
      const popup = await launcher();
      await popup.waitForText('HTTP Latency');
      expect(await readOptions(popup)).toEqual([{ title: 'HTTP Latency', where: 'Services · Team Grafana', section: 'Starred', selected: false }]);
      expect(await popup.text('[role="status"]')).toBe('1 dashboard: starred and recent');
      await expectAccessible(popup, 'the launcher with the starred list');
      await popup.close();
    });

    it('typing finds a dashboard in both instances, each with its folder and instance', async () => {
      const popup = await launcher();
      await search(popup, 'http lat');
      expect(await readOptions(popup)).toEqual([
        expect.objectContaining({ title: 'HTTP Latency', section: 'Dashboards' }),
        expect.objectContaining({ title: 'HTTP Latency', section: 'Dashboards' }),
      ]);
      expect((await readOptions(popup)).map((o) => o.where).sort()).toEqual(['Services · Ops Grafana', 'Services · Team Grafana']);
      expect((await readOptions(popup))[0]!.selected).toBe(true);
      expect(await popup.text('[role="status"]')).toBe('2 dashboards found');
      await expectAccessible(popup, 'the launcher with results, the first highlighted');
      await popup.close();
    });

    it('↓ then Enter opens the highlighted dashboard signed in, with the token in the way the stand-in saw', async () => {
      const popup = await launcher();
      await search(popup, 'http lat');
      await popup.press('ArrowDown');
      const chosen = (await readOptions(popup)).find((o) => o.selected)!;
      const instance = chosen.where.endsWith('Ops Grafana') ? 'ops' : 'team';
      const mark = grafana(instance).requests.length;
      const tab = await browser.nextPage(() => popup.press('Enter'));
      await tab.waitForText('HTTP Latency');
      expect(new URL(await tab.url()).origin).toBe(grafana(instance).url);
      expect(await tab.text('#login')).toBe('alice');
      expect(dashboardViews(grafana(instance), undefined, mark)).toMatchObject([{ uid: 'http-latency', found: true, login: 'alice', status: 200, tokenSource: 'header' }]);
      await tab.close();
      await popup.close().catch(() => undefined);
      opened.where = chosen.where;
    });

    it('what was opened is listed under "Recent"', async () => {
      const popup = await launcher();
      await waitFor(async () => (await readOptions(popup)).some((o) => o.section === 'Recent'), 15_000, 'the Recent section');
      // The title is the worker's (from the tab's title once the page loaded: it may carry the folder).
      expect((await readOptions(popup)).filter((o) => o.section === 'Recent')).toEqual([
        { title: expect.stringMatching(/^HTTP Latency/), where: opened.where.replace(/^Services · /, ''), section: 'Recent', selected: false },
      ]);
      await expectAccessible(popup, 'the launcher with Starred and Recent');
      await popup.close();
    });

    it('Ctrl+Enter opens the dashboard in a background tab and keeps the popup open', async () => {
      const popup = await launcher();
      await search(popup, 'node exporter');
      const mark = grafana('team').requests.length + grafana('ops').requests.length;
      const tab = await browser.nextPage(() => popup.press('Control+Enter'));
      await tab.waitForText('Node Exporter Full');
      expect(await tab.text('#login')).toBe('alice');
      expect(grafana('team').requests.length + grafana('ops').requests.length).toBeGreaterThan(mark);
      // The popup is still there, still searchable, and says what happened.
      expect(await popup.text('[role="status"]')).toBe('Opened Node Exporter Full in the background');
      const popupUrl = await popup.url();
      const active = await inExtension(async () => (await chrome.tabs.query({ active: true, currentWindow: true })).map((t) => t.url), null);
      expect(active).toEqual([popupUrl]);
      await Promise.all([tab.close(), popup.close()]);
    });

    it('no matches: says so and offers Grafana\'s own search', async () => {
      const popup = await launcher();
      await search(popup, 'zzz nothing');
      await popup.waitForText('No dashboards match “zzz nothing”.');
      expect(await popup.countButtons('Search in Team Grafana')).toBe(1);
      expect(await readOptions(popup)).toEqual([]);
      await expectAccessible(popup, 'the launcher with no matches');
      // Esc clears the query: back to the starred list.
      await popup.press('Escape');
      await popup.waitForText('HTTP Latency');
      await popup.close();
    });

    it('an instance that does not answer says so and offers Retry; the other still answers', async () => {
      await grafana('ops').close();
      delete stack.grafana.ops;
      const popup = await launcher();
      await search(popup, 'http lat');
      await popup.waitForText('Ops Grafana did not answer.');
      expect(await popup.countButtons('Retry')).toBe(1);
      expect(await readOptions(popup)).toEqual([expect.objectContaining({ title: 'HTTP Latency', where: 'Services · Team Grafana' })]);
      await expectAccessible(popup, 'the launcher with an instance that did not answer');
      await popup.close();
    });

    it('signed out: the launcher gives way to "Sign in"', async () => {
      const popup = await launcher();
      await popup.clickButton('Sign out');
      await popup.waitForText('You are signed out.');
      expect(await popup.countButtons('Sign in')).toBe(1);
      expect(await popup.evaluate(() => document.querySelector('[role="combobox"]'), null)).toBeNull();
      await popup.close();
    });
  });
}
