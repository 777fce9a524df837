// Startup validation and the three key sources (docs/grafana-jwt.md#settings, #keys).
import { spawn } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportSPKI, importJWK, type JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { call, claims, harness, iniText, JWT_INVALID, makeKey, sign } from './helpers.ts';
import { StandinConfigError, startGrafanaStandin } from './standin.ts';

const h = harness();
afterEach(() => h.cleanup());

// Refusing to start over a bad key source is 12.x's rule; versions.test.ts has main's (logged instead).
const V12 = { version: '12.x' } as const;

const dir = mkdtempSync(join(tmpdir(), 'grafana-standin-'));
let n = 0;
const writeTemp = (content: string, ext = 'txt') => {
  const path = join(dir, `f${n++}.${ext}`);
  writeFileSync(path, content);
  return path;
};

describe('exactly one key source', () => {
  it('refuses to start with no key source', async () => {
    const ini = iniText({});
    await expect(startGrafanaStandin({ ...V12, ini })).rejects.toThrow(/key set for jwt verification is not configured/);
    await expect(startGrafanaStandin({ ...V12, ini })).rejects.toBeInstanceOf(StandinConfigError);
  });

  it('refuses to start with two key sources', async () => {
    const ini = iniText({ jwk_set_url: 'https://sso.example.test/jwks.json', jwk_set_file: '/tmp/x.json' });
    await expect(startGrafanaStandin({ ...V12, ini })).rejects.toThrow(/ambiguous.*jwk_set_file, jwk_set_url/);
  });

  it('no key checks when [auth.jwt] is disabled (Grafana starts, tokens are ignored)', async () => {
    const key = await makeKey();
    const grafana = await h.standin({ ini: '[auth.jwt]\nenabled = false\nheader_name = X-JWT-Assertion\n' });
    const res = await call(grafana, '/api/user', { token: await sign(key) });
    expect(res.status).toBe(401);
    expect(grafana.requests[0]?.jwt).toBe('absent');
  });

  it('rejects passing both ini and iniPath; reads iniPath', async () => {
    await expect(startGrafanaStandin({ ini: '', iniPath: '/x' })).rejects.toThrow(/either ini or iniPath/);
    const key = await makeKey();
    const jwks = await h.jwks([key.jwk]);
    const grafana = await h.standin({ iniPath: writeTemp(iniText({ jwk_set_url: jwks.url }), 'ini') });
    expect((await call(grafana, '/api/user', { token: await sign(key) })).status).toBe(200);
  });
});

