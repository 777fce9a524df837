// The shared browser steps (scenarios.ts) in real Firefox ESR, driven by puppeteer-core over WebDriver
// BiDi, then what only Firefox does: host permissions the user can withdraw at any time.
import { expect, it } from 'vitest';
import { expectAccessible } from './axe';
import { launchFirefox, type FirefoxUnderTest } from './firefox-driver';
import { extensionScenarios } from './scenarios';

extensionScenarios('Firefox', () => launchFirefox(), (s) => {
  it("host access is the user's: the options page says when the server's was withdrawn, and asks for exactly that origin", async () => {
    const firefox = s.browser as FirefoxUnderTest;
    const origins = () => s.browser.inExtension(async () => (await chrome.permissions.getAll()).origins?.sort(), null);
    const before = await origins();
    expect(before).toEqual(['http://127.0.0.1/*', 'http://localhost/*']);

    await firefox.withdrawOrigins(['http://127.0.0.1/*']);
    expect(await origins()).toEqual(['http://localhost/*']);
    const options = await s.browser.openExtensionPage('options');
    const serverOrigin = new URL(s.stack.server.url).origin;
    await options.waitForText(`The extension has no access to ${serverOrigin}, the token server: press the button above to allow it.`);
    await expectAccessible(options, 'the options page, no access to the token server');

    // A real click (permissions.request needs user input in Firefox); the test profile grants without
    // the prompt a headless browser cannot answer.
    await options.clickButton('Save and connect');
    await options.waitForText('Connected. Now allow access to the Grafana sites below.');
    expect(await origins()).toEqual(before);
    await options.waitForText('Access granted');
    expect(await options.evaluate(() => document.body.innerText.includes('has no access'), null)).toBe(false);
    await options.close();
  });
});
