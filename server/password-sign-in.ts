import { randomBytes } from 'node:crypto';
import type { AuditLog } from './audit.ts';
import type { Clock } from './clock.ts';
import { HashQueue, HashQueueFull, type HashQueueLimits } from './hash-queue.ts';
import { hashPassword, isWeakerThan, verifyPassword, type ScryptCost } from './passwords.ts';
import type { ServerSecret } from './server-secret.ts';
import type { Store, User } from './store/types.ts';
import type { SignInThrottle } from './throttle.ts';
import type { ThrottleEvents } from './throttle-events.ts';

export type SignInOutcome =
  | { ok: true; user: User; device: string | undefined }
  | { ok: false; status: 401 | 429 | 503; message: string; retryAfterSeconds?: number };

export const DEFAULT_HASH_QUEUE: HashQueueLimits = { concurrency: 2, maxWaiting: 32, maxWaitingPerKey: 8 };

const WRONG = 'Wrong login or password.';

/**
 * Checking a login and password: throttle, then one scrypt run through the bounded hashing queue, then
 * the answer. Unknown logins, wrong passwords and disabled accounts get the same answer after the same
 * work; only the audit trail tells them apart. A weaker stored hash is replaced after a successful check.
 */
export class PasswordSignIn {
  private constructor(
    private readonly d: { store: Store; clock: Clock; secret: ServerSecret; audit: AuditLog; throttle: SignInThrottle; throttleEvents: ThrottleEvents; cost: ScryptCost; queue: HashQueue },
    /**
     * Made at start (begun, not awaited, so start-up does not wait for it), at the current cost: the
     * first unknown login costs what every later one does.
     */
    private readonly dummyHash: Promise<string>,
  ) {}

  static create(d: { store: Store; clock: Clock; secret: ServerSecret; audit: AuditLog; throttle: SignInThrottle; throttleEvents: ThrottleEvents; cost: ScryptCost; queue: HashQueueLimits }): PasswordSignIn {
    const dummy = hashPassword(randomBytes(16).toString('hex'), d.cost);
    dummy.catch(() => undefined); // awaited (and its error surfaced) at the first unknown login
    return new PasswordSignIn({ ...d, queue: new HashQueue(d.queue) }, dummy);
  }

  /** `deviceOf` reads the browser's device cookie for an account (device-cookie.ts). */
  async attempt(login: string, password: string, ip: string, deviceOf: (userId: string) => string | undefined = () => undefined): Promise<SignInOutcome> {
    const user = await this.d.store.getUserByLogin(login);
    // What was typed into the login box may be a password: the throttle and the audit trail hold a
    // known account's id, and an unknown login only as a keyed hash (the same login, the same hash).
    const account = user ? `user:${user.id}` : `login:${this.d.secret.mac('login', login.toLowerCase())}`;
    const who = user ? { user: user.id } : { loginHash: this.d.secret.mac('login', login.toLowerCase()) };
    const admission = await this.d.throttle.begin({ account, ip, device: user && deviceOf(user.id) });
    if ('retryAfter' in admission) {
      const wait = admission.retryAfter;
      await this.d.throttleEvents.refused(admission.subject, { ...who, ip });
      const when = wait < 120 ? `${wait} seconds` : `${Math.ceil(wait / 60)} minutes`;
      return { ok: false, status: 429, message: `Too many failed sign-ins. Try again in ${when}.`, retryAfterSeconds: wait };
    }
    const { attempt } = admission;
    let ok: boolean;
    try {
      const stored = user?.passwordHash ?? (await this.dummyHash);
      ok = await this.d.queue.run(ip, () => verifyPassword(password, stored));
    } catch (e) {
      if (!(e instanceof HashQueueFull)) throw e;
      await this.d.throttle.cancelled(attempt);
      return { ok: false, status: 503, message: 'Too many sign-ins at once. Try again in a moment.', retryAfterSeconds: 1 };
    }
    if (!user || !ok || user.disabled) {
      await this.d.throttle.failed(attempt);
      await this.d.audit.record('sign_in_failed', { ...who, ip, reason: !user ? 'unknown_user' : !ok ? 'wrong_password' : 'disabled' });
      return { ok: false, status: 401, message: WRONG };
    }
    await this.d.throttle.succeeded(attempt);
    if (isWeakerThan(user.passwordHash, this.d.cost)) await this.rehash(user, password, ip);
    return { ok: true, user, device: attempt.who.device };
  }

  /** Best effort: when the queue is full the old hash stays and is replaced at a later sign-in. */
  private async rehash(user: User, password: string, ip: string): Promise<void> {
    try {
      const passwordHash = await this.d.queue.run(ip, () => hashPassword(password, this.d.cost));
      await this.d.store.updateUser(user.id, { passwordHash }, this.d.clock.now());
      await this.d.audit.record('password_rehashed', { user: user.id, N: this.d.cost.N });
    } catch (e) {
      if (!(e instanceof HashQueueFull)) throw e;
    }
  }
}
