// kid matching, algorithms and the JWKS cache (docs/grafana-jwt.md#keys, #jwks-cache).
import type { JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { call, claims, harness, JWT_INVALID, makeHmacKey, makeKey, sign } from './helpers.ts';

const h = harness();
afterEach(() => h.cleanup());


describe('kid matching', () => {
  it('kid match is exact and case-sensitive', async () => {
    const key = await makeKey('ES256', 'Key-2024');
    const { grafana } = await h.start(key);
    expect((await call(grafana, '/api/user', { token: await sign(key) })).status).toBe(200);
    const wrongCase = await sign(key, claims(), { kid: 'key-2024' });
    expect(await call(grafana, '/api/user', { token: wrongCase })).toMatchObject({ status: 401, body: JWT_INVALID });
    expect(grafana.requests[1]?.detail).toMatch(/no keys found/);
  });

  it('a token without kid fails against a JWKS whose keys all have kids', async () => {
    const key = await makeKey('ES256', 'k1');
    const { grafana } = await h.start(key);
    const noKid = await sign(key, claims(), { kid: undefined });
    expect(await call(grafana, '/api/user', { token: noKid })).toMatchObject({ status: 401, body: JWT_INVALID });
  });

  it('a token without kid matches a published key without kid', async () => {
    const key = await makeKey('ES256', null);
    const { grafana } = await h.start(key);
    expect((await call(grafana, '/api/user', { token: await sign(key) })).status).toBe(200);
    // …and a token with a kid does not match that key.
    expect((await call(grafana, '/api/user', { token: await sign(key, claims(), { kid: 'k1' }) })).status).toBe(401);
  });

  it('the signature is really checked: right kid, wrong signing key fails', async () => {
    const published = await makeKey('ES256', 'k1');
    const impostor = await makeKey('ES256', 'k1');
    const { grafana } = await h.start(published);
    expect((await call(grafana, '/api/user', { token: await sign(impostor) })).status).toBe(401);
    const good = await sign(published);
    const [hd, , sig] = good.split('.');
    const forged = `${hd}.${Buffer.from(JSON.stringify(claims({ role: 'Admin' }))).toString('base64url')}.${sig}`;
    expect((await call(grafana, '/api/user', { token: forged })).status).toBe(401);
    expect((await call(grafana, '/api/user', { token: good })).status).toBe(200);
  });
});

describe('algorithms', () => {
  // RS384, HMAC key sizes and alg none differ by version line: versions.test.ts.
  it.each(['ES256', 'ES384', 'ES512', 'RS256', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'])('accepts %s', async (alg) => {
    const key = await makeKey(alg, `k-${alg}`);
    const { grafana } = await h.start(key);
    expect((await call(grafana, '/api/user', { token: await sign(key) })).status).toBe(200);
  });

  it('an HS256 token does not verify against a published EC key (no alg confusion)', async () => {
    const ec = await makeKey('ES256', 'shared-kid');
    const hmac = makeHmacKey(32, 'HS256', 'shared-kid');
    const { grafana } = await h.start(ec);
    expect((await call(grafana, '/api/user', { token: await sign(hmac) })).status).toBe(401);
  });
});

describe('JWKS from jwk_set_url: cache', () => {
  it('cached for cache_ttl (default 60m); no refetch on an unknown kid', async () => {
    const oldKey = await makeKey('ES256', 'old');
    const newKey = await makeKey('ES256', 'new');
    const { jwks, grafana } = await h.start(oldKey);
    expect((await call(grafana, '/api/user', { token: await sign(oldKey) })).status).toBe(200);
    jwks.respond({ keys: [oldKey.jwk, newKey.jwk] });

    // The new kid is unknown to the cached set, and Grafana does not refetch for it.
    expect((await call(grafana, '/api/user', { token: await sign(newKey) })).status).toBe(401);
    grafana.clock.advanceSeconds(59 * 60);
    expect((await call(grafana, '/api/user', { token: await sign(newKey, claims({ iat: undefined, nbf: undefined, exp: undefined })) })).status).toBe(401);
    expect(jwks.fetches).toBe(1);

    grafana.clock.advanceSeconds(61);
    expect((await call(grafana, '/api/user', { token: await sign(newKey, claims({ iat: undefined, nbf: undefined, exp: undefined })) })).status).toBe(200);
    expect(jwks.fetches).toBe(2);
  });

  it('cache_ttl = 10m refetches after 10 minutes, not before', async () => {
    const key = await makeKey();
    const { jwks, grafana } = await h.start(key, { cache_ttl: '10m', expect_claims: '{}' });
    const token = await sign(key, claims({ exp: undefined, iat: undefined, nbf: undefined }));
    await call(grafana, '/api/user', { token });
    grafana.clock.advanceSeconds(9 * 60 + 50);
    await call(grafana, '/api/user', { token });
    expect(jwks.fetches).toBe(1);
    grafana.clock.advanceSeconds(11);
    await call(grafana, '/api/user', { token });
    expect(jwks.fetches).toBe(2);
  });

  it('a smaller Cache-Control max-age wins over cache_ttl', async () => {
    const key = await makeKey();
    const { jwks, grafana } = await h.start(key);
    jwks.respond({ keys: [key.jwk] }, { headers: { 'Cache-Control': 'public, max-age=30' } });
    const token = await sign(key);
    await call(grafana, '/api/user', { token });
    grafana.clock.advanceSeconds(25);
    await call(grafana, '/api/user', { token });
    expect(jwks.fetches).toBe(1);
    grafana.clock.advanceSeconds(6);
    await call(grafana, '/api/user', { token });
    expect(jwks.fetches).toBe(2);
  });

  it('a larger max-age does not extend cache_ttl', async () => {
    const key = await makeKey();
    const { jwks, grafana } = await h.start(key, { cache_ttl: '1m' });
    jwks.respond({ keys: [key.jwk] }, { headers: { 'Cache-Control': 'max-age=86400' } });
    const token = await sign(key);
    await call(grafana, '/api/user', { token });
    grafana.clock.advanceSeconds(55);
    await call(grafana, '/api/user', { token });
    expect(jwks.fetches).toBe(1);
    grafana.clock.advanceSeconds(6);
    await call(grafana, '/api/user', { token });
    expect(jwks.fetches).toBe(2);
  });

  it('cache_ttl = 0 disables caching: every verification fetches', async () => {
    const key = await makeKey();
    const { jwks, grafana } = await h.start(key, { cache_ttl: '0' });
    const token = await sign(key);
    for (let i = 0; i < 3; i++) expect((await call(grafana, '/api/user', { token })).status).toBe(200);
    expect(jwks.fetches).toBe(3);
  });

  it('the HTTP status is not checked: a JSON error body is cached as an empty key set', async () => {
    const key = await makeKey();
    const { jwks, grafana } = await h.start(key);
    jwks.respond({ error: 'upstream unavailable' }, { status: 503 });
    const token = await sign(key, claims({ exp: undefined, iat: undefined, nbf: undefined }));
    expect(await call(grafana, '/api/user', { token })).toMatchObject({ status: 401, body: JWT_INVALID });
    jwks.respond({ keys: [key.jwk] });
    // Still the cached empty set: no refetch although the endpoint is healthy again.
    expect((await call(grafana, '/api/user', { token })).status).toBe(401);
    expect(jwks.fetches).toBe(1);
    grafana.clock.advanceSeconds(60 * 60 + 1);
    expect((await call(grafana, '/api/user', { token })).status).toBe(200);
  });

  it('a valid key set served with status 404 is used all the same', async () => {
    const key = await makeKey();
    const { jwks, grafana } = await h.start(key);
    jwks.respond({ keys: [key.jwk] }, { status: 404 });
    expect((await call(grafana, '/api/user', { token: await sign(key) })).status).toBe(200);
  });

  it('one unparseable key (X25519) breaks the whole set, and that failure is not cached', async () => {
    const key = await makeKey();
    const { jwks, grafana } = await h.start(key);
    const x25519: JWK = { kty: 'OKP', crv: 'X25519', x: Buffer.alloc(32, 9).toString('base64url'), kid: 'enc-1', use: 'enc' };
    jwks.respond({ keys: [key.jwk, x25519] });
    const token = await sign(key);
    expect(await call(grafana, '/api/user', { token })).toMatchObject({ status: 401, body: JWT_INVALID });
    expect(grafana.requests[0]?.detail).toMatch(/X25519/);
    jwks.respond({ keys: [key.jwk] });
    expect((await call(grafana, '/api/user', { token })).status).toBe(200);
    expect(jwks.fetches).toBe(2);
  });

  it('a body that is not JSON fails the token and is not cached', async () => {
    const key = await makeKey();
    const { jwks, grafana } = await h.start(key);
    jwks.respond('<html>Bad gateway</html>', { status: 502 });
    const token = await sign(key);
    expect((await call(grafana, '/api/user', { token })).status).toBe(401);
    jwks.respond({ keys: [key.jwk] });
    expect((await call(grafana, '/api/user', { token })).status).toBe(200);
  });

  it('emits a jwks-fetch event per fetch', async () => {
    const key = await makeKey();
    const { grafana } = await h.start(key, { cache_ttl: '0' });
    const seen: unknown[] = [];
    grafana.events.on('jwks-fetch', (e) => seen.push(e));
    await call(grafana, '/api/user', { token: await sign(key) });
    expect(seen).toEqual([expect.objectContaining({ status: 200, cachedForMs: 0 })]);
  });
});
