// Pure timing math: when to refresh a token, whether it is fresh, how long to back off.
// Every function takes `now` (ms) from its caller, so tests need no real clock.

export interface TokenTiming {
  receivedAt: number;
  expiresIn: number;
}

export interface RefreshPolicy {
  /** Refresh when less than max(minMarginSeconds, marginRatio × lifetime) remains… */
  minMarginSeconds: number;
  marginRatio: number;
  /** …but never sooner than this after receipt (alarms: 30 s minimum when packed). */
  minDelaySeconds: number;
}

export const expiresAt = (t: TokenTiming): number => t.receivedAt + t.expiresIn * 1000;

export function refreshAt(t: TokenTiming, policy: RefreshPolicy): number {
  const lifetime = t.expiresIn * 1000;
  const margin = Math.max(policy.minMarginSeconds * 1000, policy.marginRatio * lifetime);
  const earliest = t.receivedAt + policy.minDelaySeconds * 1000;
  return Math.min(expiresAt(t), Math.max(earliest, t.receivedAt + lifetime - margin));
}

/** Fresh = not yet due for refresh: safe to put in a URL without a round trip. */
export const isFresh = (t: TokenTiming, policy: RefreshPolicy, now: number): boolean => now < refreshAt(t, policy);

export const isExpired = (t: TokenTiming, now: number): boolean => now >= expiresAt(t);

const maxBackoffSeconds = 300;

/**
 * Delay before retry number `failures` (1, 2, …) while the server is unreachable: doubling from the
 * alarm minimum up to 5 minutes, plus up to 20 % jitter so clients that failed together do not
 * return together.
 */
export function backoffSeconds(failures: number, minDelaySeconds: number, random: () => number = Math.random): number {
  const base = Math.min(maxBackoffSeconds, Math.max(1, minDelaySeconds) * 2 ** Math.max(0, failures - 1));
  return Math.max(minDelaySeconds, base * (1 + 0.2 * random()));
}
