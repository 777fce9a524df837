// A fresh Grafana's built-in admin, user lookup and org sync with the last-Admin rule (docs/grafana-jwt.md#users, #fresh-grafana).
import { afterEach, describe, expect, it } from 'vitest';
import { call, claims, harness, makeKey, sign } from './helpers.ts';
import { mainOrgRole } from './users.ts';

const h = harness();
afterEach(() => h.cleanup());

describe('a fresh Grafana', () => {
  it('starts with its built-in admin: id 1, admin / admin@localhost, org Admin and server admin; empty: true starts without', async () => {
    const key = await makeKey();
    const fresh = (await h.start(key)).grafana;
    const [admin] = fresh.users.all();
    expect(fresh.users.all()).toHaveLength(1);
    expect(admin).toMatchObject({ id: 1, login: 'admin', email: 'admin@localhost', isGrafanaAdmin: true });
    expect(mainOrgRole(admin!)).toBe('Admin');
    expect((await h.start(key, {}, '', { empty: true })).grafana.users.all()).toHaveLength(0);
  });

  it('the old quick start: a Viewer token for admin / admin@localhost signs in AS the built-in admin, the demotion of the last Admin fails the request', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const token = await sign(key, claims({ sub: 'token-server-user-1', login: 'admin', email: 'admin@localhost', role: 'Viewer' }));
    expect(await call(grafana, '/api/user', { token })).toMatchObject({ status: 401, body: { messageId: 'auth.unauthorized' } });
    expect(await call(grafana, '/d/http-latency', { urlToken: token })).toMatchObject({ status: 302, location: '/login' });
    expect(grafana.requests[0]?.detail).toMatch(/cannot remove last organization admin/);
    const [admin] = grafana.users.all();
    expect(grafana.users.all()).toHaveLength(1);
    // Grafana's admin keeps its role, but user sync already ran: it is now linked to the token's sub.
    expect(mainOrgRole(admin!)).toBe('Admin');
    expect(admin!.authId).toBe('token-server-user-1');
  });

  it('with a second Admin, the same token silently demotes Grafana\'s admin to Viewer', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    grafana.users.add({ login: 'ops', email: 'ops@example.test', orgRole: 'Admin' });
    const token = await sign(key, claims({ login: 'admin', email: 'ADMIN@localhost', role: 'Viewer' }));
    expect(await call(grafana, '/api/user', { token })).toMatchObject({ status: 200, body: { id: 1, orgRole: 'Viewer', isGrafanaAdmin: true } });
    expect(mainOrgRole(grafana.users.byId(1)!)).toBe('Viewer');
  });

  it('an Admin service account counts as an Admin: the human admin is then not the last one', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    grafana.serviceAccounts.add({ name: 'preflight', role: 'Admin' });
    const token = await sign(key, claims({ login: 'admin', email: 'admin@localhost', role: 'Editor' }));
    expect(await call(grafana, '/api/user', { token })).toMatchObject({ status: 200, body: { id: 1, orgRole: 'Editor' } });
  });

  it('a token whose login and email match nobody creates a new account and leaves the admin alone', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const token = await sign(key, claims({ login: 'sso-admin', email: 'sso-admin@localhost', role: 'Admin' }));
    expect(await call(grafana, '/api/user', { token })).toMatchObject({ status: 200, body: { id: 2, login: 'sso-admin', orgRole: 'Admin' } });
    expect(grafana.users.byId(1)).toMatchObject({ login: 'admin', isGrafanaAdmin: true });
    expect(grafana.users.byId(1)?.authId).toBeUndefined();
    expect(mainOrgRole(grafana.users.byId(1)!)).toBe('Admin');
  });
});

