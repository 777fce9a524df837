/**
 * Chooses the one key source grafana.ini names and applies Grafana's startup checks: exactly one of
 * key_file, jwk_set_file, jwk_set_url; jwk_set_url over https unless app_mode = development;
 * jwk_set_file read (and fully parsed) once, now. A failed check throws StandinConfigError: on 12.x
 * Grafana then does not start; on main it logs the error and runs with a key source that fails every
 * token (startKeySource).
 */
import { readFileSync } from 'node:fs';
import type { Clock } from './clock.ts';
import { StandinConfigError } from './errors.ts';
import { parseJwksDocument } from './jwk.ts';
import { JwksUrlKeySource, StaticKeySource, type JwksFetchEvent, type KeySource } from './jwks-cache.ts';
import { loadKeyFile } from './pem.ts';
import type { Settings } from './settings.ts';
import type { VersionRules } from './versions.ts';

/** The key source, or on main a logged error and a source that refuses every token. */
export function startKeySource(
  settings: Settings,
  clock: Clock,
  rules: VersionRules,
  log: (line: string) => void,
  onFetch?: (event: JwksFetchEvent) => void,
): KeySource {
  try {
    return createKeySource(settings, clock, rules, onFetch);
  } catch (err) {
    if (!(err instanceof StandinConfigError) || rules.keySourceError === 'refuse-start') throw err;
    log(`level=error logger=jwt msg="failed to configure key set" error="${err.message}"`);
    return new FailingKeySource(err.message);
  }
}

class FailingKeySource implements KeySource {
  constructor(private readonly why: string) {}
  async keysFor(): Promise<never> {
    throw new Error(`no usable key set (${this.why})`);
  }
}

export function createKeySource(
  settings: Settings,
  clock: Clock,
  rules: VersionRules,
  onFetch?: (event: JwksFetchEvent) => void,
): KeySource {
  const { keyFile, keyId, jwkSetFile, jwkSetUrl, cacheTtlMs } = settings.jwt;
  const configured = [keyFile && 'key_file', jwkSetFile && 'jwk_set_file', jwkSetUrl && 'jwk_set_url'].filter(
    Boolean,
  );
  if (configured.length > 1) {
    throw new StandinConfigError(
      '[auth.jwt] key_file/jwk_set_file/jwk_set_url',
      `key set configuration is ambiguous (${configured.join(', ')} are all set); set exactly one`,
    );
  }
  if (configured.length === 0) {
    throw new StandinConfigError(
      '[auth.jwt] key_file/jwk_set_file/jwk_set_url',
      'key set for jwt verification is not configured; set exactly one',
    );
  }

  if (keyFile) return new StaticKeySource([loadKeyFile(keyFile, keyId, rules)]);

  if (jwkSetFile) {
    try {
      return new StaticKeySource(parseJwksDocument(JSON.parse(readFileSync(jwkSetFile, 'utf8'))));
    } catch (err) {
      throw new StandinConfigError('[auth.jwt] jwk_set_file', `cannot load ${jwkSetFile}: ${(err as Error).message}`);
    }
  }

  let url: URL;
  try {
    url = new URL(jwkSetUrl);
  } catch {
    throw new StandinConfigError('[auth.jwt] jwk_set_url', `not a URL: ${jwkSetUrl}`);
  }
  if (url.protocol !== 'https:' && settings.appMode !== 'development') {
    throw new StandinConfigError(
      '[auth.jwt] jwk_set_url',
      `must have https scheme (got ${url.protocol}); http is allowed only with app_mode = development`,
    );
  }
  return new JwksUrlKeySource(jwkSetUrl, cacheTtlMs, clock, onFetch);
}
