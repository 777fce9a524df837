// An in-memory declarativeNetRequest with session rules, shared by the extension's unit tests and the
// 8-hour simulation (test/bench/staying-signed-in/). No test framework inside, so plain Node runs it.
// It follows Chrome's documented behaviour for what the extension uses:
// - updateSessionRules is atomic: removals first, then additions; a duplicate id fails the whole call;
// - a condition matches by urlFilter ('|' anchors it at the start of the URL; no other wildcards are
//   used by the extension, and the fake refuses them rather than guess), resourceTypes (none given:
//   every type except main_frame), requestMethods, and initiatorDomains (that domain or a subdomain);
// - a matching modifyHeaders rule with operation "set" sets the request header;
// - regexFilter (RE2; the extension's regexes mean the same in JavaScript), case-insensitive unless
//   isUrlFilterCaseSensitive is true (Chrome's and Firefox's default is false);
// - one action per request: the highest priority wins, ties go allow > allowAllRequests > block >
//   upgradeScheme > redirect > modifyHeaders; a redirect's regexSubstitution replaces the regex's
//   first match, \0-\9 inserting its groups (a group that did not take part inserts nothing).
import type { DeclarativeNetRequest } from 'webextension-polyfill';

type Rule = DeclarativeNetRequest.Rule;

export interface FakeRequest {
  url: string;
  type: DeclarativeNetRequest.ResourceType;
  method?: string;
  /** The origin that started the request (a page's, or chrome-extension://<id>); none for a typed URL. */
  initiator?: string;
}

function matchesUrl(filter: string | undefined, url: string): boolean {
  if (filter === undefined) return true;
  const anchored = filter.startsWith('|');
  const text = anchored ? filter.slice(1) : filter;
  if (/[*^|]/.test(text)) throw new Error(`fake declarativeNetRequest: unsupported urlFilter ${filter}`);
  return anchored ? url.startsWith(text) : url.includes(text);
}

const regexOf = (c: Rule['condition']) => (c.regexFilter === undefined ? undefined : new RegExp(c.regexFilter, c.isUrlFilterCaseSensitive ? '' : 'i'));

function matches(rule: Rule, request: FakeRequest): boolean {
  const c = rule.condition;
  if (!matchesUrl(c.urlFilter, request.url)) return false;
  if (c.regexFilter !== undefined && !regexOf(c)!.test(request.url)) return false;
  if (c.resourceTypes ? !c.resourceTypes.includes(request.type) : request.type === 'main_frame') return false;
  if (c.requestMethods && !c.requestMethods.includes((request.method ?? 'get').toLowerCase())) return false;
  if (c.initiatorDomains) {
    const domain = request.initiator ? new URL(request.initiator).hostname : undefined;
    if (!domain || !c.initiatorDomains.some((d) => domain === d || domain.endsWith(`.${d}`))) return false;
  }
  return true;
}

export function fakeDeclarativeNetRequest() {
  const rules = new Map<number, Rule>();
  return {
    rules,
    api: {
      getSessionRules: async (): Promise<Rule[]> => [...rules.values()],
      updateSessionRules: async (o: DeclarativeNetRequest.UpdateSessionRulesOptionsType): Promise<void> => {
        const next = new Map(rules);
        for (const id of o.removeRuleIds ?? []) next.delete(id);
        for (const rule of o.addRules ?? []) {
          if (next.has(rule.id)) throw new Error(`Rule with id ${rule.id} already exists`);
          next.set(rule.id, rule);
        }
        rules.clear();
        for (const [id, rule] of next) rules.set(id, rule);
      },
    },
    /**
     * What the session rules do to a top-level or other request, headers aside: the winning action's
     * type (none when no rule matches) and, for a redirect, where to.
     */
    actionFor(request: FakeRequest): { type: string; redirectUrl?: string } | undefined {
      const order = ['allow', 'allowAllRequests', 'block', 'upgradeScheme', 'redirect', 'modifyHeaders'];
      const winner = [...rules.values()]
        .filter((rule) => matches(rule, request))
        .sort((a, b) => (b.priority ?? 1) - (a.priority ?? 1) || order.indexOf(a.action.type) - order.indexOf(b.action.type))[0];
      if (!winner) return undefined;
      const substitution = winner.action.redirect?.regexSubstitution;
      if (winner.action.type !== 'redirect' || substitution === undefined) return { type: winner.action.type };
      const redirectUrl = request.url.replace(regexOf(winner.condition)!, (...match: unknown[]) =>
        substitution.replace(/\\(\d)/g, (_, d: string) => (match[Number(d)] as string | undefined) ?? ''),
      );
      return { type: 'redirect', redirectUrl };
    },
    /** The request headers the session rules set on one request. */
    headersFor(request: FakeRequest): Record<string, string> {
      const headers: Record<string, string> = {};
      for (const rule of rules.values()) {
        if (rule.action.type !== 'modifyHeaders' || !matches(rule, request)) continue;
        for (const h of rule.action.requestHeaders ?? []) if (h.operation === 'set' && h.value !== undefined) headers[h.header] = h.value;
      }
      return headers;
    },
  };
}
