// Where a link may lead. One rule for every target the project builds — the server's Open redirect
// and sign-in return_to, the extension's links and context-menu URLs — so they cannot drift apart.
// Dependency-free: the extension imports it too.

/** The base URL with exactly one trailing slash on its path and no query or fragment. */
export function baseOf(base: string): URL {
  const url = new URL(base);
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

// Percent-encoded "/", "\" and "." left in a path after normalisation: a proxy or Grafana behind may
// decode them into a path that leaves the prefix.
const ENCODED_SEPARATOR = /%2f|%5c|%2e/i;

/** Whether an already-parsed URL is inside the base: same origin, and its path under the base's path. */
export function isInside(base: URL | string, url: URL): boolean {
  const root = typeof base === 'string' ? baseOf(base) : base;
  if (url.origin !== root.origin || ENCODED_SEPARATOR.test(url.pathname)) return false;
  return url.pathname === root.pathname.slice(0, -1) || url.pathname.startsWith(root.pathname);
}

/**
 * Resolves `target`, a path rooted at the base ("/" is the base itself, query and fragment allowed),
 * the way a browser will: "." and ".." segments and their %2e spellings are applied. Returns the
 * absolute URL when it stays inside the base, else null. A target must start with one "/"; backslashes
 * in the path, control characters and whitespace are refused rather than guessed at.
 */
export function resolveInside(base: string, target: unknown): URL | null {
  if (typeof target !== 'string' || target.length > 4000 || !target.startsWith('/') || target.startsWith('//')) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(target) || /^[^?#]*\\/.test(target)) return null;
  const root = baseOf(base);
  let url: URL;
  try {
    url = new URL(root.pathname.slice(0, -1) + target, root.origin);
  } catch {
    return null;
  }
  return isInside(root, url) ? url : null;
}

/** A sign-in `return_to`: the normalised path (with query and fragment) on this server, or "/". */
export function returnPathOf(ownOrigin: string, target: unknown): string {
  const url = resolveInside(ownOrigin, target);
  return url ? url.pathname + url.search + url.hash : '/';
}
