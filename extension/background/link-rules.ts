// /go/ links served by the extension: a session rule per instance redirects a top-level navigation to
// `<token server>/go/<id>/<path>` straight to `<grafana url>/<path>`, where the header rule signs it
// in, so no token is minted for the URL and none ends up in it. Installed and removed with the
// instance's header rules. What the regex refuses reaches the server, which applies its own checks
// (server/routes/go-link.ts). Threat model: docs/extension.md "Links".
import type { DeclarativeNetRequest } from 'webextension-polyfill';
import { baseOf, type PublicInstance } from '../../server/contract/index.ts';

type Rule = DeclarativeNetRequest.Rule;

/** RE2 and JavaScript agree on this escaping. */
const escapeRegex = (text: string) => text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

// One path character as server/contract/target-url.ts lets it through: no "/" (separators are
// matched apart), "\", "?", "#", and no percent-encoded "/" (%2F), "\" (%5C) or "." (%2E); a "%"
// must start an escape. Dot segments never get here: browsers resolve them, %2e spellings included.
const PATH_CHAR = String.raw`(?:[^/?#%\\]|%[013-46-9a-fA-F][0-9a-fA-F]|%2[0-9a-dA-D]|%5[0-9abd-fABD-F])`;

/** Where a /go/ link to `instanceId` on the server at `serverUrl` starts, as a regex (anchored). */
function linkStart(serverUrl: string, instanceId: string): string {
  return `^${escapeRegex(baseOf(serverUrl).href)}go/${escapeRegex(instanceId)}`;
}

/**
 * Links the extension may send straight to Grafana: groups are the path under the instance (without
 * its first "/", never starting with another "/"), the query and the fragment.
 */
export function linkRedirectRegex(serverUrl: string, instanceId: string): string {
  return `${linkStart(serverUrl, instanceId)}(?:/(${PATH_CHAR}(?:${PATH_CHAR}|/)*)?)?(\\?[^#]*)?(#.*)?$`;
}

/**
 * Links whose query names auth_token, or has a parameter name with a "%" (an encoded auth_token):
 * RE2 has no lookahead, so these are let through to the server, which drops the parameter (a link
 * carrying someone else's token would sign the follower in as them).
 */
export function linkWithTokenRegex(serverUrl: string, instanceId: string): string {
  return `${linkStart(serverUrl, instanceId)}(?:/[^?#]*)?\\?(?:[^#]*&)?[^=&#]*(?:auth_token|%)`;
}

/**
 * Two rules, top-level GET navigations only, case-sensitive (instance ids and escapes are exact):
 * an `allow` at priority 3 for links carrying an auth_token, above the `redirect` at priority 2.
 */
export function linkRules(instance: Pick<PublicInstance, 'id' | 'url'>, serverUrl: string, ids: { linkRedirect: number; linkToServer: number }): Rule[] {
  const navigation = { resourceTypes: ['main_frame' as const], requestMethods: ['get' as const], isUrlFilterCaseSensitive: true };
  return [
    {
      id: ids.linkToServer,
      priority: 3,
      action: { type: 'allow' },
      condition: { ...navigation, regexFilter: linkWithTokenRegex(serverUrl, instance.id) },
    },
    {
      id: ids.linkRedirect,
      priority: 2,
      action: { type: 'redirect', redirect: { regexSubstitution: `${baseOf(instance.url).href}\\1\\2\\3` } },
      condition: { ...navigation, regexFilter: linkRedirectRegex(serverUrl, instance.id) },
    },
  ];
}
