import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main, type Io } from '../../server/cli.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import { verifyPassword } from '../../server/passwords.ts';

describe('grafana-sso CLI', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        publicUrl: 'https://sso.example.com',
        databasePath: join(dir, 'db.sqlite'),
        auditLog: join(dir, 'audit.log'),
        instances: [{ id: 'prod', url: 'https://grafana.example.com', allowedRoles: ['Viewer', 'Editor'], groupRoles: { devs: 'Editor' } }],
      }),
    );
    env = { GRAFANA_SSO_CONFIG: config };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (args: string[], stdin = '') => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => stdin, env };
    const code = await main(args, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('adds, lists, sets groups and roles, disables and deletes users', async () => {
    const add = await run(['users', 'add', 'alice', '--email', 'alice@example.com', '--name', 'Alice A', '--groups', 'devs']);
    expect(add.code).toBe(0);
    expect(add.out).toMatch(/Password \(shown once\): \S{20}/);
    expect((await run(['users', 'list'])).out).toMatch(/^alice\talice@example.com\tAlice A\tgroups=devs\tprod=Editor$/m);

    expect((await run(['users', 'set-role', 'alice', 'prod', 'viewer'])).out).toContain('prod: Viewer');
    expect((await run(['users', 'set-role', 'alice', 'prod', 'no-access'])).out).toContain('no access');
    expect((await run(['users', 'set-role', 'alice', 'prod', 'default'])).out).toContain('Editor (from groups/default)');
    expect((await run(['users', 'set-groups', 'alice', ''])).out).toContain('(none)');

    expect((await run(['users', 'disable', 'alice'])).out).toContain('Disabled');
    expect((await run(['users', 'list'])).out).toContain('[disabled]');
    expect((await run(['users', 'enable', 'alice'])).code).toBe(0);
    expect((await run(['users', 'delete', 'alice'])).out).toContain('Deleted');
    expect((await run(['users', 'list'])).out).toBe('No users.');
    const audit = (await run(['audit'])).out;
    expect(audit).toMatch(/"type":"user_created"/);
    expect(audit).toMatch(/"type":"user_deleted"/);
  });

  it('sets a password from standard input and ends the user’s sessions', async () => {
    await run(['users', 'add', 'bob', '--email', 'bob@example.com']);
    const res = await run(['users', 'passwd', 'bob', '--password-stdin'], 'a-long-new-password\n');
    expect(res.code).toBe(0);
    const store = await openSqliteStore(join(dir, 'db.sqlite'));
    const bob = (await store.getUserByLogin('bob'))!;
    expect(await verifyPassword('a-long-new-password', bob.passwordHash)).toBe(true);
    await store.close();
    expect((await run(['users', 'passwd', 'bob', '--password-stdin'], 'short')).err).toMatch(/at least 10 characters/);
  });

  it('answers bad input with a message that says what was wrong, and a non-zero code', async () => {
    const cases: [string[], number, RegExp][] = [
      [[], 2, /Usage:/],
      [['frobnicate'], 2, /Unknown command "frobnicate"/],
      [['users', 'add', 'x'], 2, /--email/],
      [['users', 'add', 'bad login!', '--email', 'a@b.c'], 1, /A login is/],
      [['users', 'disable', 'ghost'], 1, /No user with login "ghost"/],
      [['users', 'set-role', 'ghost', 'prod', 'Admin'], 1, /No user/],
      [['grafana-config', 'nope'], 2, /No instance "nope"/],
      [['grafana-config', '--format', 'yaml'], 2, /--format must be ini or env/],
      [['users', 'list', '--bogus'], 2, /Unknown option/],
      [['keys', 'spin'], 2, /Unknown keys command/],
    ];
    for (const [args, code, message] of cases) {
      const res = await run(args);
      expect(res.code, args.join(' ')).toBe(code);
      expect(res.err, args.join(' ')).toMatch(message);
    }
    await run(['users', 'add', 'carol', '--email', 'c@example.com']);
    expect((await run(['users', 'add', 'carol', '--email', 'c@example.com'])).err).toMatch(/already exists/);
    expect((await run(['users', 'set-role', 'carol', 'prod', 'Admin'])).err).toMatch(/allows only: Viewer, Editor/);
    expect((await run(['users', 'set-role', 'carol', 'prod', 'Root'])).err).toMatch(/is not a role/);
  });

  it('reports a configuration error naming the setting', async () => {
    env = { GRAFANA_SSO_TOKEN_LIFETIME: '-3', GRAFANA_SSO_DATABASE: join(dir, 'x.sqlite') };
    const res = await run(['users', 'list']);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/Configuration error: tokenLifetimeSeconds: must be a whole number/);
  });

  it('lists and rotates keys; a rotated key is pending until Grafana’s cache time has passed', async () => {
    expect((await run(['keys', 'list'])).out).toMatch(/\tES256\tactive\t/);
    const rotated = await run(['keys', 'rotate']);
    expect(rotated.out).toMatch(/signs from/);
    const list = (await run(['keys', 'list'])).out.split('\n');
    expect(list.map((l) => l.split('\t')[2])).toEqual(['active', 'pending']);
  });

  it('prints the Grafana settings as ini and as environment variables', async () => {
    const ini = await run(['grafana-config', 'prod']);
    expect(ini.out).toContain('jwk_set_url = https://sso.example.com/.well-known/jwks.json');
    expect(ini.err).toBe('');
    expect((await run(['grafana-config', '--format', 'env'])).out).toContain('GF_AUTH_JWT_URL_LOGIN=true');
  });

  it('runs as the package bin through node', async () => {
    const { stdout } = await promisify(execFile)('node', ['server/cli.mjs', 'users', 'list'], { env: { ...process.env, ...env } });
    expect(stdout.trim()).toBe('No users.');
  });
});
