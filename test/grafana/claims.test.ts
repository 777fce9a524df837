// Claim rules (docs/grafana-jwt.md#claims).
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIENCE, call, claims, failure, harness, ISSUER, JWT_INVALID, makeKey, nowSeconds, sign } from './helpers.ts';

const h = harness();
afterEach(() => h.cleanup());

const ANON = '\n[auth.anonymous]\nenabled = true\norg_role = Viewer\n';
const UNAUTHORIZED = failure('auth.unauthorized', 'Unauthorized');

describe('sub', () => {
  it('sub missing: JWT client skipped — API 401 (not jwt.invalid), page 302 /login', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const token = await sign(key, claims({ sub: undefined }));
    expect(await call(grafana, '/api/user', { token })).toMatchObject({ status: 401, body: UNAUTHORIZED });
    expect(await call(grafana, '/d/http-latency', { urlToken: token })).toMatchObject({ status: 302, location: '/login' });
    expect(grafana.requests.map((r) => r.jwt)).toEqual(['skipped', 'skipped']);
  });

  it('sub empty: skipped, and with anonymous access on the request is anonymous', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key, {}, ANON);
    const token = await sign(key, claims({ sub: '' }));
    const res = await call(grafana, '/api/user', { token });
    expect(res).toMatchObject({ status: 200, body: { isAnonymous: true, orgRole: 'Viewer', login: '' } });
    expect((await call(grafana, '/d/http-latency', { urlToken: token })).status).toBe(200);
    expect(grafana.users.all().map((u) => u.login)).toEqual(['admin']); // only the built-in admin
  });
});

describe('claim types', () => {
  const wrongTypes: Array<[string, Record<string, unknown>]> = [
    ['iss a number', { iss: 42 }],
    ['sub a number', { sub: 42 }],
    ['aud a number', { aud: 1 }],
    ['aud an array with a number', { aud: [AUDIENCE, 2] }],
    ['exp a string', { exp: String(nowSeconds() + 300) }],
    ['nbf a string', { nbf: 'now' }],
    ['iat a boolean', { iat: true }],
    ['iss null', { iss: null }],
  ];
  it.each(wrongTypes)('rejects a token with %s (401)', async (_name, over) => {
    const key = await makeKey();
    const { grafana } = await h.start(key, { expect_claims: '{}' });
    const res = await call(grafana, '/api/user', { token: await sign(key, claims(over)) });
    expect(res.status).toBe(401);
    expect(grafana.users.all().map((u) => u.login)).toEqual(['admin']); // only the built-in admin
  });

  it('aud may be an array of strings; exp/nbf/iat may be null (treated as absent)', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const token = await sign(key, claims({ aud: ['other', AUDIENCE], exp: null, nbf: null, iat: null }));
    expect((await call(grafana, '/api/user', { token })).status).toBe(200);
  });

  it('iss null passes the unverified sub check but fails verification: jwt.invalid', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key, { expect_claims: '{}' });
    expect(await call(grafana, '/api/user', { token: await sign(key, claims({ iss: null })) })).toMatchObject({
      status: 401,
      body: JWT_INVALID,
    });
  });
});

describe('times: 60 s leeway, exp optional', () => {
  it('accepts exp up to 60 s in the past and rejects exp older than the 60 s leeway', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const token = await sign(key, claims({ exp: nowSeconds() + 300 }));
    grafana.clock.advanceSeconds(300 + 58);
    expect((await call(grafana, '/api/user', { token })).status).toBe(200);
    grafana.clock.advanceSeconds(4);
    expect(await call(grafana, '/api/user', { token })).toMatchObject({ status: 401, body: JWT_INVALID });
    expect(grafana.requests[1]?.detail).toMatch(/expired/);
  });

  it('rejects nbf more than 60 s ahead, accepts it once within the leeway', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const t = nowSeconds();
    const token = await sign(key, claims({ nbf: t + 120, iat: t }));
    expect((await call(grafana, '/api/user', { token })).status).toBe(401);
    expect(grafana.requests[0]?.detail).toMatch(/not valid yet/);
    grafana.clock.advanceSeconds(62);
    expect((await call(grafana, '/api/user', { token })).status).toBe(200);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ nbf: t + 55 })) })).status).toBe(200);
  });

  it('rejects iat more than 60 s in the future, accepts iat within the leeway', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const t = nowSeconds();
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ iat: t + 120, nbf: t })) })).status).toBe(401);
    expect(grafana.requests[0]?.detail).toMatch(/issued in the future/);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ iat: t + 30, nbf: t })) })).status).toBe(200);
  });

  it('exp is optional: a token without exp never expires (no max age)', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const token = await sign(key, claims({ exp: undefined }));
    grafana.clock.advanceSeconds(10 * 365 * 24 * 3600);
    expect((await call(grafana, '/api/user', { token })).status).toBe(200);
    const withExp = await sign(key, claims());
    expect((await call(grafana, '/api/user', { token: withExp })).status).toBe(401);
  });
});

