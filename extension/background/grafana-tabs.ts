// A Grafana tab appeared or moved (a bookmark, a typed URL, a link elsewhere): its instance is in use
// from now on, so its header rule gets a fresh token at once rather than at the next click. Only tabs
// on sites the extension has host access to report a URL (and title); the others stop here.
// A tab showing a dashboard also goes into Recent, with the title Grafana gave the tab.
import type { Tabs } from 'webextension-polyfill';
import { freshen } from './account-sync';
import { locateInInstances } from './grafana-url';
import { instanceOfTab } from './in-use';
import { recordRecent } from './recent';
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
const dashboardPage = /^\/d\/[^/?#]+(\/[^/?#]*)?$/;

/**
 * The dashboard's title from Grafana's tab title, "<title> - Dashboards - Grafana" (older versions:
 * "<title> - Grafana"); null while Grafana is still loading ("Grafana").
 */
export function dashboardTitle(tabTitle: string): string | null {
  const title = tabTitle.replace(/\s+-\s+Grafana$/, '').replace(/\s+-\s+Dashboards$/, '').trim();
  return title && title !== 'Grafana' ? title : null;
}

async function noteDashboardTab(tab: Tabs.Tab, deps: WorkerDeps): Promise<void> {
  if (!tab.url || !tab.title) return;
  const [cached, account] = await Promise.all([store.load('config'), store.load('account')]);
  if (account?.status !== 'signed-in') return;
  const located = locateInInstances(tab.url, cached?.config.instances ?? []);
  const title = dashboardTitle(tab.title);
  if (!located || !title || !dashboardPage.test(located.path.split(/[?#]/, 1)[0]!)) return;
  await recordRecent({ instanceId: located.instance.id, path: located.path, title }, deps.clock.now());
}