describe('lookup and updates', () => {
  it('email and login match case-insensitively, email before login', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const byLogin = grafana.users.add({ login: 'Bob', email: 'bob@old.test' });
    const byEmail = grafana.users.add({ login: 'robert', email: 'Bob@Example.test' });
    const token = await sign(key, claims({ sub: 'b', login: 'bob', email: 'bob@example.TEST', role: 'Editor' }));
    expect((await call(grafana, '/api/user', { token })).body).toMatchObject({ id: byEmail.id, login: 'bob', email: 'bob@example.TEST' });
    expect(byLogin.authId).toBeUndefined();
    const other = await sign(key, claims({ sub: 'c', login: 'BOB', email: '' }));
    expect((await call(grafana, '/api/user', { token: other })).body).toMatchObject({ id: byLogin.id });
  });

  it('an absent email claim: a new user gets its login as email; an absent login: its email as login', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const noEmail = await sign(key, claims({ sub: 'n1', login: 'carol', email: undefined }));
    expect((await call(grafana, '/api/user', { token: noEmail })).body).toMatchObject({ login: 'carol', email: 'carol' });
    const noLogin = await sign(key, claims({ sub: 'n2', login: undefined, email: 'dave@example.test' }));
    expect((await call(grafana, '/api/user', { token: noLogin })).body).toMatchObject({ login: 'dave@example.test', email: 'dave@example.test' });
  });
});

describe('org sync', () => {
  it('removes the user from every org outside the mapped set, except where it is that org\'s last Admin', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const local = grafana.users.add({ login: 'alice', email: 'alice@example.test', orgRole: null, otherOrgs: { 2: 'Editor', 3: 'Admin' } });
    const res = await call(grafana, '/api/user', { token: await sign(key, claims({ role: 'Editor' })) });
    expect(res).toMatchObject({ status: 200, body: { id: local.id, orgRole: 'Editor' } });
    expect([...local.orgs]).toEqual([[3, 'Admin'], [1, 'Editor']]);
  });

  it('skip_org_role_sync: no org changes at all', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key, { skip_org_role_sync: 'true' });
    const token = await sign(key, claims({ login: 'admin', email: 'admin@localhost', role: 'Viewer' }));
    expect(await call(grafana, '/api/user', { token })).toMatchObject({ status: 200, body: { id: 1, orgRole: 'Admin' } });
  });
});

describe('pages and JSON', () => {
  it('a signed-in user gets the single-page app (200) at any page path; nobody gets 302 /login', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const token = await sign(key);
    for (const path of ['/d/no-such-uid', '/d/no-such-uid/slug', '/explore', '/dashboards', '/admin/users']) {
      const page = await call(grafana, path, { urlToken: token });
      expect(page.status, path).toBe(200);
      expect(page.body).toContain('id="status"');
      expect(await call(grafana, path)).toMatchObject({ status: 302, location: '/login' });
    }
    expect((await call(grafana, '/d/no-such-uid', { urlToken: token })).body).toContain('Dashboard not found');
  });

  it('a repeated member name: in the header or at the top of the claims the token does not parse (skipped); nested, it fails verification', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const withPayload = async (json: string) => {
      const good = await sign(key);
      const [head] = good.split('.');
      // Re-sign the exact bytes so only the JSON text differs.
      const { CompactSign } = await import('jose');
      return new CompactSign(new TextEncoder().encode(json)).setProtectedHeader(JSON.parse(Buffer.from(head!, 'base64url').toString())).sign(key.privateKey);
    };
    const base = JSON.stringify(claims());
    const topDup = await withPayload(base.replace('{', '{"role":"Admin",'));
    const nestedDup = await withPayload(base.replace('{', '{"extra":{"a":1,"a":2},'));
    const [h1, p1, s1] = (await sign(key)).split('.');
    const dupHeader = Buffer.from(Buffer.from(h1!, 'base64url').toString().replace('{', '{"alg":"ES256",')).toString('base64url');
    expect((await call(grafana, '/api/user', { token: await sign(key) })).status).toBe(200);
    expect(await call(grafana, '/api/user', { token: topDup })).toMatchObject({ status: 401, body: { messageId: 'auth.unauthorized' } });
    expect(await call(grafana, '/api/user', { token: `${dupHeader}.${p1}.${s1}` })).toMatchObject({ status: 401, body: { messageId: 'auth.unauthorized' } });
    expect(await call(grafana, '/api/user', { token: nestedDup })).toMatchObject({ status: 401, body: { messageId: 'jwt.invalid' } });
    expect(grafana.requests.slice(1).map((r) => r.jwt)).toEqual(['skipped', 'skipped', 'failed']);
  });
});
