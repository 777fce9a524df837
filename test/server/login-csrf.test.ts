import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfField, loginForm, postForm, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

// Issue 8, item 9: the pre-sign-in CSRF token is bound to a server secret, and Origin: null is refused.
describe('login CSRF', () => {
  let s: RunningTokenServer;
  beforeAll(async () => {
    s = await startTokenServer({ users: [{ login: 'alice', password: 'alice-password-1' }] });
  });
  afterAll(() => s.close());

  it('a planted login CSRF cookie never becomes the form token', async () => {
    const planted = 'planted-by-a-sibling-site-0123456789';
    const page = await fetch(`${s.url}/login`, { headers: { cookie: `grafana_sso_login_csrf=${planted}` } });
    const html = await page.text();
    expect(csrfField(html)).not.toBe(planted);
    // A fresh, server-made cookie replaces the planted one.
    expect(page.headers.get('set-cookie')).toMatch(/^grafana_sso_login_csrf=/);
    expect(page.headers.get('set-cookie')).not.toContain(planted);
    const res = await postForm(`${s.url}/login`, `grafana_sso_login_csrf=${planted}`, { login: 'alice', password: 'alice-password-1', csrf: planted });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('grafana_sso_session='))).toBe(false);
  });

  it('a cookie the server did not make is refused even with a matching form field', async () => {
    const form = await loginForm(s.url);
    const value = decodeURIComponent(form.cookie.split('=')[1]!);
    const forged = value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const res = await postForm(`${s.url}/login`, `grafana_sso_login_csrf=${forged}`, { login: 'alice', password: 'alice-password-1', csrf: form.csrf });
    expect(res.status).toBe(403);
  });

  it('the server-made pair still signs in', async () => {
    const form = await loginForm(s.url);
    expect((await postForm(`${s.url}/login`, form.cookie, { login: 'alice', password: 'alice-password-1', csrf: form.csrf })).status).toBe(303);
  });

  it('refuses Origin: null on state-changing forms (sandboxed frames, data: URLs)', async () => {
    const form = await loginForm(s.url);
    const res = await postForm(`${s.url}/login`, form.cookie, { login: 'alice', password: 'alice-password-1', csrf: form.csrf }, { origin: 'null' });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('grafana_sso_session='))).toBe(false);
    expect((await postForm(`${s.url}/logout`, '', {}, { origin: 'null' })).status).toBe(403);
  });

  it('pages send their origin on same-site form posts: Referrer-Policy same-origin, not no-referrer', async () => {
    // With no-referrer, browsers send Origin: null on a page's own form posts (Fetch standard).
    const page = await fetch(`${s.url}/login`);
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
  });
});
