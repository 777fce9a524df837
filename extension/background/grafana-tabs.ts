// A Grafana tab appeared or moved (a bookmark, a typed URL, a link elsewhere): its instance is in use
// from now on, so its header rule gets a fresh token at once rather than at the next click. Only tabs
// on sites the extension has host access to report a URL (and title); the others stop here.
// A tab showing a dashboard also goes into Recent.
import type { Tabs } from 'webextension-polyfill';
import type { PublicInstance } from '../../server/contract/index.ts';
import { freshen, usableForSearch } from './account-sync';
import { searchGrafana } from './grafana-search';
import { locateInInstances } from './grafana-url';
import { instanceOfTab } from './in-use';
import { loadRecent, recordRecent } from './recent';
import { cachedToken } from './token-cache';
import { systemDeps, type WorkerDeps } from './worker-deps';
import * as store from './store';

export async function onGrafanaTabUpdated(changeInfo: Tabs.OnUpdatedChangeInfoType, tab: Tabs.Tab, deps: WorkerDeps = systemDeps): Promise<void> {
  if (changeInfo.title !== undefined) await noteDashboardTab(tab, deps);
  if (changeInfo.url === undefined && changeInfo.status !== 'loading') return;
  const cached = await store.load('config');
  const instance = instanceOfTab(changeInfo.url ?? tab.url, cached?.config.instances ?? []);
  if (instance) await freshen(instance.id);
}

/** Grafana's dashboard pages: /d/<uid> and /d/<uid>/<slug>. */
const dashboardPage = /^\/d\/([^/?#]+)(\/[^/?#]*)?$/;

/**
 * A guess at the dashboard's title from Grafana's tab title, "<dashboard> - <folders…> - Dashboards -
 * Grafana" (docs/grafana-jwt.md#search): the part before the first " - ", right unless the title itself
 * has one. Null while Grafana is still loading (the tab title is the app title alone).
 */
export function dashboardTitle(tabTitle: string): string | null {
  const crumbs = tabTitle.split(' - ');
  if (crumbs.length < 3 || crumbs.at(-2) !== 'Dashboards') return null;
  return crumbs[0]!.trim() || null;
}

/**
 * Recent gets the dashboard a Grafana tab shows. Its title: the one Recent already has, else
 * Grafana's own (a search by uid with the cached token: exact, whatever the title holds), else the
 * tab title's guess.
 */
async function noteDashboardTab(tab: Tabs.Tab, deps: WorkerDeps): Promise<void> {
  if (!tab.url || !tab.title) return;
  const [cached, account] = await Promise.all([store.load('config'), store.load('account')]);
  if (account?.status !== 'signed-in') return;
  const located = locateInInstances(tab.url, cached?.config.instances ?? []);
  const guess = dashboardTitle(tab.title);
  const uid = located && dashboardPage.exec(located.path.split(/[?#]/, 1)[0]!)?.[1];
  if (!located || !guess || !uid) return;
  const path = located.path;
  const known = (await loadRecent()).find((r) => r.instanceId === located.instance.id && r.path === path.split(/[?#]/, 1)[0]);
  const title = known?.title ?? (await titleFromGrafana(located.instance, uid, deps)) ?? guess;
  await recordRecent({ instanceId: located.instance.id, path, title }, deps.clock.now());
}

async function titleFromGrafana(instance: PublicInstance, uid: string, deps: WorkerDeps): Promise<string | undefined> {
  const token = await cachedToken(instance.id);
  if (!token || !usableForSearch(token, deps.clock.now())) return undefined;
  const outcome = await searchGrafana(instance, token.token, { dashboardUid: uid, limit: 1 }, deps.fetch, new AbortController().signal).catch(() => undefined);
  return outcome?.ok ? outcome.hits.find((h) => h.uid === uid)?.title : undefined;
}
