// Signing in happens on the token server's own login page; the worker notices its completion by
// watching tabs on the server's origin (their URL is visible thanks to the server's host permission).
import browser, { type Tabs } from 'webextension-polyfill';
import type { OpenTarget } from '../common/messages';
import { systemDeps, type Clock } from './worker-deps';
import { readOptions } from '../common/options';
import { apiPaths } from '../../server/contract/index.ts';
import { serverApi } from '../common/server-api';
import * as store from './store';
import { forgetUser, syncAccount } from './account-sync';

/** The server's login page, returning to its home page. Only a login page on the server's origin is trusted. */
export function loginUrl(serverUrl: string, configured: string | undefined): string {
  const server = new URL(serverUrl);
  let url = new URL(`${serverUrl}${apiPaths.login}`);
  if (configured) {
    try {
      const candidate = new URL(configured, server);
      if (candidate.origin === server.origin) url = candidate;
    } catch {
      // keep the default
    }
  }
  url.searchParams.set('return_to', '/');
  return url.href;
}

/**
 * Opens the server's sign-in in a tab; `then` is what to do once it completes (finish-sign-in.ts), or,
 * with `query`, open the best match for it (best-match.ts) and `then` only if there is none.
 */
export async function openSignIn(then?: OpenTarget, clock: Clock = systemDeps.clock, query?: string): Promise<void> {
  const { options } = await readOptions();
  if (!options.serverUrl) throw new Error('No token server is configured.');
  const cached = await store.load('config');
  const configured = cached?.serverUrl === options.serverUrl ? cached.config.loginUrl : undefined;
  const tab = await browser.tabs.create({ url: loginUrl(options.serverUrl, configured) });
  if (then && tab.id !== undefined) await store.save({ pendingOpen: { tabId: tab.id, target: then, at: clock.now(), ...(query ? { query } : {}) } });
}

/**
 * A page of the token server finished loading. Leaving the login page while signed out means a
 * sign-in probably completed; landing on it while signed in, a sign-out elsewhere. Either way: sync.
 */
export async function onServerTabUpdated(changeInfo: Tabs.OnUpdatedChangeInfoType, tab: Tabs.Tab): Promise<void> {
  // Most tabs are on sites we have no permission for: their URL is hidden, and we stop here.
  if (changeInfo.status !== 'complete' || !tab.url) return;
  const { options } = await readOptions();
  if (!options.serverUrl) return;
  const server = new URL(options.serverUrl);
  const url = new URL(tab.url);
  if (url.origin !== server.origin) return;
  const onLoginPage = url.pathname.startsWith(`${server.pathname.replace(/\/$/, '')}/login`);
  const account = await store.load('account');
  const signedIn = account?.status === 'signed-in';
  if (onLoginPage === signedIn) await syncAccount();
}

/** Ends the server session, then forgets tokens and rules even if the server could not be told. */
export async function signOut(): Promise<void> {
  const { options } = await readOptions();
  try {
    if (options.serverUrl) await serverApi(options.serverUrl).logout();
  } finally {
    await forgetUser({ status: 'signed-out' });
  }
}
