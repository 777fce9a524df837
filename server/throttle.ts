import type { Clock } from './clock.ts';
import type { Store } from './store/types.ts';

/** Who tries: the account (as password-sign-in.ts names it, never the typed login), the address, and a known device. */
export interface SignInSubject {
  account: string;
  ip: string;
  /** Set when the browser holds a valid device cookie for this account (device-cookie.ts). */
  device?: string | undefined;
}

/** Failures of an account are counted this long for its backoff. */
const ACCOUNT_MEMORY_MS = 24 * 3600_000;

/**
 * Failed sign-ins, counted in the store so every server sharing it sees the same counts.
 * - A browser with a device cookie for the account has its own allowance: `maxPerAccount` failures per
 *   window, whatever anyone else does.
 * - Anyone else meets a per-account backoff, not a lock: after `maxPerAccount` failures in a day, each
 *   attempt waits 1 s, 2 s, 4 s … (at most the window) after the last failure; and a per-address
 *   limit of `maxPerIp` failures per window.
 * A successful sign-in clears the account's and the device's counts.
 */
export class SignInThrottle {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly o: { maxPerAccount: number; maxPerIp: number; windowMs: number },
  ) {}

  /** Seconds to wait (0: the attempt may go ahead), and the key that refused it. */
  async retryAfter(who: SignInSubject): Promise<{ seconds: number; subject: string }> {
    const now = this.clock.now();
    const windowStart = now - this.o.windowMs;
    const wait = (ms: number, subject: string) => ({ seconds: Math.max(1, Math.ceil(ms / 1000)), subject });
    if (who.device) {
      const failures = await this.store.countSignInFailures(deviceKey(who.device), windowStart);
      return failures >= this.o.maxPerAccount ? wait(this.o.windowMs, deviceKey(who.device)) : { seconds: 0, subject: '' };
    }
    const [address, account, last] = await Promise.all([
      this.store.countSignInFailures(ipKey(who.ip), windowStart),
      this.store.countSignInFailures(accountKey(who.account), now - ACCOUNT_MEMORY_MS),
      this.store.lastSignInFailure(accountKey(who.account)),
    ]);
    if (address >= this.o.maxPerIp) return wait(this.o.windowMs, ipKey(who.ip));
    if (account >= this.o.maxPerAccount && last !== undefined) {
      const backoffMs = Math.min(this.o.windowMs, 1000 * 2 ** Math.min(30, account - this.o.maxPerAccount));
      if (now - last < backoffMs) return wait(last + backoffMs - now, accountKey(who.account));
    }
    return { seconds: 0, subject: '' };
  }

  async failed(who: SignInSubject): Promise<void> {
    const now = this.clock.now();
    await this.store.pruneSignInFailures(now - Math.max(ACCOUNT_MEMORY_MS, this.o.windowMs));
    await this.store.recordSignInFailure(who.device ? [deviceKey(who.device)] : [accountKey(who.account), ipKey(who.ip)], now);
  }

  async succeeded(who: SignInSubject): Promise<void> {
    await this.store.clearSignInFailures(accountKey(who.account));
    if (who.device) await this.store.clearSignInFailures(deviceKey(who.device));
  }
}

const accountKey = (account: string) => `account:${account}`;
const ipKey = (ip: string) => `ip:${ip}`;
const deviceKey = (device: string) => `device:${device}`;
