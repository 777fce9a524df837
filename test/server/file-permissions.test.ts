import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../server/errors.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

// Issue 8, item 2: the database holds the private signing keys; no other local user may read it.
describe('database and data directory permissions', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the data directory 0700 and the database, -wal and -shm 0600', async () => {
    dir = mkdtempSync(join(tmpdir(), 'grafana-sso-perm-'));
    const dbPath = join(dir, 'data', 'db.sqlite');
    const store = await openSqliteStore(dbPath);
    await store.appendAudit({ at: Date.now(), type: 'test' });
    for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
      expect(existsSync(f), f).toBe(true);
      expect(mode(f), f).toBe(0o600);
    }
    expect(mode(join(dir, 'data'))).toBe(0o700);
    await store.close();
  });

  it('refuses to open a database that group or others can read, saying how to fix it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'grafana-sso-perm-'));
    const dbPath = join(dir, 'db.sqlite');
    await (await openSqliteStore(dbPath)).close();
    chmodSync(dbPath, 0o644);
    let error: unknown;
    try {
      await openSqliteStore(dbPath);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('chmod 600');
    expect((error as Error).message).toContain(dbPath);
    chmodSync(dbPath, 0o600);
    writeFileSync(`${dbPath}-wal`, '');
    chmodSync(`${dbPath}-wal`, 0o604);
    await expect(openSqliteStore(dbPath)).rejects.toThrow(/-wal/);
  });
});
