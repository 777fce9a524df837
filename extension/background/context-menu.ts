// One "Open in Grafana" menu item; what it opens depends on where the user clicked.
import browser, { type Menus } from 'webextension-polyfill';
import type { OpenTarget } from '../common/messages';
import type { PublicInstance } from '../../server/contract/index.ts';
import { locateInInstances, searchPath } from './grafana-url';

export const menuItemId = 'open-in-grafana';

/** Menus survive worker restarts: create them once per install or update. */
export async function createMenus(): Promise<void> {
  await browser.contextMenus.removeAll();
  browser.contextMenus.create({ id: menuItemId, title: 'Open in Grafana', contexts: ['page', 'frame', 'link', 'selection'] });
}

type ClickInfo = Pick<Menus.OnClickData, 'linkUrl' | 'selectionText' | 'pageUrl' | 'frameUrl'>;

/**
 * - a link into a configured instance: that link, signed in;
 * - selected text: a dashboard search for it, in the instance of the current page if it is one, else
 *   in the default instance;
 * - anything else: the default instance's home.
 */
export function menuTarget(info: ClickInfo, instances: PublicInstance[]): OpenTarget {
  const link = info.linkUrl ? locateInInstances(info.linkUrl, instances) : null;
  if (link) return { instanceId: link.instance.id, path: link.path };
  const text = info.selectionText?.trim();
  if (text) {
    const page = locateInInstances(info.frameUrl ?? info.pageUrl ?? '', instances);
    return page ? { instanceId: page.instance.id, path: searchPath(text) } : { path: searchPath(text) };
  }
  return {};
}
