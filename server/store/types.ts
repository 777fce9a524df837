import type { GrafanaRole } from '../contract/index.ts';
import type { LockName } from './driver.ts';

/** A per-instance grant: a Grafana role, or an explicit "no access" that beats groups and defaults. */
export type InstanceGrant = GrafanaRole | 'no-access';

export interface User {
  /** Stable id, the token's `sub`; never reused, unchanged by renames. */
  id: string;
  login: string;
  email: string;
  name: string;
  passwordHash: string;
  disabled: boolean;
  /** May use the server's admin pages (e.g. Grafana settings). */
  isAdmin: boolean;
  groups: string[];
  /** Explicit grants per instance id. */
  grants: Record<string, InstanceGrant>;
  createdAt: number;
  updatedAt: number;
}

export type NewUser = Pick<User, 'login' | 'email' | 'name' | 'passwordHash'> & Partial<Pick<User, 'isAdmin' | 'groups'>>;
export type UserPatch = Partial<Pick<User, 'login' | 'email' | 'name' | 'passwordHash' | 'disabled' | 'isAdmin' | 'groups'>>;

export interface Session {
  /** SHA-256 of the cookie value: a copy of the database gives no usable session. */
  idHash: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** Absolute end, whatever the activity. */
  expiresAt: number;
}

export interface StoredKey {
  kid: string;
  alg: 'ES256';
  publicJwk: string;
  /** The whole row, private key included, is deleted once the key is no longer published. */
  privateJwk: string | null;
  createdAt: number;
  /** From this time the key signs; it is published from createdAt. */
  activatesAt: number;
  /** When a newer key took over; published until retiredAt + token lifetime + leeway. */
  retiredAt: number | null;
}

/** A provider identity linked to a user: (issuer, subject), never an email, says who someone is. */
export interface Identity {
  issuer: string;
  subject: string;
  userId: string;
  /** The configured provider id it came through (for display; the issuer is what counts). */
  providerId: string;
  createdAt: number;
  lastSignInAt: number | null;
}

/**
 * What a session signed in through a provider needs to keep the identity fresh and to log out:
 * tokens sealed (server/oidc/token-crypto.ts), never logged; times in ms since the epoch.
 */
export interface ProviderSession {
  sessionIdHash: string;
  providerId: string;
  issuer: string;
  subject: string;
  refreshToken: string | null;
  accessToken: string | null;
  accessTokenExpiresAt: number | null;
  /** Kept for logout's id_token_hint. */
  idToken: string | null;
  authTime: number | null;
  /** Last time the provider confirmed the identity (sign-in or refresh). */
  refreshedAt: number;
  /** Since when refreshes fail because the provider is unreachable; null when the last one worked. */
  unreachableSince: number | null;
}

export interface AuditEvent {
  at: number;
  type: string;
  [field: string]: unknown;
}

/** One limit of the sign-in throttle: at most `max` counted attempts for `subject` in the window. */
export interface SignInLimit {
  subject: string;
  max: number;
  /** Counts attempts since this time instead of the call's `since`. */
  since?: number;
  /**
   * Past `max`, not a refusal but a wait: an attempt is admitted once `baseMs · 2^(count − max)`
   * (at most `maxMs`) has passed since the subject's last attempt.
   */
  backoff?: { baseMs: number; maxMs: number };
}

/** Admitted (and already counted, under `attempt`), or refused by the first limit reached. */
export type SignInAdmission = { admitted: true; attempt: string } | { admitted: false; subject: string; retryAfterMs?: number };


/**
 * Everything the server keeps, in one SQL store (sql-store.ts) over SQLite, the embedded default, or
 * PostgreSQL for several servers sharing one database. Nothing here relies on in-process state for
 * correctness: steps that must not interleave across servers run under a database lock.
 */
