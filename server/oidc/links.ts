import type { AuditLog } from '../audit.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { InputError } from '../errors.ts';
import type { Identity, Store, User } from '../store/types.ts';

/**
 * Linking a provider identity to an existing account is an administrator's decision, never the
 * sign-in's (an email match proves nothing): `users link` and `users unlink`, audited.
 */
export interface LinkDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  config: Config;
}

function providerOf(config: Config, id: string) {
  const provider = config.providers.find((p) => p.id === id);
  if (!provider) {
    const known = config.providers.map((p) => p.id).join(', ') || 'none configured';
    throw new InputError('unknown_provider', `no provider "${id}" (configured: ${known})`);
  }
  return provider;
}

async function userOf(store: Store, login: string): Promise<User> {
  const user = await store.getUserByLogin(login);
  if (!user) throw new InputError('unknown_user', `no user "${login}"`);
  return user;
}

export async function linkIdentity(d: LinkDeps, login: string, providerId: string, subject: string, by: string): Promise<Identity> {
  const provider = providerOf(d.config, providerId);
  if (subject.trim() === '' || subject.length > 255) throw new InputError('invalid_subject', 'the subject must be the provider\'s "sub" for this person (1–255 characters)');
  const user = await userOf(d.store, login);
  const existing = await d.store.getIdentity(provider.issuer, subject);
  if (existing) {
    const owner = await d.store.getUserById(existing.userId);
    throw new InputError('identity_taken', `${subject} at ${providerId} is already linked to "${owner?.login ?? existing.userId}"; unlink it first`);
  }
  const identity: Identity = { issuer: provider.issuer, subject, userId: user.id, providerId, createdAt: d.clock.now(), lastSignInAt: null };
  await d.store.createIdentity(identity);
  await d.audit.record('identity_linked', { user: user.id, login: user.login, provider: providerId, issuer: provider.issuer, sub: subject, by });
  return identity;
}

/** Removes the user's identity at a provider (the only one there, or the given subject); ends the user's sessions. */
export async function unlinkIdentity(d: LinkDeps, login: string, providerId: string, subject: string | undefined, by: string): Promise<{ identity: Identity; sessionsEnded: number }> {
  const provider = providerOf(d.config, providerId);
  const user = await userOf(d.store, login);
  const mine = (await d.store.listIdentities()).filter((i) => i.userId === user.id && i.issuer === provider.issuer && (subject === undefined || i.subject === subject));
  if (mine.length === 0) throw new InputError('not_linked', `"${login}" has no identity${subject ? ` ${subject}` : ''} at ${providerId}`);
  if (mine.length > 1) throw new InputError('ambiguous', `"${login}" has several identities at ${providerId}: give --subject (${mine.map((i) => i.subject).join(', ')})`);
  const identity = mine[0]!;
  await d.store.deleteIdentity(identity.issuer, identity.subject);
  const sessionsEnded = await d.store.deleteUserSessions(user.id);
  await d.audit.record('identity_unlinked', { user: user.id, login: user.login, provider: providerId, issuer: identity.issuer, sub: identity.subject, by, sessionsEnded });
  return { identity, sessionsEnded };
}

/** Where each account comes from: "local" (it has a password) and the providers it is linked at. */
export async function accountSources(store: Store, config: Config): Promise<Map<string, string[]>> {
  const byIssuer = new Map(config.providers.map((p) => [p.issuer, p.id]));
  const sources = new Map<string, string[]>();
  for (const i of await store.listIdentities()) {
    const list = sources.get(i.userId) ?? [];
    list.push(byIssuer.get(i.issuer) ?? i.providerId);
    sources.set(i.userId, list);
  }
  return sources;
}
