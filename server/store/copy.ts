import { InputError } from '../errors.ts';
import type { Param, Queryable, Row } from './driver.ts';
import { openPostgresDriver, type PostgresOptions } from './postgres.ts';
import { openSqliteDriver } from './sqlite.ts';

/** Rows read and written per statement. */
const PAGE = 500;

export interface CopiedTable {
  table: string;
  rows: number;
}

/**
 * Copies every table of a SQLite database (users, grants, sessions, keys, audit, sign-in counts, and
 * any table a later migration adds) into an empty PostgreSQL database, in one PostgreSQL transaction,
 * then compares the row counts of each table and rolls everything back if one differs. Both databases
 * are first migrated to this server's schema, so their tables match column for column. Parents are
 * copied before the tables whose foreign keys point at them; audit numbering carries on after the
 * copied rows.
 */
export async function copySqliteToPostgres(sqlitePath: string, target: PostgresOptions): Promise<CopiedTable[]> {
  const source = await openSqliteDriver(sqlitePath);
  try {
    const dest = await openPostgresDriver(target);
    try {
      const tables = await tablesInOrder(source);
      const present = new Set(
        (await dest.all<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()")).map((r) => r.name),
      );
      for (const t of tables) {
        if (!present.has(t)) throw new InputError('schema_mismatch', `PostgreSQL has no table "${t}": is it the same schema version?`);
        const [row] = await dest.all<{ n: number }>(`SELECT count(*) AS n FROM ${t}`);
        if (Number(row!.n) > 0) throw new InputError('target_not_empty', `the PostgreSQL database already holds data (table ${t}: ${row!.n} rows); copy into an empty database`);
      }
      // One snapshot of the source (its write lock held, so nothing changes mid-copy), one transaction
      // on the target under the migrations lock (a server starting on it meanwhile waits for the copy).
      return await source.transaction((src) => dest.transaction(async (tx) => {
        const copied: CopiedTable[] = [];
        for (const table of tables) {
          const columns = (await src.all<{ name: string }>(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`)).map((c) => c.name);
          const list = columns.join(', ');
          let last = 0;
          for (;;) {
            const rows = await src.all<Row & { _rowid: number }>(`SELECT rowid AS _rowid, ${list} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE}`, [last]);
            if (rows.length === 0) break;
            last = rows.at(-1)!._rowid;
            const values = rows.flatMap((r) => columns.map((c) => r[c] as Param));
            await tx.run(`INSERT INTO ${table} (${list}) VALUES ${rows.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ')}`, values);
          }
          const identity = await tx.all<{ column: string }>(
            "SELECT column_name AS column FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND is_identity = 'YES'",
            [table],
          );
          for (const { column } of identity) {
            await tx.all(`SELECT setval(pg_get_serial_sequence('${table}', '${column}'), COALESCE((SELECT max(${column}) FROM ${table}), 0) + 1, false)`);
          }
          const [want] = await src.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
          const [got] = await tx.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
          if (Number(got!.n) !== Number(want!.n)) throw new Error(`table ${table}: copied ${got!.n} rows of ${want!.n}; nothing was kept`);
          copied.push({ table, rows: Number(got!.n) });
        }
        return copied;
      }, 'migrations'));
    } finally {
      await dest.close();
    }
  } finally {
    await source.close();
  }
}

/** The SQLite database's tables (but the migrations record), each after the tables it references. */
async function tablesInOrder(db: Queryable): Promise<string[]> {
  const names = (
    await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name")
  ).map((r) => r.name);
  const parents = new Map<string, string[]>();
  for (const n of names) parents.set(n, (await db.all<{ table: string }>(`SELECT "table" FROM pragma_foreign_key_list('${n}')`)).map((r) => r.table));
  const ordered: string[] = [];
  const visit = (n: string, path: string[]) => {
    if (ordered.includes(n) || path.includes(n)) return;
    for (const p of parents.get(n) ?? []) if (p !== n) visit(p, [...path, n]);
    ordered.push(n);
  };
  for (const n of names) visit(n, []);
  return ordered;
}
