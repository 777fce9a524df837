// Which Grafana instances are in use, and so worth a token request every few minutes: one with an open
// tab inside its base URL, or one opened through the extension in the last few minutes. Every other
// instance gets a token on demand only (a click, the popup opening), so an idle browser costs the
// server nothing.
//
// Tabs are looked at when a refresh is due, not tracked: nothing to keep in step across worker stops.
// Without the `tabs` permission the browser shows a tab's URL only on sites the extension has host
// access to, which are exactly the Grafana origins whose header rule can act (docs/extension.md).
import browser from 'webextension-polyfill';
import type { PublicInstance } from '../../server/contract/index.ts';
import { buildConfig } from '../common/build-config';
import { locateInInstances } from './grafana-url';
import * as store from './store';

/** Grafana was just opened (a click, the shortcut, the context menu): keep its token fresh for a while. */
export async function noteOpening(instanceId: string, now: number): Promise<void> {
  await store.saveOpened(instanceId, now);
}

/** The instance a tab's URL is inside of, if any (the longest base URL wins, as for links). */
export function instanceOfTab<T extends Pick<PublicInstance, 'id' | 'url'>>(url: string | undefined, instances: T[]): T | undefined {
  return url ? locateInInstances(url, instances)?.instance : undefined;
}

/** Ids of the instances in use now: an open tab the worker can see, or a recent opening. */
export async function instancesInUse(instances: PublicInstance[], now: number): Promise<Set<string>> {
  const [tabs, opened] = await Promise.all([browser.tabs.query({}), Promise.all(instances.map((i) => store.load(store.openedKey(i.id))))]);
  const ids = new Set<string>();
  for (const tab of tabs) {
    // Chromium reports a navigation still under way as pendingUrl.
    const instance = instanceOfTab(tab.url ?? (tab as { pendingUrl?: string }).pendingUrl, instances);
    if (instance) ids.add(instance.id);
  }
  instances.forEach((instance, i) => {
    const at = opened[i];
    if (at !== undefined && now - at < buildConfig.recentOpeningSeconds * 1000) ids.add(instance.id);
  });
  return ids;
}
