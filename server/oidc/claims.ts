import type { ClaimMapping, ProviderConfig } from './provider-config.ts';
import { SignInRefused } from './errors.ts';

/** Who the provider says this person is, in the server's terms (mapped through `claims`). */
export interface ProviderIdentity {
  issuer: string;
  subject: string;
  login: string;
  email: string;
  name: string;
  /** null when the provider's groups are not used (claims.groups: null). */
  groups: string[] | null;
}

type Claims = Record<string, unknown>;

/**
 * A claim by name, or by dotted path into nested objects ("realm_access.roles"). A name is tried
 * whole first: custom claims are often URLs ("https://example.com/groups") and contain dots.
 */
export function claimAt(claims: Claims, path: string): unknown {
  if (path in claims) return claims[path];
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Claims)[part];
  }
  return value;
}

/** Whether every mapped claim is present (if not, userinfo is asked). */
export function hasMappedClaims(claims: Claims, mapping: ClaimMapping): boolean {
  return Object.values(mapping).every((path) => path === null || claimAt(claims, path) !== undefined);
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** Maps the provider's claims to an identity and applies the provider's email rules. */
export function identityFrom(provider: ProviderConfig, claims: Claims): ProviderIdentity {
  const subject = text(claims.sub);
  if (!subject) throw new SignInRefused('oidc_claims_missing', 'no sub claim');
  const email = text(claimAt(claims, provider.claims.email))?.toLowerCase();
  if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) {
    throw new SignInRefused('oidc_claims_missing', `claim "${provider.claims.email}" (email) is missing or not an email address`);
  }
  const login = text(claimAt(claims, provider.claims.login)) ?? email;
  if (login.length > 200) throw new SignInRefused('oidc_claims_missing', `claim "${provider.claims.login}" (login) is longer than 200 characters`);
  const name = text(claimAt(claims, provider.claims.name)) ?? login;
  // A mapped claim that is absent means "in no group": a provider may leave it out when empty.
  const rawGroups = provider.claims.groups === null ? undefined : claimAt(claims, provider.claims.groups);
  const groups = Array.isArray(rawGroups) ? rawGroups.filter((g): g is string => typeof g === 'string') : typeof rawGroups === 'string' ? [rawGroups] : [];

  if (provider.requireVerifiedEmail && claims.email_verified !== true && claims.email_verified !== 'true') {
    throw new SignInRefused('oidc_email_unverified', `email_verified is ${JSON.stringify(claims.email_verified)} for ${email}`);
  }
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (provider.allowedEmailDomains.length > 0 && !provider.allowedEmailDomains.includes(domain)) {
    throw new SignInRefused('oidc_email_domain', `${email} is outside ${provider.allowedEmailDomains.join(', ')}`);
  }
  return { issuer: provider.issuer, subject, login, email, name, groups: provider.claims.groups === null ? null : [...new Set(groups)].sort() };
}