describe('jwk_set_url', () => {
  it('jwk_set_url must be https unless app_mode = development', async () => {
    const ini = iniText({ jwk_set_url: 'http://127.0.0.1:1/jwks.json' }).replace('app_mode = development', 'app_mode = production');
    await expect(startGrafanaStandin({ ...V12, ini })).rejects.toThrow(/jwk_set_url.*https/);
    const dev = await h.standin({ ini: iniText({ jwk_set_url: 'http://127.0.0.1:1/jwks.json' }) });
    expect(dev.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const https = await h.standin({ ini: iniText({ jwk_set_url: 'https://sso.example.test/jwks.json' }).replace('app_mode = development', '') });
    expect(https.settings.appMode).toBe('production');
  });

  it('is fetched lazily: nothing at startup, once on the first token', async () => {
    const key = await makeKey();
    const { jwks, grafana } = await h.start(key);
    expect(jwks.fetches).toBe(0);
    expect((await call(grafana, '/api/user', { token: await sign(key) })).status).toBe(200);
    expect(jwks.fetches).toBe(1);
  });

  it('an unreachable JWKS fails the token (jwt.invalid), not the startup', async () => {
    const key = await makeKey();
    const grafana = await h.standin({ ini: iniText({ jwk_set_url: 'http://127.0.0.1:1/jwks.json' }) });
    const res = await call(grafana, '/api/user', { token: await sign(key) });
    expect(res).toMatchObject({ status: 401, body: JWT_INVALID });
  });
});

describe('§2 jwk_set_file', () => {
  it('jwk_set_file is read once at startup', async () => {
    const key = await makeKey();
    const other = await makeKey('ES256', 'key-2');
    const path = writeTemp(JSON.stringify({ keys: [key.jwk] }), 'json');
    const grafana = await h.standin({ ini: iniText({ jwk_set_file: path }) });
    writeFileSync(path, JSON.stringify({ keys: [other.jwk] }));
    expect((await call(grafana, '/api/user', { token: await sign(key) })).status).toBe(200);
    expect((await call(grafana, '/api/user', { token: await sign(other) })).status).toBe(401);
  });

  it('one unparseable key (X25519) in jwk_set_file stops Grafana from starting', async () => {
    const key = await makeKey();
    const x25519: JWK = { kty: 'OKP', crv: 'X25519', x: Buffer.alloc(32, 9).toString('base64url'), kid: 'enc' };
    const path = writeTemp(JSON.stringify({ keys: [key.jwk, x25519] }), 'json');
    await expect(startGrafanaStandin({ ...V12, ini: iniText({ jwk_set_file: path }) })).rejects.toThrow(/jwk_set_file.*X25519/);
  });

  it('a missing jwk_set_file stops Grafana from starting', async () => {
    await expect(startGrafanaStandin({ ...V12, ini: iniText({ jwk_set_file: join(dir, 'missing.json') }) })).rejects.toThrow(
      /jwk_set_file/,
    );
  });
});

describe('§2 key_file (+ key_id)', () => {
  it('a PEM public key (SPKI) verifies tokens without kid when key_id is unset', async () => {
    const key = await makeKey('ES256', null);
    const path = writeTemp(await exportSPKI((await makeKeyPairFor(key)).publicKey), 'pem');
    const grafana = await h.standin({ ini: iniText({ key_file: path }) });
    expect((await call(grafana, '/api/user', { token: await sign(key) })).status).toBe(200);
    // Without key_id, a token that carries a kid finds no key.
    const withKid = await sign(key, claims(), { kid: 'key-1' });
    expect(await call(grafana, '/api/user', { token: withKid })).toMatchObject({ status: 401, body: JWT_INVALID });
  });

  it('with key_id, a token with kid needs kid == key_id (case-sensitive); a token without kid fails', async () => {
    const key = await makeKey('RS256', 'signer-A');
    const path = writeTemp(await exportSPKI((await makeKeyPairFor(key)).publicKey), 'pem');
    const grafana = await h.standin({ ini: iniText({ key_file: path, key_id: 'signer-A' }) });
    expect((await call(grafana, '/api/user', { token: await sign(key) })).status).toBe(200);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims(), { kid: 'signer-a' }) })).status).toBe(401);
    expect((await call(grafana, '/api/user', { token: await sign(key, claims(), { kid: undefined }) })).status).toBe(401);
  });

  it('an "RSA PUBLIC KEY" (PKCS#1) PEM is accepted too', async () => {
    const key = await makeKey('RS256', null);
    const spki = await exportSPKI((await makeKeyPairFor(key)).publicKey);
    const pkcs1 = createPublicKey(spki).export({ type: 'pkcs1', format: 'pem' }).toString();
    const grafana = await h.standin({ ini: iniText({ key_file: writeTemp(pkcs1, 'pem') }) });
    expect((await call(grafana, '/api/user', { token: await sign(key) })).status).toBe(200);
  });

  it('a raw HMAC secret in key_file stops Grafana from starting', async () => {
    const path = writeTemp('my-very-secret-shared-hmac-key-0123456789');
    await expect(startGrafanaStandin({ ...V12, ini: iniText({ key_file: path }) })).rejects.toThrow(/key_file.*pem/i);
  });

  it('a PEM block of another type (CERTIFICATE) stops Grafana from starting', async () => {
    const path = writeTemp('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', 'pem');
    await expect(startGrafanaStandin({ ...V12, ini: iniText({ key_file: path }) })).rejects.toThrow(/unknown pem block type "CERTIFICATE"/);
  });
});

