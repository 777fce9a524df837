// The Grafana HTTP API endpoints the preflight command reads, with service-account tokens and permission checks.
import { afterEach, describe, expect, it } from 'vitest';
import { call, claims, harness, makeKey, sign } from './helpers.ts';

const h = harness();
afterEach(() => h.cleanup());

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
const ACCESS_DENIED = (permission: string) => ({
  title: 'Access denied',
  message: `You'll need additional permissions to perform this action. Permissions needed: ${permission}`,
});

describe('Grafana API for an operator', () => {
  it('GET /api/health answers without sign-in', async () => {
    const { grafana } = await h.start(await makeKey());
    expect(await call(grafana, '/api/health')).toMatchObject({ status: 200, body: { database: 'ok', version: '12.3.0' } });
  });

  it('an Admin service account reads /api/org and /api/org/users (service accounts left out, JWT-linked users labelled)', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const { token } = grafana.serviceAccounts.add({ name: 'Preflight', role: 'Admin' });
    await call(grafana, '/api/user', { token: await sign(key, claims({ role: 'Editor' })) });
    expect(await call(grafana, '/api/org', bearer(token))).toMatchObject({ status: 200, body: { id: 1, name: 'Main Org.' } });
    const res = await call(grafana, '/api/org/users', bearer(token));
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      expect.objectContaining({ orgId: 1, userId: 1, login: 'admin', email: 'admin@localhost', role: 'Admin', authLabels: [] }),
      expect.objectContaining({ orgId: 1, userId: 3, login: 'alice', role: 'Editor', authLabels: ['JWT'] }),
    ]);
    expect(grafana.requests.at(-1)).toMatchObject({ kind: 'api', path: '/api/org/users', login: 'sa-1-preflight', status: 200 });
  });

  it('a Viewer service account is refused /api/org/users: 403 naming org.users:read', async () => {
    const { grafana } = await h.start(await makeKey());
    const { token } = grafana.serviceAccounts.add({ name: 'weak' });
    expect(await call(grafana, '/api/org/users', bearer(token))).toMatchObject({ status: 403, body: ACCESS_DENIED('org.users:read') });
  });

  it('/api/users needs users:read, which an org Admin service account lacks; granted, it lists every user and their orgs', async () => {
    const { grafana } = await h.start(await makeKey());
    const admin = grafana.serviceAccounts.add({ name: 'org-admin', role: 'Admin' });
    expect(await call(grafana, '/api/users', bearer(admin.token))).toMatchObject({ status: 403, body: ACCESS_DENIED('users:read') });
    const reader = grafana.serviceAccounts.add({ name: 'reader', role: 'Admin', grants: ['users:read'] });
    const elsewhere = grafana.users.add({ login: 'eve', email: 'eve@example.test', orgRole: null, otherOrgs: { 2: 'Admin' } });
    const users = await call(grafana, '/api/users?perpage=1&page=2', bearer(reader.token));
    expect(users).toMatchObject({ status: 200, body: [{ id: elsewhere.id, login: 'eve', isAdmin: false }] });
    expect(await call(grafana, `/api/users/${elsewhere.id}/orgs`, bearer(reader.token))).toMatchObject({
      status: 200,
      body: [{ orgId: 2, name: 'Org 2', role: 'Admin' }],
    });
    expect((await call(grafana, '/api/users/999/orgs', bearer(reader.token))).status).toBe(404);
  });

  it('an unknown service-account token: 401 api-key.invalid; no token: 401', async () => {
    const { grafana } = await h.start(await makeKey());
    expect(await call(grafana, '/api/org/users', bearer('glsa_nope_00000000'))).toMatchObject({
      status: 401,
      body: { messageId: 'api-key.invalid', message: 'Invalid API key' },
    });
    expect((await call(grafana, '/api/org/users')).status).toBe(401);
  });

  it('a JWT user who is org Admin may read /api/org/users; an Editor may not', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    expect((await call(grafana, '/api/org/users', { token: await sign(key, claims({ role: 'Admin' })) })).status).toBe(200);
    expect((await call(grafana, '/api/org/users', { token: await sign(key, claims({ role: 'Editor' })) })).status).toBe(403);
  });
});
