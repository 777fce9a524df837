import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { FIRST_ADMIN } from '../../server/bootstrap.ts';
import { hashPassword } from '../../server/passwords.ts';
import { openPostgresStore } from '../../server/store/postgres.ts';
import type { Store } from '../../server/store/types.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { startRoundRobin, type RoundRobin } from '../helpers/round-robin.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { loginForm, postForm, requestToken, signInWithForm } from '../helpers/token-server.ts';

const execFileAsync = promisify(execFile);
const CLI = fileURLToPath(new URL('../../server/cli.mjs', import.meta.url));

// Two token-server processes on one PostgreSQL database behind a round-robin balancer, as an
// organisation runs its sign-in path on two machines. The tests run in order and share the servers.
describe('two token servers on one PostgreSQL', () => {
  let pgc: TestPostgres;
  let lb: RoundRobin;
  let dir: string;
  let env: Record<string, string>;
  let a: ServerProcess;
  let b: ServerProcess;
  let store: Store;
  const password = 'shared-password-1';
  const jwksOf = async (url: string) => (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  const kids = (set: JSONWebKeySet) => set.keys.map((k) => k.kid).sort();
  const tokenOf = async (url: string, cookie: string) => {
    const res = await requestToken(url, cookie, 'grafana');
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  };
  const verifiesAgainst = async (token: string, url: string) =>
    (await jwtVerify(token, createLocalJWKSet(await jwksOf(url)), { issuer: lb.url, audience: 'grafana:grafana' })).payload;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'two-servers-'));
    [pgc, lb] = await Promise.all([startPostgres(), startRoundRobin()]);
    const url = await pgc.createDatabase();
    env = { GRAFANA_SSO_DATABASE_URL: url, GRAFANA_SSO_PUBLIC_URL: lb.url, GRAFANA_SSO_DATABASE_CONNECT_TIMEOUT: '2', GRAFANA_SSO_ADMIN_PASSWORD: password };
    const start = (name: string) => startServerProcess({ ...env, GRAFANA_SSO_AUDIT_LOG: join(dir, `${name}.log`) });
    // Both at once, on an empty database: both migrate, create the first key and the first admin.
    [a, b] = await Promise.all([start('a'), start('b')]);
    lb.backends.push(a.url, b.url);
    store = await openPostgresStore({ url, poolSize: 2, connectTimeoutMs: 2000 });
    const hash = await hashPassword(password);
    for (const login of ['alice', 'bob', 'carol']) await store.createUser({ login, email: `${login}@example.com`, name: login, passwordHash: hash }, Date.now());
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await store?.close();
    await lb?.close();
    await pgc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('started together on an empty database, they agree on one first key and one admin', async () => {
    const keys = await store.listKeys();
    expect(keys).toHaveLength(1);
    expect(kids(await jwksOf(a.url))).toEqual([keys[0]!.kid]);
    expect(kids(await jwksOf(b.url))).toEqual([keys[0]!.kid]);
    expect((await store.listUsers()).filter((u) => u.login === FIRST_ADMIN.login)).toHaveLength(1);
  });

  it('a session made on one server gets tokens from the other, and logging out on one ends it on both', async () => {
    const cookie = await signInWithForm(a.url, 'alice', password);
    const token = await tokenOf(b.url, cookie);
    expect((await verifiesAgainst(token, a.url)).login).toBe('alice');
    expect((await requestToken(b.url, cookie, 'grafana', {})).status).toBe(200);
    const out = await fetch(`${a.url}/api/logout`, { method: 'POST', headers: { cookie, 'x-grafana-sso': '1' } });
    expect(out.status).toBe(204);
    const refused = await requestToken(b.url, cookie, 'grafana');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'session_required' });
  });

  it('counts wrong passwords across both servers at once: the account limit holds', async () => {
    const form = await loginForm(lb.url);
    // Ten wrong passwords for one account at the same moment, alternating servers (limit 5).
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => postForm(`${i % 2 ? a.url : b.url}/login`, form.cookie, { login: 'carol', password: 'wrong-password-1', csrf: form.csrf })),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
  });

  it('a rotation adds exactly one key, even when two are started together; both servers publish it and sign alike', async () => {
    const cookie = await signInWithForm(lb.url, 'bob', password);
    const before = (await store.listKeys()).map((k) => k.kid);
    // Two operators (or servers) rotating at the same moment, each in its own process.
    const rotate = async () =>
      (await execFileAsync(process.execPath, [CLI, 'keys', 'rotate'], { env: { PATH: process.env.PATH ?? '', ...env, GRAFANA_SSO_AUDIT_LOG: join(dir, 'cli.log') } })).stdout;
    const [first, second] = await Promise.all([rotate(), rotate()]);
    const keys = await store.listKeys();
    expect(keys).toHaveLength(before.length + 1);
    const added = keys.find((k) => !before.includes(k.kid))!;
    expect(first).toContain(added.kid);
    expect(second).toContain(added.kid);
    // Each server re-reads the published set within seconds.
    for (const server of [a, b]) {
      await expect.poll(async () => kids(await jwksOf(server.url)), { timeout: 10_000, interval: 250 }).toEqual([...before, added.kid].sort());
    }
    // Pre-published, not yet signing: both servers still sign with the same active key.
    const [fromA, fromB] = [await tokenOf(a.url, cookie), await tokenOf(b.url, cookie)];
    expect(decodeProtectedHeader(fromA).kid).toBe(before[0]);
    expect(decodeProtectedHeader(fromB).kid).toBe(before[0]);
    await verifiesAgainst(fromA, b.url);
    await verifiesAgainst(fromB, a.url);
  }, 30_000);

  it('PostgreSQL restarting under load: 503 store_unavailable meanwhile, /readyz says why (/healthz: the process lives), then both recover', async () => {
    const cookie = await signInWithForm(lb.url, 'bob', password);
    const statuses = new Map<number, number>();
    const codes = new Set<string>();
    let running = true;
    const worker = async () => {
      while (running) {
        const res = await requestToken(lb.url, cookie, 'grafana');
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status !== 200) codes.add(((await res.json()) as { code: string }).code);
        else await res.arrayBuffer();
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, worker));
    await new Promise((r) => setTimeout(r, 300));
    await pgc.stop();
    await expect.poll(() => statuses.get(503) ?? 0, { timeout: 10_000 }).toBeGreaterThan(5);
    for (const server of [a, b]) {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ code: 'server_unavailable', checks: { store: 'failed' }, reason: expect.stringMatching(/PostgreSQL/) });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    }
    await pgc.start();
    const okBefore = statuses.get(200) ?? 0;
    await expect.poll(() => (statuses.get(200) ?? 0) - okBefore, { timeout: 15_000 }).toBeGreaterThan(20);
    running = false;
    await load;
    expect([...statuses.keys()].sort()).toEqual([200, 503]);
    expect([...codes]).toEqual(['store_unavailable']);
    for (const server of [a, b]) expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(a.child.exitCode ?? b.child.exitCode).toBeNull();
  }, 40_000);

  it('one server killed (-9) mid-burst: the other answers every request, and no answered token lacks its audit row', async () => {
    const cookies = await Promise.all(['alice', 'bob'].map((login) => signInWithForm(lb.url, login, password)));
    const answered: string[] = [];
    const statuses: number[] = [];
    let sent = 0;
    const worker = async () => {
      while (sent < 300) {
        const n = sent++;
        if (n === 100) void a.kill('SIGKILL');
        const res = await requestToken(lb.url, cookies[n % 2]!, 'grafana');
        statuses.push(res.status);
        if (res.status === 200) answered.push(((await res.json()) as { token: string }).token);
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    expect(a.child.signalCode).toBe('SIGKILL');
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(answered).toHaveLength(300);
    const audited = new Set((await store.listAudit(5000)).filter((e) => e.type === 'token_minted').map((e) => e.jti));
    const missing = answered.map((t) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()).jti as string).filter((jti) => !audited.has(jti));
    expect(missing).toEqual([]);
    expect(await store.listKeys()).toHaveLength(2);
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
  }, 40_000);
});
