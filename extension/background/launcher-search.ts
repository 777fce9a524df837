// One launcher search across every instance the user can reach: each searched in parallel with the
// user's token (grafana-search.ts), the answer posted again as each instance answers (everything known
// so far, ranked), `done` once all have. An empty query asks each instance for the user's starred
// dashboards and adds Recent. Stops posting as soon as `signal` aborts (a newer query, a closed popup).
import type { PublicInstance } from '../../server/contract/index.ts';
import type { DashboardHit, InstanceSearchProblem, InstanceSearchStatus, RecentDashboard, SearchAnswer } from '../common/launcher';
import { hasOrigins } from '../common/permissions';
import { syncAccount, tokensForSearch, usableForSearch } from './account-sync';
import { searchGrafana } from './grafana-search';
import { loadRecent } from './recent';
import { rankHits } from './search-ranking';
import { cachedToken } from './token-cache';
import { systemDeps, type WorkerDeps } from './worker-deps';
import { isSynced, loadWorkerState, pickInstance } from './worker-state';

/** Hits asked of each instance, and shown in all. */
export const perInstanceLimit = 30;
export const overallLimit = 50;

export type SearchUpdate = Omit<SearchAnswer, 'seq' | 'query'>;

type Access = { ok: true; token: string } | { ok: false; reason: InstanceSearchProblem; message: string };

export async function searchInstances(query: string, signal: AbortSignal, post: (update: SearchUpdate) => void, deps: WorkerDeps = systemDeps): Promise<void> {
  let state = await loadWorkerState(deps);
  if (state.options.serverUrl && !isSynced(state)) {
    // A browser start before its first sync finished: the instances and roles are not known yet.
    await syncAccount(deps);
    state = await loadWorkerState(deps);
  }
  const { config, account, options } = state;
  const instances = config?.instances ?? [];
  // Recent drops instances that no longer exist, and shows only those the user can open.
  const recent: RecentDashboard[] =
    query === '' && account?.status === 'signed-in' ? (await loadRecent(instances.map((i) => i.id))).filter((r) => r.instanceId in account.roles) : [];
  const statuses: InstanceSearchStatus[] = [];
  let hits: DashboardHit[] = [];
  const defaultId = config && pickInstance(config, options)?.id;
  const emit = (done: boolean) => {
    if (!signal.aborted) post({ hits: rankHits(hits, query, defaultId, overallLimit), recent, instances: [...statuses], done });
  };
  const status = (instance: PublicInstance, problem: InstanceSearchStatus['problem'] = null, message: string | null = null) =>
    statuses.push({ instanceId: instance.id, instanceName: instance.name, problem, message });

  if (account?.status !== 'signed-in') {
    const message = 'You are signed out: sign in to search Grafana.';
    for (const instance of instances) status(instance, 'signed-out', message);
    return emit(true);
  }
  const reachable = instances.filter((i) => i.id in account.roles);
  for (const instance of instances) {
    if (!reachable.includes(instance)) status(instance, 'no-access', `Your account has no access to ${instance.name}: ask your administrator for a role there.`);
  }
  // Recent (and the no-access notes) at once, before any instance answered.
  emit(reachable.length === 0);
  if (reachable.length === 0) return;

  const searchOne = async (instance: PublicInstance, token: Access): Promise<void> => {
    if (signal.aborted) return;
    if (!token.ok) {
      status(instance, token.reason, token.message);
    } else {
      const params = query ? { query, limit: perInstanceLimit } : { starred: true, limit: perInstanceLimit };
      // Rejects only when aborted: a newer query or a closed popup, for which nothing is posted.
      const outcome = await searchGrafana(instance, token.token, params, deps.fetch, signal).catch(() => undefined);
      if (!outcome || signal.aborted) return;
      if (outcome.ok) {
        hits = [...hits, ...outcome.hits];
        status(instance);
      } else {
        status(instance, outcome.problem, outcome.message);
      }
    }
    if (statuses.length < instances.length) emit(false);
  };

  // Instances with a valid cached token search at once; the others wait for one fetch of their tokens.
  const granted = await Promise.all(reachable.map((i) => hasOrigins([i.url])));
  const now = deps.clock.now();
  const ready: Promise<void>[] = [];
  const missing: PublicInstance[] = [];
  for (const [n, instance] of reachable.entries()) {
    if (!granted[n]) {
      const host = new URL(instance.url).host;
      ready.push(searchOne(instance, { ok: false, reason: 'no-host-access', message: `The extension has no access to ${host}: allow it in Options to search ${instance.name}.` }));
      continue;
    }
    const cached = await cachedToken(instance.id);
    if (cached && usableForSearch(cached, now)) ready.push(searchOne(instance, { ok: true, token: cached.token }));
    else missing.push(instance);
  }
  if (missing.length) {
    ready.push(
      tokensForSearch(
        missing.map((i) => i.id),
        deps,
      ).then((tokens) => Promise.all(missing.map((i) => searchOne(i, tokens.get(i.id) ?? { ok: false, reason: 'unreachable', message: 'No token.' })))).then(() => undefined),
    );
  }
  await Promise.all(ready);
  emit(true);
}
