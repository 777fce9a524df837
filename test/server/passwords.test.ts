import { afterEach, describe, expect, it } from 'vitest';
import { derivationCount, hashPassword, verifyPassword } from '../../server/passwords.ts';
import { loginForm, postForm, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

// Issue 8, item 12.
describe('password hashing at current guidance', () => {
  let s: RunningTokenServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('hashes with scrypt N=2^17, r=8, p=1 by default', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
  });

  it('re-hashes a weaker stored hash at the next successful sign-in', async () => {
    s = await startTokenServer({ passwordCost: { N: 2 ** 12, r: 8, p: 1 } });
    const user = await s.store.createUser({ login: 'old', email: 'old@example.com', name: 'Old', passwordHash: await hashPassword('old-password-1', { N: 2 ** 10, r: 8, p: 1 }) }, Date.now());
    const form = await loginForm(s.url);
    expect((await postForm(`${s.url}/login`, form.cookie, { login: 'old', password: 'old-password-1', csrf: form.csrf })).status).toBe(303);
    const stored = (await s.store.getUserById(user.id))!.passwordHash;
    expect(stored).toMatch(/^scrypt\$4096\$8\$1\$/);
    expect(await verifyPassword('old-password-1', stored)).toBe(true);
    // A wrong password does not re-hash, and a current hash is left alone.
    await s.signIn('old', 'old-password-1');
    expect((await s.store.getUserById(user.id))!.passwordHash).toBe(stored);
  });

  it('an unknown login costs one scrypt run from the first attempt on, like a wrong password', async () => {
    s = await startTokenServer({ users: [{ login: 'known', password: 'known-password-1' }] });
    const form = await loginForm(s.url);
    const attempt = async (login: string) => {
      const before = derivationCount();
      const res = await postForm(`${s!.url}/login`, form.cookie, { login, password: 'not-the-password', csrf: form.csrf });
      expect(res.status).toBe(401);
      return derivationCount() - before;
    };
    expect(await attempt('nobody-here')).toBe(1);
    expect(await attempt('known')).toBe(1);
  });

  it('a disabled account with the right password answers exactly like a wrong password', async () => {
    s = await startTokenServer({ users: [{ login: 'gone', password: 'gone-password-1' }] });
    const user = (await s.store.getUserByLogin('gone'))!;
    await s.store.updateUser(user.id, { disabled: true }, Date.now());
    const form = await loginForm(s.url);
    const answer = async (password: string) => {
      const res = await postForm(`${s!.url}/login`, form.cookie, { login: 'gone', password, csrf: form.csrf });
      return { status: res.status, body: await res.text() };
    };
    const right = await answer('gone-password-1');
    const wrong = await answer('wrong-password-1');
    expect(right).toEqual(wrong);
    expect(right.status).toBe(401);
    // The audit trail still tells the administrator why.
    expect((await s.store.listAudit(10)).map((e) => e.reason)).toEqual(expect.arrayContaining(['disabled', 'wrong_password']));
  });
});
