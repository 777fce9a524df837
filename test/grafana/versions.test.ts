// The rules that differ by Grafana version line, each on both lines (docs/grafana-jwt.md#versions).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8 } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { call, claims, harness, iniText, JWT_INVALID, makeHmacKey, makeKey, sign, unsignedToken } from './helpers.ts';
import { startGrafanaStandin } from './standin.ts';

const h = harness();
afterEach(() => h.cleanup());
const ANON = '\n[auth.anonymous]\nenabled = true\norg_role = Viewer\n';
const dir = mkdtempSync(join(tmpdir(), 'grafana-versions-'));

describe('one version line at a time', () => {
  it('the default is the newest release line, 12.x; /api/health says which line answers', async () => {
    const key = await makeKey();
    const byDefault = (await h.start(key)).grafana;
    const main = (await h.start(key, {}, '', { version: 'main' })).grafana;
    expect(byDefault.rules.version).toBe('12.x');
    expect((await call(byDefault, '/api/health')).body).toMatchObject({ database: 'ok', version: '12.3.0' });
    expect((await call(main, '/api/health')).body).toMatchObject({ database: 'ok', version: '12.4.0-pre' });
  });

  it('RS384: verifies on 12.x; on main it does not parse, so the JWT client is skipped', async () => {
    const key = await makeKey('RS384', 'rs384');
    const v12 = (await h.start(key, {}, ANON, { version: '12.x' })).grafana;
    const main = (await h.start(key, {}, ANON, { version: 'main' })).grafana;
    const token = await sign(key);
    expect(await call(v12, '/api/user', { token })).toMatchObject({ status: 200, body: { login: 'alice', isAnonymous: false } });
    expect(await call(main, '/api/user', { token })).toMatchObject({ status: 200, body: { login: '', isAnonymous: true } });
    expect(main.requests[0]?.jwt).toBe('skipped');
  });

  it('HMAC keys: any length on 12.x; main needs >= 32 bytes for HS256', async () => {
    const long = makeHmacKey(32, 'HS256', 'hmac-32');
    const short = makeHmacKey(16, 'HS256', 'hmac-16');
    const v12 = (await h.start([long, short], {}, '', { version: '12.x' })).grafana;
    const main = (await h.start([long, short], {}, '', { version: 'main' })).grafana;
    expect((await call(v12, '/api/user', { token: await sign(short) })).status).toBe(200);
    expect((await call(main, '/api/user', { token: await sign(long) })).status).toBe(200);
    expect(await call(main, '/api/user', { token: await sign(short) })).toMatchObject({ status: 401, body: JWT_INVALID });
    expect(main.requests[1]?.detail).toMatch(/shorter than 32 bytes/);
  });

  it('alg none: parses and fails verification on 12.x (jwt.invalid); not parsed on main (skipped)', async () => {
    const key = await makeKey();
    const v12 = (await h.start(key, {}, '', { version: '12.x' })).grafana;
    const main = (await h.start(key, {}, '', { version: 'main' })).grafana;
    expect(await call(v12, '/api/user', { token: unsignedToken() })).toMatchObject({ status: 401, body: JWT_INVALID });
    expect(v12.requests[0]?.jwt).toBe('failed');
    expect(await call(main, '/api/user', { token: unsignedToken() })).toMatchObject({ status: 401, body: { messageId: 'auth.unauthorized' } });
    expect(main.requests[0]?.jwt).toBe('skipped');
  });

  it('whitespace inside the token: stripped on 12.x ("Bearer  <jwt>" works), not on main', async () => {
    const key = await makeKey();
    const v12 = (await h.start(key, {}, '', { version: '12.x' })).grafana;
    const main = (await h.start(key, {}, '', { version: 'main' })).grafana;
    const token = await sign(key);
    const [head, rest] = [token.slice(0, 10), token.slice(10)];
    for (const spaced of [`Bearer  ${token}`, `${head} ${rest}`]) {
      expect((await call(v12, '/api/user', { token: spaced })).status).toBe(200);
      expect((await call(main, '/api/user', { token: spaced })).status).toBe(401);
    }
    expect(main.requests.every((r) => r.jwt === 'skipped')).toBe(true);
  });

  it('a bad key source: 12.x does not start; main starts, logs it, and every token gets 401', async () => {
    const ini = iniText({ jwk_set_url: 'https://a.test/jwks.json', jwk_set_file: '/nonexistent.json' });
    await expect(startGrafanaStandin({ ini, version: '12.x' })).rejects.toThrow(/ambiguous/);
    const main = await h.standin({ ini, version: 'main' });
    expect(main.startupLog.join('\n')).toMatch(/level=error.*ambiguous/);
    const key = await makeKey();
    expect(await call(main, '/api/user', { token: await sign(key) })).toMatchObject({ status: 401, body: JWT_INVALID });
    expect(main.requests[0]?.detail).toMatch(/no usable key set/);
  });

  it('a private-key PEM in key_file: loads on 12.x but verifies nothing; on main a key-source error', async () => {
    const key = await makeKey('ES256', null);
    const path = join(dir, 'private.pem');
    writeFileSync(path, await exportPKCS8(key.privateKey as CryptoKey));
    const v12 = await h.standin({ ini: iniText({ key_file: path }), version: '12.x' });
    const main = await h.standin({ ini: iniText({ key_file: path }), version: 'main' });
    expect(main.startupLog.join('\n')).toMatch(/private key/);
    for (const grafana of [v12, main]) {
      expect(await call(grafana, '/api/user', { token: await sign(key) })).toMatchObject({ status: 401, body: JWT_INVALID });
    }
    expect(v12.requests[0]?.detail).toMatch(/private key; go-jose cannot verify/);
  });

  it('invalid role with strict off resets to auto_assign_org_role on every request, on both lines', async () => {
    const key = await makeKey();
    for (const version of ['12.x', 'main'] as const) {
      const { grafana } = await h.start(key, { role_attribute_strict: 'false' }, '', { version });
      expect((await call(grafana, '/api/user', { token: await sign(key, claims({ role: 'Admin' })) })).body).toMatchObject({ orgRole: 'Admin' });
      expect((await call(grafana, '/api/user', { token: await sign(key, claims({ role: 'admin' })) })).body).toMatchObject({ orgRole: 'Viewer' });
    }
  });
});
