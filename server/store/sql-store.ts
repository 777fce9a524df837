import { randomUUID } from 'node:crypto';
import { InputError } from '../errors.ts';
import { UniqueViolation, type Driver, type LockName, type Param, type Queryable, type Transaction } from './driver.ts';
import { GroupCommit } from './audit-commit.ts';
import { toIdentity, toKey, toProviderSession, toSession, toUser, type IdentityRow, type KeyRow, type ProviderSessionRow, type SessionRow, type UserRow } from './rows.ts';
import type { AuditEvent, Identity, InstanceGrant, NewUser, ProviderSession, Session, SignInAdmission, SignInLimit, Store, StoredKey, User, UserPatch } from './types.ts';

/** Rows per audit INSERT statement; a larger batch is several statements in one transaction. */
const AUDIT_ROWS_PER_STATEMENT = 100;

const USER_COLUMNS: Record<keyof UserPatch, string> = {
  login: 'login',
  email: 'email',
  name: 'name',
  passwordHash: 'password_hash',
  disabled: 'disabled',
  isAdmin: 'is_admin',
  groups: 'groups_json',
};

/**
 * The one store, written once over a Driver. The root store batches audit rows (group commit); the
 * store that `exclusive` hands out is bound to that transaction and writes through it directly.
 */
export class SqlStore implements Store {
  /** A user row with their grants as a JSON object, read in the same statement. */
  private readonly userColumns: string;
  private readonly auditCommit = new GroupCommit<Param[]>((rows) => this.insertAudit(this.driver, rows));

  constructor(
    private readonly driver: Driver,
    private readonly tx?: Transaction,
  ) {
    this.userColumns = `u.*, COALESCE((SELECT ${driver.jsonObjectAgg('instance_id', 'grant_role')} FROM user_grants g WHERE g.user_id = u.id), '{}') AS grants_json`;
  }

  private get db(): Queryable {
    return this.tx ?? this.driver;
  }

  async close(): Promise<void> {
    await this.auditCommit.settled();
    await this.driver.close();
  }

  ping(): Promise<void> {
    return this.driver.ping();
  }

  exclusive<T>(lock: LockName, fn: (store: Store) => Promise<T>): Promise<T> {
    return this.locked(lock, (tx) => fn(this.tx ? this : new SqlStore(this.driver, tx)));
  }

  private async locked<T>(lock: LockName, fn: (tx: Transaction) => Promise<T>): Promise<T> {
    if (!this.tx) return this.driver.transaction(fn, lock);
    await this.tx.lock(lock);
    return fn(this.tx);
  }

  async countUsers(): Promise<number> {
    const [row] = await this.db.all<{ n: number }>('SELECT count(*) AS n FROM users');
    return Number(row!.n);
  }

  async createUser(user: NewUser, now: number): Promise<User> {
    const id = randomUUID();
    try {
      await this.db.run(
        `INSERT INTO users (id, login, email, name, password_hash, is_admin, groups_json, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [id, user.login, user.email, user.name, user.passwordHash, user.isAdmin ?? false, JSON.stringify(user.groups ?? []), now, now],
      );
    } catch (e) {
      if (e instanceof UniqueViolation) throw new InputError('login_taken', `a user with login "${user.login}" already exists`);
      throw e;
    }
    return (await this.getUserById(id))!;
  }

  async getUserById(id: string): Promise<User | undefined> {
    const [row] = await this.db.all<UserRow>(`SELECT ${this.userColumns} FROM users u WHERE u.id = ?`, [id]);
    return row && toUser(row);
  }

  async getUserByLogin(login: string): Promise<User | undefined> {
    const [row] = await this.db.all<UserRow>(`SELECT ${this.userColumns} FROM users u WHERE lower(u.login) = lower(?)`, [login]);
    return row && toUser(row);
  }

  async listUsers(): Promise<User[]> {
    return (await this.db.all<UserRow>(`SELECT ${this.userColumns} FROM users u ORDER BY lower(u.login)`)).map(toUser);
  }

  async updateUser(id: string, patch: UserPatch, now: number): Promise<User> {
    const sets: string[] = [];
    const values: Param[] = [];
    for (const [key, value] of Object.entries(patch) as [keyof UserPatch, UserPatch[keyof UserPatch]][]) {
      if (value === undefined) continue;
      sets.push(`${USER_COLUMNS[key]} = ?`);
      values.push(Array.isArray(value) ? JSON.stringify(value) : value);
    }
    sets.push('updated_at = ?');
    values.push(now, id);
    try {
      const changed = await this.db.run(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`, values);
      if (changed === 0) throw new InputError('unknown_user', `no user with id ${id}`);
    } catch (e) {
      if (e instanceof UniqueViolation) throw new InputError('login_taken', `a user with login "${patch.login}" already exists`);
      throw e;
    }
    return (await this.getUserById(id))!;
  }

  async deleteUser(id: string): Promise<void> {
    await this.db.run('DELETE FROM users WHERE id = ?', [id]);
  }

