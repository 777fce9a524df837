import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../server/cli.ts';
import { startGrafanaStandin, type GrafanaStandin } from '../grafana/standin.ts';
import { freePort } from '../helpers/stack.ts';

/** `grafana-preflight` end to end: the CLI's own database and config, the stand-in as a fresh Grafana with colliding accounts. */
describe('grafana-sso grafana-preflight', () => {
  let dir: string;
  let grafana: GrafanaStandin;
  let env: NodeJS.ProcessEnv;
  let adminToken: string;
  let closedUrl: string;

  const run = async (args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => options.stdin ?? '', env: { ...env, ...options.env } };
    const code = await main(args, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'preflight-cli-'));
    closedUrl = `http://127.0.0.1:${await freePort()}`;
    // The stand-in needs no JWT settings to answer the API the preflight reads.
    grafana = await startGrafanaStandin({ ini: '[auth.jwt]\nenabled = false\n' });
    grafana.users.add({ login: 'ops', email: 'ops@example.com', orgRole: 'Editor' });
    adminToken = grafana.serviceAccounts.add({ name: 'preflight', role: 'Admin' }).token;
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        publicUrl: 'https://sso.example.com',
        databasePath: join(dir, 'db.sqlite'),
        auditLog: join(dir, 'audit.log'),
        instances: [{ id: 'prod', url: grafana.url }],
      }),
    );
    env = { GRAFANA_SSO_CONFIG: config, GRAFANA_SSO_GRAFANA_TOKEN: adminToken };
    expect((await run(['users', 'add', 'root', '--email', 'admin@localhost'])).code).toBe(0);
    expect((await run(['users', 'add', 'ops', '--email', 'ops@example.com'])).code).toBe(0);
    expect((await run(['users', 'add', 'newcomer', '--email', 'new@example.com'])).code).toBe(0);
  });
  afterAll(async () => {
    await grafana.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the colliding accounts, demotions first, and exits 3 when someone would be demoted', async () => {
    const r = await run(['grafana-preflight', 'prod']);
    expect(r.code).toBe(3);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^Grafana 12\.3\.0 at http:\/\/127\.0\.0\.1:\d+, org 1 "Main Org\.": 2 accounts checked\.$/);
    expect(r.out).toMatch(/Only members of org 1 were checked/);
    const listed = lines.filter((l) => /^  (DEMOTED|CHANGED|SAME)/.test(l));
    expect(listed).toEqual([
      expect.stringMatching(
        /^  DEMOTED admin \(admin@localhost, id 1\): Admin → Viewer; the org's last Admin: Grafana refuses the demotion, so this user's sign-in fails \(unless a service account is an Admin\) — user "root" here, same email$/,
      ),
      expect.stringMatching(/^  DEMOTED ops \(ops@example\.com, id 2\): Editor → Viewer — user "ops" here, same email$/),
    ]);
    expect(r.out).toMatch(/users set-role LOGIN prod ROLE/);
    expect(r.out).not.toContain(adminToken);
  });

  it('after mapping the admins here, nobody is demoted: exit 0', async () => {
    expect((await run(['users', 'set-role', 'root', 'prod', 'Admin'])).code).toBe(0);
    expect((await run(['users', 'set-role', 'ops', 'prod', 'Editor'])).code).toBe(0);
    const r = await run(['grafana-preflight', '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { takeovers: { account: { login: string }; change: string }[] };
    expect(report.takeovers.map((t) => [t.account.login, t.change])).toEqual([
      ['admin', 'unchanged'],
      ['ops', 'unchanged'],
    ]);
  });

  it('reads the token from standard input with --token-stdin', async () => {
    const r = await run(['grafana-preflight', '--token-stdin'], { stdin: `${adminToken}\n`, env: { GRAFANA_SSO_GRAFANA_TOKEN: '' } });
    expect(r.code).toBe(0);
  });

  it.each([
    [['grafana-preflight', 'nope'], {}, 2, /No instance "nope"/],
    [['grafana-preflight', '--timeout', 'soon'], {}, 2, /--timeout must be a number of seconds/],
    [['grafana-preflight', '--format', 'yaml'], {}, 2, /--format must be text or json/],
    [['grafana-preflight', '--grafana-url', 'grafana.local'], {}, 2, /--grafana-url must be an http\(s\) URL/],
    [['grafana-preflight'], { GRAFANA_SSO_GRAFANA_TOKEN: '' }, 2, /service-account token is needed: set GRAFANA_SSO_GRAFANA_TOKEN/],
    [['grafana-preflight'], { GRAFANA_SSO_GRAFANA_TOKEN: 'glsa_wrong_00000000' }, 1, /^grafana-preflight: Grafana refused the token \(api-key\.invalid: Invalid API key\)/],
    [['grafana-preflight', '--grafana-url', 'CLOSED'], {}, 1, /^grafana-preflight: cannot reach Grafana at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/],
  ] as const)('%j → exit %i with a clear message', async (args, extraEnv, code, message) => {
    const r = await run(args.map((a) => (a === 'CLOSED' ? closedUrl : a)), { env: extraEnv });
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a service account without org.users:read: exit 1 naming the permission', async () => {
    const viewer = grafana.serviceAccounts.add({ name: 'viewer' }).token;
    const r = await run(['grafana-preflight'], { env: { GRAFANA_SSO_GRAFANA_TOKEN: viewer } });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/may not read \/api\/org\/users: .*Permissions needed: org\.users:read\. Give the service account the role Admin/);
  });
});
