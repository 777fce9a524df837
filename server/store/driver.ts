/**
 * What the SQL store needs from a database engine, and nothing more. Queries, row mappers and the
 * audit batching are written once (sql-store.ts) with `?` placeholders; a driver adapts placeholders,
 * parameter and result types, transactions, locks and error codes (sqlite.ts, postgres.ts).
 */
export type Param = string | number | boolean | null;
export type Row = Record<string, unknown>;

/** Runs SQL: the driver itself, or one open transaction. */
export interface Queryable {
  /** Rows of a SELECT. Numbers come back as numbers (BIGINT included), booleans as 0/1 or true/false. */
  all<T = Row>(sql: string, params?: readonly Param[]): Promise<T[]>;
  /** An INSERT, UPDATE or DELETE; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly Param[]): Promise<number>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Transaction extends Queryable {
  /** Also holds `lock` until this transaction ends (PostgreSQL; SQLite's write lock covers everything). */
  lock(name: LockName): Promise<void>;
}

/** Cross-instance steps, each serialised across every server sharing the database. */
export type LockName = 'migrations' | 'signing-keys' | 'sign-in';

export type Dialect = 'sqlite' | 'postgres';

export interface Driver extends Queryable {
  readonly dialect: Dialect;
  /** SQL for a JSON object aggregated from two columns, as text ('{}' handling is the caller's). */
  jsonObjectAgg(key: string, value: string): string;
  /** One transaction; with `lock`, it first takes that database lock, so other servers wait for it. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, lock?: LockName): Promise<T>;
  /** A round trip to the database: resolves when it answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A unique or primary-key constraint refused a row. */
export class UniqueViolation extends Error {
  constructor(cause: unknown) {
    super('unique constraint violated', { cause });
    this.name = 'UniqueViolation';
  }
}

/**
 * The database cannot be reached or is busy (PostgreSQL down or restarting, SQLite locked for too
 * long). Nothing was written by the failing statement; the request may be retried. Answered 503.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
  constructor(reason: string, cause?: unknown) {
    super(reason, { cause });
    this.name = 'StoreUnavailableError';
  }
}
