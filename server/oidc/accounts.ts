import { InputError } from '../errors.ts';
import type { Store, User, UserPatch } from '../store/types.ts';
import type { ProviderIdentity } from './claims.ts';
import { SignInRefused } from './errors.ts';

/**
 * The account of a provider identity. Found by (issuer, subject) only. The first sign-in creates
 * the account from the claims; later ones bring login, email, name and groups up to date. An
 * existing account with the same email or login is never taken over: an administrator links it
 * (`grafana-sso users link`), since an email match alone proves nothing about who signs in.
 */
export async function accountFor(store: Store, providerId: string, identity: ProviderIdentity, now: number): Promise<{ user: User; created: boolean }> {
  const linked = await store.getIdentity(identity.issuer, identity.subject);
  if (linked) {
    const user = await store.getUserById(linked.userId);
    if (!user) throw new SignInRefused('oidc_account_conflict', `identity ${identity.subject} points to a missing user ${linked.userId}`);
    await store.touchIdentity(identity.issuer, identity.subject, now);
    return { user: await updateFromIdentity(store, user, identity, now), created: false };
  }
  const clash = await clashingUser(store, identity);
  if (clash) {
    throw new SignInRefused(
      'oidc_account_conflict',
      `an account "${clash.login}" with the same ${clash.email.toLowerCase() === identity.email ? 'email' : 'login'} exists and is not linked to ${identity.issuer} ${identity.subject}`,
    );
  }
  let user: User;
  try {
    // No password: such an account signs in through its provider only.
    user = await store.createUser({ login: identity.login, email: identity.email, name: identity.name, passwordHash: '', groups: identity.groups ?? [] }, now);
  } catch (e) {
    if (e instanceof InputError) throw new SignInRefused('oidc_account_conflict', e.message);
    throw e;
  }
  try {
    await store.createIdentity({ issuer: identity.issuer, subject: identity.subject, userId: user.id, providerId, createdAt: now, lastSignInAt: now });
  } catch (e) {
    // Two first sign-ins at once: the other one linked first; use its account.
    await store.deleteUser(user.id);
    if (e instanceof InputError) return accountFor(store, providerId, identity, now);
    throw e;
  }
  return { user, created: true };
}

/** Brings login, email, name and groups in line with the provider; only what changed is written. */
export async function updateFromIdentity(store: Store, user: User, identity: ProviderIdentity, now: number): Promise<User> {
  const patch: UserPatch = {};
  if (user.login !== identity.login) patch.login = identity.login;
  if (user.email !== identity.email) patch.email = identity.email;
  if (user.name !== identity.name) patch.name = identity.name;
  if (identity.groups !== null && JSON.stringify([...user.groups].sort()) !== JSON.stringify(identity.groups)) patch.groups = identity.groups;
  if (Object.keys(patch).length === 0) return user;
  if (patch.login || patch.email) {
    const clash = await clashingUser(store, identity, user.id);
    if (clash) throw new SignInRefused('oidc_account_conflict', `the provider's new login or email for ${user.login} belongs to another account (${clash.login})`);
  }
  try {
    return await store.updateUser(user.id, patch, now);
  } catch (e) {
    if (e instanceof InputError) throw new SignInRefused('oidc_account_conflict', e.message);
    throw e;
  }
}

/** Another account with this identity's email or login: Grafana tells users apart by those. */
async function clashingUser(store: Store, identity: ProviderIdentity, exceptId?: string): Promise<User | undefined> {
  const byLogin = await store.getUserByLogin(identity.login);
  if (byLogin && byLogin.id !== exceptId) return byLogin;
  return (await store.listUsers()).find((u) => u.id !== exceptId && u.email.toLowerCase() === identity.email);
}

/** What changed between an account and its fresh identity, for the audit trail. */
export function changesOf(before: User, after: User): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const key of ['login', 'email', 'name'] as const) if (before[key] !== after[key]) changes[key] = after[key];
  if (JSON.stringify(before.groups) !== JSON.stringify(after.groups)) changes.groups = after.groups;
  return changes;
}
