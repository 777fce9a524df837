// An in-memory declarativeNetRequest with session rules, shared by the extension's unit tests and the
// 8-hour simulation (test/bench/staying-signed-in/). No test framework inside, so plain Node runs it.
// It follows Chrome's documented behaviour for what the extension uses:
// - updateSessionRules is atomic: removals first, then additions; a duplicate id fails the whole call;
// - a condition matches by urlFilter ('|' anchors it at the start of the URL; no other wildcards are
//   used by the extension, and the fake refuses them rather than guess), resourceTypes (none given:
//   every type except main_frame), requestMethods, and initiatorDomains (that domain or a subdomain);
// - a matching modifyHeaders rule with operation "set" sets the request header.
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

function matches(rule: Rule, request: FakeRequest): boolean {
  const c = rule.condition;
  if (!matchesUrl(c.urlFilter, request.url)) return false;
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
