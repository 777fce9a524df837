import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MIGRATIONS } from '../../server/store/migrations.ts';
import { openPostgresStore } from '../../server/store/postgres.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';

describe('schema migrations', () => {
  let dir: string;
  let cluster: TestPostgres;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'migrate-'));
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await cluster?.close();
  });

  /** A database as servers before the migrations table left it: PRAGMA user_version = the schema version. */
  function legacySqlite(path: string, version = 1) {
    const db = new Database(path);
    for (const m of MIGRATIONS.slice(0, version)) db.exec(m.sql.sqlite);
    db.pragma(`user_version = ${version}`);
    db.prepare("INSERT INTO users VALUES ('u1', 'Alice', 'a@example.com', 'Alice', 'hash', 0, 1, '[\"devs\"]', 1, 2)").run();
    db.prepare("INSERT INTO user_grants VALUES ('u1', 'prod', 'Editor')").run();
    db.prepare("INSERT INTO sessions VALUES ('h1', 'u1', 'csrf', 1, 2, 99999999999999)").run();
    db.prepare("INSERT INTO signing_keys VALUES ('k1', 'ES256', '{}', '{}', 1, 1, NULL)").run();
    db.prepare("INSERT INTO audit_events (at, type, data_json) VALUES (1, 'sign_in', '{\"user\":\"u1\"}')").run();
    db.prepare("INSERT INTO sign_in_failures VALUES ('account:bob', 5)").run();
    if (version >= 2) db.prepare("INSERT INTO identities VALUES ('https://idp.example.com', 'sub-1', 'u1', 'idp', 1, 2)").run();
    db.close();
    // As the server would have left it: only its own user may read the database (file-permissions.ts).
    chmodSync(path, 0o600);
  }

  it.each([1, 2])('moves a SQLite database created with user_version = %i forward without losing a row', async (version) => {
    const path = join(dir, `legacy-${version}.sqlite`);
    legacySqlite(path, version);
    const store = await openSqliteStore(path);
    const alice = await store.getUserByLogin('alice');
    expect(alice).toMatchObject({ id: 'u1', login: 'Alice', isAdmin: true, groups: ['devs'], grants: { prod: 'Editor' } });
    expect((await store.getSessionWithUser('h1'))?.user.id).toBe('u1');
    expect((await store.listKeys()).map((k) => k.kid)).toEqual(['k1']);
    expect(await store.listAudit(5)).toEqual([{ at: 1, type: 'sign_in', user: 'u1' }]);
    // The old failure row still counts under the new admission step.
    expect(await store.admitSignIn([{ subject: 'account:bob', max: 1 }], 0, 10)).toEqual({ admitted: false, subject: 'account:bob' });
    expect((await store.listIdentities()).map((i) => i.subject)).toEqual(version >= 2 ? ['sub-1'] : []);
    await store.close();

    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
    // Opening again applies nothing twice.
    await (await openSqliteStore(path)).close();
  });

  it('refuses a database from a newer server, naming the versions, and changes nothing', async () => {
    const path = join(dir, 'newer.sqlite');
    legacySqlite(path);
    new Database(path).pragma('user_version = 99');
    await expect(openSqliteStore(path)).rejects.toThrow(/version 99\) is newer than this server's \(\d+\); upgrade the server/);
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'schema_migrations'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('several servers opening an empty PostgreSQL database at once migrate it once', async () => {
    const url = await cluster.createDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore({ url, poolSize: 2, connectTimeoutMs: 2000 })));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version');
    await client.end();
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    await Promise.all(stores.map((s) => s.close()));
  });
});
