// Two menu items. "Open in Grafana" on links and pages: a link into a configured instance opens that
// link signed in, anything else the default instance's home. "Search Grafana for '<selection>'" on
// selected text: the popup's search with that text where the browser lets the worker open the popup,
// else the best match (or Grafana's search page, in the instance of the current page if it is one).
import browser, { type Menus } from 'webextension-polyfill';
import type { OpenTarget } from '../common/messages';
import type { PublicInstance } from '../../server/contract/index.ts';
import { openBestMatch } from './best-match';
import { locateInInstances, maxSearchLength } from './grafana-url';
import { openGrafana } from './open-grafana';
import { keepPendingQuery, takePendingQuery } from './pending-query';
import * as store from './store';
import { systemDeps, type WorkerDeps } from './worker-deps';

export const menuItemId = 'open-in-grafana';
export const searchItemId = 'search-grafana';

/** Menus survive worker restarts: create them once per install or update. */
export async function createMenus(): Promise<void> {
  await browser.contextMenus.removeAll();
  browser.contextMenus.create({ id: menuItemId, title: 'Open in Grafana', contexts: ['page', 'frame', 'link'] });
  // %s: the browser puts the selection there (shortened as it sees fit).
  browser.contextMenus.create({ id: searchItemId, title: "Search Grafana for '%s'", contexts: ['selection'] });
}

type ClickInfo = Pick<Menus.OnClickData, 'linkUrl' | 'pageUrl' | 'frameUrl'>;

/** "Open in Grafana": a link into a configured instance as that link; anything else the default home. */
export function menuTarget(info: ClickInfo, instances: PublicInstance[]): OpenTarget {
  const link = info.linkUrl ? locateInInstances(info.linkUrl, instances) : null;
  return link ? { instanceId: link.instance.id, path: link.path } : {};
}

/** The menu's one dispatcher. Must reach openPopup before any await: Firefox allows it only there. */
export function onMenuClicked(info: Menus.OnClickData, deps: WorkerDeps = systemDeps): Promise<unknown> {
  if (info.menuItemId === searchItemId) {
    const query = (info.selectionText ?? '').trim().replace(/\s+/g, ' ').slice(0, maxSearchLength);
    if (query) return searchSelection(query, info, deps);
  }
  return store.load('config').then((cached) => openGrafana(menuTarget(info, cached?.config.instances ?? []), deps));
}

async function searchSelection(query: string, info: ClickInfo, deps: WorkerDeps): Promise<unknown> {
  const kept = keepPendingQuery(query, deps.clock.now());
  const popup = openPopup();
  await kept;
  if (await popup) return 'popup'; // the popup takes the query (takePendingQuery)
  await takePendingQuery(deps.clock.now());
  const instances = (await store.load('config'))?.config.instances ?? [];
  const page = locateInInstances(info.frameUrl ?? info.pageUrl ?? '', instances);
  return openBestMatch(query, { fallbackInstanceId: page?.instance.id }, deps);
}

/** Whether the popup opened: Chromium 127+ and Firefox 127+ can, when a browser window has focus. */
function openPopup(): Promise<boolean> {
  const action = browser.action as { openPopup?: () => Promise<unknown> };
  if (typeof action.openPopup !== 'function') return Promise.resolve(false);
  try {
    return action.openPopup().then(
      () => true,
      () => false,
    );
  } catch {
    return Promise.resolve(false);
  }
}
