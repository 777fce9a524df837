// BrowserUnderTest for Firefox ESR: puppeteer-core over WebDriver BiDi, the built Firefox extension
// installed as a temporary add-on. Firefox has no handle on an event page, so extension APIs run in
// an extension page of our own (the popup, in a tab) and the background is reached through
// runtime.getBackgroundPage(). Commands puppeteer does not wrap go to BiDi directly.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type KeyInput, type Page, type Target } from 'puppeteer-core';
import { geckoId, firefoxDir } from '../../extension/build/firefox';
import { firefoxPath } from './debian-browsers';
import { pageHasText, textPattern, type BrowserUnderTest, type TestPage } from './driver';
import { distTest, waitFor } from './harness';

const timeoutMs = 15_000;

interface Bidi {
  send(method: string, params: object): Promise<{ result: Record<string, unknown> }>;
}
const bidi = (browser: Browser) => (browser as unknown as { connection: Bidi }).connection;
const contextId = (page: Page) => (page.mainFrame() as unknown as { _id: string })._id;

/** `fn` in the page, retried while the page is between documents (that throws in puppeteer). */
const settled = <T>(fn: () => Promise<T>): Promise<T | false> => fn().catch(() => false as const);

async function loaded(page: Page, url?: string): Promise<void> {
  await waitFor(
    () => settled(() => page.evaluate((u) => document.readyState === 'complete' && location.href !== 'about:blank' && (!u || location.href === u), url ?? '')),
    timeoutMs,
    url ? `page ${url}` : 'a loaded page',
  );
}

function firefoxPage(page: Page, colorScheme: (scheme: 'light' | 'dark') => Promise<void>): TestPage {
  const element = (selector: string) =>
    waitFor(() => settled(() => page.$(selector)), timeoutMs, selector) as Promise<ElementHandle<Element>>;
  const button = (name: string) =>
    (waitFor(
      () => settled(async () => {
        const handle = await page.evaluateHandle((n) => [...document.querySelectorAll('button')].find((b) => b.innerText.trim() === n) ?? null, name);
        return handle.asElement() as ElementHandle<Element> | null;
      }),
      timeoutMs,
      `button "${name}"`,
    ) as Promise<ElementHandle<Element>>);
  return {
    url: () => page.evaluate(() => location.href),
    goto: async (url) => void (await page.goto(url)),
    waitForURL: (url) => loaded(page, url),
    fill: async (selector, value) => {
      const field = await element(selector);
      await field.evaluate((el) => ((el as HTMLInputElement).value = ''));
      await field.type(value);
    },
    click: async (selector) => (await element(selector)).click(),
    clickButton: async (name) => (await button(name)).click(),
    countButtons: (name) => page.evaluate((n) => [...document.querySelectorAll('button')].filter((b) => b.innerText.trim() === n).length, name),
    waitForText: async (text) => {
      const pattern = textPattern(text);
      await waitFor(() => settled(() => page.evaluate(pageHasText, pattern)), timeoutMs, `text ${String(text)}`);
    },
    text: async (selector) => (await element(selector)).evaluate((el) => (el as HTMLElement).innerText),
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    addScript: async (source) => void (await page.evaluate(source)),
    press: async (key) => {
      const keys = key.split('+') as KeyInput[];
      for (const k of keys) await page.keyboard.down(k);
      for (const k of keys.reverse()) await page.keyboard.up(k);
    },
    colorScheme,
    close: () => page.close(),
  };
}

export interface FirefoxUnderTest extends BrowserUnderTest {
  /** Withdraws host permissions, as a user does in about:addons → the add-on → Permissions. */
  withdrawOrigins(origins: string[]): Promise<void>;
}

export async function launchFirefox(dir = firefoxDir(distTest)): Promise<FirefoxUnderTest> {
  // Firefox writes into $HOME and friends: a throwaway home per run.
  const home = mkdtempSync(join(tmpdir(), 'grafana-sso-firefox-'));
  // A fixed moz-extension:// host, so the tests know the extension pages' URLs.
  const uuid = randomUUID();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath(),
    headless: true,
    // Lets BiDi reach Firefox's own (chrome) scope: stopping the event page.
    args: ['--remote-allow-system-access'],
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home, TMPDIR: home },
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: uuid }),
      // A headless browser cannot click a permission prompt: grant optional requests without one.
      'extensions.webextOptionalPermissionPrompts': false,
    },
  });
  try {
    await browser.installExtension(dir);
  } catch (error) {
    await browser.close();
    throw error;
  }
  const base = `moz-extension://${uuid}/`;
  const pages = { popup: `${base}extension/popup/index.html`, options: `${base}extension/options/index.html` };

  // A plain page.goto to a moz-extension:// URL never settles in puppeteer: navigate with BiDi.
  const openExtensionPage = async (which: 'popup' | 'options'): Promise<Page> => {
    const page = await browser.newPage();
    await bidi(browser).send('browsingContext.navigate', { context: contextId(page), url: pages[which], wait: 'none' });
    await loaded(page, pages[which]);
    return page;
  };
  const probe = await openExtensionPage('popup');

  const chromeScope = async (expression: string): Promise<unknown> => {
    const tree = await bidi(browser).send('browsingContext.getTree', { 'moz:scope': 'chrome' });
    const [window] = tree.result.contexts as { context: string }[];
    const { result } = await bidi(browser).send('script.evaluate', { expression, target: { context: window!.context }, awaitPromise: true });
    if (result.type === 'exception') throw new Error(`chrome scope: ${JSON.stringify(result.exceptionDetails)}`);
    return result;
  };

  // BiDi has no media emulation in this Firefox: the content colour-scheme pref (0 dark, 1 light) does it.
  const colorScheme = async (scheme: 'light' | 'dark') =>
    void (await chromeScope(`Services.prefs.setIntPref('layout.css.prefers-color-scheme.content-override', ${scheme === 'dark' ? 0 : 1})`));

  return {
    name: 'Firefox',
    newPage: async (url) => {
      const page = await browser.newPage();
      if (url) await page.goto(url);
      return firefoxPage(page, colorScheme);
    },
    openExtensionPage: async (which) => firefoxPage(await openExtensionPage(which), colorScheme),
    nextPage: async (action) => {
      const known = new Set<Target>(browser.targets());
      const [target] = await Promise.all([browser.waitForTarget((t) => t.type() === 'page' && !known.has(t), { timeout: timeoutMs }), action()]);
      const page = (await target.page())!;
      await loaded(page);
      return firefoxPage(page, colorScheme);
    },
    inExtension: (fn, arg) => probe.evaluate(fn as never, arg) as never,
    // A string, so that the function runs with the event page's window as its scope.
    inBackground: (fn, arg) =>
      probe.evaluate(`browser.runtime.getBackgroundPage().then((bg) => (${fn.toString()})(bg, ${JSON.stringify(arg)}))`) as never,
    stopBackground: async () => {
      await chromeScope(`WebExtensionPolicy.getByID(${JSON.stringify(geckoId)}).extension.terminateBackground()`);
    },
    withdrawOrigins: async (origins) => {
      // The third argument is the running extension: without it, it would not see the change.
      await chromeScope(
        `ChromeUtils.importESModule('resource://gre/modules/ExtensionPermissions.sys.mjs').ExtensionPermissions.remove(` +
          `${JSON.stringify(geckoId)}, { permissions: [], origins: ${JSON.stringify(origins)} }, WebExtensionPolicy.getByID(${JSON.stringify(geckoId)}).extension)`,
      );
    },
    close: async () => {
      await browser.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
