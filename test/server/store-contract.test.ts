import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../server/errors.ts';
import type { Store, StoredKey } from '../../server/store/types.ts';
import { postgresEngine, sqliteEngine } from '../helpers/stores.ts';

// One contract, both engines: what the server relies on from its store holds on SQLite and PostgreSQL.
describe.each([sqliteEngine(), postgresEngine()])('store contract on $name', (engine) => {
  let store: Store;
  const others: Store[] = [];
  let again: () => Promise<Store>;
  const other = async () => {
    const s = await again();
    others.push(s);
    return s;
  };
  beforeAll(() => engine.setUp(), 60_000);
  afterAll(() => engine.tearDown());
  beforeEach(async () => {
    ({ store, again } = await engine.open());
  });
  afterEach(async () => {
    for (const s of others.splice(0)) await s.close();
    await store.close();
  });

  const newUser = (login: string, extra = {}) => store.createUser({ login, email: `${login}@example.com`, name: login, passwordHash: 'hash', ...extra }, 1000);
  const key = (kid: string, activatesAt: number): StoredKey => ({
    kid,
    alg: 'ES256',
    publicJwk: `{"kid":"${kid}"}`,
    privateJwk: `{"kid":"${kid}","d":"x"}`,
    createdAt: activatesAt,
    activatesAt,
    retiredAt: null,
  });

  it('keeps users with their groups and grants; logins are unique whatever the case', async () => {
    const alice = await newUser('Alice', { isAdmin: true, groups: ['devs', 'ops'] });
    expect(alice).toMatchObject({ login: 'Alice', isAdmin: true, disabled: false, groups: ['devs', 'ops'], grants: {}, createdAt: 1000 });
    expect((await store.getUserByLogin('aLICE'))?.id).toBe(alice.id);
    await expect(newUser('ALICE')).rejects.toMatchObject({ code: 'login_taken' });
    await store.setGrant(alice.id, 'prod', 'Editor');
    await store.setGrant(alice.id, 'prod', 'Admin');
    await store.setGrant(alice.id, 'dev', 'no-access');
    expect((await store.getUserById(alice.id))?.grants).toEqual({ prod: 'Admin', dev: 'no-access' });
    await store.setGrant(alice.id, 'dev', null);
    expect((await store.getUserById(alice.id))?.grants).toEqual({ prod: 'Admin' });

    const updated = await store.updateUser(alice.id, { disabled: true, isAdmin: false, groups: [], name: 'A. A.' }, 2000);
    expect(updated).toMatchObject({ disabled: true, isAdmin: false, groups: [], name: 'A. A.', updatedAt: 2000, createdAt: 1000 });
    await newUser('bob');
    await expect(store.updateUser(alice.id, { login: 'BOB' }, 3000)).rejects.toMatchObject({ code: 'login_taken' });
    await expect(store.updateUser('nobody', { name: 'x' }, 3000)).rejects.toBeInstanceOf(InputError);
    await newUser('carol');
    expect((await store.listUsers()).map((u) => u.login)).toEqual(['Alice', 'bob', 'carol']);
    expect(await store.countUsers()).toBe(3);
  });

  it('reads a session with its user in one step; touches only move forward; deleting a user ends them', async () => {
    const u = await newUser('dave');
    await store.setGrant(u.id, 'prod', 'Viewer');
    const session = { idHash: 'h1', userId: u.id, csrfToken: 'c', createdAt: 10, lastSeenAt: 10, expiresAt: 1000 };
    await store.createSession(session);
    await store.createSession({ ...session, idHash: 'h2', lastSeenAt: 5 });
    expect(await store.getSessionWithUser('h1')).toEqual({ session, user: await store.getUserById(u.id) });
    await store.touchSession('h1', 50);
    await store.touchSession('h1', 40); // a server that read earlier: ignored
    expect((await store.getSession('h1'))?.lastSeenAt).toBe(50);
    expect(await store.deleteExpiredSessions(8, 100)).toBe(1);
    expect(await store.getSession('h2')).toBeUndefined();
    await store.createSession({ ...session, idHash: 'h3' });
    await store.deleteUser(u.id);
    expect(await store.getSessionWithUser('h1')).toBeUndefined();
    expect(await store.deleteUserSessions(u.id)).toBe(0);
  });

  it('lists keys in activation order, retires a key once, deletes it', async () => {
    await store.insertKey(key('b', 200));
    await store.insertKey(key('a', 100));
    expect((await store.listKeys()).map((k) => k.kid)).toEqual(['a', 'b']);
    await store.retireKey('a', 200);
    await store.retireKey('a', 999);
    expect((await store.listKeys())[0]).toEqual({ ...key('a', 100), retiredAt: 200 });
    await store.deleteKey('a');
    expect((await store.listKeys()).map((k) => k.kid)).toEqual(['b']);
  });

  it('links identities by (issuer, subject) and keeps provider state per session; both go with their owner', async () => {
    const u = await newUser('frank');
    const identity = { issuer: 'https://idp.example.com', subject: 's1', userId: u.id, providerId: 'idp', createdAt: 5, lastSignInAt: null };
    await store.createIdentity(identity);
    await expect(store.createIdentity({ ...identity, createdAt: 6 })).rejects.toMatchObject({ code: 'identity_taken' });
    await store.touchIdentity(identity.issuer, 's1', 9);
    expect(await store.getIdentity(identity.issuer, 's1')).toEqual({ ...identity, lastSignInAt: 9 });
    await store.createSession({ idHash: 'p1', userId: u.id, csrfToken: 'c', createdAt: 1, lastSeenAt: 1, expiresAt: 99 });
    const state = { sessionIdHash: 'p1', providerId: 'idp', issuer: identity.issuer, subject: 's1', refreshToken: 'sealed', accessToken: null, accessTokenExpiresAt: null, idToken: 'sealed-id', authTime: 1, refreshedAt: 2, unreachableSince: null };
    await store.saveProviderSession(state);
    await store.saveProviderSession({ ...state, refreshedAt: 3, unreachableSince: 3 });
    expect(await store.getProviderSession('p1')).toEqual({ ...state, refreshedAt: 3, unreachableSince: 3 });
    await store.deleteSession('p1');
    expect(await store.getProviderSession('p1')).toBeUndefined();
    await store.deleteUser(u.id);
    expect(await store.listIdentities()).toEqual([]);
  });

  it('commits every audit event of a burst, in order, before its promise settles', async () => {
    const burst = Array.from({ length: 450 }, (_, i) => store.appendAudit({ at: i, type: 'token_minted', jti: `j${i}`, nested: { n: i } }));
    await Promise.all(burst);
    const events = await store.listAudit(1000);
    expect(events).toHaveLength(450);
    expect(events.map((e) => e.jti)).toEqual(Array.from({ length: 450 }, (_, i) => `j${i}`));
    expect(events[7]).toEqual({ at: 7, type: 'token_minted', jti: 'j7', nested: { n: 7 } });
    expect((await store.listAudit(2)).map((e) => e.jti)).toEqual(['j448', 'j449']);
  });

  // One SQLite connection per process is how the server runs (a second one in the same process would
  // wait on the first synchronously); across processes SQLite's write lock does the same job.
  const peers = async () => (engine.name === 'PostgreSQL' ? [store, await other(), await other()] : [store]);

  it('admits and counts sign-in attempts in one step: a burst cannot pass the limit, across stores too', async () => {
    const stores = await peers();
    const limits = [
      { subject: 'account:eve', max: 5 },
      { subject: 'ip:1', max: 100 },
    ];
    const burst = await Promise.all(Array.from({ length: 24 }, (_, i) => stores[i % stores.length]!.admitSignIn(limits, 0, 10)));
    expect(burst.filter((a) => a.admitted)).toHaveLength(5);
    expect(burst.find((a) => !a.admitted)).toEqual({ admitted: false, subject: 'account:eve' });
    // Outside the window, old attempts no longer count; a success is forgiven and clears the account.
    const later = await store.admitSignIn(limits, 10, 20);
    expect(later.admitted).toBe(true);
    await store.forgiveSignIn(later.admitted ? later.attempt : '', ['account:eve']);
    expect((await store.admitSignIn([{ subject: 'ip:1', max: 6 }], 0, 30)).admitted).toBe(true);
    expect((await store.admitSignIn([{ subject: 'ip:1', max: 6 }], 0, 30)).admitted).toBe(false);
    await store.pruneSignInFailures(30);
    expect((await store.admitSignIn([{ subject: 'ip:1', max: 1 }], 0, 40)).admitted).toBe(true);
  });

  it('runs exclusive steps one at a time, across stores on the same database, and rolls back a failed one', async () => {
    const stores = await peers();
    // Each step reads, waits, then writes only if it saw nothing: without the lock several would write.
    const steps = Array.from({ length: 6 }, (_, i) =>
      stores[i % stores.length]!.exclusive('signing-keys', async (tx) => {
        const seen = await tx.listKeys();
        await new Promise((r) => setTimeout(r, 15));
        if (seen.length === 0) await tx.insertKey(key(`k${i}`, i));
        await tx.appendAudit({ at: i, type: 'step', i });
      }),
    );
    await Promise.all(steps);
    expect(await store.listKeys()).toHaveLength(1);
    expect(await store.listAudit(10)).toHaveLength(6);

    await expect(
      store.exclusive('signing-keys', async (tx) => {
        await tx.insertKey(key('doomed', 9));
        await tx.appendAudit({ at: 9, type: 'doomed' });
        throw new Error('half-way');
      }),
    ).rejects.toThrow('half-way');
    expect((await store.listKeys()).map((k) => k.kid)).not.toContain('doomed');
    expect((await store.listAudit(10)).map((e) => e.type)).not.toContain('doomed');
    // Plain statements of the same process wait for an open exclusive step instead of landing in it.
    await Promise.all([store.exclusive('sign-in', () => new Promise((r) => setTimeout(r, 20))), store.appendAudit({ at: 10, type: 'after' })]);
    expect((await store.listAudit(1))[0]?.type).toBe('after');
    await store.ping();
  });
});