describe('other startup checks', () => {
  it('invalid expect_claims JSON stops Grafana from starting', async () => {
    const ini = iniText({ jwk_set_url: 'https://x.test/jwks' }, { expect_claims: '{iss: x}' });
    await expect(startGrafanaStandin({ ini })).rejects.toThrow(/expect_claims.*JSON/);
  });

  it('expect_claims with a non-string iss or non-string aud stops Grafana from starting', async () => {
    await expect(startGrafanaStandin({ ini: iniText({ jwk_set_url: 'https://x.test/j' }, { expect_claims: '{"iss": 1}' }) })).rejects.toThrow(/"iss"/);
    await expect(startGrafanaStandin({ ini: iniText({ jwk_set_url: 'https://x.test/j' }, { expect_claims: '{"aud": [1]}' }) })).rejects.toThrow(/"aud"/);
  });

  it('refuses a role_attribute_path outside the supported JMESPath subset (stand-in limit)', async () => {
    const ini = iniText({ jwk_set_url: 'https://x.test/j' }, { role_attribute_path: "contains(groups[*], 'a') && 'Admin'" });
    await expect(startGrafanaStandin({ ini })).rejects.toThrow(/role_attribute_path.*unsupported JMESPath/);
  });
});

describe('cli.ts', () => {
  const runCli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string; child: ReturnType<typeof spawn> }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'cli.ts'), ...args]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/^http:\/\/\S+\n/.test(stdout)) resolve({ code: null, stdout, stderr, child });
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stdout, stderr, child }));
    });

  it('bad arguments: clear message and exit 2', async () => {
    const missing = await runCli(['--port', '3000']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--config is required/);
    const badPort = await runCli(['--config', 'x.ini', '--port', 'http']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/--port must be an integer/);
    const badVersion = await runCli(['--config', 'x.ini', '--grafana-version', '11.6']);
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toMatch(/--grafana-version must be one of 12\.x, main, got 11\.6/);
  });

  it('--grafana-version main logs a bad key source and serves; --empty starts without the built-in admin', async () => {
    const ini = writeTemp(iniText({ jwk_set_url: 'https://a.test/j', jwk_set_file: '/x.json' }), 'ini');
    const r = await runCli(['--config', ini, '--port', '0', '--grafana-version', 'main', '--empty']);
    try {
      const url = r.stdout.trim();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // Started despite the bad key source (its log line goes to stderr; versions.test.ts checks it).
      expect(await (await fetch(`${url}/api/health`)).json()).toMatchObject({ version: '12.4.0-pre' });
      expect(await (await fetch(`${url}/__standin/users`)).json()).toEqual([]);
    } finally {
      r.child.kill('SIGTERM');
    }
  });

  it('--dashboards serves a custom set; a bad file is a usage error: message and exit 2', async () => {
    const key = await makeKey();
    const jwks = await h.jwks([key.jwk]);
    const config = writeTemp(iniText({ jwk_set_url: jwks.url }), 'ini');
    const bad = await runCli(['--config', config, '--port', '0', '--dashboards', writeTemp('{"dashboards": {}}', 'json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/dashboards: .*"dashboards" must be an array/);
    expect((await runCli(['--config', config, '--dashboards'])).stderr).toMatch(/--dashboards needs a path/);
    const set = writeTemp(JSON.stringify({ dashboards: [{ uid: 'only-one', title: 'Only One' }] }), 'json');
    const r = await runCli(['--config', config, '--port', '0', '--dashboards', set]);
    try {
      const res = await fetch(`${r.stdout.trim()}/api/search`, { headers: { 'X-JWT-Assertion': await sign(key) } });
      expect(((await res.json()) as { uid: string }[]).map((x) => x.uid)).toEqual(['only-one']);
    } finally {
      r.child.kill('SIGTERM');
    }
  });

  it('a grafana.ini Grafana would refuse: message and exit 1', async () => {
    const r = await runCli(['--config', writeTemp(iniText({}), 'ini'), '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Grafana would not start: .*key set/);
  });

  it('prints the URL and serves', async () => {
    const key = await makeKey();
    const jwks = await h.jwks([key.jwk]);
    const r = await runCli(['--config', writeTemp(iniText({ jwk_set_url: jwks.url }), 'ini'), '--port', '0']);
    try {
      const url = r.stdout.trim();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${url}/api/user`, { headers: { 'X-JWT-Assertion': await sign(key) } });
      expect(res.status).toBe(200);
    } finally {
      r.child.kill('SIGTERM');
    }
  });
});

/** The public CryptoKey of a test key (from its published JWK), for exporting as PEM. */
async function makeKeyPairFor(key: Awaited<ReturnType<typeof makeKey>>) {
  return { publicKey: (await importJWK(key.jwk, key.alg)) as CryptoKey };
}
