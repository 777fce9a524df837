// Providers in configuration: validation that names the setting, discovery at startup (an
// incompatible provider is an error, an unreachable one is retried), private_key_jwt, and a
// sign-in page that goes straight to the provider when it is the only way in.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { identityFrom } from '../../server/oidc/claims.ts';
import { loadConfig } from '../../server/config.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import { freePort } from '../helpers/stack.ts';
import { postForm, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';
import { HttpBrowser } from '../oidc/http-browser.ts';
import { startTestProvider, tokenServerClient, type TestProvider } from '../oidc/provider.ts';
import { signInThroughProvider } from '../oidc/sign-in-steps.ts';

const base = { id: 'corp', issuer: 'https://login.example.com', clientId: 'c', clientSecret: 's' };
const providersOf = (providers: unknown[]) => loadConfig({ env: {}, overrides: { providers } }).providers;

describe('the providers setting', () => {
  it.each([
    [{ ...base, issuer: 'http://login.example.com' }, /providers\[0\]\.issuer: must be https/],
    [{ ...base, clientId: undefined }, /providers\[0\]\.clientId: is required/],
    [{ ...base, clientSecret: undefined }, /providers\[0\]\.clientSecret: is required/],
    [{ ...base, colour: 'blue' }, /providers\[0\]\.colour: unknown setting/],
    [{ ...base, claims: { groups: 'realm access' } }, /providers\[0\]\.claims\.groups: must be a claim name or a dotted path/],
    [{ ...base, claims: { role: 'x' } }, /providers\[0\]\.claims\.role: unknown field/],
    [{ ...base, allowedEmailDomains: ['not a domain'] }, /providers\[0\]\.allowedEmailDomains\[0\]/],
    [{ ...base, clientAuthMethod: 'private_key_jwt' }, /providers\[0\]\.privateKeyFile: is required/],
    [{ ...base, clientSecret: undefined, privateKeyFile: '/nonexistent/key.pem' }, /providers\[0\]\.privateKeyFile: cannot read/],
    [{ ...base, timeoutSeconds: 0 }, /providers\[0\]\.timeoutSeconds/],
    [{ ...base, id: 'Corp!' }, /providers\[0\]\.id/],
  ])('refuses %j', (provider, message) => {
    expect(() => providersOf([provider])).toThrow(message);
  });

  it('accepts a complete provider with documented defaults, and plain http on loopback only', () => {
    const [p] = providersOf([{ ...base, issuer: 'http://127.0.0.1:9000', scopes: 'email groups', claims: { groups: 'realm_access.roles' } }]);
    expect(p).toMatchObject({
      name: 'corp',
      scopes: ['openid', 'email', 'groups'],
      claims: { login: 'preferred_username', email: 'email', name: 'name', groups: 'realm_access.roles' },
      requireVerifiedEmail: true,
      allowedEmailDomains: [],
      clientAuth: { method: 'client_secret_basic', secret: 's' },
    });
    expect(() => providersOf([base, base])).toThrow(/providers\[1\]\.id: "corp" is used twice/);
    // groups: null — the provider's groups are not used; an account keeps the groups set here.
    const [google] = providersOf([{ ...base, claims: { login: 'email', groups: null } }]);
    expect(google!.claims).toMatchObject({ login: 'email', groups: null });
    expect(identityFrom(google!, { sub: 's', email: 'A@Example.com', email_verified: true, groups: ['x'] })).toMatchObject({ login: 'A@Example.com', email: 'a@example.com', groups: null });
  });

  it('local accounts cannot be switched off without a provider', () => {
    expect(() => loadConfig({ env: {}, overrides: { localAccounts: false } })).toThrow(/localAccounts: cannot be false without providers/);
    expect(loadConfig({ env: { GRAFANA_SSO_PROVIDERS: JSON.stringify([base]), GRAFANA_SSO_LOCAL_ACCOUNTS: 'false' } })).toMatchObject({
      localAccounts: false,
      providers: [{ id: 'corp' }],
    });
  });
});

describe('discovery at startup', () => {
  let fake: Server;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'grafana-sso-oidc-'));
    // Answers a discovery document, but one this server cannot work with (HS256 only, no S256).
    fake = createServer((req, res) => {
      const issuer = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/auth`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          id_token_signing_alg_values_supported: ['HS256'],
          code_challenge_methods_supported: ['plain'],
          subject_types_supported: ['public'],
        }),
      );
      void req;
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => fake.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a provider that answers but cannot work is a configuration error naming the setting', async () => {
    const issuer = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const config = loadConfig({ env: {}, overrides: { databasePath: join(dir, 'a.sqlite'), auditLog: '', providers: [{ ...base, issuer }] } });
    const store = await openSqliteStore(config.databasePath);
    try {
      await expect(createApp({ config, store, log: () => {}, timers: false })).rejects.toThrow(/providers\[0\]\.issuer: .*S256 PKCE.*asymmetric algorithm/);
    } finally {
      await store.close();
    }
  });
});

describe('a provider down at startup, private_key_jwt, and the provider as the only way in', () => {
  let provider: TestProvider | undefined;
  let s: RunningTokenServer;
  let providerPort: number;
  let dir: string;
  const logs: string[] = [];
  /** The token server's client, registered at the provider once it starts. */
  let clientFor: Record<string, unknown> = {};
  const dave = { sub: 'sub-dave', login: 'dave', password: 'dave-password', email: 'dave@example.com', name: 'Dave', groups: ['ops'] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'grafana-sso-oidc-'));
    providerPort = await freePort();
    const issuer = `http://127.0.0.1:${providerPort}`;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = join(dir, 'client-key.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid: 'client-key-1', alg: 'ES256', use: 'sig' };
    s = await startTokenServer({
      settings: (url) => {
        const { client_secret: _none, ...client } = tokenServerClient(url, 'corp', { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk] } });
        clientFor = client;
        return {
        localAccounts: false,
        providers: [{ id: 'corp', name: 'Corp SSO', issuer, clientId: 'grafana-sso-corp', privateKeyFile: keyFile, scopes: ['openid', 'email', 'profile', 'groups'], timeoutSeconds: 1 }],
        instances: [{ id: 'grafana', url: 'http://127.0.0.1:3000', groupRoles: { ops: 'Editor' } }],
        };
      },
      log: (m: string) => logs.push(m),
    });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    await provider?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an unreachable provider does not stop the server: it is reported, and sign-in says so', async () => {
    expect(s.server.ctx.providers.get('corp')?.problem).toMatch(/fetch failed|ECONNREFUSED/);
    expect(logs.join('\n')).toMatch(/provider "corp" is unreachable \(http:\/\/127\.0\.0\.1:\d+\): .*retrying in 5 s/);
    const browser = new HttpBrowser();
    const page = await browser.go(`${s.url}/login`);
    expect(page.status).toBe(503);
    expect(page.html).toContain('oidc_provider_unavailable');
    expect((await s.store.listAudit(10)).at(-1)).toMatchObject({ type: 'oidc_sign_in_refused', provider: 'corp', reason: 'oidc_provider_unavailable' });
  });

  it('once the provider is up, sign-in works without a restart, the client authenticating with private_key_jwt', async () => {
    provider = await startTestProvider({ port: providerPort, accounts: [dave], clients: [clientFor] });
    const browser = new HttpBrowser();
    // /login has nothing to choose: one provider, no passwords. It goes straight there.
    const login = await browser.request(`${s.url}/login?return_to=%2F`);
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/oidc/corp/login?return_to=%2F');
    const page = await signInThroughProvider(browser, s.url, 'corp', dave);
    expect(page.html).toContain('Signed in as Dave');
    expect(logs.join('\n')).toMatch(/provider "corp" is reachable again/);
  }, 60_000);

  it('with the provider session alive, an expired session here renews itself through /login, untyped', async () => {
    const browser = new HttpBrowser();
    await signInThroughProvider(browser, s.url, 'corp', dave);
    await s.store.deleteUserSessions((await s.store.getUserByLogin('dave'))!.id);
    const page = await browser.go(`${s.url}/login?return_to=%2F`);
    expect(page.url).toBe(`${s.url}/`);
    expect(page.html).toContain('Signed in as Dave');
  });

  it('password sign-in is refused when local accounts are off; the signed-out page does not bounce back', async () => {
    const page = await fetch(`${s.url}/login?signed_out=1`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('Sign in with Corp SSO');
    expect(html).not.toContain('name="password"');
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf = /grafana_sso_login_csrf=([^;]+)/.exec(cookie)![1]!;
    const res = await postForm(`${s.url}/login`, cookie, { login: 'dave', password: 'whatever-it-is', csrf, return_to: '/' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Password sign-in is switched off');
  });
});
