import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { openFromHome, requestToken, signInWithForm } from '../helpers/token-server.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

/**
 * End to end with real parts: the token server (real port, SQLite file), sign-in through the form, and
 * Grafana stand-ins configured with the ini the server generated, fetching the server's real JWKS.
 */
describe('Grafana accepts the tokens the server mints', () => {
  let stack: Stack;
  let alice: string;
  const apiUser = (instance: string, token: string, header = 'X-JWT-Assertion') =>
    fetch(`${stack.grafana[instance]!.url}/api/user`, { headers: { [header]: token } });
  const tokenFor = async (cookie: string, instance: string) => {
    const res = await requestToken(stack.server.url, cookie, instance);
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  };

  beforeAll(async () => {
    stack = await startStack({
      instances: [
        { id: 'prod', name: 'Production', groupRoles: { ops: 'Editor' } },
        { id: 'lab', headerName: 'X-Lab-Token', allowGrafanaAdmin: true, groupRoles: { admins: 'GrafanaAdmin' } },
      ],
      users: [
        { login: 'alice', password: 'alice-password-1', email: 'alice@example.com', name: 'Alice Liddell', groups: ['ops', 'admins'] },
        { login: 'bob', password: 'bob-password-123' },
      ],
    });
    alice = await signInWithForm(stack.server.url, 'alice', 'alice-password-1');
  });
  afterAll(() => stack.close());

  it('accepts a minted token with the right login, email, name and role', async () => {
    const res = await apiUser('prod', await tokenFor(alice, 'prod'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ login: 'alice', email: 'alice@example.com', name: 'Alice Liddell', orgRole: 'Editor', isGrafanaAdmin: false });
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('grants GrafanaAdmin where the instance allows it, with its own header name', async () => {
    const res = await apiUser('lab', await tokenFor(alice, 'lab'), 'X-Lab-Token');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ login: 'alice', orgRole: 'Admin', isGrafanaAdmin: true });
  });

  it('opens a dashboard by URL token (url_login) through the home page’s Open button', async () => {
    const open = await openFromHome(stack.server.url, alice, 'prod', '/d/http-latency/http-latency?orgId=1');
    const target = open.headers.get('location')!;
    expect(target.startsWith(`${stack.grafana.prod!.url}/d/http-latency/http-latency?orgId=1&auth_token=`)).toBe(true);
    const page = await fetch(target, { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(stack.grafana.prod!.requests.at(-1)).toMatchObject({ path: '/d/http-latency/http-latency', tokenSource: 'url', login: 'alice' });
  });

  it('rejects the token once expired beyond Grafana’s 60 s leeway, not before', async () => {
    const token = await tokenFor(alice, 'prod');
    const g = stack.grafana.prod!;
    g.clock.advanceSeconds(300 + 30);
    expect((await apiUser('prod', token)).status).toBe(200);
    g.clock.advanceSeconds(40);
    const late = await apiUser('prod', token);
    expect(late.status).toBe(401);
    expect(await late.json()).toEqual({ messageId: 'jwt.invalid', message: 'Failed to verify JWT' });
    // A fresh token minted now (server time) is fine at the same Grafana time.
    stack.server.clock.advanceMs(370_000);
    expect((await apiUser('prod', await tokenFor(alice, 'prod'))).status).toBe(200);
  });

  it('rejects another instance’s token (one audience per instance)', async () => {
    const labToken = await tokenFor(alice, 'lab');
    const res = await apiUser('prod', labToken);
    expect(res.status).toBe(401);
  });

  it('gives no token to a signed-out user, a disabled user, or a cross-site request', async () => {
    expect((await requestToken(stack.server.url, undefined, 'prod')).status).toBe(401);
    const noHeader = await fetch(`${stack.server.url}/api/token`, { method: 'POST', headers: { cookie: alice, 'content-type': 'text/plain' }, body: '{"instance":"prod"}' });
    expect(noHeader.status).toBe(403);

    const bob = await signInWithForm(stack.server.url, 'bob', 'bob-password-123');
    const before = await tokenFor(bob, 'prod');
    const user = (await stack.server.store.getUserByLogin('bob'))!;
    await stack.server.store.updateUser(user.id, { disabled: true }, Date.now());
    expect((await requestToken(stack.server.url, bob, 'prod')).status).toBe(403);
    // Revocation happens at mint time: a token already minted lives out its short lifetime.
    expect((await apiUser('prod', before)).status).toBe(200);
  });

  it('never signs with a key published less than Grafana’s cache time earlier', async () => {
    const { server } = stack;
    const g = stack.grafana.prod!;
    const oldKid = decodeProtectedHeader(await tokenFor(alice, 'prod')).kid;
    expect((await apiUser('prod', await tokenFor(alice, 'prod'))).status).toBe(200); // Grafana has cached the JWKS now
    const pending = await server.server.ctx.keys.rotate();

    // A token signed by the new key right away would fail: Grafana's cached set lacks it, no refetch.
    const early = await new SignJWT({ login: 'alice', email: 'alice@example.com', role: 'Viewer' })
      .setProtectedHeader({ alg: 'ES256', kid: pending.kid })
      .setSubject('x').setIssuer(server.url).setAudience('grafana:prod').setIssuedAt().setExpirationTime('5m')
      .sign(await importJWK(JSON.parse(pending.privateJwk!) as JWK, 'ES256'));
    expect((await apiUser('prod', early)).status).toBe(401);

    // The server keeps signing with the old key until the pre-publication time has passed...
    server.clock.advanceMs(59 * 60_000);
    g.clock.advanceSeconds(59 * 60);
    const stillOld = await tokenFor(alice, 'prod');
    expect(decodeProtectedHeader(stillOld).kid).toBe(oldKid);
    expect((await apiUser('prod', stillOld)).status).toBe(200);

    // ...then switches; by then Grafana's cache has expired and its refetch has the new key.
    server.clock.advanceMs(7 * 60_000);
    g.clock.advanceSeconds(7 * 60);
    const fresh = await tokenFor(alice, 'prod');
    expect(decodeProtectedHeader(fresh).kid).toBe(pending.kid);
    expect((await apiUser('prod', fresh)).status).toBe(200);
  });
});
