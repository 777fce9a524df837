import { InputError } from '../errors.ts';
import type { Driver, Transaction } from './driver.ts';
import { MIGRATIONS } from './migrations.ts';

/**
 * Brings the schema up to date under the migrations lock, so servers starting together on an empty
 * database migrate it once. Each applied migration is a row of `schema_migrations`; SQLite databases
 * from before that table recorded their version in PRAGMA user_version and are adopted from it.
 * Returns the schema version.
 */
export async function migrate(db: Driver, now: number = Date.now()): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    let version = await recordedVersion(tx);
    if (version === 0 && db.dialect === 'sqlite') version = await adoptUserVersion(tx, now);
    const latest = MIGRATIONS.length;
    if (version > latest) {
      throw new InputError('schema_too_new', `the database schema (version ${version}) is newer than this server's (${latest}); upgrade the server`);
    }
    for (const m of MIGRATIONS.slice(version)) {
      await tx.exec(m.sql[db.dialect]);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, now]);
    }
    // An older server reads only user_version: keep it current so that it refuses a newer schema.
    if (db.dialect === 'sqlite') await tx.exec(`PRAGMA user_version = ${latest}`);
    return latest;
  }, 'migrations');
}

async function recordedVersion(tx: Transaction): Promise<number> {
  const [row] = await tx.all<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return Number(row?.v ?? 0);
}

/** Migrations 1..user_version were applied before they were recorded: record them now. */
async function adoptUserVersion(tx: Transaction, now: number): Promise<number> {
  const [row] = await tx.all<{ user_version: number }>('PRAGMA user_version');
  const version = row?.user_version ?? 0;
  for (const m of MIGRATIONS.slice(0, version)) {
    await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, now]);
  }
  return version;
}
