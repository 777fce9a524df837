// The address bar keyword (manifest `omnibox.keyword`, "gf"): typing `gf latency` suggests matching
// dashboards; Enter opens the chosen one signed in, or the best match, or Grafana's search page.
// Each keystroke cancels the previous one's search. A suggestion's content is the dashboard's URL
// (without any token), so choosing one needs no second search.
import browser from 'webextension-polyfill';
import type { DashboardHit } from '../common/launcher';
import type { OpenResult } from '../common/messages';
import { openBestMatch, searchOnce } from './best-match';
import { instanceUrl, locateInInstances, maxSearchLength } from './grafana-url';
import type { SearchUpdate } from './launcher-search';
import { openGrafana, type Placement } from './open-grafana';
import * as store from './store';
import { systemDeps, type WorkerDeps } from './worker-deps';

/** Suggestions shown under the address bar. */
export const maxSuggestions = 6;

export interface Suggestion {
  content: string;
  description: string;
}

/** Chromium reads descriptions as XML with <match>/<dim>/<url>; Firefox shows them as plain text. */
export const markupDescriptions = (): boolean => !browser.runtime.getURL('/').startsWith('moz-extension:');

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** "<title> — <folder> · <instance>", with the matched part of the title marked where markup is read. */
export function describeHit(hit: DashboardHit, query: string, markup: boolean): string {
  const where = [hit.folderTitle, hit.instanceName].filter((p) => p).join(' · ');
  if (!markup) return `${hit.title} — ${where}`;
  const at = query ? hit.title.toLocaleLowerCase().indexOf(query.toLocaleLowerCase()) : -1;
  const title =
    at < 0
      ? escapeXml(hit.title)
      : `${escapeXml(hit.title.slice(0, at))}<match>${escapeXml(hit.title.slice(at, at + query.length))}</match>${escapeXml(hit.title.slice(at + query.length))}`;
  return `${title} <dim>— ${escapeXml(where)}</dim>`;
}

export function suggestionsFor(answer: SearchUpdate, query: string, instances: { id: string; url: string }[], markup: boolean): Suggestion[] {
  return answer.hits.slice(0, maxSuggestions).flatMap((hit) => {
    const instance = instances.find((i) => i.id === hit.instanceId);
    return instance ? [{ content: instanceUrl(instance, hit.path), description: describeHit(hit, query, markup) }] : [];
  });
}

const normalise = (text: string) => text.trim().replace(/\s+/g, ' ').slice(0, maxSearchLength);

/** What Enter does, shown as the first line: the best match once known. */
function defaultSuggestion(query: string, best: DashboardHit | undefined, markup: boolean): string {
  const esc = markup ? escapeXml : (t: string) => t;
  if (!query) return 'Type to search Grafana dashboards; Enter opens the best match';
  if (best) return `Open ${markup ? `<match>${esc(best.title)}</match>` : best.title} (${esc(best.instanceName)}) in Grafana`;
  return `Search Grafana for “${esc(query)}”`;
}

// The keystroke being answered: a newer one aborts it. Memory only: losing it with the worker only
// means an older search runs to its end unseen.
let typing: AbortController | undefined;
let lastAnswer: { query: string; answer: SearchUpdate } | undefined;

export async function onOmniboxInput(text: string, suggest: (suggestions: Suggestion[]) => void, deps: WorkerDeps = systemDeps): Promise<void> {
  typing?.abort();
  const controller = (typing = new AbortController());
  const query = normalise(text);
  const markup = markupDescriptions();
  await browser.omnibox.setDefaultSuggestion({ description: defaultSuggestion(query, undefined, markup) });
  if (!query) return suggest([]);
  const answer = await searchOnce(query, controller.signal, deps);
  if (controller.signal.aborted) return;
  lastAnswer = { query, answer };
  const instances = (await store.load('config'))?.config.instances ?? [];
  await browser.omnibox.setDefaultSuggestion({ description: defaultSuggestion(query, answer.hits[0], markup) });
  suggest(suggestionsFor(answer, query, instances, markup));
}

const placements: Record<string, Placement> = { currentTab: 'currentTab', newForegroundTab: 'newForegroundTab', newBackgroundTab: 'newBackgroundTab' };

export async function onOmniboxEntered(text: string, disposition: string, deps: WorkerDeps = systemDeps): Promise<OpenResult> {
  typing?.abort();
  const placement = placements[disposition] ?? 'currentTab';
  const instances = (await store.load('config'))?.config.instances ?? [];
  // A chosen suggestion (or a Grafana URL typed after the keyword): that page, signed in.
  const chosen = locateInInstances(text.trim(), instances);
  if (chosen) {
    const hit = lastAnswer?.answer.hits.find((h) => h.instanceId === chosen.instance.id && h.path === chosen.path && h.type === 'dash-db');
    return openGrafana({ instanceId: chosen.instance.id, path: chosen.path, title: hit?.title }, deps, placement);
  }
  const query = normalise(text);
  if (!query) return openGrafana({}, deps, placement);
  const known = lastAnswer?.query === query && lastAnswer.answer.done ? lastAnswer.answer : undefined;
  return openBestMatch(query, { placement, known }, deps);
}
