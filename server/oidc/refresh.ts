import type { AuditLog } from '../audit.ts';
import type { Clock } from '../clock.ts';
import type { Session, Store, User } from '../store/types.ts';
import { changesOf, updateFromIdentity } from './accounts.ts';
import { SignInRefused } from './errors.ts';
import { isUnreachable, refusalFrom } from './failures.ts';
import type { ProviderRegistry } from './providers.ts';
import type { ProviderSessions } from './provider-sessions.ts';
import { refreshIdentity } from './sign-in.ts';

const UNREACHABLE_RETRY_MS = 60_000;

export interface RefreshPolicy {
  /** The provider is asked again once the last confirmation is this old. */
  intervalMs: number;
  /** While the provider is unreachable, the last confirmation stays good this much longer. */
  graceMs: number;
}

/**
 * Keeps a provider session's identity fresh: when a session is used and its identity was last
 * confirmed more than `intervalMs` ago, the provider is asked again (refresh token, else userinfo)
 * and login, email, name and groups are updated before anything is minted. A refusal (account
 * disabled or removed, refresh token revoked, email rules no longer met) ends the session. An
 * unreachable provider is tolerated for `graceMs`, then the session ends too.
 */
export class IdentityRefresh {
  /** One refresh per session at a time (a refresh token may be single-use). */
  private readonly inFlight = new Map<string, Promise<User | undefined>>();
  /** Sessions whose provider was unreachable at the last try, and when: tried again a minute later, not on every request. */
  private readonly unreachableTried = new Map<string, number>();

  constructor(
    private readonly d: { store: Store; clock: Clock; audit: AuditLog; registry: ProviderRegistry; sessions: ProviderSessions; policy: RefreshPolicy; log(m: string): void },
  ) {}

  /** The session's user, refreshed if due; undefined when the session must end. */
  check(session: Session, user: User): Promise<User | undefined> {
    const running = this.inFlight.get(session.idHash);
    if (running) return running;
    const task = this.run(session, user).finally(() => this.inFlight.delete(session.idHash));
    this.inFlight.set(session.idHash, task);
    return task;
  }

  private async run(session: Session, user: User): Promise<User | undefined> {
    const { store, clock, audit, registry, policy } = this.d;
    // The row as stored (tokens sealed): most requests only need its time.
    const row = await store.getProviderSession(session.idHash);
    if (!row) return user; // a password session
    const now = clock.now();
    if (now - row.refreshedAt < policy.intervalMs) return user;
    const state = this.d.sessions.opened(row);
    const triedAt = this.unreachableTried.get(session.idHash);
    if (triedAt !== undefined && now - triedAt < UNREACHABLE_RETRY_MS && now - state.refreshedAt < policy.intervalMs + policy.graceMs) return user;
    const entry = registry.get(state.providerId);
    const base = { user: user.id, login: user.login, provider: state.providerId, issuer: state.issuer, sub: state.subject };
    if (!entry) {
      await audit.record('oidc_refresh_refused', { ...base, reason: 'provider_removed' });
      return undefined;
    }
    try {
      const configuration = await registry.configuration(state.providerId);
      const { identity, tokens } = await refreshIdentity(configuration, entry.provider, state, now);
      if (identity.subject !== state.subject) throw new SignInRefused('oidc_id_token_invalid', 'the refreshed identity has another subject');
      const updated = await updateFromIdentity(store, user, identity, now);
      await this.d.sessions.save({ sessionIdHash: session.idHash, provider: entry.provider, subject: state.subject, tokens: { ...tokens, authTime: tokens.authTime ?? state.authTime }, refreshedAt: now });
      this.unreachableTried.delete(session.idHash);
      const changes = changesOf(user, updated);
      if (Object.keys(changes).length > 0) await audit.record('oidc_identity_updated', { ...base, changes });
      return updated;
    } catch (error) {
      if (isUnreachable(error)) {
        const detail = error instanceof Error ? error.message : String(error);
        if (now - state.refreshedAt < policy.intervalMs + policy.graceMs) {
          this.unreachableTried.set(session.idHash, now);
          if (state.unreachableSince === null) {
            await this.d.sessions.markUnreachable(state, now);
            await audit.record('oidc_refresh_unavailable', { ...base, detail });
          }
          return user;
        }
        this.unreachableTried.delete(session.idHash);
        this.d.log(`ending session of ${user.login}: provider "${state.providerId}" unreachable past the grace period (${detail})`);
        await audit.record('oidc_refresh_refused', { ...base, reason: 'provider_unreachable_past_grace', detail });
        return undefined;
      }
      const refusal = refusalFrom(error, 'refresh');
      await audit.record('oidc_refresh_refused', { ...base, reason: refusal.code, detail: refusal.detail });
      return undefined;
    }
  }
}
