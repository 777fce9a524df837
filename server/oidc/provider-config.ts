import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';

/**
 * One entry of the `providers` setting (server/config/settings.ts): an OpenID Connect provider people
 * sign in with. Validated once at startup, each error naming the setting (`providers[0].issuer: …`).
 * README "Signing in with your identity provider".
 */
export interface ProviderConfig {
  /** Short id used in URLs (/oidc/<id>/callback), the audit log and the CLI. */
  id: string;
  /** Shown on the button: "Sign in with <name>". */
  name: string;
  /** The issuer identifier; discovery reads <issuer>/.well-known/openid-configuration. */
  issuer: string;
  clientId: string;
  clientAuth: ClientAuthConfig;
  /** Always includes "openid". */
  scopes: string[];
  /** Claim names or dotted paths (e.g. "realm_access.roles") for each account field. */
  claims: ClaimMapping;
  /** Lower-case domains an email must be in; empty means any. */
  allowedEmailDomains: string[];
  /** Refuse a sign-in whose email_verified is not true. */
  requireVerifiedEmail: boolean;
  /** Re-authentication at the provider at least this often (max_age, auth_time); null: the provider decides. */
  maxAuthAgeMinutes: number | null;
  /** Each request to the provider (discovery, token, userinfo) gives up after this long. */
  timeoutSeconds: number;
}

export type ClientAuthConfig =
  | { method: 'client_secret_basic' | 'client_secret_post'; secret: string }
  | { method: 'private_key_jwt'; privateKey: JsonWebKey & { kid?: string }; alg: 'RS256' | 'ES256' | 'PS256' };

export interface ClaimMapping {
  login: string;
  email: string;
  name: string;
  /** null: this provider says nothing about groups; they are set here (`users set-groups`). */
  groups: string | null;
}

export const defaultClaims: ClaimMapping = { login: 'preferred_username', email: 'email', name: 'name', groups: 'groups' };
export const defaultScopes = ['openid', 'email', 'profile'];
const DEFAULT_TIMEOUT_SECONDS = 10;

const ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const CLAIM_PATH = /^[A-Za-z0-9_:$@/-]+(\.[A-Za-z0-9_:$@/-]+)*$/;
const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const KNOWN = [
  'id',
  'name',
  'issuer',
  'clientId',
  'clientSecret',
  'clientSecretFile',
  'clientAuthMethod',
  'privateKeyFile',
  'scopes',
  'claims',
  'allowedEmailDomains',
  'requireVerifiedEmail',
  'maxAuthAgeMinutes',
  'timeoutSeconds',
];

export function providerOf(v: unknown, at: string): ProviderConfig {
  if (!isObject(v)) throw new ConfigError(at, 'must be an object like {"id": "corp", "issuer": "https://login.example.com", "clientId": "…", "clientSecret": "…"}');
  for (const key of Object.keys(v)) if (!KNOWN.includes(key)) throw new ConfigError(`${at}.${key}`, `unknown setting (known: ${KNOWN.join(', ')})`);
  const id = v.id;
  if (typeof id !== 'string' || !ID.test(id)) throw new ConfigError(`${at}.id`, 'must be lower-case letters, digits, "-" or "_" (at most 63)');
  const name = optionalString(v, 'name', at) ?? id;
  const issuer = issuerOf(v.issuer, `${at}.issuer`);
  const clientId = optionalString(v, 'clientId', at);
  if (!clientId) throw new ConfigError(`${at}.clientId`, 'is required: the client id the provider gave this server');
  const scopes = scopesOf(v.scopes, `${at}.scopes`);
  const claims = claimsOf(v.claims, `${at}.claims`);
  const allowedEmailDomains = domainsOf(v.allowedEmailDomains, `${at}.allowedEmailDomains`);
  const requireVerifiedEmail = v.requireVerifiedEmail ?? true;
  if (typeof requireVerifiedEmail !== 'boolean') throw new ConfigError(`${at}.requireVerifiedEmail`, 'must be true or false');
  const maxAuthAgeMinutes = v.maxAuthAgeMinutes ?? null;
  if (maxAuthAgeMinutes !== null && (typeof maxAuthAgeMinutes !== 'number' || !Number.isInteger(maxAuthAgeMinutes) || maxAuthAgeMinutes < 1)) {
    throw new ConfigError(`${at}.maxAuthAgeMinutes`, 'must be a whole number of minutes (at least 1), or null');
  }
  const timeoutSeconds = v.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (typeof timeoutSeconds !== 'number' || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 120) {
    throw new ConfigError(`${at}.timeoutSeconds`, 'must be a number of seconds above 0 and at most 120');
  }
  return {
    id,
    name,
    issuer,
    clientId,
    clientAuth: clientAuthOf(v, at),
    scopes,
    claims,
    allowedEmailDomains,
    requireVerifiedEmail,
    maxAuthAgeMinutes,
    timeoutSeconds,
  };
}

