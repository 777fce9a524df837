// Grafana's dashboard search (GET <instance>/api/search, docs/grafana-jwt.md), asked by the worker
// with the user's token in the instance's JWT header: never in a URL, and without cookies, so the
// token decides who searches rather than a Grafana session the browser may hold. The worker may call
// the API only with host access to the Grafana origin (the caller checks); CORS then does not apply.
import type { PublicInstance } from '../../server/contract/index.ts';
import type { DashboardHit, InstanceSearchProblem } from '../common/launcher';
import { locateInInstances } from './grafana-url';

export interface SearchParams {
  /** Grafana matches it in titles; empty or absent: no title filter. */
  query?: string;
  /** Only the user's starred dashboards. */
  starred?: boolean;
  /** Only this dashboard (Grafana's `dashboardUIDs`). */
  dashboardUid?: string;
  /** Grafana's `limit`: the most hits this instance may send. */
  limit: number;
}

export type SearchOutcome =
  | { ok: true; hits: DashboardHit[] }
  | { ok: false; problem: Exclude<InstanceSearchProblem, 'no-access' | 'no-host-access' | 'signed-out'>; message: string };

/** Longer than this and the instance counts as unreachable for this search. */
export const searchTimeoutMs = 8_000;

const maxTitleLength = 300;
const maxTags = 20;

export async function searchGrafana(
  instance: PublicInstance,
  token: string,
  params: SearchParams,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
): Promise<SearchOutcome> {
  const url = new URL('api/search', instance.url.endsWith('/') ? instance.url : `${instance.url}/`);
  if (params.query) url.searchParams.set('query', params.query);
  if (params.starred) url.searchParams.set('starred', 'true');
  if (params.dashboardUid) url.searchParams.set('dashboardUIDs', params.dashboardUid);
  url.searchParams.set('limit', String(params.limit));
  const where = `${instance.name} (${new URL(instance.url).host})`;

  const { signal: bounded, timedOut, done } = withTimeout(signal, searchTimeoutMs);
  let response: Response;
  let body: unknown;
  try {
    response = await fetchImpl(url.href, {
      method: 'GET',
      headers: { [instance.headerName]: token, Accept: 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
      signal: bounded,
    });
    body = response.ok ? await response.json().catch(() => undefined) : undefined;
  } catch (error) {
    if (signal.aborted) throw error;
    const message = timedOut()
      ? `${where} did not answer within ${searchTimeoutMs / 1000} s: try again, or check that Grafana is up.`
      : `Cannot reach ${where}: check that Grafana is up and reachable from this browser.`;
    return { ok: false, problem: 'unreachable', message };
  } finally {
    done();
  }
  switch (true) {
    case response.status === 401:
      return {
        ok: false,
        problem: 'rejected',
        message: `${where} refused your token (401): its [auth.jwt] settings do not accept this token server's tokens. Ask your Grafana administrator.`,
      };
    case response.status === 403:
      return { ok: false, problem: 'rejected', message: `${where} refused the search (403): ask your Grafana administrator about your role there.` };
    case response.status >= 500:
      return { ok: false, problem: 'unreachable', message: `${where} answered ${response.status}: try again in a moment.` };
    case !response.ok:
      return { ok: false, problem: 'bad-answer', message: `${where} answered ${response.status} to its search API: check the instance's URL in the token server.` };
  }
  if (!Array.isArray(body)) {
    return { ok: false, problem: 'bad-answer', message: `${where} did not answer with Grafana's search results (a sign-in page of a proxy in front of it?).` };
  }
  return { ok: true, hits: body.map((raw) => parseHit(raw, instance)).filter((h) => h !== null).slice(0, params.limit) };
}

/** One entry of Grafana's answer, or null when it is not a dashboard or folder inside this instance. */
export function parseHit(raw: unknown, instance: PublicInstance): DashboardHit | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const v = raw as Record<string, unknown>;
  if (typeof v.uid !== 'string' || typeof v.title !== 'string' || typeof v.url !== 'string' || !v.uid || !v.title) return null;
  if (v.type !== 'dash-db' && v.type !== 'dash-folder') return null;
  // Grafana's url carries the instance's sub-path (/grafana/d/uid/slug): the path within the
  // instance is what follows it. An absolute URL elsewhere, or one outside the sub-path, is dropped.
  let href: string;
  try {
    href = new URL(v.url, new URL(instance.url).origin).href;
  } catch {
    return null;
  }
  const located = locateInInstances(href, [instance]);
  if (!located || located.path === '/') return null;
  const folderTitle = typeof v.folderTitle === 'string' && v.folderTitle !== '' ? v.folderTitle : null;
  return {
    instanceId: instance.id,
    instanceName: instance.name,
    uid: v.uid,
    title: v.title.slice(0, maxTitleLength),
    type: v.type,
    path: located.path,
    folderTitle,
    tags: Array.isArray(v.tags) ? v.tags.filter((t): t is string => typeof t === 'string').slice(0, maxTags) : [],
    isStarred: v.isStarred === true,
  };
}

/**
 * The caller's signal plus a timeout (AbortSignal.any is newer than the oldest Chromium this extension
 * supports). `done` clears the timer.
 */
function withTimeout(outer: AbortSignal, ms: number) {
  const controller = new AbortController();
  let expired = false;
  const abort = () => controller.abort(outer.reason);
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DOMException('timeout', 'TimeoutError'));
  }, ms);
  if (outer.aborted) abort();
  else outer.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => expired,
    done: () => {
      clearTimeout(timer);
      outer.removeEventListener('abort', abort);
    },
  };
}
