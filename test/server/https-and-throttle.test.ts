import { afterEach, describe, expect, it } from 'vitest';
import { loginForm, postForm, requestToken, signInWithForm, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

describe('deployment behind https, and per-address throttling', () => {
  let s: RunningTokenServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('over https: __Host- cookies with Secure, and HSTS', async () => {
    // TLS ends at a proxy in front; the server only needs to know its public URL is https.
    s = await startTokenServer({ settings: { publicUrl: 'https://sso.example.com' }, users: [{ login: 'alice', password: 'alice-password-1' }] });
    const page = await fetch(`${s.url}/login`);
    expect(page.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(page.headers.get('set-cookie')).toMatch(/^__Host-grafana_sso_login_csrf=[^;]+;.*Path=\/;.*HttpOnly;.*Secure/);
    const cookie = await signInWithForm(s.url, 'alice', 'alice-password-1');
    expect(cookie).toMatch(/^__Host-grafana_sso_session=/);
    // The plain-http cookie name means nothing to an https deployment.
    expect((await requestToken(s.url, cookie.replace('__Host-', ''), 'grafana', { origin: 'https://sso.example.com' })).status).toBe(401);
    expect((await requestToken(s.url, cookie, 'grafana', { origin: 'https://sso.example.com' })).status).toBe(200);
  });

  it('plain http sends no HSTS and no Secure flag (development)', async () => {
    s = await startTokenServer({ users: [{ login: 'bob', password: 'bob-password-12' }] });
    const page = await fetch(`${s.url}/login`);
    expect(page.headers.get('strict-transport-security')).toBeNull();
    expect(page.headers.get('set-cookie')).not.toMatch(/Secure/);
  });

  it('throttles failed sign-ins per client address across accounts', async () => {
    s = await startTokenServer({ settings: { signInMaxFailuresPerIp: 4 }, users: [{ login: 'carol', password: 'carol-password-1' }] });
    const form = await loginForm(s.url);
    const attempt = (login: string, password: string) => postForm(`${s!.url}/login`, form.cookie, { login, password, csrf: form.csrf });
    // Four different accounts, one wrong password each: no account reaches its own limit.
    for (const login of ['u1', 'u2', 'u3', 'u4']) expect((await attempt(login, 'guess-guess-1')).status).toBe(401);
    const blocked = await attempt('carol', 'carol-password-1');
    expect(blocked.status).toBe(429);
    const carol = (await s.store.getUserByLogin('carol'))!;
    expect((await s.store.listAudit(20)).some((e) => e.type === 'sign_in_throttled' && e.user === carol.id)).toBe(true);
  });
});
