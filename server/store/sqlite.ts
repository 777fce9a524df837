import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { InputError } from '../errors.ts';
import type { AuditEvent, Identity, InstanceGrant, NewUser, ProviderSession, Session, Store, StoredKey, User, UserPatch } from './types.ts';

/** Schema versions, applied in order and recorded in PRAGMA user_version. Never edit a shipped one. */
const MIGRATIONS: string[] = [
  `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     login TEXT NOT NULL UNIQUE COLLATE NOCASE,
     email TEXT NOT NULL,
     name TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     disabled INTEGER NOT NULL DEFAULT 0,
     is_admin INTEGER NOT NULL DEFAULT 0,
     groups_json TEXT NOT NULL DEFAULT '[]',
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE user_grants (
     user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     instance_id TEXT NOT NULL,
     grant_role TEXT NOT NULL,
     PRIMARY KEY (user_id, instance_id)
   );
   CREATE TABLE sessions (
     id_hash TEXT PRIMARY KEY,
     user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     csrf_token TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX sessions_user ON sessions(user_id);
   CREATE TABLE signing_keys (
     kid TEXT PRIMARY KEY,
     alg TEXT NOT NULL,
     public_jwk TEXT NOT NULL,
     private_jwk TEXT,
     created_at INTEGER NOT NULL,
     activates_at INTEGER NOT NULL,
     retired_at INTEGER
   );
   CREATE TABLE audit_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     type TEXT NOT NULL,
     data_json TEXT NOT NULL
   );
   CREATE TABLE sign_in_failures (
     subject TEXT NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX sign_in_failures_subject ON sign_in_failures(subject, at);`,
  // Sign-in through OpenID Connect providers: identities by (issuer, subject), per-session provider state.
  `CREATE TABLE identities (
     issuer TEXT NOT NULL,
     subject TEXT NOT NULL,
     user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     provider_id TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_sign_in_at INTEGER,
     PRIMARY KEY (issuer, subject)
   );
   CREATE INDEX identities_user ON identities(user_id);
   CREATE TABLE provider_sessions (
     session_id_hash TEXT PRIMARY KEY REFERENCES sessions(id_hash) ON DELETE CASCADE,
     provider_id TEXT NOT NULL,
     issuer TEXT NOT NULL,
     subject TEXT NOT NULL,
     refresh_token TEXT,
     access_token TEXT,
     access_token_expires_at INTEGER,
     id_token TEXT,
     auth_time INTEGER,
     refreshed_at INTEGER NOT NULL,
     unreachable_since INTEGER
   );`,
];

/** A user row with their grants as a JSON object, read in the same statement. */
const USER_COLUMNS = `u.*, (SELECT json_group_object(instance_id, grant_role) FROM user_grants WHERE user_id = u.id) AS grants_json`;

interface UserRow {
  id: string;
  login: string;
  email: string;
  name: string;
  password_hash: string;
  disabled: number;
  is_admin: number;
  groups_json: string;
  grants_json: string;
  created_at: number;
  updated_at: number;
}

interface KeyRow {
  kid: string;
  alg: 'ES256';
  public_jwk: string;
  private_jwk: string | null;
  created_at: number;
  activates_at: number;
  retired_at: number | null;
}

export function openSqliteStore(path: string): SqliteStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only a power cut can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Audit rows append to the same last pages: checkpoint less often, so each page is copied back once
  // for many commits instead of once for a few (the WAL may grow to ~40 MB between checkpoints).
  db.pragma('wal_autocheckpoint = 10000');
  migrate(db);
  return new SqliteStore(db);
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`database schema version ${version} is newer than this server (${MIGRATIONS.length}); upgrade the server`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

export class SqliteStore implements Store {
  // Prepared once: statement preparation is a measurable part of a token request.
  private readonly q;
  private readonly insertAuditBatch;
  /** Audit rows waiting for the next group commit, and the promise that commit settles. */
  private auditQueue: [number, string, string][] = [];
  private auditCommit: Promise<void> | undefined;

