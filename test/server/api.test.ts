import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { requestToken, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

describe('token API over HTTP', () => {
  let s: RunningTokenServer;
  let cookie: string;

  beforeAll(async () => {
    s = await startTokenServer({
      settings: {
        instances: [
          { id: 'prod', name: 'Production', url: 'https://grafana.example.com', groupRoles: { ops: 'Editor' } },
          { id: 'lab', url: 'https://lab.example.com', headerName: 'X-Lab-JWT', defaultRole: null },
        ],
      },
      users: [{ login: 'alice', password: 'correct horse battery', name: 'Alice', groups: ['ops'] }],
    });
    cookie = await s.signIn('alice', 'correct horse battery');
  });
  afterAll(() => s.close());

  it('GET /api/config is public and carries no secret', async () => {
    const res = await fetch(`${s.url}/api/config`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      issuer: s.url,
      loginUrl: `${s.url}/login`,
      instances: [
        { id: 'prod', name: 'Production', url: 'https://grafana.example.com', headerName: 'X-JWT-Assertion', default: true },
        { id: 'lab', name: 'lab', url: 'https://lab.example.com', headerName: 'X-Lab-JWT', default: false },
      ],
    });
  });

  it('POST /api/token mints a short-lived token for the signed-in user, no-store, and audits its jti only', async () => {
    const res = await requestToken(s.url, cookie, 'prod');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const body = (await res.json()) as { token: string; expiresAt: number; expiresIn: number; instance: string; user: Record<string, string> };
    expect(body.expiresIn).toBe(300);
    expect(body.instance).toBe('prod');
    expect(body.user).toMatchObject({ login: 'alice', name: 'Alice', role: 'Editor' });
    const claims = decodeJwt(body.token);
    expect(claims).toMatchObject({ login: 'alice', role: 'Editor', aud: 'grafana:prod', iss: s.url, exp: body.expiresAt });
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(decodeProtectedHeader(body.token).kid).toBe((await s.server.ctx.keys.currentSigner()).kid);

    const minted = (await s.store.listAudit(100)).filter((e) => e.type === 'token_minted').at(-1)!;
    expect(minted).toMatchObject({ login: 'alice', instance: 'prod', jti: claims.jti, exp: claims.exp });
    // The audit trail (database and JSON-lines file) never holds a token.
    // The file is appended through a write stream, which may land just after the response.
    const log = await vi.waitFor(() => {
      const text = readFileSync(s.auditLogPath, 'utf8');
      expect(text).toContain(claims.jti as string);
      return text;
    });
    expect(log).not.toContain(body.token.split('.')[2]);
    expect(JSON.stringify(await s.store.listAudit(1000))).not.toContain(body.token.split('.')[1]);
    for (const line of log.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('GET /api/session tells who is signed in and the role per instance', async () => {
    const res = await fetch(`${s.url}/api/session`, { headers: { cookie, 'x-grafana-sso': '1' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { login: 'alice', name: 'Alice' }, instances: [{ id: 'prod', role: 'Editor' }] });
  });

  it('answers 401 session_required with the login URL when signed out', async () => {
    for (const c of [undefined, 'grafana_sso_session=forged-value']) {
      const res = await requestToken(s.url, c, 'prod');
      expect(res.status).toBe(401);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({ code: 'session_required', message: 'Sign in first', loginUrl: `${s.url}/login` });
    }
  });

  it('answers 403 access_denied for an instance the user has no role on', async () => {
    const res = await requestToken(s.url, cookie, 'lab');
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe('access_denied');
  });

  it('answers bad input with 4xx and a stable code, never a 500', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${s.url}/api/token`, { method: 'POST', headers: { cookie, 'x-grafana-sso': '1', 'content-type': type }, body });
    const cases: [Response, number, string][] = [
      [await post('{"instance":'), 400, 'invalid_json'],
      [await post('[]'), 400, 'invalid_request'],
      [await post('{"instance":42}'), 400, 'invalid_request'],
      [await post('{}'), 400, 'invalid_request'],
      [await post('null'), 400, 'invalid_request'],
      [await post('"prod"'), 400, 'invalid_request'],
      [await post('{"instance":"prod"}', 'application/json; charset=latin1'), 400, 'invalid_request'],
      [await post('instance=prod', 'application/x-www-form-urlencoded'), 400, 'invalid_request'],
      [await post(JSON.stringify({ instance: 'x'.repeat(5000) })), 413, 'payload_too_large'],
      [await post('{"instance":"nope"}'), 404, 'unknown_instance'],
      [await fetch(`${s.url}/api/nothing`), 404, 'not_found'],
      [
        await fetch(`${s.url}/api/token`, {
          method: 'POST',
          headers: { cookie, 'x-grafana-sso': '1', 'content-type': 'application/json' },
          // A streamed body without Content-Length: the limit is enforced while reading.
          body: new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(`{"instance":"${'x'.repeat(10_000)}"}`)), c.close()) }),
          duplex: 'half',
        } as RequestInit),
        413,
        'payload_too_large',
      ],
      [await fetch(`${s.url}/open/%E0%A4%A`, { method: 'POST', headers: { cookie } }), 400, 'bad_request'],
      [
        await fetch(`${s.url}/api/token`, {
          method: 'POST',
          headers: { cookie, 'x-grafana-sso': '1', 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: 'not gzip',
        }),
        415,
        'unsupported_encoding',
      ],
    ];
    for (const [res, status, code] of cases) {
      expect(res.status).toBe(status);
      expect((await res.json()).code).toBe(code);
    }
  });

  it('refuses a cross-site request: no custom header, a web Origin, and every preflight', async () => {
    const noHeader = await fetch(`${s.url}/api/token`, { method: 'POST', headers: { cookie, 'content-type': 'text/plain' }, body: '{"instance":"prod"}' });
    expect(noHeader.status).toBe(403);
    expect((await noHeader.json()).code).toBe('missing_request_header');

    const webOrigin = await requestToken(s.url, cookie, 'prod', { origin: 'https://evil.example' });
    expect(webOrigin.status).toBe(403);
    expect((await webOrigin.json()).code).toBe('origin_not_allowed');

    const preflight = await fetch(`${s.url}/api/token`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-grafana-sso' },
    });
    expect(preflight.status).toBe(405);
    for (const h of preflight.headers.keys()) expect(h).not.toMatch(/^access-control-/);

    const extension = await requestToken(s.url, cookie, 'prod', { origin: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop' });
    expect(extension.status).toBe(200);
  });

  it('serves the JWKS as application/jwk-set+json with a max-age no longer than Grafana’s cache', async () => {
    const res = await fetch(`${s.url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(s.config.grafanaJwksCacheSeconds);
    const jwks = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const k of jwks.keys) expect(k.d).toBeUndefined();
  });

  it('GET /healthz answers ok', async () => {
    const res = await fetch(`${s.url}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('POST /api/logout ends the session: the next token request is 401', async () => {
    const other = await s.signIn('alice', 'correct horse battery');
    expect((await requestToken(s.url, other, 'prod')).status).toBe(200);
    const out = await fetch(`${s.url}/api/logout`, { method: 'POST', headers: { cookie: other, 'x-grafana-sso': '1' } });
    expect(out.status).toBe(204);
    expect((await requestToken(s.url, other, 'prod')).status).toBe(401);
    // The first session is untouched.
    expect((await requestToken(s.url, cookie, 'prod')).status).toBe(200);
  });
});
