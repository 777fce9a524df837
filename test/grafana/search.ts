/**
 * GET /api/search as Grafana answers it (docs/grafana-jwt.md#search): the parameter handling of
 * pkg/api/search.go, the SQL search's filters, limit and page, the default order of
 * pkg/services/search (folders first, then title without regard to case) and the hit shape.
 */
import type { CatalogEntry, DashboardCatalog } from './dashboards.ts';

/** One hit, members in Grafana's order; the optional ones are left out when empty, as Grafana's omitempty does. */
export interface SearchHit {
  id: number;
  uid: string;
  orgId: number;
  title: string;
  uri: string;
  url: string;
  slug: string;
  type: 'dash-db' | 'dash-folder';
  tags: string[];
  isStarred: boolean;
  folderId?: number;
  folderUid?: string;
  folderTitle?: string;
  folderUrl?: string;
  sortMeta: number;
  isDeleted: boolean;
}

export interface SearchCaller {
  orgId: number;
  /** The caller's role in the org; None (or no role) sees nothing. */
  orgRole: string;
  /** The caller's starred dashboard uids. */
  starred: ReadonlySet<string>;
  /** Grafana's AppSubUrl ('' or '/grafana'): every url in a hit starts with it. */
  subUrl: string;
}

export type SearchAnswer = { status: 200; body: SearchHit[] } | { status: 400 | 401 | 422; body: { message: string } };

export const MAX_LIMIT = 5000;
export const DEFAULT_LIMIT = 1000;
const GENERAL = 'general';

export function searchDashboards(catalog: DashboardCatalog, params: URLSearchParams, caller: SearchCaller): SearchAnswer {
  const one = (name: string) => params.get(name) ?? '';
  const all = (name: string) => params.getAll(name);
  const query = one('query');
  const tags = all('tag');
  const type = one('type');
  const sort = one('sort');
  const limit = goInt(one('limit'));
  const page = goInt(one('page'));

  if (one('deleted') === 'true' && caller.orgRole !== 'Admin') return { status: 401, body: { message: 'Unauthorized' } };
  if (limit > MAX_LIMIT) {
    return { status: 422, body: { message: `Limit is above maximum allowed (${MAX_LIMIT}), use page parameter to access hits beyond limit` } };
  }
  // Ids that do not parse are dropped, as Grafana drops them.
  const dashboardIds = all('dashboardIds').filter(isGoInt).map(Number);
  let dashboardUids = all('dashboardUIDs');
  if (dashboardUids.length === 0) dashboardUids = all('dashboardUID');
  const folderIds = all('folderIds').filter(isGoInt).map(Number);
  const folderUids = all('folderUIDs');
  if ((dashboardIds.length > 0 && dashboardUids.length > 0) || (folderIds.length > 0 && folderUids.length > 0)) {
    return { status: 400, body: { message: 'search supports UIDs or IDs, not both' } };
  }

  const starredOnly = one('starred') === 'true';
  if (starredOnly && caller.starred.size === 0) return { status: 200, body: [] };
  if (starredOnly && dashboardIds.length === 0 && dashboardUids.length === 0) dashboardUids = [...caller.starred];
  // Deleted dashboards (Grafana's trash) are not modelled: the trash is always empty.
  if (one('deleted') === 'true') return { status: 200, body: [] };
  if (caller.orgRole === 'None' || caller.orgRole === '') return { status: 200, body: [] };
  // permission=Edit: only what the caller may edit, which for a Viewer is nothing.
  if (one('permission') === 'Edit' && caller.orgRole === 'Viewer') return { status: 200, body: [] };

  const titleMatches = likeMatcher(query);
  // The root is asked for as "general" (Grafana's General folder uid); "" names no folder.
  const parentUid = (e: CatalogEntry) => e.folder?.uid ?? GENERAL;
  const parentId = (e: CatalogEntry) => e.folder?.id ?? 0;
  const matches = catalog.entries.filter(
    (e) =>
      (query === '' || titleMatches(e.title)) &&
      // SQL: the dashboard's tags among those asked for, counted, at least as many as asked for.
      e.tags.filter((t) => tags.includes(t)).length >= tags.length &&
      (dashboardUids.length > 0 ? dashboardUids.includes(e.uid) : dashboardIds.length === 0 || dashboardIds.includes(e.id)) &&
      (type === 'dash-folder' ? e.isFolder : type === 'dash-db' ? !e.isFolder : true) &&
      (folderIds.length === 0 || folderIds.includes(parentId(e))) &&
      (folderUids.length === 0 || folderUids.includes(parentUid(e))),
  );

  // The database orders by title (descending for alpha-desc), then limit and page cut the list.
  const ordered = [...matches].sort((a, b) => compareTitles(a, b) * (sort === 'alpha-desc' ? -1 : 1));
  const size = limit < 1 ? DEFAULT_LIMIT : limit;
  const from = ((page < 1 ? 1 : page) - 1) * size;
  let hits = ordered.slice(from, from + size).map((e) => toHit(e, caller));
  // No sort asked for: folders first, then by title, each hit's tags sorted. Any sort given (an unknown
  // one too, which the database ignores) keeps the database's title order, folders mixed in.
  if (sort === '') {
    hits = hits.sort((a, b) => (a.type === b.type ? compareTitles(a, b) : a.type === 'dash-folder' ? -1 : 1));
    for (const h of hits) h.tags.sort();
  }
  if (starredOnly) hits = hits.filter((h) => h.isStarred);
  return { status: 200, body: hits };
}

