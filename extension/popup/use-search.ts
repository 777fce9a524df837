// The popup's side of the search port (common/launcher.ts): one port per open popup, a request per
// settled query, answers for older requests dropped. The worker cancels the older request itself.
import { useCallback, useEffect, useRef, useState } from 'react';
import browser, { type Runtime } from 'webextension-polyfill';
import { searchDebounceMs } from './search-timing';
import { searchPortName, type SearchAnswer, type SearchRequest } from '../common/launcher';

/** The newest request's answer so far: each answer carries everything known for it (ranked), so it replaces the last. */
export type SearchView = SearchAnswer;

/**
 * Searches `query` over the port: the empty query (starred and recent) at once, any
 * other after `debounceMs` of quiet. `view` is the newest request's answer so far (the previous one
 * stays shown until it arrives); `loading` is true until the newest request is done; `failed` when
 * the worker went away and did not come back.
 */
export function useSearch(query: string, debounceMs = searchDebounceMs) {
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
        setView(answer);
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
    // The empty query (the list shown on open, or after clearing) goes out at once.
    if (trimmed === '') return void ask('');
    const timer = setTimeout(() => ask(trimmed), debounceMs);
    return () => clearTimeout(timer);
  }, [trimmed, debounceMs, ask]);

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
