import { importJWK } from 'jose';
import * as oidc from 'openid-client';
import { ConfigError } from '../errors.ts';
import { SignInRefused } from './errors.ts';
import { isUnreachable } from './failures.ts';
import type { ProviderConfig } from './provider-config.ts';

/** Tolerance for the ID token's exp, iat and auth_time: a small clock skew between us and the provider. */
export const ID_TOKEN_CLOCK_TOLERANCE_SECONDS = 30;
const RETRY_FIRST_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;
/** Signature algorithms openid-client verifies; a provider offering none of them cannot be used. */
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export interface ProviderEntry {
  provider: ProviderConfig;
  /** Discovered and checked; undefined while the provider has not answered. */
  configuration?: oidc.Configuration;
  /** Why the last discovery failed, for the log and the status page. */
  problem?: string;
}

/**
 * The configured providers and their discovery state. At startup each provider's discovery
 * document is fetched and checked (code flow, S256 PKCE, an asymmetric ID token algorithm, the
 * client authentication method); a mismatch is a configuration error naming the setting, while a
 * provider that does not answer is reported and retried in the background, with backoff.
 */
export class ProviderRegistry {
  private readonly entries = new Map<string, ProviderEntry & { at: string; attempt?: Promise<oidc.Configuration>; failures: number }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    providers: ProviderConfig[],
    private readonly log: (message: string) => void,
    private readonly options: { retry: boolean } = { retry: true },
  ) {
    providers.forEach((provider, i) => this.entries.set(provider.id, { provider, at: `providers[${i}]`, failures: 0 }));
  }

  get list(): ProviderConfig[] {
    return [...this.entries.values()].map((e) => e.provider);
  }

  get(id: string): ProviderEntry | undefined {
    return this.entries.get(id);
  }

  /** First discovery of every provider; throws ConfigError for a provider that answers but cannot work. */
  async start(): Promise<void> {
    await Promise.all(
      [...this.entries.keys()].map((id) =>
        this.configuration(id).catch((e: unknown) => {
          if (e instanceof ConfigError) throw e;
        }),
      ),
    );
  }

  /** The provider's checked configuration, discovering it now if needed (one attempt at a time). */
  async configuration(id: string): Promise<oidc.Configuration> {
    const entry = this.entries.get(id);
    if (!entry) throw new SignInRefused('oidc_unknown_provider', `no provider "${id}"`);
    if (entry.configuration) return entry.configuration;
    entry.attempt ??= discover(entry.provider, entry.at).then(
      (configuration) => {
        entry.configuration = configuration;
        entry.problem = undefined;
        entry.attempt = undefined;
        if (entry.failures > 0) this.log(`provider "${id}" is reachable again (${entry.provider.issuer})`);
        entry.failures = 0;
        return configuration;
      },
      (error: unknown) => {
        entry.attempt = undefined;
        entry.failures++;
        entry.problem = error instanceof Error ? error.message : String(error);
        if (error instanceof ConfigError) {
          this.log(`provider "${id}": ${error.message}`);
          throw error;
        }
        const retryMs = Math.min(RETRY_FIRST_MS * 2 ** (entry.failures - 1), RETRY_MAX_MS);
        this.log(`provider "${id}" is unreachable (${entry.provider.issuer}): ${entry.problem}; retrying in ${Math.round(retryMs / 1000)} s`);
        if (this.options.retry && !this.closed) this.retryLater(id, retryMs);
        throw new SignInRefused('oidc_provider_unavailable', `discovery of ${entry.provider.issuer} failed: ${entry.problem}`);
      },
    );
    return entry.attempt;
  }

  private retryLater(id: string, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.entries.get(id)?.configuration && !this.closed) this.configuration(id).catch(() => undefined);
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

async function clientAuthentication(provider: ProviderConfig): Promise<oidc.ClientAuth> {
  const auth = provider.clientAuth;
  if (auth.method === 'private_key_jwt') {
    const key = (await importJWK({ ...auth.privateKey, alg: auth.alg } as Parameters<typeof importJWK>[0], auth.alg)) as CryptoKey;
    return oidc.PrivateKeyJwt(auth.privateKey.kid ? { key, kid: auth.privateKey.kid } : key);
  }
  return auth.method === 'client_secret_post' ? oidc.ClientSecretPost(auth.secret) : oidc.ClientSecretBasic(auth.secret);
}

async function discover(provider: ProviderConfig, at: string): Promise<oidc.Configuration> {
  let configuration: oidc.Configuration;
  try {
    configuration = await oidc.discovery(
      new URL(provider.issuer),
      provider.clientId,
      { [oidc.clockTolerance]: ID_TOKEN_CLOCK_TOLERANCE_SECONDS },
      await clientAuthentication(provider),
      {
        timeout: provider.timeoutSeconds,
        // ID tokens from the token endpoint are verified against the provider's JWKS too, not only
        // trusted for arriving over TLS: a token signed by another key or with alg "none" is refused.
        execute: [oidc.enableNonRepudiationChecks, ...(provider.issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [])],
      },
    );
  } catch (error) {
    if (isUnreachable(error)) throw error;
    // It answered, but not with a discovery document for this issuer: the setting is wrong.
    const e = error as Error & { code?: string };
    throw new ConfigError(`${at}.issuer`, `${provider.issuer} gave no usable discovery document (${e.code ? `${e.code}: ` : ''}${e.message})`);
  }
  const m = configuration.serverMetadata();
  const problems: [string, string][] = [];
  if (!m.authorization_endpoint || !m.token_endpoint || !m.jwks_uri) problems.push(['issuer', 'the discovery document lacks authorization_endpoint, token_endpoint or jwks_uri']);
  if (m.response_types_supported && !m.response_types_supported.includes('code')) problems.push(['issuer', 'the provider does not offer the authorization code flow (response_types_supported)']);
  if (m.code_challenge_methods_supported && !m.code_challenge_methods_supported.includes('S256')) {
    problems.push(['issuer', 'the provider does not offer S256 PKCE (code_challenge_methods_supported)']);
  }
  const algs = m.id_token_signing_alg_values_supported ?? ['RS256'];
  if (!algs.some((a) => ASYMMETRIC.includes(a))) {
    problems.push(['issuer', `the provider signs ID tokens only with ${algs.join(', ')}; an asymmetric algorithm (RS256, ES256, …) is required`]);
  }
  const methods = m.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  if (!methods.includes(provider.clientAuth.method)) {
    problems.push(['clientAuthMethod', `the provider does not accept ${provider.clientAuth.method} (it offers ${methods.join(', ')})`]);
  }
  if (problems.length > 0) throw new ConfigError(`${at}.${problems[0]![0]}`, problems.map((p) => p[1]).join('; '));
  return configuration;
}
