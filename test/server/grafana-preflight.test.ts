import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreflightError, runPreflight, type PreflightInput } from '../../server/grafana-preflight.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { requestToken, signInWithForm } from '../helpers/token-server.ts';

/**
 * The preflight against the stand-in started like a fresh Grafana, seeded with accounts that collide
 * with the token server's users; each prediction is then checked by signing in for real.
 */
describe('grafana preflight', () => {
  let stack: Stack;
  let input: () => Promise<PreflightInput>;
  let adminToken: string;

  beforeAll(async () => {
    stack = await startStack({
      instances: [{ id: 'grafana', groupRoles: { ops: 'Editor' } }],
      users: [
        // Email collides with Grafana's built-in admin: would demote it to Viewer.
        { login: 'root', password: 'root-password-12', email: 'Admin@Localhost' },
        // Login collides (email differs): Viewer in Grafana, Editor here (group).
        { login: 'carol', password: 'carol-password-1', email: 'carol@new.example', groups: ['ops'] },
        // Same email and same role: a takeover that changes nothing.
        { login: 'dave', password: 'dave-password-12', email: 'dave@example.com' },
        // Nobody in Grafana has this email or login: a new account, not listed.
        { login: 'erin', password: 'erin-password-12', email: 'erin@example.com' },
        // Collides, but has no access to the instance: never gets a token.
        { login: 'frank', password: 'frank-password-1', email: 'frank@example.com', grants: { grafana: 'no-access' } },
      ],
    });
    const grafana = stack.grafana.grafana!;
    grafana.users.add({ login: 'carol', email: 'carol@old.example', orgRole: 'Viewer', otherOrgs: { 2: 'Editor' } });
    grafana.users.add({ login: 'dave', email: 'dave@example.com', orgRole: 'Viewer' });
    grafana.users.add({ login: 'frank', email: 'frank@example.com', orgRole: 'Admin' });
    adminToken = grafana.serviceAccounts.add({ name: 'preflight', role: 'Admin' }).token;
    input = async () => ({
      instance: stack.server.config.instances[0]!,
      users: await stack.server.store.listUsers(),
      token: adminToken,
      timeoutMs: 5000,
    });
  });
  afterAll(() => stack.close());

  it('lists every account the token server would take over, demotions first', async () => {
    const report = await runPreflight(await input());
    expect(report).toMatchObject({ grafanaVersion: '12.3.0', org: { id: 1, name: 'Main Org.' }, coverage: 'org-members', accountsChecked: 4 });
    expect(report.takeovers.map((t) => [t.account.login, t.user.login, t.matchedBy, t.account.role, t.tokenRole, t.change])).toEqual([
      ['admin', 'root', 'email', 'Admin', 'Viewer', 'demotion'],
      ['carol', 'carol', 'login', 'Viewer', 'Editor', 'promotion'],
      ['dave', 'dave', 'email', 'Viewer', 'Viewer', 'unchanged'],
    ]);
    // frank is an Admin too, so Grafana would let this demotion through, silently.
    expect(report.takeovers[0]).toMatchObject({ lastAdmin: false });
  });

  it('its predictions are what Grafana then does: root signs in as Grafana\'s admin and demotes it', async () => {
    const cookie = await signInWithForm(stack.server.url, 'root', 'root-password-12');
    const { token } = (await (await requestToken(stack.server.url, cookie, 'grafana')).json()) as { token: string };
    const res = await fetch(`${stack.grafana.grafana!.url}/api/user`, { headers: { 'X-JWT-Assertion': token } });
    expect(await res.json()).toMatchObject({ id: 1, login: 'root', orgRole: 'Viewer' });
  });

  it('with users:read it also sees other orgs the account would leave', async () => {
    const reader = stack.grafana.grafana!.serviceAccounts.add({ name: 'reader', role: 'Admin', grants: ['users:read'] });
    const report = await runPreflight({ ...(await input()), token: reader.token });
    expect(report.coverage).toBe('all-users');
    expect(report.takeovers.find((t) => t.account.login === 'carol')?.account.otherOrgs).toEqual([{ id: 2, name: 'Org 2', role: 'Editor' }]);
  });
});