  constructor(private readonly db: Database.Database) {
    this.q = {
      userById: db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ?`),
      userByLogin: db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.login = ?`),
      session: db.prepare<[string], { id_hash: string; user_id: string; csrf_token: string; created_at: number; last_seen_at: number; expires_at: number }>(
        'SELECT * FROM sessions WHERE id_hash = ?',
      ),
      // The session and its user in one statement: this runs on every token request.
      sessionWithUser: db.prepare<[string], UserRow & { s_csrf_token: string; s_created_at: number; s_last_seen_at: number; s_expires_at: number }>(
        `SELECT ${USER_COLUMNS}, s.csrf_token AS s_csrf_token, s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`,
      ),
      touch: db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?'),
      audit: db.prepare('INSERT INTO audit_events (at, type, data_json) VALUES (?, ?, ?)'),
    };
    this.insertAuditBatch = db.transaction((rows: [number, string, string][]) => {
      for (const row of rows) this.q.audit.run(...row);
    });
  }

  async close(): Promise<void> {
    if (this.auditCommit) await this.auditCommit.catch(() => undefined);
    this.db.close();
  }

  async countUsers(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  async createUser(user: NewUser, now: number): Promise<User> {
    const id = randomUUID();
    try {
      this.db
        .prepare(
          `INSERT INTO users (id, login, email, name, password_hash, is_admin, groups_json, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, user.login, user.email, user.name, user.passwordHash, user.isAdmin ? 1 : 0, JSON.stringify(user.groups ?? []), now, now);
    } catch (e) {
      if (isUniqueViolation(e)) throw new InputError('login_taken', `a user with login "${user.login}" already exists`);
      throw e;
    }
    return (await this.getUserById(id))!;
  }

  async getUserById(id: string): Promise<User | undefined> {
    const row = this.q.userById.get(id);
    return row && this.toUser(row);
  }

  async getUserByLogin(login: string): Promise<User | undefined> {
    const row = this.q.userByLogin.get(login);
    return row && this.toUser(row);
  }

  async listUsers(): Promise<User[]> {
    const rows = this.db.prepare(`SELECT ${USER_COLUMNS} FROM users u ORDER BY u.login`).all() as UserRow[];
    return rows.map((r) => this.toUser(r));
  }

  async updateUser(id: string, patch: UserPatch, now: number): Promise<User> {
    const columns: Record<keyof UserPatch, string> = {
      login: 'login',
      email: 'email',
      name: 'name',
      passwordHash: 'password_hash',
      disabled: 'disabled',
      isAdmin: 'is_admin',
      groups: 'groups_json',
    };
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, value] of Object.entries(patch) as [keyof UserPatch, unknown][]) {
      if (value === undefined) continue;
      sets.push(`${columns[key]} = ?`);
      values.push(typeof value === 'boolean' ? (value ? 1 : 0) : Array.isArray(value) ? JSON.stringify(value) : value);
    }
    sets.push('updated_at = ?');
    values.push(now, id);
    try {
      const result = this.db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...values);
      if (result.changes === 0) throw new InputError('unknown_user', `no user with id ${id}`);
    } catch (e) {
      if (isUniqueViolation(e)) throw new InputError('login_taken', `a user with login "${patch.login}" already exists`);
      throw e;
    }
    return (await this.getUserById(id))!;
  }

  async deleteUser(id: string): Promise<void> {
    this.db.prepare('DELETE FROM users WHERE id = ?').run(id);
  }

  async setGrant(userId: string, instanceId: string, grant: InstanceGrant | null): Promise<void> {
    if (grant === null) {
      this.db.prepare('DELETE FROM user_grants WHERE user_id = ? AND instance_id = ?').run(userId, instanceId);
    } else {
      this.db
        .prepare(
          `INSERT INTO user_grants (user_id, instance_id, grant_role) VALUES (?, ?, ?)
           ON CONFLICT (user_id, instance_id) DO UPDATE SET grant_role = excluded.grant_role`,
        )
        .run(userId, instanceId, grant);
    }
  }

  async createSession(s: Session): Promise<void> {
    this.db
      .prepare('INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(s.idHash, s.userId, s.csrfToken, s.createdAt, s.lastSeenAt, s.expiresAt);
  }

  async getSession(idHash: string): Promise<Session | undefined> {
    const r = this.q.session.get(idHash);
    return r && { idHash: r.id_hash, userId: r.user_id, csrfToken: r.csrf_token, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at };
  }

  async getSessionWithUser(idHash: string): Promise<{ session: Session; user: User } | undefined> {
    const r = this.q.sessionWithUser.get(idHash);
    if (!r) return undefined;
    return {
      session: { idHash, userId: r.id, csrfToken: r.s_csrf_token, createdAt: r.s_created_at, lastSeenAt: r.s_last_seen_at, expiresAt: r.s_expires_at },
      user: this.toUser(r),
    };
  }

  async touchSession(idHash: string, lastSeenAt: number): Promise<void> {
    this.q.touch.run(lastSeenAt, idHash);
  }

  async deleteSession(idHash: string): Promise<void> {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
  }

  async deleteUserSessions(userId: string): Promise<number> {
    return this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId).changes;
  }

  async deleteExpiredSessions(idleBefore: number, now: number): Promise<number> {
    return this.db.prepare('DELETE FROM sessions WHERE last_seen_at < ? OR expires_at <= ?').run(idleBefore, now).changes;
  }

  async countSessions(idleBefore: number, now: number): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM sessions WHERE last_seen_at >= ? AND expires_at > ?').get(idleBefore, now) as { n: number }).n;
  }

  async insertKey(k: StoredKey): Promise<void> {
    this.db
      .prepare('INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, created_at, activates_at, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(k.kid, k.alg, k.publicJwk, k.privateJwk, k.createdAt, k.activatesAt, k.retiredAt);
  }

  async listKeys(): Promise<StoredKey[]> {
    const rows = this.db.prepare('SELECT * FROM signing_keys ORDER BY activates_at, created_at').all() as KeyRow[];
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      publicJwk: r.public_jwk,
      privateJwk: r.private_jwk,
      createdAt: r.created_at,
      activatesAt: r.activates_at,
      retiredAt: r.retired_at,
    }));
  }

  async retireKey(kid: string, retiredAt: number): Promise<void> {
    this.db.prepare('UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL').run(retiredAt, kid);
  }

  async deleteKey(kid: string): Promise<void> {
    this.db.prepare('DELETE FROM signing_keys WHERE kid = ?').run(kid);
  }

  async createIdentity(i: Identity): Promise<void> {
    try {
      this.db
        .prepare('INSERT INTO identities (issuer, subject, user_id, provider_id, created_at, last_sign_in_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(i.issuer, i.subject, i.userId, i.providerId, i.createdAt, i.lastSignInAt);
    } catch (e) {
      if (isUniqueViolation(e) || (e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new InputError('identity_taken', `the identity ${i.subject} of ${i.issuer} is already linked to an account`);
      }
      throw e;
    }
  }

  async getIdentity(issuer: string, subject: string): Promise<Identity | undefined> {
    const r = this.db.prepare('SELECT * FROM identities WHERE issuer = ? AND subject = ?').get(issuer, subject) as IdentityRow | undefined;
    return r && toIdentity(r);
  }

  async listIdentities(): Promise<Identity[]> {
    return (this.db.prepare('SELECT * FROM identities ORDER BY issuer, subject').all() as IdentityRow[]).map(toIdentity);
  }

  async touchIdentity(issuer: string, subject: string, at: number): Promise<void> {
    this.db.prepare('UPDATE identities SET last_sign_in_at = ? WHERE issuer = ? AND subject = ?').run(at, issuer, subject);
  }

  async deleteIdentity(issuer: string, subject: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM identities WHERE issuer = ? AND subject = ?').run(issuer, subject).changes > 0;
  }

  async saveProviderSession(p: ProviderSession): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO provider_sessions (session_id_hash, provider_id, issuer, subject, refresh_token, access_token, access_token_expires_at, id_token, auth_time, refreshed_at, unreachable_since)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id_hash) DO UPDATE SET refresh_token = excluded.refresh_token, access_token = excluded.access_token,
           access_token_expires_at = excluded.access_token_expires_at, id_token = excluded.id_token, auth_time = excluded.auth_time,
           refreshed_at = excluded.refreshed_at, unreachable_since = excluded.unreachable_since`,
      )
      .run(p.sessionIdHash, p.providerId, p.issuer, p.subject, p.refreshToken, p.accessToken, p.accessTokenExpiresAt, p.idToken, p.authTime, p.refreshedAt, p.unreachableSince);
  }

  async getProviderSession(sessionIdHash: string): Promise<ProviderSession | undefined> {
    const r = this.db.prepare('SELECT * FROM provider_sessions WHERE session_id_hash = ?').get(sessionIdHash) as ProviderSessionRow | undefined;
    return (
      r && {
        sessionIdHash: r.session_id_hash,
        providerId: r.provider_id,
        issuer: r.issuer,
        subject: r.subject,
        refreshToken: r.refresh_token,
        accessToken: r.access_token,
        accessTokenExpiresAt: r.access_token_expires_at,
        idToken: r.id_token,
        authTime: r.auth_time,
        refreshedAt: r.refreshed_at,
        unreachableSince: r.unreachable_since,
      }
    );
  }

  /**
   * Group commit: the events recorded during one turn of the event loop (under load, many token
   * requests at once) go into one transaction, committed right after that turn. Each caller's promise
   * settles only once its row is committed, so a token is still never answered before its audit row
   * is in the database: the durability is that of one insert per transaction, at a fraction of the
   * cost (one WAL commit per batch instead of per event).
   */
  appendAudit(event: AuditEvent): Promise<void> {
    const { at, type, ...data } = event;
    this.auditQueue.push([at, type, JSON.stringify(data)]);
    this.auditCommit ??= new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        const rows = this.auditQueue;
        this.auditQueue = [];
        this.auditCommit = undefined;
        try {
          this.insertAuditBatch(rows);
          resolve();
        } catch (e) {
          reject(e);
        }
      }),
    );
    return this.auditCommit;
  }

  async listAudit(limit: number): Promise<AuditEvent[]> {
    const rows = this.db.prepare('SELECT at, type, data_json FROM audit_events ORDER BY seq DESC LIMIT ?').all(limit) as {
      at: number;
      type: string;
      data_json: string;
    }[];
    return rows.reverse().map((r) => ({ at: r.at, type: r.type, ...(JSON.parse(r.data_json) as object) }));
  }

  async recordSignInFailure(subjects: string[], at: number): Promise<void> {
    const insert = this.db.prepare('INSERT INTO sign_in_failures (subject, at) VALUES (?, ?)');
    this.db.transaction(() => subjects.forEach((s) => insert.run(s, at)))();
  }

  async countSignInFailures(subject: string, since: number): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM sign_in_failures WHERE subject = ? AND at > ?').get(subject, since) as { n: number }).n;
  }

  async clearSignInFailures(subject: string): Promise<void> {
    this.db.prepare('DELETE FROM sign_in_failures WHERE subject = ?').run(subject);
  }

  async pruneSignInFailures(before: number): Promise<void> {
    this.db.prepare('DELETE FROM sign_in_failures WHERE at <= ?').run(before);
  }

  private toUser(r: UserRow): User {
    const grants = JSON.parse(r.grants_json) as Record<string, InstanceGrant>;
    return {
      id: r.id,
      login: r.login,
      email: r.email,
      name: r.name,
      passwordHash: r.password_hash,
      disabled: r.disabled === 1,
      isAdmin: r.is_admin === 1,
      groups: JSON.parse(r.groups_json) as string[],
      grants,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }
}

interface IdentityRow {
  issuer: string;
  subject: string;
  user_id: string;
  provider_id: string;
  created_at: number;
  last_sign_in_at: number | null;
}

interface ProviderSessionRow {
  session_id_hash: string;
  provider_id: string;
  issuer: string;
  subject: string;
  refresh_token: string | null;
  access_token: string | null;
  access_token_expires_at: number | null;
  id_token: string | null;
  auth_time: number | null;
  refreshed_at: number;
  unreachable_since: number | null;
}

const toIdentity = (r: IdentityRow): Identity => ({
  issuer: r.issuer,
  subject: r.subject,
  userId: r.user_id,
  providerId: r.provider_id,
  createdAt: r.created_at,
  lastSignInAt: r.last_sign_in_at,
});

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}
