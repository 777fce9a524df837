import type { Clock } from './clock.ts';
import type { Store } from './store/types.ts';

/**
 * Failed sign-ins counted per account and per client address over a sliding window, in the store so
 * that every server behind a load balancer sees the same counts. Past a limit, sign-in answers 429
 * until the window slides; a successful sign-in clears the account's count.
 */
export class SignInThrottle {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly o: { maxPerAccount: number; maxPerIp: number; windowMs: number },
  ) {}

  /**
   * Seconds to wait, or 0 when a sign-in attempt may go ahead. `account` identifies the account tried
   * without holding what was typed: `user:<id>`, or a keyed hash of an unknown login (password-sign-in.ts).
   */
  async retryAfter(account: string, ip: string): Promise<{ seconds: number; subject: string }> {
    const since = this.clock.now() - this.o.windowMs;
    const [accountFailures, addressFailures] = await Promise.all([
      this.store.countSignInFailures(`account:${account}`, since),
      this.store.countSignInFailures(ipKey(ip), since),
    ]);
    const subject = addressFailures >= this.o.maxPerIp ? ipKey(ip) : accountFailures >= this.o.maxPerAccount ? `account:${account}` : '';
    return { seconds: subject ? Math.ceil(this.o.windowMs / 1000) : 0, subject };
  }

  async failed(account: string, ip: string): Promise<void> {
    const now = this.clock.now();
    await this.store.pruneSignInFailures(now - this.o.windowMs);
    await this.store.recordSignInFailure([`account:${account}`, ipKey(ip)], now);
  }

  async succeeded(account: string): Promise<void> {
    await this.store.clearSignInFailures(`account:${account}`);
  }
}

const ipKey = (ip: string) => `ip:${ip}`;
