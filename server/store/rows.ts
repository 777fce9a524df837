import type { Identity, InstanceGrant, ProviderSession, Session, StoredKey, User } from './types.ts';

/** Rows as both engines return them, and their mapping to the store's types (sql-store.ts). */

export interface UserRow {
  id: string;
  login: string;
  email: string;
  name: string;
  password_hash: string;
  disabled: number | boolean;
  is_admin: number | boolean;
  groups_json: string;
  grants_json: string;
  created_at: number;
  updated_at: number;
}

export interface SessionRow {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface KeyRow {
  kid: string;
  alg: 'ES256';
  public_jwk: string;
  private_jwk: string | null;
  created_at: number;
  activates_at: number;
  retired_at: number | null;
}

export interface IdentityRow {
  issuer: string;
  subject: string;
  user_id: string;
  provider_id: string;
  created_at: number;
  last_sign_in_at: number | null;
}

export interface ProviderSessionRow {
  session_id_hash: string;
  provider_id: string;
  issuer: string;
  subject: string;
  refresh_token: string | null;
  access_token: string | null;
  access_token_expires_at: number | null;
  id_token: string | null;
  auth_time: number | null;
  refreshed_at: number;
  unreachable_since: number | null;
}

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    login: r.login,
    email: r.email,
    name: r.name,
    passwordHash: r.password_hash,
    // SQLite answers 0/1, PostgreSQL true/false.
    disabled: Boolean(r.disabled),
    isAdmin: Boolean(r.is_admin),
    groups: JSON.parse(r.groups_json) as string[],
    grants: JSON.parse(r.grants_json) as Record<string, InstanceGrant>,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export const toSession = (r: SessionRow): Session => ({
  idHash: r.id_hash,
  userId: r.user_id,
  csrfToken: r.csrf_token,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
});

export const toKey = (r: KeyRow): StoredKey => ({
  kid: r.kid,
  alg: r.alg,
  publicJwk: r.public_jwk,
  privateJwk: r.private_jwk,
  createdAt: r.created_at,
  activatesAt: r.activates_at,
  retiredAt: r.retired_at,
});

export const toIdentity = (r: IdentityRow): Identity => ({
  issuer: r.issuer,
  subject: r.subject,
  userId: r.user_id,
  providerId: r.provider_id,
  createdAt: r.created_at,
  lastSignInAt: r.last_sign_in_at,
});

export const toProviderSession = (r: ProviderSessionRow): ProviderSession => ({
  sessionIdHash: r.session_id_hash,
  providerId: r.provider_id,
  issuer: r.issuer,
  subject: r.subject,
  refreshToken: r.refresh_token,
  accessToken: r.access_token,
  accessTokenExpiresAt: r.access_token_expires_at,
  idToken: r.id_token,
  authTime: r.auth_time,
  refreshedAt: r.refreshed_at,
  unreachableSince: r.unreachable_since,
});
