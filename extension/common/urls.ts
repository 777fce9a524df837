// URL rules shared by the extension and its build (no browser API here: vite.config.ts imports it).

/**
 * The canonical form of a token server URL: http(s), no credentials, query or fragment, no trailing
 * slash. Returns null for anything else.
 */
export function normalizeServerUrl(input: string): string | null {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password || url.search || url.hash) return null;
  url.search = ''; // drops a bare trailing '?'
  url.hash = '';
  return url.href.replace(/\/+$/, '');
}

/**
 * The host permission pattern for a URL: `<scheme>://<host>/*`. Port-less on purpose: Firefox
 * accepts no port in match patterns, and both browsers then match every port of that host.
 */
export function originPattern(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.hostname}/*`;
}
