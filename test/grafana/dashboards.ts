/**
 * The stand-in's dashboards and folders (docs/grafana-jwt.md#search): one org's worth. Like Grafana's
 * `dashboard` table, folders and dashboards share one id sequence and one uid space; ids are given in the
 * order listed, folders first. Folders nest (a folder's `folderUid` is its parent, listed before it).
 *
 * A custom set is JSON: {"folders": [{uid, title, folderUid?}], "dashboards": [{uid, title, tags?, folderUid?}]}.
 */
import { readFileSync } from 'node:fs';
import { StandinConfigError } from './errors.ts';

export interface FolderSpec {
  uid: string;
  title: string;
  /** The parent folder (listed earlier); absent: at the top level. */
  folderUid?: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  tags?: string[];
  /** Absent: at the root ("Dashboards"). */
  folderUid?: string;
}

export interface DashboardSet {
  folders: FolderSpec[];
  dashboards: DashboardSpec[];
}

/** A row of the catalog: a folder or a dashboard, with what search and the pages need. */
export interface CatalogEntry {
  id: number;
  uid: string;
  title: string;
  slug: string;
  isFolder: boolean;
  tags: string[];
  /** The folder it is in (for a folder: its parent). */
  folder?: CatalogEntry;
}

export const DEFAULT_DASHBOARDS: DashboardSet = {
  folders: [
    { uid: 'infra', title: 'Infrastructure' },
    { uid: 'services', title: 'Services' },
    { uid: 'databases', title: 'Databases' },
  ],
  dashboards: [
    { uid: 'node-exporter', title: 'Node Exporter Full', tags: ['linux', 'hosts'], folderUid: 'infra' },
    { uid: 'kubernetes-cluster', title: 'Kubernetes Cluster', tags: ['kubernetes', 'hosts'], folderUid: 'infra' },
    { uid: 'disk-usage', title: 'Disk Usage', tags: ['linux', 'storage'], folderUid: 'infra' },
    { uid: 'http-latency', title: 'HTTP Latency', tags: ['http', 'slo'], folderUid: 'services' },
    { uid: 'api-errors', title: 'API Errors', tags: ['http', 'errors'], folderUid: 'services' },
    { uid: 'checkout-slo', title: 'Checkout SLO', tags: ['slo', 'business'], folderUid: 'services' },
    { uid: 'postgres-overview', title: 'PostgreSQL Overview', tags: ['database', 'postgres'], folderUid: 'databases' },
    { uid: 'redis-latency', title: 'Redis Latency', tags: ['database', 'redis'], folderUid: 'databases' },
    { uid: 'token-server', title: 'Token Server', tags: ['sso', 'jwt'] },
    { uid: 'team-overview', title: 'Team Overview' },
  ],
};

/** Grafana's uid rule: 1-40 characters of letters, digits, '-' and '_'. */
const UID = /^[A-Za-z0-9_-]{1,40}$/;

export class DashboardCatalog {
  readonly entries: readonly CatalogEntry[];
  private readonly byUid: Map<string, CatalogEntry>;

  constructor(set: DashboardSet = DEFAULT_DASHBOARDS) {
    const checked = checkDashboardSet(set, 'dashboards');
    const entries: CatalogEntry[] = [];
    const byUid = new Map<string, CatalogEntry>();
    for (const f of checked.folders) {
      const entry: CatalogEntry = { id: entries.length + 1, uid: f.uid, title: f.title, slug: slugify(f.title), isFolder: true, tags: [] };
      if (f.folderUid !== undefined) entry.folder = byUid.get(f.folderUid)!;
      entries.push(entry);
      byUid.set(f.uid, entry);
    }
    for (const d of checked.dashboards) {
      const entry: CatalogEntry = { id: entries.length + 1, uid: d.uid, title: d.title, slug: slugify(d.title), isFolder: false, tags: [...(d.tags ?? [])] };
      if (d.folderUid !== undefined) entry.folder = byUid.get(d.folderUid)!;
      entries.push(entry);
      byUid.set(d.uid, entry);
    }
    this.entries = entries;
    this.byUid = byUid;
  }

  get(uid: string): CatalogEntry | undefined {
    return this.byUid.get(uid);
  }

