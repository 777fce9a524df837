// Walking a sign-in through the test provider with HttpBrowser, stopping wherever a test needs to.
import { HttpBrowser } from './http-browser.ts';

export interface Credentials {
  login: string;
  password: string;
}

/**
 * Starts a sign-in at the token server and follows it through the provider (filling in its form
 * when it asks) up to the redirect back to the callback, which is returned without being requested.
 */
export async function callbackUrlOf(browser: HttpBrowser, startUrl: string, who?: Credentials): Promise<string> {
  let url = startUrl;
  for (let hop = 0; hop < 20; hop++) {
    const res = await browser.request(url);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      const next = new URL(location, url);
      if (/\/oidc\/[^/]+\/callback$/.test(next.pathname)) return next.href;
      url = next.href;
      continue;
    }
    const html = await res.text();
    const form = /action="(\/interaction\/[^"]+\/login)"/.exec(html);
    if (!form || !who) throw new Error(`sign-in stopped at ${url} (${res.status}): ${html.slice(0, 300)}`);
    const posted = await browser.request(new URL(form[1]!, url).href, { form: { username: who.login, password: who.password } });
    const after = posted.headers.get('location');
    if (!after) throw new Error(`the provider refused the sign-in form (${posted.status})`);
    url = new URL(after, url).href;
  }
  throw new Error('too many redirects');
}

/** The whole sign-in: through the provider and back; answers the final page. */
export async function signInThroughProvider(browser: HttpBrowser, tokenServerUrl: string, providerId: string, who?: Credentials, returnTo = '/') {
  const callback = await callbackUrlOf(browser, `${tokenServerUrl}/oidc/${providerId}/login?return_to=${encodeURIComponent(returnTo)}`, who);
  return browser.go(callback);
}
