// Header keep-alive: a declarativeNetRequest session rule per Grafana instance that sets the
// instance's JWT header to the current token. Grafana reads the header before `?auth_token=`, so an
// open tab keeps working after its URL token expired. Session rules live in memory only.
// Threat model and scoping: docs/extension.md.
import browser, { type DeclarativeNetRequest } from 'webextension-polyfill';
import type { PublicInstance } from '../../server/contract/index.ts';
import { originPattern } from '../common/urls';
import { linkRules } from './link-rules';

type Rule = DeclarativeNetRequest.Rule;

/** FNV-1a: stable rule ids per instance without storing a mapping. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface RuleIds {
  subresources: number;
  navigations: number;
  /** The /go/ link rules (link-rules.ts). */
  linkRedirect: number;
  linkToServer: number;
}

export function ruleIds(instanceId: string): RuleIds {
  const slot = hash(instanceId) % 100_000_000;
  return { subresources: slot * 4 + 1, navigations: slot * 4 + 2, linkRedirect: slot * 4 + 3, linkToServer: slot * 4 + 4 };
}

type RuleInstance = Pick<PublicInstance, 'id' | 'url' | 'headerName'>;

/**
 * Two rules, both matching only URLs on the exact Grafana origin (scheme, host and port):
 * - requests other than top-level navigations, when initiated by a page on the Grafana host or by
 *   this extension (initiatorDomains ignores scheme and port: see docs/extension.md);
 * - top-level GET navigations from anywhere (typed URL, bookmark, reload, a tab we open), the same
 *   reach a SameSite=Lax session cookie would have.
 */
export function headerRules(instance: RuleInstance, token: string, extensionHost: string): Rule[] {
  const origin = new URL(instance.url);
  const urlFilter = `|${origin.origin}/`;
  const action: Rule['action'] = {
    type: 'modifyHeaders',
    requestHeaders: [{ header: instance.headerName, operation: 'set', value: token }],
  };
  const ids = ruleIds(instance.id);
  return [
    {
      id: ids.subresources,
      priority: 1,
      action,
      condition: {
        urlFilter,
        initiatorDomains: [origin.hostname, extensionHost],
        // No resourceTypes: every type except main_frame.
      },
    },
    {
      id: ids.navigations,
      priority: 1,
      action,
      condition: { urlFilter, resourceTypes: ['main_frame'], requestMethods: ['get'] },
    },
  ];
}

/**
 * Installs or replaces (atomically, in one call) the rules of one instance: its header rules, and
 * the redirect of its /go/ links on the token server at `linkServerUrl` (link-rules.ts). The redirect
 * only while the Grafana origin is granted: without it the header rule cannot act, and the link is
 * left to the server, which signs it in by URL.
 */
export async function setHeaderRules(instance: RuleInstance, token: string, linkServerUrl?: string): Promise<void> {
  const ids = ruleIds(instance.id);
  const withLinks = linkServerUrl !== undefined && (await browser.permissions.contains({ origins: [originPattern(instance.url)] }));
  await browser.declarativeNetRequest.updateSessionRules({
    removeRuleIds: Object.values(ids),
    addRules: [...headerRules(instance, token, ownHost()), ...(withLinks ? linkRules(instance, linkServerUrl, ids) : [])],
  });
}

/**
 * The host of the extension's own origin, which is what initiatorDomains compares for requests the
 * extension starts: the extension id in Chromium (chrome-extension://<id>/), but in Firefox a
 * per-install UUID (moz-extension://<uuid>/), not runtime.id (an e-mail-like add-on id that Firefox
 * refuses as a domain).
 */
function ownHost(): string {
  return new URL(browser.runtime.getURL('/')).hostname;
}

/** The instance's header rules and its link rules. */
export async function removeHeaderRules(instanceId: string): Promise<void> {
  await browser.declarativeNetRequest.updateSessionRules({ removeRuleIds: Object.values(ruleIds(instanceId)) });
}

/**
 * Drops the link rules of instances whose Grafana origin is no longer granted (Firefox lets the user
 * withdraw access at any time): a redirect there would land signed out, the server's URL login would not.
 */
export async function dropUngrantedLinkRules(instances: Pick<PublicInstance, 'id' | 'url'>[]): Promise<void> {
  const ids: number[] = [];
  for (const instance of instances) {
    if (await browser.permissions.contains({ origins: [originPattern(instance.url)] })) continue;
    const { linkRedirect, linkToServer } = ruleIds(instance.id);
    ids.push(linkRedirect, linkToServer);
  }
  if (ids.length) await browser.declarativeNetRequest.updateSessionRules({ removeRuleIds: ids });
}

/** Removes every session rule: they are all ours (session rules are per extension). */
export async function removeAllHeaderRules(): Promise<void> {
  const rules = await browser.declarativeNetRequest.getSessionRules();
  if (rules.length) await browser.declarativeNetRequest.updateSessionRules({ removeRuleIds: rules.map((r) => r.id) });
}