export interface Store {
  close(): Promise<void>;
  /** A round trip to the database; rejects with StoreUnavailableError when it does not answer. */
  ping(): Promise<void>;
  /**
   * Runs `fn` in one transaction holding the database lock `lock`: every server sharing the database
   * waits for it (PostgreSQL advisory lock; SQLite BEGIN IMMEDIATE). `fn` must use the store it is given.
   */
  exclusive<T>(lock: LockName, fn: (store: Store) => Promise<T>): Promise<T>;

  countUsers(): Promise<number>;
  createUser(user: NewUser, now: number): Promise<User>;
  getUserById(id: string): Promise<User | undefined>;
  /** Case-insensitive, as logins are unique whatever their case. */
  getUserByLogin(login: string): Promise<User | undefined>;
  listUsers(): Promise<User[]>;
  updateUser(id: string, patch: UserPatch, now: number): Promise<User>;
  deleteUser(id: string): Promise<void>;
  setGrant(userId: string, instanceId: string, grant: InstanceGrant | null): Promise<void>;

  createSession(session: Session): Promise<void>;
  getSession(idHash: string): Promise<Session | undefined>;
  /** The session and its user in one read: this runs on every token request. */
  getSessionWithUser(idHash: string): Promise<{ session: Session; user: User } | undefined>;
  /** Moves lastSeenAt forward, never back (servers touching the same session concurrently agree). */
  touchSession(idHash: string, lastSeenAt: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  deleteUserSessions(userId: string): Promise<number>;
  deleteExpiredSessions(idleBefore: number, now: number): Promise<number>;
  /** Sessions still live (the complement of deleteExpiredSessions), for the active-sessions metric. */
  countSessions(idleBefore: number, now: number): Promise<number>;

  insertKey(key: StoredKey): Promise<void>;
  listKeys(): Promise<StoredKey[]>;
  retireKey(kid: string, retiredAt: number): Promise<void>;
  deleteKey(kid: string): Promise<void>;
  /** Swaps a key's stored private part if it still is `expected` (another server may have sealed it first). */
  replacePrivateKey(kid: string, expected: string, privateJwk: string): Promise<boolean>;

  createIdentity(identity: Identity): Promise<void>;
  getIdentity(issuer: string, subject: string): Promise<Identity | undefined>;
  listIdentities(): Promise<Identity[]>;
  touchIdentity(issuer: string, subject: string, at: number): Promise<void>;
  deleteIdentity(issuer: string, subject: string): Promise<boolean>;

  saveProviderSession(session: ProviderSession): Promise<void>;
  getProviderSession(sessionIdHash: string): Promise<ProviderSession | undefined>;

  /** Resolves once the event is committed (group commit: one transaction for many events). */
  appendAudit(event: AuditEvent): Promise<void>;
  listAudit(limit: number): Promise<AuditEvent[]>;
  /** Events after `seq` in order, with their seq, at most `limit`: what the audit file has not got yet. */
  listAuditAfter(seq: number, limit: number): Promise<(AuditEvent & { seq: number })[]>;
  /** The seq of the newest event (0 when there is none). */
  lastAuditSeq(): Promise<number>;
  /** Deletes events older than `before`; returns how many. */
  pruneAudit(before: number): Promise<number>;

  /** Stores `value` under `name` unless a value is there already; returns the stored one (first writer wins). */
  ensureSecret(name: string, value: string): Promise<string>;
  /** Swaps a secret's stored value if it still is `expected`. */
  replaceSecret(name: string, expected: string, value: string): Promise<boolean>;

  /**
   * "May this sign-in attempt run" and "count it" as one atomic step across every server: under the
   * sign-in lock, counts each subject's attempts since `since`; when all are under their limit, counts
   * this attempt for every subject (a failure until forgiven) and admits it.
   */
  admitSignIn(limits: readonly SignInLimit[], since: number, at: number): Promise<SignInAdmission>;
  /** A successful attempt is not a failure: uncounts it, and clears every count of `clearSubjects`. */
  forgiveSignIn(attempt: string, clearSubjects: readonly string[]): Promise<void>;
  pruneSignInFailures(before: number): Promise<void>;
}
