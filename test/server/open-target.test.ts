import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInside } from '../../server/contract/index.ts';
import { loginForm, openFromHome, postForm, signInWithForm, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

// Ways out of a Grafana that lives under a sub-path, as an attacker's review found them (issue 8, item 6).
const ESCAPES = ['/../admin/secret', '/%2e%2e/admin/secret', '/./../../x', '/.%2E/x', '/..%2fadmin', '/%2E%2e%5cadmin', '/..\\admin', '//evil.example/x', 'https://evil.example/'];

describe('resolveInside: one rule for every target (server and extension)', () => {
  const base = 'https://apps.example.test/grafana';
  it('keeps targets inside the base, normalised', () => {
    expect(resolveInside(base, '/')?.href).toBe('https://apps.example.test/grafana/');
    expect(resolveInside(base, '/d/abc?orgId=1#p')?.href).toBe('https://apps.example.test/grafana/d/abc?orgId=1#p');
    expect(resolveInside(base, '/d/x/../y')?.href).toBe('https://apps.example.test/grafana/d/y');
    expect(resolveInside(`${base}/`, '/explore')?.href).toBe('https://apps.example.test/grafana/explore');
    expect(resolveInside('https://g.example.test', '/a?b=%2F..')?.href).toBe('https://g.example.test/a?b=%2F..');
  });
  it('refuses every way out of the origin or the path prefix', () => {
    for (const t of ESCAPES) expect(resolveInside(base, t), t).toBeNull();
    expect(resolveInside(base, '')).toBeNull();
    expect(resolveInside(base, 42)).toBeNull();
    expect(resolveInside(base, '/a\nb')).toBeNull();
  });
  it('a root instance refuses protocol-relative and encoded escapes too', () => {
    for (const t of ['//evil.example/x', '/\\evil.example', '/%2f%2fevil.example']) expect(resolveInside('https://g.example.test', t), t).toBeNull();
  });
});

describe('/open and the sign-in return_to stay inside their base', () => {
  let s: RunningTokenServer;
  let cookie: string;
  beforeAll(async () => {
    s = await startTokenServer({
      settings: { instances: [{ id: 'sub', url: 'https://apps.example.test/grafana' }] },
      users: [{ login: 'alice', password: 'alice-password-1' }],
    });
    cookie = await signInWithForm(s.url, 'alice', 'alice-password-1');
  });
  afterAll(() => s.close());

  it('opens a path inside the sub-path, normalised', async () => {
    const res = await openFromHome(s.url, cookie, 'sub', '/d/abc/../cpu?orgId=1');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^https:\/\/apps\.example\.test\/grafana\/d\/cpu\?orgId=1&auth_token=/);
  });

  it('refuses a path that would leave the sub-path, minting nothing', async () => {
    const minted = async () => (await s.store.listAudit(1000)).filter((e) => e.type === 'token_minted').length;
    const before = await minted();
    for (const path of ESCAPES) {
      const res = await openFromHome(s.url, cookie, 'sub', path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('location'), path).toBeNull();
    }
    expect(await minted()).toBe(before);
  });

  it('return_to after sign-in is normalised and stays on this server', async () => {
    for (const [target, expected] of [
      ['/somewhere/../else?x=1', '/else?x=1'],
      ['/%2e%2e/%2e%2e/x', '/x'],
      ['/..%2f..%2fx', '/'],
      ['//evil.example/x', '/'],
    ] as const) {
      const form = await loginForm(s.url);
      const res = await postForm(`${s.url}/login`, form.cookie, { login: 'alice', password: 'alice-password-1', csrf: form.csrf, return_to: target });
      expect(res.status, target).toBe(303);
      expect(res.headers.get('location'), target).toBe(expected);
    }
  });
});