function optionalString(v: Record<string, unknown>, key: string, at: string): string | undefined {
  const value = v[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(`${at}.${key}`, 'must be a non-empty string');
  return value.trim();
}

/** An https URL; plain http only on loopback (development and tests), which startup warns about. */
function issuerOf(v: unknown, setting: string): string {
  if (typeof v !== 'string') throw new ConfigError(setting, 'is required: the provider\'s issuer URL, e.g. https://login.example.com/realms/corp');
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(setting, `"${v}" is not an absolute URL`);
  }
  if (url.search || url.hash || url.username || url.password) throw new ConfigError(setting, 'must not carry a query, fragment or credentials');
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    throw new ConfigError(setting, 'must be https (plain http is accepted only for a provider on this machine: 127.0.0.1, [::1], localhost)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(setting, 'must be an https URL');
  // The issuer is compared byte for byte with the discovery document's: keep it exactly as given.
  return v;
}

function scopesOf(v: unknown, setting: string): string[] {
  if (v === undefined) return defaultScopes;
  const list = typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : v;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
    throw new ConfigError(setting, 'must be a list of scope names like ["openid", "email", "profile", "groups"]');
  }
  return list.includes('openid') ? list : ['openid', ...list];
}

function claimsOf(v: unknown, setting: string): ClaimMapping {
  if (v === undefined) return defaultClaims;
  if (!isObject(v)) throw new ConfigError(setting, 'must be an object like {"login": "preferred_username", "groups": "realm_access.roles"}');
  const out: ClaimMapping = { ...defaultClaims };
  for (const [key, value] of Object.entries(v)) {
    if (!(key in defaultClaims)) throw new ConfigError(`${setting}.${key}`, `unknown field (known: ${Object.keys(defaultClaims).join(', ')})`);
    if (key === 'groups' && value === null) {
      out.groups = null;
      continue;
    }
    if (typeof value !== 'string' || !CLAIM_PATH.test(value)) throw new ConfigError(`${setting}.${key}`, 'must be a claim name or a dotted path such as "realm_access.roles"');
    out[key as keyof ClaimMapping] = value;
  }
  return out;
}

function domainsOf(v: unknown, setting: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new ConfigError(setting, 'must be a list of domains like ["example.com"]');
  return v.map((d, i) => {
    const domain = typeof d === 'string' ? d.trim().toLowerCase().replace(/^@/, '') : '';
    if (!DOMAIN.test(domain)) throw new ConfigError(`${setting}[${i}]`, `"${String(d)}" is not a domain name like example.com`);
    return domain;
  });
}

function clientAuthOf(v: Record<string, unknown>, at: string): ClientAuthConfig {
  const method = v.clientAuthMethod ?? (v.privateKeyFile !== undefined ? 'private_key_jwt' : 'client_secret_basic');
  if (method === 'private_key_jwt') {
    const file = optionalString(v, 'privateKeyFile', at);
    if (!file) throw new ConfigError(`${at}.privateKeyFile`, 'is required for private_key_jwt: a PEM (PKCS#8) or JWK file with the private key');
    if (v.clientSecret !== undefined || v.clientSecretFile !== undefined) throw new ConfigError(`${at}.clientSecret`, 'is not used with private_key_jwt; remove it');
    return privateKeyOf(file, `${at}.privateKeyFile`);
  }
  if (method !== 'client_secret_basic' && method !== 'client_secret_post') {
    throw new ConfigError(`${at}.clientAuthMethod`, 'must be client_secret_basic (default), client_secret_post or private_key_jwt');
  }
  let secret = optionalString(v, 'clientSecret', at);
  const file = optionalString(v, 'clientSecretFile', at);
  if (secret && file) throw new ConfigError(`${at}.clientSecretFile`, 'give clientSecret or clientSecretFile, not both');
  if (file) secret = readSecret(file, `${at}.clientSecretFile`).trim();
  if (!secret) throw new ConfigError(`${at}.clientSecret`, 'is required (or clientSecretFile, or privateKeyFile for private_key_jwt)');
  return { method, secret };
}

function readSecret(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(setting, `cannot read ${path}: ${(e as Error).message}`);
  }
}

function privateKeyOf(path: string, setting: string): ClientAuthConfig {
  const text = readSecret(path, setting);
  let jwk: JsonWebKey & { kid?: string; alg?: string };
  try {
    const parsed: unknown = text.trimStart().startsWith('{') ? JSON.parse(text) : undefined;
    const key = parsed ? createPrivateKey({ key: parsed as JsonWebKey, format: 'jwk' }) : createPrivateKey(text);
    jwk = { ...key.export({ format: 'jwk' }), ...(parsed ? { kid: (parsed as { kid?: string }).kid, alg: (parsed as { alg?: string }).alg } : {}) };
  } catch (e) {
    throw new ConfigError(setting, `${path} holds no private key in PEM (PKCS#8) or JWK form (${(e as Error).message})`);
  }
  const alg = jwk.alg ?? (jwk.kty === 'RSA' ? 'RS256' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : undefined);
  if (alg !== 'RS256' && alg !== 'ES256' && alg !== 'PS256') throw new ConfigError(setting, 'the key must be RSA (RS256, PS256) or EC P-256 (ES256)');
  return { method: 'private_key_jwt', privateKey: jwk, alg };
}

/** A plain-http issuer works on loopback only; say so loudly, once, at startup. */
export function providerWarnings(providers: ProviderConfig[]): { problem: string; fix: string }[] {
  return providers
    .filter((p) => p.issuer.startsWith('http:'))
    .map((p) => ({
      problem: `provider "${p.id}" has a plain-http issuer (${p.issuer}): accepted only because it is on this machine.`,
      fix: `never use a plain-http issuer outside development: set providers[].issuer for "${p.id}" to the provider's https URL`,
    }));
}
