import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type Io } from '../../server/cli.ts';
import { openPostgresStore } from '../../server/store/postgres.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { Store } from '../../server/store/types.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';

describe('copy-to-postgres: an existing SQLite database into PostgreSQL', () => {
  let dir: string;
  let cluster: TestPostgres;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'copy-'));
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await cluster?.close();
  });

  const run = async (args: string[], env: NodeJS.ProcessEnv) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => '', env };
    return { code: await main(args, io), out: out.join('\n'), err: err.join('\n') };
  };

  /** Everything a store holds, read through the store's own interface. */
  const contents = async (s: Store) => ({
    users: await s.listUsers(),
    session: await s.getSessionWithUser('h1'),
    keys: await s.listKeys(),
    audit: await s.listAudit(10_000),
    identities: await s.listIdentities(),
    providerSession: await s.getProviderSession('h1'),
  });

  it('copies every table, verifies the counts, and the copy works as a store (audit numbering continues)', async () => {
    const sqlitePath = join(dir, 'db.sqlite');
    const sqlite = await openSqliteStore(sqlitePath);
    const alice = await sqlite.createUser({ login: 'Alice', email: 'a@example.com', name: 'Alice', passwordHash: 'h', isAdmin: true, groups: ['ops'] }, 1);
    await sqlite.createUser({ login: 'bob', email: 'b@example.com', name: 'Bob', passwordHash: 'h' }, 2);
    await sqlite.updateUser(alice.id, { disabled: true }, 3);
    await sqlite.setGrant(alice.id, 'prod', 'Editor');
    await sqlite.createSession({ idHash: 'h1', userId: alice.id, csrfToken: 'c', createdAt: 1, lastSeenAt: 2, expiresAt: 9e12 });
    await sqlite.createIdentity({ issuer: 'https://idp.example.com', subject: 's1', userId: alice.id, providerId: 'idp', createdAt: 4, lastSignInAt: 5 });
    await sqlite.saveProviderSession({
      sessionIdHash: 'h1', providerId: 'idp', issuer: 'https://idp.example.com', subject: 's1', refreshToken: 'sealed', accessToken: null,
      accessTokenExpiresAt: null, idToken: 'sealed-id', authTime: 3, refreshedAt: 4, unreachableSince: null,
    });
    await sqlite.insertKey({ kid: 'k1', alg: 'ES256', publicJwk: '{}', privateJwk: '{"d":"x"}', createdAt: 1, activatesAt: 1, retiredAt: 5 });
    await Promise.all(Array.from({ length: 1200 }, (_, i) => sqlite.appendAudit({ at: i, type: 'token_minted', jti: `j${i}` })));
    await sqlite.admitSignIn([{ subject: 'account:eve', max: 1 }], 0, 10);
    const before = await contents(sqlite);
    await sqlite.close();

    const url = await cluster.createDatabase();
    const env = { GRAFANA_SSO_DATABASE: sqlitePath, GRAFANA_SSO_DATABASE_URL: url, GRAFANA_SSO_AUDIT_LOG: join(dir, 'audit.log') };
    const copy = await run(['copy-to-postgres'], env);
    expect(copy.err).toBe('');
    expect(copy.code).toBe(0);
    for (const line of ['users: 2', 'user_grants: 1', 'sessions: 1', 'signing_keys: 1', 'audit_events: 1200', 'sign_in_failures: 1', 'identities: 1', 'provider_sessions: 1']) expect(copy.out).toContain(line);

    const pg = await openPostgresStore({ url, poolSize: 2, connectTimeoutMs: 2000 });
    expect(await contents(pg)).toEqual(before);
    expect(await pg.admitSignIn([{ subject: 'account:eve', max: 1 }], 0, 20)).toEqual({ admitted: false, subject: 'account:eve' });
    await pg.appendAudit({ at: 5000, type: 'after_copy' });
    expect((await pg.listAudit(2)).map((e) => e.type)).toEqual(['token_minted', 'after_copy']);
    await pg.close();

    // A second copy would mix two histories: refused, and nothing changes.
    const again = await run(['copy-to-postgres'], env);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds data \(table \w+: \d+ rows\); copy into an empty database/);
  });

  it('says what is missing: no PostgreSQL URL, or a SQLite file that does not exist', async () => {
    const noUrl = await run(['copy-to-postgres'], { GRAFANA_SSO_DATABASE: join(dir, 'x.sqlite') });
    expect(noUrl.code).toBe(2);
    expect(noUrl.err).toMatch(/databaseUrl/);
    const noFile = await run(['copy-to-postgres', '--from', join(dir, 'missing.sqlite')], { GRAFANA_SSO_DATABASE_URL: cluster.url() });
    expect(noFile.code).toBe(2);
    expect(noFile.err).toMatch(/missing\.sqlite.*does not exist/);
  });
});
