// Users and roles (docs/grafana-jwt.md#users, #roles).
import { afterEach, describe, expect, it } from 'vitest';
import { call, claims, failure, harness, makeKey, sign } from './helpers.ts';

const h = harness();
afterEach(() => h.cleanup());

const INVALID_ROLE = failure('jwt.invalid_role', 'Invalid Role in claim');

async function userAs(jwt: Record<string, string | null>, tokenClaims: Record<string, unknown>, extra = '') {
  const key = await makeKey();
  const { grafana } = await h.start(key, jwt, extra);
  return { grafana, key, res: await call(grafana, '/api/user', { token: await sign(key, claims(tokenClaims)) }) };
}

describe('roles', () => {
  it.each(['Viewer', 'Editor', 'Admin', 'None'])('role %s (exact casing) becomes the org role', async (role) => {
    const { res } = await userAs({}, { role });
    expect(res).toMatchObject({ status: 200, body: { orgRole: role, isGrafanaAdmin: false } });
  });

  it('roles are case-sensitive: "admin" is invalid (strict: 403 jwt.invalid_role)', async () => {
    const { res, grafana } = await userAs({}, { role: 'admin' });
    expect(res).toMatchObject({ status: 403, body: INVALID_ROLE });
    expect(grafana.users.all().map((u) => u.login)).toEqual(['admin']); // only the built-in admin
  });

  it('a missing role in strict mode: 403; on a page route: 302 /login', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const token = await sign(key, claims({ role: undefined }));
    expect(await call(grafana, '/api/user', { token })).toMatchObject({ status: 403, body: INVALID_ROLE });
    expect(await call(grafana, '/d/http-latency', { urlToken: token })).toMatchObject({ status: 302, location: '/login' });
  });

  it('an array role is invalid; role[0] as the path picks its first element', async () => {
    expect((await userAs({}, { role: ['Admin'] })).res.status).toBe(403);
    expect((await userAs({ role_attribute_path: 'role[0]' }, { role: ['Admin', 'Viewer'] })).res.body).toMatchObject({ orgRole: 'Admin' });
  });

  it('a dotted role_attribute_path reads a nested claim', async () => {
    const { res } = await userAs({ role_attribute_path: 'grafana.role' }, { role: undefined, grafana: { role: 'Editor' } });
    expect(res.body).toMatchObject({ orgRole: 'Editor' });
  });

  it('role_claim is not a key: it has no effect (no role synced, auto_assign_org_role applies)', async () => {
    const { res } = await userAs({ role_attribute_path: null, role_attribute_strict: 'false', role_claim: 'role' }, { role: 'Admin' });
    expect(res.body).toMatchObject({ orgRole: 'Viewer' });
  });

  it('strict off, invalid role: the user gets auto_assign_org_role, and is reset to it on every request (>= 11.6)', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key, { role_attribute_strict: 'false' }, '\n[users]\nauto_assign_org_role = Editor\n');
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ role: 'Admin' })) })).body).toMatchObject({ orgRole: 'Admin' });
    const res = await call(grafana, '/api/user', { token: await sign(key, claims({ role: 'superuser' })) });
    expect(res).toMatchObject({ status: 200, body: { orgRole: 'Editor' } });
    expect(grafana.users.all().map((u) => u.login)).toEqual(['admin', 'alice']);
  });

  it('GrafanaAdmin with allow_assign_grafana_admin: org Admin + server admin; any other role clears it', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key, { allow_assign_grafana_admin: 'true' });
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ role: 'GrafanaAdmin' })) })).body).toMatchObject({
      orgRole: 'Admin',
      isGrafanaAdmin: true,
    });
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ role: 'Editor' })) })).body).toMatchObject({
      orgRole: 'Editor',
      isGrafanaAdmin: false,
    });
  });

  it('GrafanaAdmin without allow_assign_grafana_admin: org Admin only; the server-admin flag is left alone', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ role: 'GrafanaAdmin' })) })).body).toMatchObject({
      orgRole: 'Admin',
      isGrafanaAdmin: false,
    });
    grafana.users.add({ login: 'root', email: 'root@example.test', isGrafanaAdmin: true, orgRole: 'Admin' });
    const token = await sign(key, claims({ sub: 'root-sub', login: 'root', email: 'root@example.test', role: 'Viewer' }));
    expect((await call(grafana, '/api/user', { token })).body).toMatchObject({ orgRole: 'Viewer', isGrafanaAdmin: true });
  });

  it('skip_org_role_sync leaves existing roles alone; new users get auto_assign_org_role', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key, { skip_org_role_sync: 'true' });
    grafana.users.add({ login: 'alice', email: 'alice@example.test', orgRole: 'Editor' });
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ role: 'Admin' })) })).body).toMatchObject({ orgRole: 'Editor' });
    const newcomer = await sign(key, claims({ sub: 'u-2', login: 'carol', email: 'carol@example.test', role: 'Admin' }));
    expect((await call(grafana, '/api/user', { token: newcomer })).body).toMatchObject({ orgRole: 'Viewer' });
  });
});

describe('users', () => {
  it('a user is found again by the (jwt, sub) link and updated from the token', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const first = await call(grafana, '/api/user', { token: await sign(key) });
    const second = await call(grafana, '/api/user', {
      token: await sign(key, claims({ login: 'alice2', email: 'alice.new@example.test', name: 'Alice New' })),
    });
    expect(second.body).toMatchObject({ id: (first.body as { id: number }).id, login: 'alice2', email: 'alice.new@example.test', name: 'Alice New' });
    expect(grafana.users.all().map((u) => u.login)).toEqual(['admin', 'alice2']);
  });

  it('takeover: a JWT whose email matches an existing local account signs in as that account', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const local = grafana.users.add({ login: 'admin', email: 'alice@example.test', orgRole: 'Admin' });
    const res = await call(grafana, '/api/user', { token: await sign(key, claims({ sub: 'attacker-sub', role: 'Viewer' })) });
    expect(res.body).toMatchObject({ id: local.id, login: 'alice', orgRole: 'Viewer' });
    expect(local.authId).toBe('attacker-sub');
  });

  it('lookup order: auth link first, then email, then login', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const byLogin = grafana.users.add({ login: 'alice', email: 'someone-else@example.test' });
    const byEmail = grafana.users.add({ login: 'a.example', email: 'alice@example.test' });
    const linked = grafana.users.add({ login: 'linked', email: 'linked@example.test', authId: 'user-1' });
    const id = async (over: Record<string, unknown>) =>
      ((await call(grafana, '/api/user', { token: await sign(key, claims(over)) })).body as { id: number }).id;
    expect(await id({})).toBe(linked.id);
    expect(await id({ sub: 'user-2' })).toBe(byEmail.id);
    expect(await id({ sub: 'user-3', email: 'nobody@example.test' })).toBe(byLogin.id);
  });

  it('auto_sign_up off: unknown user 401 user.sync.signup-disabled; known users still sign in', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key, { auto_sign_up: 'false' });
    const token = await sign(key);
    expect(await call(grafana, '/api/user', { token })).toMatchObject({
      status: 401,
      body: { messageId: 'user.sync.signup-disabled' },
    });
    expect(await call(grafana, '/', { urlToken: token })).toMatchObject({ status: 302, location: '/login' });
    grafana.users.add({ login: 'alice', email: 'alice@example.test' });
    expect((await call(grafana, '/api/user', { token })).status).toBe(200);
  });
});