function toHit(e: CatalogEntry, caller: SearchCaller): SearchHit {
  const hit: SearchHit = {
    id: e.id,
    uid: e.uid,
    orgId: caller.orgId,
    title: e.title,
    uri: `db/${e.slug}`,
    url: entryUrl(e, caller.subUrl),
    // Grafana builds hits without filling in the slug: it is always empty.
    slug: '',
    type: e.isFolder ? 'dash-folder' : 'dash-db',
    tags: [...e.tags],
    isStarred: !e.isFolder && caller.starred.has(e.uid),
    sortMeta: 0,
    isDeleted: false,
  };
  if (e.folder) {
    // Spread in this order so the JSON members come out where Grafana puts them.
    const { sortMeta, isDeleted, ...head } = hit;
    return {
      ...head,
      folderId: e.folder.id,
      folderUid: e.folder.uid,
      folderTitle: e.folder.title,
      folderUrl: entryUrl(e.folder, caller.subUrl),
      sortMeta,
      isDeleted,
    };
  }
  return hit;
}

/** Grafana's GetDashboardURL / GetFolderURL: the sub-path, then /d/<uid>/<slug> or /dashboards/f/<uid>/<slug>. */
export function entryUrl(e: CatalogEntry, subUrl: string): string {
  return e.isFolder ? `${subUrl}/dashboards/f/${e.uid}/${e.slug}` : `${subUrl}/d/${e.uid}/${e.slug}`;
}

function compareTitles(a: { title: string }, b: { title: string }): number {
  const x = a.title.toLowerCase();
  const y = b.title.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * SQL `title LIKE '%<query>%'`, as Grafana sends it: not escaped, so `%` in the query matches any run of
 * characters and `_` any one; letters without regard to case (as SQLite, MySQL and PostgreSQL's ILIKE do).
 */
function likeMatcher(query: string): (title: string) => boolean {
  const pattern = [...query].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'))).join('');
  const re = new RegExp(pattern, 'is');
  return (title) => re.test(title);
}

/** Go's strconv.ParseInt(s, 10, 64): an optional sign and decimal digits, nothing else. */
function isGoInt(text: string): boolean {
  return /^[+-]?\d+$/.test(text) && BigInt(text) <= 9223372036854775807n && BigInt(text) >= -9223372036854775808n;
}

/** Grafana's QueryInt64: the parsed value, or 0 when the text is not an integer. */
function goInt(text: string): number {
  return isGoInt(text) ? Number(text) : 0;
}
