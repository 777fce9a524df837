import pg from 'pg';
import { StoreUnavailableError, UniqueViolation, type Driver, type LockName, type Param, type Row, type Transaction } from './driver.ts';
import { migrate } from './migrate.ts';
import { SqlStore } from './sql-store.ts';

export interface PostgresOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Connections per server process. */
  poolSize: number;
  /** A connection attempt gives up after this long: requests then get 503 instead of hanging. */
  connectTimeoutMs: number;
  /** Operational messages (a pooled connection that died), never data. */
  log?: (message: string) => void;
}

/** Several servers on one PostgreSQL database, through node-postgres' pool; migrated on open. */
export async function openPostgresStore(o: PostgresOptions): Promise<SqlStore> {
  return new SqlStore(await openPostgresDriver(o));
}

export async function openPostgresDriver(o: PostgresOptions): Promise<PostgresDriver> {
  const driver = new PostgresDriver(o);
  try {
    await migrate(driver);
  } catch (e) {
    await driver.close();
    throw e;
  }
  return driver;
}

// BIGINT (int8) arrives as a string by default; our BIGINTs are millisecond times and counts, well
// inside Number's exact range.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Advisory lock keys: one namespace for this application ("gsso"), one number per lock. */
const LOCK_SPACE = 0x6773736f;
const LOCK_IDS: Record<LockName, number> = { migrations: 1, 'signing-keys': 2, 'sign-in': 3 };

export class PostgresDriver implements Driver {
  readonly dialect = 'postgres';
  private readonly pool: pg.Pool;
  /** `?` SQL → numbered-placeholder SQL and a statement name, so each connection prepares it once. */
  private readonly statements = new Map<string, { name: string; text: string }>();

  constructor(o: PostgresOptions) {
    this.pool = new pg.Pool({
      connectionString: o.url,
      max: o.poolSize,
      connectionTimeoutMillis: o.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'grafana-sso',
      types,
    });
    // An idle pooled connection that dies (PostgreSQL restarting) is dropped by the pool; without a
    // listener the error would end the process.
    this.pool.on('error', (e) => o.log?.(`database connection lost: ${reasonOf(e) ?? e.message}`));
  }

  jsonObjectAgg(key: string, value: string): string {
    return `json_object_agg(${key}, ${value})::text`;
  }

  async all<T = Row>(sql: string, params?: readonly Param[]): Promise<T[]> {
    return (await this.query(this.pool, sql, params)).rows as T[];
  }

  async run(sql: string, params?: readonly Param[]): Promise<number> {
    return (await this.query(this.pool, sql, params)).rowCount ?? 0;
  }

  async exec(sql: string): Promise<void> {
    await guard(this.pool.query(sql));
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>, lock?: LockName): Promise<T> {
    const client = await guard(this.pool.connect());
    let broken: Error | undefined;
    const tx: Transaction = {
      all: async (sql, params) => (await this.query(client, sql, params)).rows as never,
      run: async (sql, params) => (await this.query(client, sql, params)).rowCount ?? 0,
      exec: async (sql) => void (await guard(client.query(sql))),
      lock: async (name) => void (await guard(client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, LOCK_IDS[name]]))),
    };
    try {
      await guard(client.query('BEGIN'));
      if (lock) await tx.lock(lock);
      const result = await fn(tx);
      await guard(client.query('COMMIT'));
      return result;
    } catch (e) {
      // Nothing of a failed transaction stays; a connection that cannot even roll back is discarded.
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw e;
    } finally {
      client.release(broken);
    }
  }

  async ping(): Promise<void> {
    await this.all('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private query(on: pg.Pool | pg.PoolClient, sql: string, params: readonly Param[] = []) {
    let s = this.statements.get(sql);
    if (!s) {
      let n = 0;
      // Our SQL has no '?' inside literals, so every '?' is a placeholder.
      s = { name: `q${this.statements.size + 1}`, text: sql.replace(/\?/g, () => `$${++n}`) };
      this.statements.set(sql, s);
    }
    return guard(on.query({ name: s.name, text: s.text, values: params as Param[] }));
  }
}

/** Translates PostgreSQL's and the network's errors into the store's. */
async function guard<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (e) {
    if ((e as { code?: unknown }).code === '23505') throw new UniqueViolation(e);
    const reason = reasonOf(e);
    if (reason) throw new StoreUnavailableError(reason, e);
    throw e;
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Why the database is unavailable, in words safe to publish at /healthz (no address, no credentials),
 * or undefined when the error is not about availability.
 */
function reasonOf(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, message = '' } = e as { code?: unknown; message?: string };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return `PostgreSQL does not answer (${code})`;
    // 08: connection exception; 57P01–57P03: shutting down, crashed, starting up; 53300: too many connections.
    if (/^(08|57P0[123]|53300)/.test(code)) return `PostgreSQL: ${message}`;
  }
  if (/Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended/i.test(message)) {
    return `PostgreSQL connection lost (${message.replace(/\s+/g, ' ').slice(0, 80)})`;
  }
  return undefined;
}
