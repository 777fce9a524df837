// The launcher's Recent list: dashboards the user opened, most recent first, kept in storage.local so
// it survives a browser restart. Only what the list shows: the path without its query or fragment (so
// no token and no dashboard variables), the title, the instance and the time. Cleared whenever the
// user is forgotten (sign-out, another server: someone else may use this profile next).
import browser from 'webextension-polyfill';
import type { RecentDashboard } from '../common/launcher';
import { createLock } from './lock';

/** How many dashboards Recent keeps. */
export const RECENT_MAX = 20;

const storageKey = 'recentDashboards';
const maxTitleLength = 300;
// Read-modify-write of one list: two tabs reporting at once must not drop each other's entry.
const serially = createLock();

/** A path within an instance as Recent keeps it: '/'-rooted, without query or fragment. */
export function recentPath(path: string): string | null {
  const bare = path.split(/[?#]/, 1)[0] ?? '';
  return bare.startsWith('/') && !bare.startsWith('//') && bare.length > 1 ? bare : null;
}

export async function recordRecent(entry: { instanceId: string; path: string; title: string }, now: number): Promise<void> {
  const path = recentPath(entry.path);
  const title = entry.title.trim().slice(0, maxTitleLength);
  if (!path || !title) return;
  await serially(async () => {
    const kept = (await readAll()).filter((r) => !(r.instanceId === entry.instanceId && r.path === path));
    await write([{ instanceId: entry.instanceId, path, title, openedAt: now }, ...kept]);
  });
}

/**
 * Most recent first. Entries of instances that no longer exist are dropped from storage too; when
 * `instanceIds` is not given (no config known), the list is answered as stored.
 */
export async function loadRecent(instanceIds?: readonly string[]): Promise<RecentDashboard[]> {
  return serially(async () => {
    const all = await readAll();
    if (!instanceIds) return all;
    const kept = all.filter((r) => instanceIds.includes(r.instanceId));
    if (kept.length !== all.length) await write(kept);
    return kept;
  });
}

export function clearRecent(): Promise<void> {
  return serially(() => browser.storage.local.remove(storageKey));
}

async function readAll(): Promise<RecentDashboard[]> {
  const stored = (await browser.storage.local.get(storageKey))[storageKey];
  if (!Array.isArray(stored)) return [];
  return stored.filter(isRecent).sort((a, b) => b.openedAt - a.openedAt);
}

async function write(entries: RecentDashboard[]): Promise<void> {
  await browser.storage.local.set({ [storageKey]: entries.slice(0, RECENT_MAX) });
}

function isRecent(v: unknown): v is RecentDashboard {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.instanceId === 'string' && typeof r.path === 'string' && typeof r.title === 'string' && typeof r.openedAt === 'number';
}
