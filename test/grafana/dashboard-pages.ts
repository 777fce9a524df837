/**
 * Which page of Grafana's app a path shows, and the tab title Grafana's frontend gives it
 * (docs/grafana-jwt.md#search): the page's breadcrumbs, innermost first, joined with " - ", ending in
 * "Grafana". The backend serves the same app for every one of these paths, an unknown uid included.
 */
import type { DashboardCatalog } from './dashboards.ts';

export interface PageView {
  /** dashboard: /d/<uid>[/<slug>]; folder: /dashboards/f/<uid>[/<slug>]; other: any other page. */
  type: 'dashboard' | 'folder' | 'other';
  uid?: string;
  /** Whether the uid names a dashboard (or folder) of the stand-in. */
  found: boolean;
  /** The document title Grafana's frontend sets. */
  tabTitle: string;
  /** What the page draws as its heading. */
  heading: string;
  /** For a dashboard: its folder's uid, if any. */
  folderUid?: string;
}

const APP = 'Grafana';
const DASHBOARDS = 'Dashboards';

export function pageView(path: string, catalog: DashboardCatalog): PageView {
  const d = /^\/d\/([^/]+)(?:\/[^/]*)?\/?$/.exec(path);
  if (d) {
    const uid = decode(d[1]!);
    const dash = catalog.dashboard(uid);
    if (!dash) return { type: 'dashboard', uid, found: false, tabTitle: title('Dashboard not found'), heading: 'Dashboard not found' };
    const view: PageView = {
      type: 'dashboard',
      uid,
      found: true,
      tabTitle: title(dash.title, ...catalog.ancestors(dash).map((f) => f.title), DASHBOARDS),
      heading: dash.title,
    };
    if (dash.folder) view.folderUid = dash.folder.uid;
    return view;
  }
  const f = /^\/dashboards\/f\/([^/]+)(?:\/[^/]*)?\/?$/.exec(path);
  if (f) {
    const uid = decode(f[1]!);
    const folder = catalog.folder(uid);
    if (!folder) return { type: 'folder', uid, found: false, tabTitle: title('Folder not found'), heading: 'Folder not found' };
    return { type: 'folder', uid, found: true, tabTitle: title(folder.title, ...catalog.ancestors(folder).map((f) => f.title), DASHBOARDS), heading: folder.title };
  }
  if (path === '/dashboards' || path === '/dashboards/') return { type: 'other', found: true, tabTitle: title(DASHBOARDS), heading: DASHBOARDS };
  return { type: 'other', found: true, tabTitle: APP, heading: 'Home' };
}

const title = (...parts: string[]) => [...parts, APP].join(' - ');

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
