// The order a person expects from a dashboard search across instances: the title itself first, then
// titles that start with it, then a word that starts with it, then anything containing it; among
// equals starred dashboards first, then the default instance, then dashboards before folders, then by
// title. Pure: the fan-out (launcher-search.ts) calls it on every answer.
import type { DashboardHit } from '../common/launcher';

/** How well a title matches: lower is better. */
export function matchTier(title: string, query: string): number {
  const t = title.toLocaleLowerCase();
  const q = query.toLocaleLowerCase();
  if (!q) return 0;
  if (t === q) return 0;
  if (t.startsWith(q)) return 1;
  for (let at = t.indexOf(q); at > 0; at = t.indexOf(q, at + 1)) {
    if (!/[\p{L}\p{N}]/u.test(t[at - 1]!)) return 2;
  }
  return t.includes(q) ? 3 : 4;
}

export function rankHits(hits: DashboardHit[], query: string, defaultInstanceId: string | undefined, max: number): DashboardHit[] {
  const keyed = hits.map((hit) => ({ hit, tier: matchTier(hit.title, query) }));
  keyed.sort(
    (a, b) =>
      a.tier - b.tier ||
      Number(b.hit.isStarred) - Number(a.hit.isStarred) ||
      Number(b.hit.instanceId === defaultInstanceId) - Number(a.hit.instanceId === defaultInstanceId) ||
      Number(a.hit.type === 'dash-folder') - Number(b.hit.type === 'dash-folder') ||
      a.hit.title.localeCompare(b.hit.title) ||
      a.hit.instanceId.localeCompare(b.hit.instanceId),
  );
  return keyed.slice(0, max).map((k) => k.hit);
}
