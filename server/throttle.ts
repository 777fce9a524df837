import type { Clock } from './clock.ts';
import type { SignInLimit, Store } from './store/types.ts';

/** Who tries: the account (as password-sign-in.ts names it, never the typed login), the address, and a known device. */
export interface SignInSubject {
  account: string;
  ip: string;
  /** Set when the browser holds a valid device cookie for this account (device-cookie.ts). */
  device?: string | undefined;
}

/** An admitted sign-in attempt, already counted; settle it with failed(), succeeded() or cancelled(). */
export interface SignInAttempt {
  id: string;
  who: SignInSubject;
}

/** Failures of an account are counted this long for its backoff. */
const ACCOUNT_MEMORY_MS = 24 * 3600_000;

/**
 * Sign-in attempts, counted in the store so every server sharing it sees the same counts. An attempt
 * is admitted and counted in one atomic store step before the password is checked, so attempts that
 * arrive together cannot all slip under a limit; a success is then uncounted and clears the counts.
 * - A browser with a device cookie for the account has its own allowance: `maxPerAccount` attempts per
 *   window, whatever anyone else does.
 * - Anyone else meets a per-account backoff, not a lock: after `maxPerAccount` failures in a day, an
 *   attempt waits 1 s, 2 s, 4 s … (at most the window) after the last one; and a per-address limit of
 *   `maxPerIp` per window.
 */
export class SignInThrottle {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly o: { maxPerAccount: number; maxPerIp: number; windowMs: number },
  ) {}

  /** Admits and counts an attempt, or says how many seconds to wait and which key refused it. */
  async begin(who: SignInSubject): Promise<{ attempt: SignInAttempt } | { retryAfter: number; subject: string }> {
    const now = this.clock.now();
    const limits: SignInLimit[] = who.device
      ? [{ subject: deviceKey(who.device), max: this.o.maxPerAccount }]
      : [
          { subject: ipKey(who.ip), max: this.o.maxPerIp },
          { subject: accountKey(who.account), max: this.o.maxPerAccount, since: now - ACCOUNT_MEMORY_MS, backoff: { baseMs: 1000, maxMs: this.o.windowMs } },
        ];
    const admission = await this.store.admitSignIn(limits, now - this.o.windowMs, now);
    if (!admission.admitted) {
      return { retryAfter: Math.max(1, Math.ceil((admission.retryAfterMs ?? this.o.windowMs) / 1000)), subject: admission.subject };
    }
    return { attempt: { id: admission.attempt, who } };
  }

  /** The attempt stays counted; counts older than anything still needs are dropped. */
  async failed(_attempt: SignInAttempt): Promise<void> {
    await this.store.pruneSignInFailures(this.clock.now() - Math.max(ACCOUNT_MEMORY_MS, this.o.windowMs));
  }

  async succeeded(attempt: SignInAttempt): Promise<void> {
    const { who } = attempt;
    await this.store.forgiveSignIn(attempt.id, [accountKey(who.account), ...(who.device ? [deviceKey(who.device)] : [])]);
  }

  /** The attempt never ran (the hashing queue was full): uncounted, nothing else cleared. */
  async cancelled(attempt: SignInAttempt): Promise<void> {
    await this.store.forgiveSignIn(attempt.id, []);
  }
}

const accountKey = (account: string) => `account:${account}`;
const ipKey = (ip: string) => `ip:${ip}`;
const deviceKey = (device: string) => `device:${device}`;