  async setGrant(userId: string, instanceId: string, grant: InstanceGrant | null): Promise<void> {
    if (grant === null) {
      await this.db.run('DELETE FROM user_grants WHERE user_id = ? AND instance_id = ?', [userId, instanceId]);
    } else {
      await this.db.run(
        `INSERT INTO user_grants (user_id, instance_id, grant_role) VALUES (?, ?, ?)
         ON CONFLICT (user_id, instance_id) DO UPDATE SET grant_role = excluded.grant_role`,
        [userId, instanceId, grant],
      );
    }
  }

  async createSession(s: Session): Promise<void> {
    await this.db.run('INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', [
      s.idHash,
      s.userId,
      s.csrfToken,
      s.createdAt,
      s.lastSeenAt,
      s.expiresAt,
    ]);
  }

  async getSession(idHash: string): Promise<Session | undefined> {
    const [r] = await this.db.all<SessionRow>('SELECT * FROM sessions WHERE id_hash = ?', [idHash]);
    return r && toSession(r);
  }

  async getSessionWithUser(idHash: string): Promise<{ session: Session; user: User } | undefined> {
    const [r] = await this.db.all<UserRow & { s_csrf_token: string; s_created_at: number; s_last_seen_at: number; s_expires_at: number }>(
      `SELECT ${this.userColumns}, s.csrf_token AS s_csrf_token, s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`,
      [idHash],
    );
    if (!r) return undefined;
    return {
      session: { idHash, userId: r.id, csrfToken: r.s_csrf_token, createdAt: r.s_created_at, lastSeenAt: r.s_last_seen_at, expiresAt: r.s_expires_at },
      user: toUser(r),
    };
  }

  async touchSession(idHash: string, lastSeenAt: number): Promise<void> {
    // One statement, so atomic on its row: a touch from a server that read earlier cannot move it back.
    await this.db.run('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?', [lastSeenAt, idHash, lastSeenAt]);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE id_hash = ?', [idHash]);
  }

  deleteUserSessions(userId: string): Promise<number> {
    return this.db.run('DELETE FROM sessions WHERE user_id = ?', [userId]);
  }

  deleteExpiredSessions(idleBefore: number, now: number): Promise<number> {
    return this.db.run('DELETE FROM sessions WHERE last_seen_at < ? OR expires_at <= ?', [idleBefore, now]);
  }

  async countSessions(idleBefore: number, now: number): Promise<number> {
    const [row] = await this.db.all<{ n: number }>('SELECT count(*) AS n FROM sessions WHERE last_seen_at >= ? AND expires_at > ?', [idleBefore, now]);
    return Number(row!.n);
  }

