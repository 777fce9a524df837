// The benchmarks' browser: the test build of the extension in real Chromium, pointed at the token
// server and signed in on its login page, as a person would.
import type { Cookie } from 'playwright-core';
import { waitFor, type LoadedExtension } from '../browser/harness.ts';

export async function signInBrowser(ext: LoadedExtension, serverUrl: string, user: { login: string; password: string }): Promise<Cookie> {
  const { context: ctx, worker } = ext;
  await worker.evaluate((url) => chrome.storage.local.set({ options: { serverUrl: url } }), serverUrl);
  const login = await ctx.newPage();
  await login.goto(`${serverUrl}/login`);
  await login.locator('#login').fill(user.login);
  await login.locator('#password').fill(user.password);
  await Promise.all([login.waitForURL(`${serverUrl}/`), login.getByRole('button', { name: 'Sign in' }).click()]);
  const signedIn = () => worker.evaluate(async () => ((await chrome.storage.session.get('account')).account as { status?: string } | undefined)?.status === 'signed-in');
  await waitFor(signedIn, 15_000, 'the worker to see the sign-in');
  const cookie = (await ctx.cookies(serverUrl)).find((c) => c.name === 'grafana_sso_session');
  if (!cookie) throw new Error('no session cookie in the browser');
  await login.close();
  return cookie;
}
