import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grafanaSettings } from '../../server/grafana-config.ts';
import { freePort } from '../helpers/stack.ts';
import { csrfField, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';
import { httpsRequest, makeCertificates, startProxy, type ProxyKind, type RunningProxy } from '../helpers/tls-proxy.ts';

const STANDIN_CLI = fileURLToPath(new URL('../grafana/cli.ts', import.meta.url));
const SSO_CLI = fileURLToPath(new URL('../../server/cli.mjs', import.meta.url));

/** `grafana-sso doctor` in its own process (exit code and output), optionally trusting a CA file. */
function runDoctor(env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SSO_CLI, 'doctor'], { env: { PATH: process.env.PATH ?? '', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}
const PASSWORD = 'alice-password-over-tls';

/** The Grafana stand-in in its own process, trusting the test CA the way Grafana trusts the system's. */
async function startStandinProcess(iniPath: string, caFile: string): Promise<{ url: string; child: ChildProcess; output(): string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', STANDIN_CLI, '--config', iniPath, '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: caFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const found = /^(http:\/\/\S+)$/m.exec(out)?.[1];
      if (found) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`the stand-in exited (${code}): ${out}`)));
  });
  return { url, child, output: () => out };
}

/**
 * Each real reverse proxy as the TLS front: a throwaway CA, the token server and the Grafana stand-in
 * (production mode: an https JWKS only) behind it, one client signing in and getting a token through
 * it, Grafana fetching the key set through it and accepting the token. Proxies run on their own ports
 * with their own config files (the docs' templates), never the system services.
 */
