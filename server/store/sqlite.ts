import Database from 'better-sqlite3';
import { StoreUnavailableError, UniqueViolation, type Driver, type Param, type Row, type Transaction } from './driver.ts';
import { prepareDatabaseFile } from './file-permissions.ts';
import { migrate } from './migrate.ts';
import { SqlStore } from './sql-store.ts';

/** The embedded default: one SQLite file (WAL mode), migrated to the latest schema. */
export async function openSqliteStore(path: string): Promise<SqlStore> {
  return new SqlStore(await openSqliteDriver(path));
}

export async function openSqliteDriver(path: string): Promise<SqliteDriver> {
  if (path !== ':memory:') prepareDatabaseFile(path);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only a power cut can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Audit rows append to the same last pages: checkpoint less often, so each page is copied back once
  // for many commits instead of once for a few (the WAL may grow to ~40 MB between checkpoints).
  db.pragma('wal_autocheckpoint = 10000');
  const driver = new SqliteDriver(db);
  try {
    await migrate(driver);
  } catch (e) {
    db.close();
    throw e;
  }
  return driver;
}

/**
 * better-sqlite3 is synchronous and has one connection: a statement runs to completion when called.
 * A transaction spans awaits, though (key generation inside the key lock), so while one is open every
 * other statement of this process waits for it to end instead of landing inside it. Across processes,
 * BEGIN IMMEDIATE takes SQLite's write lock: that is the database lock of every named LockName.
 */
export class SqliteDriver implements Driver {
  readonly dialect = 'sqlite';
  // Prepared once per statement text: preparation is a measurable part of a token request.
  private readonly statements = new Map<string, Database.Statement>();
  /** Settles when the open transaction ends. */
  private open: Promise<void> | undefined;
  private readonly tx: Transaction = {
    all: (sql, params) => attempt(() => this.allNow(sql, params)),
    run: (sql, params) => attempt(() => this.runNow(sql, params)),
    exec: (sql) => attempt(() => this.execNow(sql)),
    lock: async () => {},
  };

  constructor(private readonly db: Database.Database) {}

  jsonObjectAgg(key: string, value: string): string {
    return `json_group_object(${key}, ${value})`;
  }

  all<T = Row>(sql: string, params?: readonly Param[]): Promise<T[]> {
    if (this.open) return this.idle().then(() => this.all<T>(sql, params));
    return attempt(() => this.allNow<T>(sql, params));
  }

  run(sql: string, params?: readonly Param[]): Promise<number> {
    if (this.open) return this.idle().then(() => this.run(sql, params));
    return attempt(() => this.runNow(sql, params));
  }

  exec(sql: string): Promise<void> {
    if (this.open) return this.idle().then(() => this.exec(sql));
    return attempt(() => this.execNow(sql));
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    // Checked and claimed in one synchronous stretch, or two waiters woken together would both begin.
    while (this.open) await this.open;
    let end!: () => void;
    this.open = new Promise<void>((resolve) => (end = resolve));
    try {
      // IMMEDIATE: take the write lock now, not at the first write, so two processes cannot both read
      // and then both decide (and a read-to-write upgrade never deadlocks).
      this.execNow('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.tx);
        this.execNow('COMMIT');
        return result;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    } catch (e) {
      throw translate(e);
    } finally {
      this.open = undefined;
      end();
    }
  }

  async ping(): Promise<void> {
    await this.all('SELECT 1');
  }

  async close(): Promise<void> {
    await this.idle();
    this.db.close();
  }

  private async idle(): Promise<void> {
    while (this.open) await this.open;
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private allNow<T>(sql: string, params: readonly Param[] = []): T[] {
    return this.statement(sql).all(...params.map(bindable)) as T[];
  }

  private runNow(sql: string, params: readonly Param[] = []): number {
    return this.statement(sql).run(...params.map(bindable)).changes;
  }

  private execNow(sql: string): void {
    this.db.exec(sql);
  }
}

/** SQLite has no boolean type: 1 and 0. */
const bindable = (p: Param) => (typeof p === 'boolean' ? (p ? 1 : 0) : p);

/** Runs a synchronous step as a promise, with SQLite's error codes translated. */
function attempt<T>(step: () => T): Promise<T> {
  try {
    return Promise.resolve(step());
  } catch (e) {
    return Promise.reject(translate(e));
  }
}

function translate(e: unknown): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return new UniqueViolation(e);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return new StoreUnavailableError('the SQLite database is locked by another process', e);
  return e;
}