describe('grafana preflight: the last Admin', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ users: [{ login: 'boss', password: 'boss-password-12', email: 'admin@localhost' }] });
  });
  afterAll(() => stack.close());

  it('flags the demotion of the org\'s last Admin, which Grafana refuses: that sign-in fails', async () => {
    const grafana = stack.grafana.grafana!;
    // org.users:read without being an Admin (an Enterprise role assignment), so no service account is an Admin.
    const { token } = grafana.serviceAccounts.add({ name: 'reader', role: 'Viewer', grants: ['org.users:read'] });
    const report = await runPreflight({ instance: stack.server.config.instances[0]!, users: await stack.server.store.listUsers(), token, timeoutMs: 5000 });
    expect(report.takeovers).toMatchObject([{ account: { id: 1, login: 'admin' }, change: 'demotion', lastAdmin: true }]);
    const cookie = await signInWithForm(stack.server.url, 'boss', 'boss-password-12');
    const minted = (await (await requestToken(stack.server.url, cookie, 'grafana')).json()) as { token: string };
    expect((await fetch(`${grafana.url}/api/user`, { headers: { 'X-JWT-Assertion': minted.token } })).status).toBe(401);
  });
});

describe('grafana preflight: bad input gets a clear error', () => {
  let stack: Stack;
  const closers: (() => void)[] = [];
  beforeAll(async () => {
    stack = await startStack({ users: [{ login: 'a', password: 'a-password-1234' }] });
  });
  afterAll(async () => {
    closers.forEach((c) => c());
    await stack.close();
  });
  const base = async (over: Partial<PreflightInput>): Promise<PreflightInput> => ({
    instance: stack.server.config.instances[0]!,
    users: await stack.server.store.listUsers(),
    token: stack.grafana.grafana!.serviceAccounts.add({ name: `sa-${Math.random()}`, role: 'Admin' }).token,
    timeoutMs: 2000,
    ...over,
  });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => (e instanceof PreflightError ? { kind: e.kind, message: e.message } : { kind: 'other', message: String(e) }),
    );
  const listen = async (handler: Parameters<typeof createServer>[1]) => {
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => server.close());
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  it('unreachable Grafana', async () => {
    const closed = await listen(() => {});
    closers.pop()!();
    await new Promise((r) => setTimeout(r, 20));
    expect(await failure(runPreflight(await base({ grafanaUrl: closed })))).toMatchObject({ kind: 'unreachable', message: /cannot reach Grafana at .*ECONNREFUSED/ });
  });

  it('a URL that is not Grafana (the token server itself)', async () => {
    expect(await failure(runPreflight(await base({ grafanaUrl: stack.server.url })))).toMatchObject({ kind: 'not-grafana', message: /does not look like Grafana: GET \/api\/health answered/ });
  });

  it('a token Grafana does not know', async () => {
    expect(await failure(runPreflight(await base({ token: 'glsa_unknown_00000000' })))).toMatchObject({ kind: 'token-refused', message: /refused the token \(api-key.invalid: Invalid API key\)/ });
  });

  it('a token without the permission (a Viewer service account)', async () => {
    const viewer = stack.grafana.grafana!.serviceAccounts.add({ name: 'viewer', role: 'Viewer' }).token;
    expect(await failure(runPreflight(await base({ token: viewer })))).toMatchObject({ kind: 'permission', message: /may not read \/api\/org\/users: .*org\.users:read.*role Admin/ });
  });

  it('a Grafana that does not answer in time', async () => {
    const silent = await listen(() => {});
    expect(await failure(runPreflight(await base({ grafanaUrl: silent, timeoutMs: 200 })))).toMatchObject({ kind: 'timeout', message: /did not answer GET \/api\/health within 0.2 s/ });
  });
});