describe.each(['apache', 'nginx'] as ProxyKind[])('behind %s, over TLS', (kind) => {
  let dir: string;
  let ca: string;
  let certs: ReturnType<typeof makeCertificates>;
  let server: RunningTokenServer;
  let proxy: RunningProxy;
  let standin: { url: string; child: ChildProcess; output(): string };
  let ssoUrl: string;
  let grafanaUrl: string;
  let cookie: string;
  let token: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `grafana-sso-${kind}-`));
    certs = makeCertificates(dir);
    ca = readFileSync(certs.caFile, 'utf8');
    const [ssoPort, grafanaPort] = [await freePort(), await freePort()];
    ssoUrl = `https://localhost:${ssoPort}`;
    grafanaUrl = `https://localhost:${grafanaPort}`;
    server = await startTokenServer({
      settings: { publicUrl: ssoUrl, trustProxy: 1, instances: [{ id: 'prod', url: grafanaUrl }] },
      users: [{ login: 'alice', password: PASSWORD, email: 'alice@example.com' }],
    });
    const ini = grafanaSettings(server.config, server.config.instances[0]!).ini;
    expect(ini).not.toMatch(/^\s*app_mode/m);
    writeFileSync(join(dir, 'grafana.ini'), ini);
    standin = await startStandinProcess(join(dir, 'grafana.ini'), certs.caFile);
    const listen = (port: number) => `127.0.0.1:${port}`;
    proxy = await startProxy(kind, join(dir, kind), {
      tokenServer: { serverName: 'localhost', listen: listen(ssoPort), upstream: server.url },
      grafana: { serverName: 'localhost', listen: listen(grafanaPort), upstream: standin.url },
      certFile: certs.certFile,
      keyFile: certs.keyFile,
      logDir: join(dir, kind),
    });

    // Sign in through the proxy from another address (127.0.0.2) that also forges X-Forwarded-For.
    const page = await httpsRequest(`${ssoUrl}/login`, { ca });
    const loginCookie = String(page.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
    const signIn = await httpsRequest(`${ssoUrl}/login`, {
      ca,
      method: 'POST',
      localAddress: '127.0.0.2',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie, origin: ssoUrl, 'x-forwarded-for': '203.0.113.9' },
      body: new URLSearchParams({ login: 'alice', password: PASSWORD, csrf: csrfField(page.body), return_to: '/' }).toString(),
    });
    expect(signIn.status, signIn.body).toBe(303);
    cookie = (signIn.headers['set-cookie'] as string[]).find((c) => c.startsWith('__Host-grafana_sso_session='))!;
    const minted = await httpsRequest(`${ssoUrl}/api/token`, {
      ca,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-grafana-sso': '1', cookie: cookie.split(';')[0]! },
      body: JSON.stringify({ instance: 'prod' }),
    });
    expect(minted.status, minted.body).toBe(200);
    token = (JSON.parse(minted.body) as { token: string }).token;
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    standin?.child.kill('SIGKILL');
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets a Secure __Host- session cookie and HSTS, over TLS the test CA signed', async () => {
    expect(cookie).toMatch(/^__Host-grafana_sso_session=[^;]+;.*Secure/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).not.toMatch(/Domain=/i);
    const health = await httpsRequest(`${ssoUrl}/readyz`, { ca });
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000');
    // Without the CA the certificate is not trusted: it really is the throwaway CA's.
    await expect(httpsRequest(`${ssoUrl}/healthz`, { ca: '' as string })).rejects.toThrow(/certificate/i);
  });

  it('takes the client address from the proxy, not from what the client wrote', () => {
    const audit = readFileSync(server.auditLogPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; ip?: string });
    expect(audit.find((e) => e.type === 'sign_in')?.ip).toBe('127.0.0.2');
  });

  it('Grafana in production mode fetches the JWKS over https through the proxy and accepts the token', async () => {
    const user = await httpsRequest(`${grafanaUrl}/api/user`, { ca, headers: { 'X-JWT-Assertion': token } });
    expect(user.status, user.body + standin.output()).toBe(200);
    expect(JSON.parse(user.body)).toMatchObject({ login: 'alice', email: 'alice@example.com', orgRole: 'Viewer' });
    // A proxy writes the access log line once the response is done: wait for it.
    await expect.poll(() => proxy.accessLog('grafana-sso')).toMatch(/"GET \/\.well-known\/jwks\.json HTTP\/1\.1" 200/);
  });

  it('opens Grafana by URL login through the proxy, and no access log holds the token', async () => {
    const page = await httpsRequest(`${grafanaUrl}/d/abc/overview?orgId=1&auth_token=${token}`, { ca, headers: { referer: `${grafanaUrl}/?auth_token=${token}` } });
    expect(page.status).toBeLessThan(400);
    await expect.poll(() => proxy.accessLog('grafana')).toContain('"GET /d/abc/overview HTTP/1.1"');
    const grafanaLog = proxy.accessLog('grafana');
    const logs = [grafanaLog, proxy.accessLog('grafana-sso'), proxy.errorLog(), readFileSync(server.logPath, 'utf8')];
    for (const log of logs) {
      expect(log).not.toContain(token.split('.')[2]!);
      expect(log).not.toContain('auth_token');
      expect(log).not.toContain(cookie.split(';')[0]!.split('=')[1]!);
      expect(log).not.toContain(PASSWORD);
    }
  });

  it('keeps /metrics from the public name', async () => {
    const res = await httpsRequest(`${ssoUrl}/metrics`, { ca });
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('grafana_sso_');
  });

  it('doctor: accepts the JWKS at the public URL with the CA Grafana trusts, and names the certificate problem without it', async () => {
    const env = {
      GRAFANA_SSO_DATABASE: server.config.databasePath,
      GRAFANA_SSO_AUDIT_LOG: '',
      GRAFANA_SSO_PUBLIC_URL: ssoUrl,
      // A production-like https deployment: keys sealed at rest, the extension pinned (no startup warnings).
      GRAFANA_SSO_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      GRAFANA_SSO_EXTENSION_IDS: 'abcdefghijklmnopabcdefghijklmnop',
      GRAFANA_SSO_INSTANCES: JSON.stringify([{ id: 'prod', url: grafanaUrl }]),
    };
    const trusted = await runDoctor({ ...env, NODE_EXTRA_CA_CERTS: certs.caFile });
    expect(trusted.out).toMatch(/ok {7}configuration: loaded; public URL https:\/\/localhost:\d+/);
    expect(trusted.out).toContain(`ok       jwks: ${ssoUrl}/.well-known/jwks.json publishes 1 key(s) over https with a trusted certificate`);
    expect(trusted.out).toMatch(/ok {7}grafana prod: https:\/\/localhost:\d+ answers \(Grafana /);
    const untrusted = await runDoctor(env);
    expect(untrusted.code).toBe(1);
    expect(untrusted.out).toMatch(/PROBLEM {2}jwks: https:\/\/localhost:\d+\/\.well-known\/jwks\.json: Grafana would refuse the certificate \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)/);
    expect(untrusted.out).toContain('fix: use a certificate for this host name from a CA');
  });
});
