import type { Clock } from './clock.ts';
import type { Store } from './store/types.ts';

/** An admitted sign-in attempt, already counted; settle it with failed() or succeeded(). */
export interface SignInAttempt {
  id: string;
  login: string;
}

/**
 * Sign-in attempts counted per account and per client address over a sliding window, in the store so
 * that every server sharing the database sees the same counts. An attempt is admitted and counted in
 * one atomic store step before the password is checked, so attempts that arrive together cannot all
 * slip under the limit; a success is then uncounted and clears the account's count. Past a limit,
 * sign-in answers 429 until the window slides.
 */
export class SignInThrottle {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly o: { maxPerAccount: number; maxPerIp: number; windowMs: number },
  ) {}

  /** Admits and counts an attempt, or says how many seconds to wait. */
  async begin(login: string, ip: string): Promise<{ attempt: SignInAttempt } | { retryAfter: number }> {
    const now = this.clock.now();
    const limits = [
      { subject: accountKey(login), max: this.o.maxPerAccount },
      { subject: ipKey(ip), max: this.o.maxPerIp },
    ];
    const admission = await this.store.admitSignIn(limits, now - this.o.windowMs, now);
    if (!admission.admitted) return { retryAfter: Math.ceil(this.o.windowMs / 1000) };
    return { attempt: { id: admission.attempt, login } };
  }

  /** The attempt stays counted; counts older than the window are dropped. */
  async failed(_attempt: SignInAttempt): Promise<void> {
    await this.store.pruneSignInFailures(this.clock.now() - this.o.windowMs);
  }

  async succeeded(attempt: SignInAttempt): Promise<void> {
    await this.store.forgiveSignIn(attempt.id, [accountKey(attempt.login)]);
  }
}

const accountKey = (login: string) => `account:${login.trim().toLowerCase()}`;
const ipKey = (ip: string) => `ip:${ip}`;
