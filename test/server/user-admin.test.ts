import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../server/errors.ts';
import { USER_EVENTS, UserAdmin, parseGrant, parseGroups } from '../../server/user-admin.ts';
import { requestToken, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).code;
  }
  throw new Error('expected an InputError');
};

/** The admin rules against the real server: a changed password or a disable signs the user out. */
describe('user administration', () => {
  let s: RunningTokenServer;
  let admin: UserAdmin;
  beforeAll(async () => {
    s = await startTokenServer({ settings: { instances: [{ id: 'g', url: 'http://127.0.0.1:1', allowedRoles: ['Viewer', 'Editor'] }] } });
    admin = new UserAdmin({ store: s.store, audit: s.server.ctx.audit, clock: s.clock, instances: s.config.instances }, 'admin-page:42');
  });
  afterAll(() => s.close());

  it('creates accounts with a valid login and email, generating the password when none is given', async () => {
    const made = await admin.create({ login: 'erin', email: 'erin@example.com', groups: ['ops'] });
    expect(made.generated).toBe(true);
    expect(made.password).toMatch(/^\S{20}$/);
    expect(made.user).toMatchObject({ login: 'erin', name: 'erin', groups: ['ops'], isAdmin: false });
    expect(await code(admin.create({ login: 'bad login!', email: 'x@example.com' }))).toBe('invalid_login');
    expect(await code(admin.create({ login: 'frank', email: 'not-an-address' }))).toBe('invalid_email');
    expect(await code(admin.create({ login: 'frank', email: 'f@example.com', password: 'short' }))).toBe('weak_password');
    expect(await s.store.getUserByLogin('frank')).toBeUndefined();
  });

  it('a new password ends every session of the user', async () => {
    await admin.create({ login: 'gina', email: 'gina@example.com', password: 'gina-password-1' });
    const cookie = await s.signIn('gina', 'gina-password-1');
    expect((await requestToken(s.url, cookie, 'g')).status).toBe(200);
    const result = await admin.setPassword('gina', 'gina-password-2');
    expect(result).toMatchObject({ generated: false, sessionsEnded: 1 });
    expect((await requestToken(s.url, cookie, 'g')).status).toBe(401);
    await s.signIn('gina', 'gina-password-2');
  });

  it('disabling ends the sessions; enabling does not bring them back', async () => {
    await admin.create({ login: 'hugo', email: 'hugo@example.com', password: 'hugo-password-1' });
    const cookie = await s.signIn('hugo', 'hugo-password-1');
    expect((await admin.setDisabled('hugo', true)).sessionsEnded).toBe(1);
    expect((await admin.setDisabled('hugo', false)).sessionsEnded).toBe(0);
    expect((await requestToken(s.url, cookie, 'g')).status).toBe(401);
  });

  it('grants: roles in any case, no-access, default; only allowed roles; unknown users and instances refused', async () => {
    const instance = s.config.instances[0]!;
    expect(parseGrant('editor', instance)).toBe('Editor');
    expect(parseGrant('no-access', instance)).toBe('no-access');
    expect(parseGrant('default', instance)).toBeNull();
    expect(() => parseGrant('Admin', instance)).toThrow(/allows only: Viewer, Editor/);
    expect(() => parseGrant('Root', instance)).toThrow(/is not a role/);
    expect(parseGroups(' a, b,,a ')).toEqual(['a', 'b']);
    const set = await admin.setRole('erin', 'g', 'EDITOR');
    expect(set.grant).toBe('Editor');
    expect(set.user.grants).toEqual({ g: 'Editor' });
    expect(await code(admin.setRole('nobody', 'g', 'Viewer'))).toBe('unknown_user');
    expect(await code(admin.setRole('erin', 'nope', 'Viewer'))).toBe('unknown_instance');
  });

  it('audits every change under its event name, with who did it and never a password', async () => {
    await admin.setGroups('erin', ['ops', 'sre']);
    await admin.delete('erin');
    const events = (await s.store.listAudit(1000)).filter((e) => e.by === 'admin-page:42');
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(Object.values(USER_EVENTS)));
    expect(JSON.stringify(events)).not.toMatch(/password-[12]|scrypt/);
  });
});
