/**
 * `jwk_set_url`, as Grafana's keySetHTTP does it:
 * - fetched lazily, on the first token that needs a key;
 * - the parsed set is cached for cache_ttl, or a smaller `Cache-Control: max-age` (12.2+); <= 0 means
 *   every verification fetches;
 * - an unknown kid does NOT trigger a refetch: the cached set is the answer until it expires;
 * - the HTTP status is not looked at: any JSON object is a key set (`{"error": …}` caches as empty);
 * - a body that is not JSON, or holds one key go-jose cannot parse, is an error and is not cached.
 */
import type { Clock } from './clock.ts';
import { keysForKid, parseJwksDocument, type VerificationKey } from './jwk.ts';

export interface KeySource {
  keysFor(kid: string): Promise<VerificationKey[]>;
}

export interface JwksFetchEvent {
  url: string;
  status: number;
  /** Milliseconds the result stays cached (0: not cached). Absent when the body was rejected. */
  cachedForMs?: number;
  error?: string;
}

export class JwksUrlKeySource implements KeySource {
  private cached: { keys: VerificationKey[]; expiresAt: number } | undefined;

  constructor(
    private readonly url: string,
    private readonly cacheTtlMs: number,
    private readonly clock: Clock,
    private readonly onFetch: (event: JwksFetchEvent) => void = () => {},
  ) {}

  async keysFor(kid: string): Promise<VerificationKey[]> {
    return keysForKid(await this.keySet(), kid);
  }

  private async keySet(): Promise<VerificationKey[]> {
    if (this.cached && this.clock.now() < this.cached.expiresAt) return this.cached.keys;
    this.cached = undefined;

    // A timeout Grafana does not have: keeps a test from hanging on a JWKS server that never answers.
    const res = await fetch(this.url, { signal: AbortSignal.timeout(10_000) });
    const body = await res.text();
    let keys: VerificationKey[];
    try {
      keys = parseJwksDocument(JSON.parse(body));
    } catch (err) {
      this.onFetch({ url: this.url, status: res.status, error: (err as Error).message });
      throw err;
    }
    const ttl = effectiveTtl(this.cacheTtlMs, res.headers.get('cache-control'));
    if (ttl > 0) this.cached = { keys, expiresAt: this.clock.now() + ttl };
    this.onFetch({ url: this.url, status: res.status, cachedForMs: Math.max(ttl, 0) });
    return keys;
  }
}

/** cache_ttl, unless the response's max-age is smaller (Grafana 12.2+). cache_ttl <= 0 always disables. */
export function effectiveTtl(cacheTtlMs: number, cacheControl: string | null): number {
  if (cacheTtlMs <= 0) return 0;
  const maxAge = /(?:^|[,\s])max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl ?? '');
  if (!maxAge) return cacheTtlMs;
  return Math.min(cacheTtlMs, Number(maxAge[1]) * 1000);
}

export class StaticKeySource implements KeySource {
  constructor(private readonly keys: readonly VerificationKey[]) {}
  async keysFor(kid: string): Promise<VerificationKey[]> {
    return keysForKid(this.keys, kid);
  }
}
