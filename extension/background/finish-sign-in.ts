// A sign-in the worker opened for something the user asked for (the popup's Open, the shortcut, a
// context-menu link): once that tab is back on the token server and the account is signed in, the tab
// closes itself and the action happens. With a live session at the identity provider the whole round
// trip needs no click and no typing.
import browser from 'webextension-polyfill';
import { systemDeps, type WorkerDeps } from './worker-deps';
import { openBestMatch } from './best-match';
import { openGrafana } from './open-grafana';
import * as store from './store';

/** An action older than this is dropped instead of done (the user has moved on). */
export const PENDING_OPEN_MAX_AGE_MS = 10 * 60_000;

/** Called after a server tab finished loading (and the account was synced, sign-in.ts). */
export async function finishPendingOpen(tabId: number, deps: WorkerDeps = systemDeps): Promise<void> {
  const pending = await store.load('pendingOpen');
  if (!pending || pending.tabId !== tabId) return;
  if ((await store.load('account'))?.status !== 'signed-in') return;
  await store.remove(['pendingOpen']);
  if (deps.clock.now() - pending.at > PENDING_OPEN_MAX_AGE_MS) return;
  await browser.tabs.remove(tabId).catch(() => undefined);
  if (pending.query) await openBestMatch(pending.query, { fallbackInstanceId: pending.target.instanceId }, deps);
  else await openGrafana(pending.target, deps);
}
