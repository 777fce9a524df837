// The popup's search port (extension/common/launcher.ts): one per open popup. Each request aborts the
// one before it on that port, so a stale answer never reaches the popup after a newer query; closing
// the popup aborts whatever is still running. Only this extension's own pages may connect.
import browser, { type Runtime } from 'webextension-polyfill';
import { searchPortName, type SearchRequest } from '../common/launcher';
import { isOwnPage } from '../common/messages';
import { maxSearchLength } from './grafana-url';
import { searchInstances } from './launcher-search';
import { systemDeps, type WorkerDeps } from './worker-deps';

/** A well-formed request with its query normalised (trimmed, spaces collapsed, cut), or null. */
export function parseSearchRequest(message: unknown): SearchRequest | null {
  if (typeof message !== 'object' || message === null) return null;
  const { seq, query } = message as Record<string, unknown>;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0 || typeof query !== 'string') return null;
  return { seq, query: query.trim().replace(/\s+/g, ' ').slice(0, maxSearchLength) };
}

export function onSearchPort(port: Runtime.Port, deps: WorkerDeps = systemDeps): void {
  if (port.name !== searchPortName) return;
  if (!port.sender || !isOwnPage(port.sender, browser.runtime.id, browser.runtime.getURL('/'))) {
    port.disconnect();
    return;
  }
  let current: AbortController | undefined;
  port.onMessage.addListener((message: unknown) => {
    const request = parseSearchRequest(message);
    if (!request) return;
    current?.abort();
    const controller = (current = new AbortController());
    const post = (update: object) => {
      if (controller.signal.aborted) return;
      try {
        port.postMessage({ seq: request.seq, query: request.query, ...update });
      } catch {
        controller.abort(); // the popup closed meanwhile
      }
    };
    searchInstances(request.query, controller.signal, post, deps).catch((error: unknown) => {
      if (controller.signal.aborted) return;
      console.warn('grafana-sso: search failed:', error instanceof Error ? error.message : error);
      post({ hits: [], recent: [], instances: [], done: true }); // the popup stops waiting
    });
  });
  port.onDisconnect.addListener(() => current?.abort());
}
