// The deep-link form `<token server>/go/<instance>/<Grafana path>` (docs/api.md "Links"): one builder
// and one parser, used by the server's route, the extension's "copy link" and redirect rule, and the
// docs' examples. Dependency-free like the rest of the contract.
import { baseOf } from './target-url.ts';

/**
 * An instance id: what the config accepts (server/config/settings.ts takes this pattern). No "/", "%",
 * "." or "?" can occur in one, so the first segment after /go/ is always the whole id.
 */
export const INSTANCE_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The route's prefix, relative to the token server's root. */
export const goPathPrefix = '/go/';

/** The query parameter Grafana's URL login reads; a link never carries one (login CSRF). */
export const AUTH_TOKEN_PARAM = 'auth_token';

function decodedName(pair: string): string {
  const name = pair.split('=')[0] ?? '';
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * `search` ("" or "?…") without any parameter whose decoded name is `name`; every other byte is kept
 * (Grafana's variables are sensitive to re-encoding). Answers "" when nothing is left.
 */
export function withoutParam(search: string, name: string): string {
  const pairs = search.replace(/^\?/, '').split('&');
  const kept = pairs.filter((pair) => pair !== '' && decodedName(pair) !== name);
  return kept.length ? `?${kept.join('&')}` : '';
}

/** `href` with `name=value` appended to its query, the rest of the query byte for byte, any old `name` dropped. */
export function withParam(href: string, name: string, value: string): string {
  const url = new URL(href);
  const rest = withoutParam(url.search, name);
  return `${url.origin}${url.pathname}${rest ? `${rest}&` : '?'}${encodeURIComponent(name)}=${encodeURIComponent(value)}${url.hash}`;
}

/** Splits "/path?query#fragment" into its parts (each part keeps its leading "?" or "#"). */
function splitTarget(target: string): { path: string; search: string; hash: string } {
  const hashAt = target.indexOf('#');
  const hash = hashAt < 0 ? '' : target.slice(hashAt);
  const beforeHash = hashAt < 0 ? target : target.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  return queryAt < 0 ? { path: beforeHash, search: '', hash } : { path: beforeHash.slice(0, queryAt), search: beforeHash.slice(queryAt), hash };
}

/**
 * The link to `path` (rooted at the instance, "/" its home, query and fragment allowed) in the
 * instance `instanceId` on the token server at `serverUrl`; any auth_token is left out.
 */
export function goLink(serverUrl: string, instanceId: string, path = '/'): string {
  if (!INSTANCE_ID_PATTERN.test(instanceId)) throw new Error(`Not an instance id: ${instanceId}`);
  if (!path.startsWith('/')) throw new Error(`A Grafana path starts with "/": ${path}`);
  const parts = splitTarget(path);
  return `${baseOf(serverUrl).href}go/${instanceId}${parts.path}${withoutParam(parts.search, AUTH_TOKEN_PARAM)}${parts.hash}`;
}

/**
 * Reads a request target relative to the token server's root ("/go/<id>[/<path>][?query]"): the
 * instance id and the Grafana path with the query, auth_token dropped, every other byte as sent.
 * Null when it is not a /go/ link or the id is not one the config could hold.
 */
export function parseGoLink(target: string): { instanceId: string; path: string } | null {
  if (!target.startsWith(goPathPrefix)) return null;
  const parts = splitTarget(target.slice(goPathPrefix.length));
  const slash = parts.path.indexOf('/');
  const instanceId = slash < 0 ? parts.path : parts.path.slice(0, slash);
  if (!INSTANCE_ID_PATTERN.test(instanceId)) return null;
  const path = slash < 0 ? '/' : parts.path.slice(slash);
  return { instanceId, path: `${path}${withoutParam(parts.search, AUTH_TOKEN_PARAM)}${parts.hash}` };
}
