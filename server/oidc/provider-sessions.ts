import type { ProviderSession, Store } from '../store/types.ts';
import type { ProviderConfig } from './provider-config.ts';
import type { ProviderTokens } from './sign-in.ts';
import { TokenSealer } from './token-crypto.ts';

/** Provider state of sessions, with the provider's tokens sealed on the way in and opened on the way out. */
export class ProviderSessions {
  private readonly sealers = new Map<string, TokenSealer>();

  constructor(
    private readonly store: Store,
    providers: ProviderConfig[],
  ) {
    for (const p of providers) this.sealers.set(p.id, new TokenSealer(p));
  }

  async save(o: { sessionIdHash: string; provider: ProviderConfig; subject: string; tokens: ProviderTokens; refreshedAt: number; unreachableSince?: number | null }): Promise<void> {
    const sealer = this.sealers.get(o.provider.id)!;
    const seal = (v: string | null) => (v === null ? null : sealer.seal(v, o.sessionIdHash));
    await this.store.saveProviderSession({
      sessionIdHash: o.sessionIdHash,
      providerId: o.provider.id,
      issuer: o.provider.issuer,
      subject: o.subject,
      refreshToken: seal(o.tokens.refreshToken),
      accessToken: seal(o.tokens.accessToken),
      accessTokenExpiresAt: o.tokens.accessTokenExpiresAt,
      idToken: seal(o.tokens.idToken),
      authTime: o.tokens.authTime,
      refreshedAt: o.refreshedAt,
      unreachableSince: o.unreachableSince ?? null,
    });
  }

  /** The session's provider state with its tokens readable (null where they cannot be opened). */
  async load(sessionIdHash: string): Promise<ProviderSession | undefined> {
    const row = await this.store.getProviderSession(sessionIdHash);
    return row && this.opened(row);
  }

  /** A stored row (tokens sealed) with its tokens opened: done only when they are about to be used. */
  opened(row: ProviderSession): ProviderSession {
    const sealer = this.sealers.get(row.providerId);
    const open = (v: string | null) => (v === null || !sealer ? null : (sealer.open(v, row.sessionIdHash) ?? null));
    return { ...row, refreshToken: open(row.refreshToken), accessToken: open(row.accessToken), idToken: open(row.idToken) };
  }

  /** Records that the provider could not be reached, keeping everything else. */
  async markUnreachable(row: ProviderSession, since: number): Promise<void> {
    const sealed = await this.store.getProviderSession(row.sessionIdHash);
    if (sealed) await this.store.saveProviderSession({ ...sealed, unreachableSince: since });
  }
}
