import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore } from '../../server/store/postgres.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { Store } from '../../server/store/types.ts';
import { startPostgres, type TestPostgres } from './postgres.ts';

/**
 * Both engines behind one shape, for tests that must hold on each: a fresh, migrated, empty database
 * per open(); open(same) gives another store on that same database (another server's view of it).
 */
export interface Engine {
  name: 'SQLite' | 'PostgreSQL';
  /** Called once before the engine's tests (starts the throwaway PostgreSQL cluster). */
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** A store on a new empty database, and a way to open another store on the same database. */
  open(): Promise<{ store: Store; again(): Promise<Store>; where: string }>;
}

export function sqliteEngine(): Engine {
  const dirs: string[] = [];
  return {
    name: 'SQLite',
    setUp: async () => {},
    tearDown: async () => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'store-'));
      dirs.push(dir);
      const path = join(dir, 'db.sqlite');
      return { store: await openSqliteStore(path), again: () => openSqliteStore(path), where: path };
    },
  };
}

export function postgresEngine(): Engine & { cluster(): TestPostgres } {
  let cluster: TestPostgres | undefined;
  return {
    name: 'PostgreSQL',
    cluster: () => cluster!,
    setUp: async () => {
      cluster = await startPostgres();
    },
    tearDown: async () => {
      await cluster?.close();
    },
    open: async () => {
      const url = await cluster!.createDatabase();
      const open = () => openPostgresStore({ url, poolSize: 5, connectTimeoutMs: 2000 });
      return { store: await open(), again: open, where: url };
    },
  };
}
