// BrowserUnderTest for Chromium: playwright-core, the extension's service worker evaluated directly.
import type { Page } from 'playwright-core';
import { pageHasText, textPattern, type BrowserUnderTest, type TestPage } from './driver';
import { distTest, launchWithExtension, nextPage, stopServiceWorkers, waitFor } from './harness';

const timeoutMs = 15_000;

/** A playwright page as a TestPage (also for the Chromium-only tests that hold playwright pages). */
export function chromiumPage(page: Page): TestPage {
  return {
    url: async () => page.url(),
    goto: async (url) => void (await page.goto(url)),
    waitForURL: (url) => page.waitForURL(url, { timeout: timeoutMs }),
    fill: (selector, value) => page.locator(selector).fill(value, { timeout: timeoutMs }),
    click: (selector) => page.locator(selector).click({ timeout: timeoutMs }),
    clickButton: (name) => page.getByRole('button', { name, exact: true }).click({ timeout: timeoutMs }),
    countButtons: (name) => page.getByRole('button', { name, exact: true }).count(),
    waitForText: async (text) => {
      const pattern = textPattern(text);
      // The page may be between documents (a redirect): that is "not yet", not an error.
      await waitFor(() => page.evaluate(pageHasText, pattern).catch(() => false), timeoutMs, `text ${String(text)}`);
    },
    text: (selector) => page.locator(selector).first().innerText({ timeout: timeoutMs }),
    evaluate: (fn, arg) => page.evaluate(fn as never, arg),
    addScript: async (source) => void (await page.evaluate(source)),
    press: (key) => page.keyboard.press(key),
    colorScheme: (scheme) => page.emulateMedia({ colorScheme: scheme }),
    close: () => page.close(),
  };
}

export async function launchChromium(dir = distTest): Promise<BrowserUnderTest> {
  const ext = await launchWithExtension(dir);
  const pages = new Map<string, string>([['popup', ext.popupUrl], ['options', ext.optionsUrl]]);
  return {
    name: 'Chromium',
    newPage: async (url) => {
      const page = await ext.context.newPage();
      if (url) await page.goto(url);
      return chromiumPage(page);
    },
    openExtensionPage: async (which) => {
      const page = await ext.context.newPage();
      await page.goto(pages.get(which)!);
      return chromiumPage(page);
    },
    nextPage: async (action) => chromiumPage(await nextPage(ext.context, action)),
    inExtension: (fn, arg) => ext.worker.evaluate(fn as never, arg),
    // A string, so that the scope is the worker's own globalThis.
    inBackground: (fn, arg) => ext.worker.evaluate(`(${fn.toString()})(globalThis, ${JSON.stringify(arg)})`),
    stopBackground: async () => {
      const any = ext.context.pages()[0] ?? (await ext.context.newPage());
      await stopServiceWorkers(ext.context, any);
    },
    close: () => ext.close(),
  };
}
