// The seam between the browser tests' steps (scenarios.ts) and the two drivers: playwright-core for
// Chromium (chromium-driver.ts), puppeteer-core over WebDriver BiDi for Firefox (firefox-driver.ts).
// Only what the steps need, in the steps' words.

/** A tab. Clicks and typing are real input events (permissions.request needs a user gesture). */
export interface TestPage {
  url(): Promise<string>;
  /** Navigates and waits for the load. */
  goto(url: string): Promise<void>;
  /** Waits until the tab's URL is exactly `url` and its document has loaded. */
  waitForURL(url: string): Promise<void>;
  /** Types into the field matched by a CSS selector. */
  fill(selector: string, value: string): Promise<void>;
  /** Clicks the element matched by a CSS selector. */
  click(selector: string): Promise<void>;
  /** Clicks the button whose text is exactly `name`. */
  clickButton(name: string): Promise<void>;
  /** How many buttons have exactly the text `name` now. */
  countButtons(name: string): Promise<number>;
  /** Waits until the page's visible text contains `text` (or matches it). */
  waitForText(text: string | RegExp): Promise<void>;
  /** The visible text of the first element matching a CSS selector, once there is one. */
  text(selector: string): Promise<string>;
  evaluate<T, A>(fn: (arg: A) => T | Promise<T>, arg: A): Promise<T>;
  /** Runs a script's source in the page, as the driver evaluates (the page's CSP does not apply). */
  addScript(source: string): Promise<void>;
  /** Presses a key (a real key event to the focused element), e.g. 'Tab', 'Shift+Tab'. */
  press(key: string): Promise<void>;
  /** Shows the page as with the system's light or dark colour scheme (Firefox: every page, a browser pref). */
  colorScheme(scheme: 'light' | 'dark'): Promise<void>;
  close(): Promise<void>;
}

export interface BrowserUnderTest {
  name: 'Chromium' | 'Firefox';
  newPage(url?: string): Promise<TestPage>;
  /** The extension's popup or options page, in a tab of its own. */
  openExtensionPage(page: 'popup' | 'options'): Promise<TestPage>;
  /** The next tab that opens while `action` runs, once its document has loaded. */
  nextPage(action: () => Promise<unknown>): Promise<TestPage>;
  /** Runs `fn` in an extension context that has every extension API (`chrome.*`). */
  inExtension<T, A>(fn: (arg: A) => T | Promise<T>, arg: A): Promise<T>;
  /** Runs `fn` with the background's global scope (the service worker, or Firefox's event page). */
  inBackground<T, A>(fn: (scope: Record<string, unknown> & typeof globalThis, arg: A) => T | Promise<T>, arg: A): Promise<T>;
  /** Stops the background as the browser does when it is idle. */
  stopBackground(): Promise<void>;
  close(): Promise<void>;
}

/** `text` as something a page function can take (RegExp does not cross into the page). */
export type TextPattern = { source: string; flags: string } | { substring: string };
export const textPattern = (text: string | RegExp): TextPattern =>
  typeof text === 'string' ? { substring: text } : { source: text.source, flags: text.flags };

/** In the page: does its visible text contain the pattern? */
export function pageHasText(p: TextPattern): boolean {
  const body = document.body?.innerText ?? '';
  if ('substring' in p) return body.replace(/\s+/g, ' ').includes(p.substring);
  const re = new RegExp(p.source, p.flags);
  return body.split('\n').some((line) => re.test(line.trim()));
}
