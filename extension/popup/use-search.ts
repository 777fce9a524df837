// The popup's side of the search port (common/launcher.ts): one port per open popup, a request per
// settled query, answers for older requests dropped. The worker cancels the older request itself.
import { useCallback, useEffect, useRef, useState } from 'react';
import browser, { type Runtime } from 'webextension-polyfill';
import { searchDebounceMs } from './search-timing';
import { searchPortName, type DashboardHit, type InstanceSearchStatus, type RecentDashboard, type SearchAnswer, type SearchRequest } from '../common/launcher';


/** What the worker answered so far for one request (answers merged as instances report). */
export interface SearchView {
  seq: number;
  query: string;
  hits: DashboardHit[];
  recent: RecentDashboard[];
  instances: InstanceSearchStatus[];
  done: boolean;
}

const hitKey = (h: DashboardHit) => `${h.instanceId}\n${h.uid}`;

/**
 * Folds an answer into the view of the same request. The worker may send each instance's part or
 * everything so far: hits are kept once each (by instance and uid), an instance's latest status wins.
 */
export function mergeAnswer(view: SearchView | null, answer: SearchAnswer): SearchView {
  if (!view || view.seq !== answer.seq) {
    return { seq: answer.seq, query: answer.query, hits: answer.hits, recent: answer.recent, instances: answer.instances, done: answer.done };
  }
  const seen = new Set(view.hits.map(hitKey));
  const statuses = new Map(view.instances.map((s) => [s.instanceId, s]));
  for (const s of answer.instances) statuses.set(s.instanceId, s);
  return {
    ...view,
    hits: [...view.hits, ...answer.hits.filter((h) => !seen.has(hitKey(h)))],
    recent: answer.recent.length ? answer.recent : view.recent,
    instances: [...statuses.values()],
    done: view.done || answer.done,
  };
}

/**
 * Searches `query` over the port while `enabled`: the empty query (starred and recent) at once, any
 * other after `debounceMs` of quiet. `view` is the newest request's answer so far (the previous one
 * stays shown until it arrives); `loading` is true until the newest request is done; `failed` when
 * the worker went away and did not come back.
 */
export function useSearch(query: string, enabled: boolean, debounceMs = searchDebounceMs) {
  const [view, setView] = useState<SearchView | null>(null);
  const [asked, setAsked] = useState(0);
  /** The worker went away twice during one request: nobody is answering. */
  const [failed, setFailed] = useState(false);
  const port = useRef<Runtime.Port | null>(null);
  /** The newest request, whether the worker finished it, and whether it was already sent again. */
  const latest = useRef<{ request: SearchRequest; done: boolean; resent: boolean } | null>(null);

  const post = useCallback((request: SearchRequest, resent = false) => {
    latest.current = { request, done: false, resent };
    setAsked(request.seq);
    setFailed(false);
    if (!port.current) {
      const p = browser.runtime.connect({ name: searchPortName });
      p.onMessage.addListener((message: unknown) => {
        const answer = message as SearchAnswer;
        const now = latest.current;
        if (answer.seq !== now?.request.seq) return;
        if (answer.done) now.done = true;
        setView((v) => mergeAnswer(v, answer));
      });
      p.onDisconnect.addListener(() => {
        if (port.current === p) port.current = null;
        // The worker stopped mid-search: ask the new one, once, on a new port.
        const now = latest.current;
        if (!now || now.done) return;
        if (now.resent) setFailed(true);
        else post({ seq: now.request.seq + 1, query: now.request.query }, true);
      });
      port.current = p;
    }
    port.current.postMessage(request);
  }, []);

  const ask = useCallback((q: string) => post({ seq: (latest.current?.request.seq ?? 0) + 1, query: q }), [post]);
  const trimmed = query.trim();

  useEffect(() => {
    if (!enabled) return;
    // The empty query (the list shown on open, or after clearing) goes out at once.
    if (trimmed === '') return void ask('');
    const timer = setTimeout(() => ask(trimmed), debounceMs);
    return () => clearTimeout(timer);
  }, [enabled, trimmed, debounceMs, ask]);

  useEffect(
    () => () => {
      latest.current = null;
      const p = port.current;
      port.current = null;
      p?.disconnect();
    },
    [],
  );

  const retry = useCallback(() => ask(trimmed), [ask, trimmed]);
  const loading = !failed && (view === null || view.seq !== asked || !view.done);
  return { view, loading, failed, retry };
}
