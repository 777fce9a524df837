// The Grafana page in the active tab as a /go/ link anyone can follow (the popup's "Copy link"). The
// tab's URL and title are visible to the worker only on origins it has host access to, which are the
// Grafana origins the user granted: no "tabs" or "activeTab" permission is involved.
import browser from 'webextension-polyfill';
import { goLink } from '../../server/contract/index.ts';
import type { PageLink } from '../common/launcher';
import { locateInInstances } from './grafana-url';
import * as store from './store';

export async function currentPageLink(): Promise<PageLink | null> {
  const cached = await store.load('config');
  if (!cached) return null;
  // lastFocusedWindow: the worker has no window of its own; the popup belongs to the focused one.
  const [tab] = await browser.tabs.query({ active: true, lastFocusedWindow: true });
  const located = tab?.url ? locateInInstances(tab.url, cached.config.instances) : null;
  if (!located) return null;
  // Made with the server's public URL (the tokens' issuer), the one everybody reaches; goLink drops
  // an auth_token the tab's URL may still carry.
  return { instanceId: located.instance.id, title: tab?.title || located.instance.name, link: goLink(cached.config.issuer, located.instance.id, located.path) };
}
