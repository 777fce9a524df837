// What the launcher lists, from a search view: the sections and their dashboards, in the order the
// keyboard walks them. Pure, so the list and the highlight logic are tested without a DOM.
import type { InstanceView } from '../common/messages';
import type { SearchView } from './use-search';

export interface LauncherItem {
  /** Unique in the list: also the option's DOM id suffix. */
  key: string;
  instanceId: string;
  instanceName: string;
  path: string;
  title: string;
  /** Where it sits: its folder ("Dashboards" at the root), "Folder" for a folder; null when not known (Recent). */
  folder: string | null;
  isStarred: boolean;
}

export interface LauncherSection {
  id: 'results' | 'starred' | 'recent';
  label: string;
  items: LauncherItem[];
}

/**
 * With a query: its results. Without: the user's starred dashboards, then Recent (most recent first).
 * Empty sections are left out.
 */
export function launcherSections(view: SearchView | null, instances: InstanceView[]): LauncherSection[] {
  if (!view) return [];
  const nameOf = (id: string) => instances.find((i) => i.id === id)?.name ?? id;
  const hits: LauncherItem[] = view.hits.map((h) => ({
    key: `${h.instanceId}:${h.uid}`,
    instanceId: h.instanceId,
    instanceName: h.instanceName || nameOf(h.instanceId),
    path: h.path,
    title: h.title,
    // Grafana's root has no folder title; its own UI calls it "Dashboards".
    folder: h.type === 'dash-folder' ? 'Folder' : (h.folderTitle ?? 'Dashboards'),
    isStarred: h.isStarred,
  }));
  if (view.query !== '') return hits.length ? [{ id: 'results', label: 'Dashboards', items: hits }] : [];

  // For the empty query the worker answers Grafana's starred search: every hit is starred.
  const starred = hits;
  const starredAt = new Set(starred.map((h) => `${h.instanceId}${h.path}`));
  const recent: LauncherItem[] = view.recent.map((r, i) => ({
    key: `recent:${i}`,
    instanceId: r.instanceId,
    instanceName: nameOf(r.instanceId),
    path: r.path,
    title: r.title,
    folder: null,
    isStarred: starredAt.has(`${r.instanceId}${r.path}`),
  }));
  const sections: LauncherSection[] = [
    { id: 'starred', label: 'Starred', items: starred },
    { id: 'recent', label: 'Recent', items: recent },
  ];
  return sections.filter((s) => s.items.length > 0);
}

/** Where ↑/↓ or the mouse left the highlight, in the answer numbered `seq`. */
export interface Moved {
  seq: number;
  index: number | null;
}

/**
 * The highlighted row: where the user moved it within this answer, else the first result of a query
 * (Enter opens the best match), else none (with nothing typed, Enter opens Grafana's home).
 */
export function highlightIndex(moved: Moved | null, answer: { seq: number; query: string } | null, count: number): number | null {
  if (count === 0 || !answer) return null;
  if (moved && moved.seq === answer.seq) return moved.index === null ? null : Math.min(moved.index, count - 1);
  return answer.query ? 0 : null;
}

/** ↑/↓ over `count` items: no wrap (a held key stops at the ends); ↑ from the first returns to the box. */
export function moveHighlight(current: number | null, key: 'ArrowUp' | 'ArrowDown', count: number): number | null {
  if (count === 0) return null;
  if (key === 'ArrowDown') return current === null ? 0 : Math.min(current + 1, count - 1);
  return current === null || current === 0 ? null : Math.min(current - 1, count - 1);
}

/** The instance names are worth their space only when results can come from more than one. */
export function showsInstance(instances: InstanceView[]): boolean {
  return instances.filter((i) => i.role !== null).length > 1;
}
