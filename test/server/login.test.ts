import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSessionId } from '../../server/sessions.ts';
import { csrfField, loginForm, postForm, requestToken, signInWithForm, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

const loginPageOf = (url: string) => loginForm(url, '?return_to=/somewhere');
const post = (url: string, cookie: string, fields: Record<string, string>, headers: Record<string, string> = {}) => postForm(`${url}/login`, cookie, fields, headers);

describe('sign-in, sessions and sign-out', () => {
  let s: RunningTokenServer;
  beforeAll(async () => {
    s = await startTokenServer({
      settings: { sessionIdleMinutes: 30, sessionAbsoluteHours: 2, signInMaxFailuresPerAccount: 3, instances: [{ id: 'g', url: 'http://127.0.0.1:1' }] },
      users: [
        { login: 'alice', password: 'alice-password-1' },
        { login: 'bob', password: 'bob-password-12' },
        { login: 'carol', password: 'carol-password-1' },
        { login: 'dave', password: 'dave-password-12', isAdmin: true },
      ],
    });
  });
  afterAll(() => s.close());

  it('serves a login form that works without JavaScript, with a CSRF field and no inline script', async () => {
    const { html, page, cookie } = await loginPageOf(s.url);
    expect(page.status).toBe(200);
    expect(html).toMatch(/<form method="post" action="\/login">/);
    expect(html).not.toMatch(/<script/);
    expect(cookie).toMatch(/^grafana_sso_login_csrf=/);
    expect(page.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
  });

  it('signs in: new HttpOnly SameSite=Lax session cookie, redirect to the same-site return path', async () => {
    const { cookie, csrf } = await loginPageOf(s.url);
    const planted = 'grafana_sso_session=planted-by-attacker';
    const res = await post(s.url, `${cookie}; ${planted}`, { login: 'alice', password: 'alice-password-1', csrf, return_to: '/somewhere' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/somewhere');
    const set = res.headers.getSetCookie().find((c) => c.startsWith('grafana_sso_session='))!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Lax/);
    expect(set).toMatch(/Path=\//);
    expect(set).not.toContain('planted-by-attacker');
    // The store keeps only the SHA-256 of the session id: a copy of the database opens no session.
    const id = decodeURIComponent(set.split(';')[0]!.split('=')[1]!);
    expect(await s.store.getSession(id)).toBeUndefined();
    expect(await s.store.getSession(hashSessionId(id))).toMatchObject({ userId: (await s.store.getUserByLogin('alice'))!.id });
    expect((await s.store.listAudit(20)).some((e) => e.type === 'sign_in' && e.login === 'alice')).toBe(true);
  });

  it('never redirects off-site after sign-in', async () => {
    for (const target of ['https://evil.example/', '//evil.example/x', '/\\evil.example']) {
      const { cookie, csrf } = await loginPageOf(s.url);
      const res = await post(s.url, cookie, { login: 'alice', password: 'alice-password-1', csrf, return_to: target });
      expect(res.headers.get('location')).toBe('/');
    }
  });

  it('refuses a form without the matching CSRF token, and a form posted from another site', async () => {
    const { cookie, csrf } = await loginPageOf(s.url);
    const noToken = await post(s.url, cookie, { login: 'alice', password: 'alice-password-1' });
    expect(noToken.status).toBe(403);
    expect(noToken.headers.getSetCookie().some((c) => c.startsWith('grafana_sso_session='))).toBe(false);
    const crossSite = await post(s.url, cookie, { login: 'alice', password: 'alice-password-1', csrf }, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
  });

  it('answers a wrong password with 401 and the same message as an unknown login, and audits it', async () => {
    const { cookie, csrf } = await loginPageOf(s.url);
    const wrong = await post(s.url, cookie, { login: 'bob', password: 'nope-nope-nope', csrf });
    const unknown = await post(s.url, cookie, { login: 'nobody', password: 'nope-nope-nope', csrf });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong login or password');
    expect(await unknown.text()).toContain('Wrong login or password');
    const failures = (await s.store.listAudit(50)).filter((e) => e.type === 'sign_in_failed');
    expect(failures.map((e) => e.reason)).toEqual(expect.arrayContaining(['wrong_password', 'unknown_user']));
    expect(JSON.stringify(failures)).not.toContain('nope-nope-nope');
  });

  it('throttles failed sign-ins per account with a clear 429, even for the right password', async () => {
    const { cookie, csrf } = await loginPageOf(s.url);
    for (let i = 0; i < 3; i++) expect((await post(s.url, cookie, { login: 'carol', password: 'wrong-password', csrf })).status).toBe(401);
    const blocked = await post(s.url, cookie, { login: 'carol', password: 'carol-password-1', csrf });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.text()).toMatch(/Too many failed sign-ins/);
    // The window slides: after it, the right password works again.
    s.clock.advanceMs(16 * 60_000);
    expect((await post(s.url, cookie, { login: 'carol', password: 'carol-password-1', csrf })).status).toBe(303);
  });

  it('ends a session after the idle lifetime and after the absolute lifetime', async () => {
    const idle = await signInWithForm(s.url, 'bob', 'bob-password-12');
    expect((await requestToken(s.url, idle, 'g')).status).toBe(200);
    s.clock.advanceMs(31 * 60_000);
    expect((await requestToken(s.url, idle, 'g')).status).toBe(401);

    const busy = await signInWithForm(s.url, 'bob', 'bob-password-12');
    for (let i = 0; i < 5; i++) {
      s.clock.advanceMs(25 * 60_000); // active every 25 min: never idle, but 2 h absolute ends it
      const status = (await requestToken(s.url, busy, 'g')).status;
      expect(status).toBe(i < 4 ? 200 : 401);
    }
  });

  it('stops minting for a disabled user at once: 403, and signed-out after the CLI disables (sessions end)', async () => {
    const cookie = await signInWithForm(s.url, 'dave', 'dave-password-12');
    const dave = (await s.store.getUserByLogin('dave'))!;
    await s.store.updateUser(dave.id, { disabled: true }, s.clock.now());
    const res = await requestToken(s.url, cookie, 'g');
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe('access_denied');
    const { cookie: c2, csrf } = await loginPageOf(s.url);
    const again = await post(s.url, c2, { login: 'dave', password: 'dave-password-12', csrf });
    expect(again.status).toBe(401);
    // The same answer as a wrong password: it must not tell whoever typed it that the password was right.
    expect(await again.text()).toContain('Wrong login or password');
    await s.store.updateUser(dave.id, { disabled: false }, s.clock.now());
  });

  it('home page lists instances with Open buttons; Open mints through the same path and redirects to Grafana', async () => {
    const cookie = await signInWithForm(s.url, 'alice', 'alice-password-1');
    const home = await fetch(`${s.url}/`, { headers: { cookie } });
    const html = await home.text();
    expect(html).toContain('action="/open/g"');
    const csrf = csrfField(html);
    const open = (fields: Record<string, string>) => postForm(`${s.url}/open/g`, cookie, fields);
    const ok = await open({ csrf, path: '/d/abc/my-dash?orgId=1' });
    expect(ok.status).toBe(303);
    const location = new URL(ok.headers.get('location')!);
    expect(location.origin + location.pathname).toBe('http://127.0.0.1:1/d/abc/my-dash');
    expect(location.searchParams.get('orgId')).toBe('1');
    expect(location.searchParams.get('auth_token')).toMatch(/^ey/);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect((await open({ path: '/' })).status).toBe(403);
    expect((await open({ csrf, path: '//evil.example/' })).status).toBe(400);
    // Signed out, the home page sends to the login page.
    expect((await fetch(`${s.url}/`, { redirect: 'manual' })).headers.get('location')).toBe('/login?return_to=%2F');
  });

  it('shows Grafana settings to admins only', async () => {
    const admin = await signInWithForm(s.url, 'dave', 'dave-password-12');
    const user = await signInWithForm(s.url, 'alice', 'alice-password-1');
    const ok = await fetch(`${s.url}/admin/grafana-config/g`, { headers: { cookie: admin } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('[auth.jwt]');
    const env = await fetch(`${s.url}/admin/grafana-config/g?format=env`, { headers: { cookie: admin } });
    expect(await env.text()).toContain('GF_AUTH_JWT_ENABLED=true');
    expect((await fetch(`${s.url}/admin/grafana-config/g`, { headers: { cookie: user, accept: 'application/json' } })).status).toBe(403);
    expect((await fetch(`${s.url}/admin/grafana-config/nope`, { headers: { cookie: admin, accept: 'application/json' } })).status).toBe(404);
  });

  it('sign-out by form destroys the session', async () => {
    const cookie = await signInWithForm(s.url, 'alice', 'alice-password-1');
    const csrf = csrfField(await (await fetch(`${s.url}/`, { headers: { cookie } })).text());
    const out = await postForm(`${s.url}/logout`, cookie, { csrf });
    expect(out.status).toBe(303);
    expect((await requestToken(s.url, cookie, 'g')).status).toBe(401);
  });

  it('answers malformed forms with a 4xx page, not a crash', async () => {
    const { cookie, csrf } = await loginPageOf(s.url);
    expect((await post(s.url, cookie, { csrf })).status).toBe(400);
    const huge = await post(s.url, cookie, { csrf, login: 'x', password: 'y'.repeat(20_000) });
    expect(huge.status).toBe(413);
    const broken = await fetch(`${s.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=klingon', cookie }, body: 'a=b' });
    expect(broken.status).toBe(415);
  });
});