describe('expect_claims', () => {
  it('iss must match exactly: a trailing slash matters, a missing iss fails', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    expect((await call(grafana, '/api/user', { token: await sign(key) })).status).toBe(200);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ iss: `${ISSUER}/` })) })).status).toBe(401);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ iss: undefined })) })).status).toBe(401);
  });

  it('aud: the expected audience must be in the token aud (string or array); missing fails', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ aud: ['x', AUDIENCE] })) })).status).toBe(200);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ aud: 'grafana-other' })) })).status).toBe(401);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ aud: undefined })) })).status).toBe(401);
  });

  it('aud with two expected values: every one needed on 12.x, any one on main', async () => {
    const key = await makeKey();
    const expect_claims = JSON.stringify({ aud: ['grafana-a', 'grafana-b'] });
    const all = (await h.start(key, { expect_claims }, '', { version: '12.x' })).grafana;
    const any = (await h.start(key, { expect_claims }, '', { version: 'main' })).grafana;
    const onlyA = await sign(key, claims({ aud: 'grafana-a' }));
    const both = await sign(key, claims({ aud: ['grafana-b', 'grafana-a'] }));
    expect((await call(all, '/api/user', { token: onlyA })).status).toBe(401);
    expect((await call(all, '/api/user', { token: both })).status).toBe(200);
    expect((await call(any, '/api/user', { token: onlyA })).status).toBe(200);
    expect((await call(any, '/api/user', { token: await sign(key, claims({ aud: 'grafana-c' })) })).status).toBe(401);
  });

  it('sub expectation is an exact match', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key, { expect_claims: '{"sub": "user-1"}' });
    expect((await call(grafana, '/api/user', { token: await sign(key) })).status).toBe(200);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ sub: 'User-1' })) })).status).toBe(401);
  });

  it('any other key must be present and deep-equal as JSON', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key, { expect_claims: '{"tenant": "acme", "org": {"id": 1, "tags": ["a"]}}' });
    const base = { tenant: 'acme', org: { tags: ['a'], id: 1 } };
    expect((await call(grafana, '/api/user', { token: await sign(key, claims(base)) })).status).toBe(200);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ ...base, tenant: 'ACME' })) })).status).toBe(401);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ ...base, tenant: undefined })) })).status).toBe(401);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ ...base, org: { id: 1, tags: ['a', 'b'] } })) })).status).toBe(401);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims({ ...base, org: { id: '1', tags: ['a'] } })) })).status).toBe(401);
  });
});

describe('login, email, name', () => {
  it('login = claims[username_claim], email = claims[email_claim], name from the name claim', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key, { username_claim: 'preferred_username', email_claim: 'mail' });
    const token = await sign(key, claims({ preferred_username: 'bob', mail: 'bob@example.test', name: 'Bob B' }));
    expect((await call(grafana, '/api/user', { token })).body).toMatchObject({ login: 'bob', email: 'bob@example.test', name: 'Bob B' });
  });

  it('a non-string login claim reads as "" (the email is then used as login)', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const token = await sign(key, claims({ login: 12345 }));
    expect((await call(grafana, '/api/user', { token })).body).toMatchObject({ login: 'alice@example.test', email: 'alice@example.test' });
  });

  it('login and email both empty: 401 jwt.missing_claim', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key);
    const token = await sign(key, claims({ login: undefined, email: ['alice@example.test'] }));
    expect(await call(grafana, '/api/user', { token })).toMatchObject({
      status: 401,
      body: failure('jwt.missing_claim', 'Missing mandatory claim in JWT'),
    });
  });

  it('username_claim/email_claim unset: nothing is read, 401 jwt.missing_claim', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key, { username_claim: null, email_claim: null });
    expect((await call(grafana, '/api/user', { token: await sign(key) })).body).toMatchObject({ messageId: 'jwt.missing_claim' });
  });

  it('username_attribute_path is used when username_claim is empty', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key, { username_claim: null, username_attribute_path: 'profile.handle' });
    const token = await sign(key, claims({ profile: { handle: 'al' } }));
    expect((await call(grafana, '/api/user', { token })).body).toMatchObject({ login: 'al' });
  });
});
