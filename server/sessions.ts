import { createHash, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Clock } from './clock.ts';
import { readCookie } from './cookies.ts';
import { noteUser } from './log.ts';
import type { Session, Store, User } from './store/types.ts';

/**
 * How often an active session's last use is written: at most once a minute (the token endpoint stays
 * read-only on the hot path), and always well inside the idle time, so a session used more often than
 * its idle time never reaches it.
 */
export const touchIntervalMs = (idleMs: number): number => Math.min(60_000, Math.floor(idleMs / 4));

export const hashSessionId = (id: string): string => createHash('sha256').update(id).digest('base64url');

/**
 * Server-side sessions behind an opaque cookie: HttpOnly, SameSite=Lax, Path=/, and over https
 * Secure with the `__Host-` prefix (no Domain, so no sibling host can set or read it). The store keeps
 * only a hash of the id. A session ends when idle too long, at its absolute lifetime, or at logout.
 */
export class Sessions {
  readonly cookieName: string;
  private readonly touchEveryMs: number;
  /**
   * Asked about every live session before it is used: answers the user as of now, or undefined to
   * end the session (identities from a provider are refreshed here, server/oidc/refresh.ts).
   */
  guard: ((session: Session, user: User) => Promise<User | undefined>) | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly o: { secure: boolean; cookieName: string; idleMs: number; absoluteMs: number },
  ) {
    this.cookieName = o.cookieName;
    this.touchEveryMs = touchIntervalMs(o.idleMs);
  }

  /**
   * A brand-new session (sign-in always gets a new id, so a planted cookie is worthless). `endsBy`
   * shortens it, e.g. to what the identity provider allows.
   */
  async create(res: Response, userId: string, endsBy?: number): Promise<Session> {
    const id = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const session: Session = {
      idHash: hashSessionId(id),
      userId,
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: Math.min(now + this.o.absoluteMs, endsBy ?? Infinity),
    };
    await this.store.createSession(session);
    res.cookie(this.cookieName, id, { httpOnly: true, sameSite: 'lax', secure: this.o.secure, path: '/', maxAge: session.expiresAt - now });
    return session;
  }

  /** The live session and its user, or undefined (no cookie, unknown, idle, expired, user gone). */
  async load(req: Request): Promise<{ session: Session; user: User } | undefined> {
    const id = readCookie(req, this.cookieName);
    if (!id || id.length > 100) return undefined;
    const found = await this.store.getSessionWithUser(hashSessionId(id));
    if (!found) return undefined;
    const { session } = found;
    let { user } = found;
    const now = this.clock.now();
    if (now >= session.expiresAt || now - session.lastSeenAt >= this.o.idleMs) {
      await this.store.deleteSession(session.idHash);
      return undefined;
    }
    if (this.guard) {
      const current = await this.guard(session, user);
      if (!current) {
        await this.store.deleteSession(session.idHash);
        return undefined;
      }
      user = current;
    }
    if (now - session.lastSeenAt >= this.touchEveryMs) {
      await this.store.touchSession(session.idHash, now);
      session.lastSeenAt = now;
    }
    noteUser(req, user.id);
    return { session, user };
  }

  /** Ends the request's session (if any) and clears its cookie. */
  async destroy(req: Request, res: Response): Promise<Session | undefined> {
    res.clearCookie(this.cookieName, { httpOnly: true, sameSite: 'lax', secure: this.o.secure, path: '/' });
    return this.end(req);
  }

  /** Ends the request's session in the store, leaving the response alone (sign-in sets a new cookie). */
  async end(req: Request): Promise<Session | undefined> {
    const id = readCookie(req, this.cookieName);
    if (!id) return undefined;
    const session = await this.store.getSession(hashSessionId(id));
    if (session) await this.store.deleteSession(session.idHash);
    return session;
  }
}
