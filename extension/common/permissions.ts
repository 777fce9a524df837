// Host permissions, requested per origin at the moment they are needed (optional_host_permissions).
import browser from 'webextension-polyfill';
import { originPattern } from './urls';

export function originPatterns(urls: string[]): string[] {
  return [...new Set(urls.map(originPattern))];
}

export async function hasOrigins(urls: string[]): Promise<boolean> {
  return browser.permissions.contains({ origins: originPatterns(urls) });
}

/** Must run inside a user gesture (a click handler), before any other await. */
export function requestOrigins(urls: string[]): Promise<boolean> {
  return browser.permissions.request({ origins: originPatterns(urls) });
}

/**
 * Gives back optional origins no longer needed (a previous server or Grafana). Origins the
 * manifest requires cannot be removed and are left alone.
 */
export async function releaseOriginsExcept(keepUrls: string[]): Promise<void> {
  const keep = new Set(originPatterns(keepUrls));
  const required = new Set(browser.runtime.getManifest().host_permissions ?? []);
  const granted = (await browser.permissions.getAll()).origins ?? [];
  const stale = granted.filter((o) => !keep.has(o) && !required.has(o));
  if (stale.length) await browser.permissions.remove({ origins: stale });
}
