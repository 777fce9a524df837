import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadCommands, main, type Io } from '../../server/cli.ts';
import { usageOf } from '../../server/cli/command.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import { verifyPassword } from '../../server/passwords.ts';

// User commands hash passwords at the production scrypt cost (N=2^17): on a shared 2-core machine a few of them take tens of seconds.
describe('grafana-sso CLI', { timeout: 60_000 }, () => {
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
    expect((await run(['users', 'list'])).out).toMatch(/^alice\talice@example.com\tAlice A\tsource=local\tgroups=devs\tprod=Editor$/m);

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

  it('refuses options a command does not take (exit 2), e.g. keys list --email', async () => {
    const res = await run(['keys', 'list', '--email', 'x@example.com']);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/^Unknown option --email for "keys list" \(it takes no options\)/);
    expect(res.err).toContain('keys list');
    expect((await run(['audit', '--admin'])).err).toMatch(/Unknown option --admin for "audit" \(it takes --limit\)/);
    expect((await run(['users', 'passwd', 'bob', '--email', 'b@example.com'])).code).toBe(2);
    expect((await run(['users', 'delete'])).err).toMatch(/Wrong number of arguments for "users delete"/);
    expect((await run(['users', 'delete', 'a', 'b'])).code).toBe(2);
  });

  it('generates its usage from the command table: every command with its arguments and options', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const c of await loadCommands()) expect(help.out).toContain(`  ${[...c.words, ...(c.args ?? []).map((a) => (a.optional ? `[${a.name}]` : a.name))].join(' ')}`);
    expect(help.out).toMatch(/^ {2}users add LOGIN --email E \[--name N\] \[--admin\] \[--groups a,b\] \[--password-stdin\]$/m);
    expect(help.out).toMatch(/^ {2}audit \[--limit N\] +the latest audit events/m);
    const words = (await loadCommands()).map((c) => c.words.join(' '));
    expect(new Set(words).size).toBe(words.length);
    expect((await run(['users', '--help'])).out).toContain('  users set-role LOGIN INSTANCE ROLE');
    expect((await run(['users', 'add', '--help'])).out).toBe(`Usage:\n${usageOf((await loadCommands()).find((c) => c.words.join(' ') === 'users add')!)}`);
  });

  it('answers an out-of-range audit --limit with a message and exit 2, not a database error', async () => {
    for (const limit of ['99999999999999999999', '0', '-1', '1.5', 'ten', '100001']) {
      const res = await run(['audit', `--limit=${limit}`]);
      expect(res.code, limit).toBe(2);
      expect(res.err, limit).toMatch(/^--limit must be a whole number from 1 to 100000/);
      expect(res.err, limit).not.toMatch(/SqliteError|\n\s+at /);
    }
    expect((await run(['audit', '--limit', '100000'])).code).toBe(0);
  });

  it('--config with a file that is not JSON names the file and the position, not its contents', async () => {
    const res = await run(['--config', '/etc/passwd', 'users', 'list']);
    expect(res.code).toBe(2);
    expect(res.err).toBe('Configuration error: GRAFANA_SSO_CONFIG: config file /etc/passwd is not valid JSON (unexpected character at line 1, column 1)');
  });

  it('serve on a port in use ends with one line naming the address, not a stack trace', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const child = spawnSync('node', ['server/cli.mjs', 'serve'], {
        env: { ...process.env, ...env, GRAFANA_SSO_HOST: '127.0.0.1', GRAFANA_SSO_PORT: String(port) },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(child.status).toBe(1);
      expect(child.stderr.trim()).toBe(
        `Error: cannot listen on 127.0.0.1:${port}: the address is already in use; stop the other program or set port (GRAFANA_SSO_PORT) (EADDRINUSE)`,
      );
      // It did not get as far as creating the first admin and printing a password nobody will use.
      expect(child.stdout).toBe('');
    } finally {
      busy.close();
    }
  });
});