  dashboard(uid: string): CatalogEntry | undefined {
    const e = this.byUid.get(uid);
    return e && !e.isFolder ? e : undefined;
  }

  folder(uid: string): CatalogEntry | undefined {
    const e = this.byUid.get(uid);
    return e?.isFolder ? e : undefined;
  }

  /** The folders an entry is in, innermost first. */
  ancestors(entry: CatalogEntry): CatalogEntry[] {
    const chain: CatalogEntry[] = [];
    for (let f = entry.folder; f; f = f.folder) chain.push(f);
    return chain;
  }
}

/** Reads a dashboards file; every problem is a StandinConfigError naming the file and what is wrong. */
export function readDashboardFile(path: string): DashboardSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new StandinConfigError('dashboards', `cannot read ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StandinConfigError('dashboards', `${path} is not JSON: ${(err as Error).message}`);
  }
  return checkDashboardSet(value, path);
}

/** Checks an untrusted value against the DashboardSet shape; `where` names it in errors. */
export function checkDashboardSet(value: unknown, where: string): DashboardSet {
  const fail = (message: string): never => {
    throw new StandinConfigError('dashboards', `${where}: ${message}`);
  };
  if (!isObject(value)) return fail('must be an object {"folders": [...], "dashboards": [...]}');
  const folders = value.folders ?? [];
  const dashboards = value.dashboards;
  if (!Array.isArray(folders)) return fail('"folders" must be an array');
  if (!Array.isArray(dashboards)) return fail('"dashboards" must be an array');
  const seen = new Set<string>();
  const folderUids = new Set<string>();
  const uidOf = (item: Record<string, unknown>, at: string): string => {
    const uid = item.uid;
    if (typeof uid !== 'string' || !UID.test(uid)) return fail(`${at}.uid must be 1-40 letters, digits, "-" or "_"`);
    if (seen.has(uid)) return fail(`${at}.uid "${uid}" is used twice (folders and dashboards share uids)`);
    seen.add(uid);
    return uid;
  };
  const titleOf = (item: Record<string, unknown>, at: string): string => {
    if (typeof item.title !== 'string' || item.title.trim() === '') return fail(`${at}.title must be a non-empty string`);
    return item.title;
  };
  const parentOf = (item: Record<string, unknown>, at: string, what: string): string | undefined => {
    const parent = item.folderUid;
    if (parent === undefined || parent === null || parent === '') return undefined;
    if (typeof parent !== 'string' || !folderUids.has(parent)) return fail(`${at}.folderUid ${JSON.stringify(parent)} is not the uid of ${what}`);
    return parent;
  };
  const outFolders: FolderSpec[] = folders.map((f: unknown, i) => {
    const at = `folders[${i}]`;
    if (!isObject(f)) return fail(`${at} must be an object {uid, title, folderUid?}`);
    const spec: FolderSpec = { uid: uidOf(f, at), title: titleOf(f, at) };
    const parent = parentOf(f, at, 'a folder listed before it');
    if (parent !== undefined) spec.folderUid = parent;
    folderUids.add(spec.uid);
    return spec;
  });
  const outDashboards: DashboardSpec[] = dashboards.map((d: unknown, i) => {
    const at = `dashboards[${i}]`;
    if (!isObject(d)) return fail(`${at} must be an object {uid, title, tags?, folderUid?}`);
    const spec: DashboardSpec = { uid: uidOf(d, at), title: titleOf(d, at) };
    if (d.tags !== undefined) {
      if (!Array.isArray(d.tags) || !d.tags.every((t) => typeof t === 'string' && t !== '')) {
        return fail(`${at}.tags must be an array of non-empty strings`);
      }
      spec.tags = d.tags as string[];
    }
    const parent = parentOf(d, at, 'a folder in "folders"');
    if (parent !== undefined) spec.folderUid = parent;
    return spec;
  });
  return { folders: outFolders, dashboards: outDashboards };
}

/**
 * Grafana's slugify (pkg/infra/slugify), for the titles that matter here: lower-case ASCII letters and
 * digits kept, every other run of characters becomes one '-', none at either end.
 */
export function slugify(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
