import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { loginForm, postForm, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

// Issue 8, item 10: a password typed into the login box must not reach the audit trail.
describe('failed sign-ins in the audit trail', () => {
  let s: RunningTokenServer;
  beforeAll(async () => {
    s = await startTokenServer({ users: [{ login: 'alice', password: 'alice-password-1' }] });
  });
  afterAll(() => s.close());

  it('records a known account by id and an unknown login only as a keyed hash', async () => {
    const form = await loginForm(s.url);
    const typedIntoLogin = 'MySecretPassw0rd!';
    await postForm(`${s.url}/login`, form.cookie, { login: typedIntoLogin, password: 'x-x-x-x-x-x', csrf: form.csrf });
    await postForm(`${s.url}/login`, form.cookie, { login: 'ALICE', password: 'wrong-password', csrf: form.csrf });
    await postForm(`${s.url}/login`, form.cookie, { login: typedIntoLogin, password: 'y-y-y-y-y-y', csrf: form.csrf });
    await s.server.close(); // flushes the audit file
    const db = JSON.stringify(await s.store.listAudit(100));
    const file = readFileSync(s.auditLogPath, 'utf8');
    const sqlite = new Database(s.config.databasePath, { readonly: true });
    const rows = sqlite.prepare('SELECT subject FROM sign_in_failures').all() as { subject: string }[];
    sqlite.close();
    for (const where of [db, file, JSON.stringify(rows)]) {
      expect(where).not.toContain(typedIntoLogin);
      expect(where.toLowerCase()).not.toContain(typedIntoLogin.toLowerCase());
    }
    const failures = (await s.store.listAudit(100)).filter((e) => e.type === 'sign_in_failed');
    const alice = (await s.store.getUserByLogin('alice'))!;
    expect(failures.find((e) => e.reason === 'wrong_password')).toMatchObject({ user: alice.id });
    expect(failures.find((e) => e.reason === 'wrong_password')).not.toHaveProperty('login');
    const unknown = failures.filter((e) => e.reason === 'unknown_user');
    expect(unknown).toHaveLength(2);
    expect(unknown[0]!.loginHash).toMatch(/^[\w-]{16,}$/);
    // The same unknown login gives the same hash, so repeated guesses still show up as one.
    expect(unknown[1]!.loginHash).toBe(unknown[0]!.loginHash);
  });
});
