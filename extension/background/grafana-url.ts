// Building URLs into a Grafana instance. Grafana may live under a sub-path (https://host/grafana/);
// `path` is always relative to the instance root and starts with '/'.

import { AUTH_TOKEN_PARAM, baseOf, isInside, resolveInside, withParam } from '../../server/contract/index.ts';

interface InstanceLike {
  url: string;
}

/** `<grafana url><path>`, resolved and normalised; refuses paths that would leave the instance (server/contract/target-url.ts). */
export function instanceUrl(instance: InstanceLike, path = '/'): string {
  const url = resolveInside(instance.url, path);
  if (!url) throw new Error(`Not a path within Grafana: ${path}`);
  return url.href;
}

/**
 * Adds `auth_token=<jwt>` to a URL, keeping its existing query byte for byte (Grafana's variables
 * are sensitive to re-encoding) and dropping any stale auth_token it already had.
 */
export function withAuthToken(href: string, token: string): string {
  return withParam(href, AUTH_TOKEN_PARAM, token);
}

/** If `href` points into one of the instances, that instance and the path within it. */
export function locateInInstances<T extends InstanceLike>(href: string, instances: T[]): { instance: T; path: string } | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  // Longest root first, so https://h/grafana/ wins over https://h/ for a link under /grafana/.
  const candidates = instances
    .map((instance) => ({ instance, base: baseOf(instance.url) }))
    .sort((a, b) => b.base.pathname.length - a.base.pathname.length);
  for (const { instance, base } of candidates) {
    if (!isInside(base, url)) continue;
    const rest = url.pathname.slice(base.pathname.length - 1) || '/';
    return { instance, path: `${rest}${url.search}${url.hash}` };
  }
  return null;
}

/** The longest search text the extension passes on (selections, the launcher, the omnibox). */
export const maxSearchLength = 200;

/** Grafana's dashboard search for a piece of selected text. */
export function searchPath(text: string): string {
  const query = text.trim().replace(/\s+/g, ' ').slice(0, maxSearchLength);
  return `/dashboards?query=${encodeURIComponent(query)}`;
}