  async insertKey(k: StoredKey): Promise<void> {
    await this.db.run('INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, created_at, activates_at, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      k.kid,
      k.alg,
      k.publicJwk,
      k.privateJwk,
      k.createdAt,
      k.activatesAt,
      k.retiredAt,
    ]);
  }

  async listKeys(): Promise<StoredKey[]> {
    return (await this.db.all<KeyRow>('SELECT * FROM signing_keys ORDER BY activates_at, created_at, kid')).map(toKey);
  }

  async retireKey(kid: string, retiredAt: number): Promise<void> {
    await this.db.run('UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL', [retiredAt, kid]);
  }

  async replacePrivateKey(kid: string, expected: string, privateJwk: string): Promise<boolean> {
    return (await this.db.run('UPDATE signing_keys SET private_jwk = ? WHERE kid = ? AND private_jwk = ?', [privateJwk, kid, expected])) === 1;
  }

  async deleteKey(kid: string): Promise<void> {
    await this.db.run('DELETE FROM signing_keys WHERE kid = ?', [kid]);
  }

  async createIdentity(i: Identity): Promise<void> {
    try {
      await this.db.run('INSERT INTO identities (issuer, subject, user_id, provider_id, created_at, last_sign_in_at) VALUES (?, ?, ?, ?, ?, ?)', [
        i.issuer,
        i.subject,
        i.userId,
        i.providerId,
        i.createdAt,
        i.lastSignInAt,
      ]);
    } catch (e) {
      if (e instanceof UniqueViolation) throw new InputError('identity_taken', `the identity ${i.subject} of ${i.issuer} is already linked to an account`);
      throw e;
    }
  }

  async getIdentity(issuer: string, subject: string): Promise<Identity | undefined> {
    const [r] = await this.db.all<IdentityRow>('SELECT * FROM identities WHERE issuer = ? AND subject = ?', [issuer, subject]);
    return r && toIdentity(r);
  }

  async listIdentities(): Promise<Identity[]> {
    return (await this.db.all<IdentityRow>('SELECT * FROM identities ORDER BY issuer, subject')).map(toIdentity);
  }

  async touchIdentity(issuer: string, subject: string, at: number): Promise<void> {
    await this.db.run('UPDATE identities SET last_sign_in_at = ? WHERE issuer = ? AND subject = ?', [at, issuer, subject]);
  }

  async deleteIdentity(issuer: string, subject: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM identities WHERE issuer = ? AND subject = ?', [issuer, subject])) > 0;
  }

  async saveProviderSession(p: ProviderSession): Promise<void> {
    await this.db.run(
      `INSERT INTO provider_sessions (session_id_hash, provider_id, issuer, subject, refresh_token, access_token, access_token_expires_at, id_token, auth_time, refreshed_at, unreachable_since)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (session_id_hash) DO UPDATE SET refresh_token = excluded.refresh_token, access_token = excluded.access_token,
         access_token_expires_at = excluded.access_token_expires_at, id_token = excluded.id_token, auth_time = excluded.auth_time,
         refreshed_at = excluded.refreshed_at, unreachable_since = excluded.unreachable_since`,
      [p.sessionIdHash, p.providerId, p.issuer, p.subject, p.refreshToken, p.accessToken, p.accessTokenExpiresAt, p.idToken, p.authTime, p.refreshedAt, p.unreachableSince],
    );
  }

  async getProviderSession(sessionIdHash: string): Promise<ProviderSession | undefined> {
    const [r] = await this.db.all<ProviderSessionRow>('SELECT * FROM provider_sessions WHERE session_id_hash = ?', [sessionIdHash]);
    return r && toProviderSession(r);
  }

  /** Resolves once the event is committed, in a group commit with the events around it (audit-commit.ts). */
  appendAudit(event: AuditEvent): Promise<void> {
    const { at, type, ...data } = event;
    const row: Param[] = [at, type, JSON.stringify(data)];
    return this.tx ? this.insertAudit(this.tx, [row]) : this.auditCommit.add(row);
  }

  private async insertAudit(db: Queryable, rows: Param[][]): Promise<void> {
    if (rows.length > AUDIT_ROWS_PER_STATEMENT && db === this.driver) {
      return this.driver.transaction((tx) => this.insertAudit(tx, rows));
    }
    for (let i = 0; i < rows.length; i += AUDIT_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + AUDIT_ROWS_PER_STATEMENT);
      await db.run(`INSERT INTO audit_events (at, type, data_json) VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}`, chunk.flat());
    }
  }

  async listAuditAfter(seq: number, limit: number): Promise<(AuditEvent & { seq: number })[]> {
    const rows = await this.db.all<{ seq: number; at: number; type: string; data_json: string }>(
      'SELECT seq, at, type, data_json FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?',
      [seq, limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), at: Number(r.at), type: r.type, ...(JSON.parse(r.data_json) as object) }));
  }

  async lastAuditSeq(): Promise<number> {
    const [row] = await this.db.all<{ n: number | null }>('SELECT max(seq) AS n FROM audit_events');
    return Number(row?.n ?? 0);
  }

  async pruneAudit(before: number): Promise<number> {
    return this.db.run('DELETE FROM audit_events WHERE at < ?', [before]);
  }

  async ensureSecret(name: string, value: string): Promise<string> {
    await this.db.run('INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [name, value]);
    const [row] = await this.db.all<{ value: string }>('SELECT value FROM server_secrets WHERE name = ?', [name]);
    return row!.value;
  }

  async replaceSecret(name: string, expected: string, value: string): Promise<boolean> {
    return (await this.db.run('UPDATE server_secrets SET value = ? WHERE name = ? AND value = ?', [value, name, expected])) === 1;
  }

  async listAudit(limit: number): Promise<AuditEvent[]> {
    const rows = await this.db.all<{ at: number; type: string; data_json: string }>('SELECT at, type, data_json FROM audit_events ORDER BY seq DESC LIMIT ?', [
      limit,
    ]);
    return rows.reverse().map((r) => ({ at: r.at, type: r.type, ...(JSON.parse(r.data_json) as object) }));
  }

  admitSignIn(limits: readonly SignInLimit[], since: number, at: number): Promise<SignInAdmission> {
    return this.locked('sign-in', async (tx) => {
      for (const { subject, max, since: own, backoff } of limits) {
        const [row] = await tx.all<{ n: number; last: number | null }>('SELECT count(*) AS n, max(at) AS last FROM sign_in_failures WHERE subject = ? AND at > ?', [
          subject,
          own ?? since,
        ]);
        const n = Number(row!.n);
        if (n < max) continue;
        if (!backoff) return { admitted: false, subject };
        const waitMs = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(40, n - max));
        const last = Number(row!.last);
        if (at - last < waitMs) return { admitted: false, subject, retryAfterMs: last + waitMs - at };
      }
      const attempt = randomUUID();
      for (const { subject } of limits) await tx.run('INSERT INTO sign_in_failures (subject, at, attempt) VALUES (?, ?, ?)', [subject, at, attempt]);
      return { admitted: true, attempt };
    });
  }

  async forgiveSignIn(attempt: string, clearSubjects: readonly string[]): Promise<void> {
    const forgive = async (db: Queryable) => {
      await db.run('DELETE FROM sign_in_failures WHERE attempt = ?', [attempt]);
      for (const subject of clearSubjects) await db.run('DELETE FROM sign_in_failures WHERE subject = ?', [subject]);
    };
    await (this.tx ? forgive(this.tx) : this.driver.transaction(forgive));
  }

  async pruneSignInFailures(before: number): Promise<void> {
    await this.db.run('DELETE FROM sign_in_failures WHERE at <= ?', [before]);
  }
}
