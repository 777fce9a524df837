// "Open what the user meant" for a piece of text (the omnibox's Enter, the context menu where no popup
// can open): the best-ranked dashboard across instances, else Grafana's own search page for the text.
// Signed out: the sign-in first, then this same search (finish-sign-in.ts).
import type { DashboardHit } from '../common/launcher';
import type { OpenResult } from '../common/messages';
import { searchPath } from './grafana-url';
import { searchInstances, type SearchUpdate } from './launcher-search';
import { openGrafana, type Placement } from './open-grafana';
import { openSignIn } from './server-sign-in';
import { systemDeps, type WorkerDeps } from './worker-deps';

/** The final answer of one search, for callers that do not stream (omnibox, context menu). */
export async function searchOnce(query: string, signal: AbortSignal, deps: WorkerDeps = systemDeps): Promise<SearchUpdate> {
  let last: SearchUpdate = { hits: [], recent: [], instances: [], done: true };
  await searchInstances(query, signal, (update) => void (last = update), deps);
  return last;
}

export async function openBestMatch(
  query: string,
  options: { placement?: Placement; fallbackInstanceId?: string; known?: SearchUpdate } = {},
  deps: WorkerDeps = systemDeps,
): Promise<OpenResult> {
  const answer = options.known ?? (await searchOnce(query, new AbortController().signal, deps));
  if (answer.instances.length > 0 && answer.instances.every((i) => i.problem === 'signed-out')) {
    await openSignIn({ instanceId: options.fallbackInstanceId, path: searchPath(query) }, deps.clock, query);
    return { ok: false, reason: 'signed-out', message: 'You are signed out: sign in, then the search opens.' };
  }
  const best: DashboardHit | undefined = answer.hits[0];
  // Recent keeps dashboards: a folder opens without a title.
  if (best) return openGrafana({ instanceId: best.instanceId, path: best.path, title: best.type === 'dash-db' ? best.title : undefined }, deps, options.placement);
  return openGrafana({ instanceId: options.fallbackInstanceId, path: searchPath(query) }, deps, options.placement);
}
