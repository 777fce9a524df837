// A Grafana tab appeared or moved (a bookmark, a typed URL, a link elsewhere): its instance is in use
// from now on, so its header rule gets a fresh token at once rather than at the next click. Only tabs
// on sites the extension has host access to report a URL; the others stop here.
import type { Tabs } from 'webextension-polyfill';
import { freshen } from './account-sync';
import { instanceOfTab } from './in-use';
import * as store from './store';

export async function onGrafanaTabUpdated(changeInfo: Tabs.OnUpdatedChangeInfoType, tab: Tabs.Tab): Promise<void> {
  if (changeInfo.url === undefined && changeInfo.status !== 'loading') return;
  const cached = await store.load('config');
  const instance = instanceOfTab(changeInfo.url ?? tab.url, cached?.config.instances ?? []);
  if (instance) await freshen(instance.id);
}
