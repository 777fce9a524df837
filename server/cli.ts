import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.ts';
import { AuditLog } from './audit.ts';
import { ensureFirstAdmin } from './bootstrap.ts';
import { systemClock } from './clock.ts';
import { developmentWarnings, loadConfig, type Config } from './config.ts';
import { ConfigError, InputError } from './errors.ts';
import { grafanaSettings } from './grafana-config.ts';
import { KeyManager, keySchedule, keyState } from './keys.ts';
import { generatePassword, hashPassword, passwordProblem } from './passwords.ts';
import { roleFor } from './policy.ts';
import { parseRole } from './contract/index.ts';
import { StoreUnavailableError } from './store/driver.ts';
import { openStore } from './store/open.ts';
import type { InstanceGrant, Store, User } from './store/types.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
}

const processIo: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  env: process.env,
};

export const USAGE = `Usage: grafana-sso [--config FILE] COMMAND

  serve                                   start the token server
  users list                              list users, their groups and roles
  users add LOGIN --email E [--name N] [--admin] [--groups a,b] [--password-stdin]
                                          create a user (a random password is printed unless given on stdin)
  users passwd LOGIN [--password-stdin]   set a new password (random and printed unless given on stdin)
  users disable LOGIN | users enable LOGIN
                                          a disabled user is signed out and gets no new token
  users delete LOGIN                      remove a user and their sessions
  users set-groups LOGIN GROUP[,GROUP…]   replace the user's groups ("" for none)
  users set-role LOGIN INSTANCE ROLE      ROLE: Viewer, Editor, Admin, None, GrafanaAdmin, no-access, or default
  keys list                               signing keys and their state
  keys rotate                             publish a new key now; it signs after Grafana's cache time
  grafana-config [INSTANCE] [--format ini|env]
                                          the exact Grafana [auth.jwt] settings for an instance
  audit [--limit N]                       the latest audit events as JSON lines

Configuration: environment variables GRAFANA_SSO_* and an optional JSON file (--config or
GRAFANA_SSO_CONFIG); see README.md.`;

class UsageError extends Error {}

/** Runs one CLI command; returns the process exit code (0 ok, 1 failed, 2 bad usage). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        email: { type: 'string' },
        name: { type: 'string' },
        admin: { type: 'boolean' },
        groups: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        format: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: opts, positionals } = parsed;
  if (opts.help || positionals[0] === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    io.err(`A command is needed.\n\n${USAGE}`);
    return 2;
  }

  let config: Config;
  try {
    config = loadConfig({ env: io.env, ...(opts.config ? { file: opts.config } : {}) });
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`Configuration error: ${e.message}`);
      return 2;
    }
    throw e;
  }

  const [command, sub, ...rest] = positionals;
  if (command === 'serve') return serve(config, io);

  let store: Store | undefined;
  try {
    store = await openStore(config);
    const audit = new AuditLog(store, systemClock, config.auditLog === '-' ? '' : config.auditLog);
    try {
      switch (command) {
        case 'users':
          await users(store, audit, config, io, sub, rest, opts);
          break;
        case 'keys':
          await keys(store, audit, config, io, sub);
          break;
        case 'grafana-config': {
          const id = sub ?? config.defaultInstance;
          const instance = config.instances.find((i) => i.id === id);
          if (!instance) throw new UsageError(`No instance "${id}"; configured: ${config.instances.map((i) => i.id).join(', ')}`);
          const format = opts.format ?? 'ini';
          if (format !== 'ini' && format !== 'env') throw new UsageError('--format must be ini or env');
          const settings = grafanaSettings(config, instance);
          io.out(format === 'env' ? settings.env : settings.ini);
          for (const w of settings.warnings) io.err(`warning: ${w}`);
          break;
        }
        case 'audit': {
          const limit = Number(opts.limit ?? 50);
          if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive whole number');
          for (const e of await store.listAudit(limit)) io.out(JSON.stringify({ time: new Date(e.at).toISOString(), ...e }));
          break;
        }
        default:
          throw new UsageError(`Unknown command "${command}"`);
      }
    } finally {
      await audit.close();
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof InputError || e instanceof ConfigError || e instanceof StoreUnavailableError) {
      io.err(`Error: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await store?.close();
  }
}

async function serve(config: Config, io: Io): Promise<number> {
  let store: Store;
  try {
    store = await openStore(config, io.err);
  } catch (e) {
    if (!(e instanceof StoreUnavailableError || e instanceof InputError)) throw e;
    io.err(`Cannot open the database: ${e.message}`);
    return 1;
  }
  const server = await createApp({ config, store, log: io.err });
  const notice = await ensureFirstAdmin(store, systemClock, server.ctx.audit, io.env, config.instances);
  if (notice) io.out(notice);
  for (const w of developmentWarnings(config)) io.err(`\n*** WARNING (development settings): ${w}\n`);
  const listener = server.app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    listener.once('listening', resolve);
    listener.once('error', reject);
  }).catch((e: NodeJS.ErrnoException) => {
    throw new ConfigError('port', `cannot listen on ${config.host}:${config.port}: ${e.code ?? e.message}`);
  });
  const { port } = listener.address() as AddressInfo;
  io.out(`grafana-sso listening on http://${config.host}:${port} (public URL ${config.publicUrl})`);
  io.out(`Grafana settings:  npm run cli -- grafana-config ${config.defaultInstance}`);
  const stop = () => {
    listener.close();
    void server.close().then(() => store.close());
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return 0;
}

type Opts = { email?: string; name?: string; admin?: boolean; groups?: string; 'password-stdin'?: boolean };

async function users(store: Store, audit: AuditLog, config: Config, io: Io, sub: string | undefined, args: string[], opts: Opts): Promise<void> {
  const now = () => systemClock.now();
  const need = (n: number, shape: string) => {
    if (args.length !== n) throw new UsageError(`Usage: grafana-sso users ${sub} ${shape}`);
  };
  const find = async (login: string): Promise<User> => {
    const user = await store.getUserByLogin(login);
    if (!user) throw new InputError('unknown_user', `No user with login "${login}"`);
    return user;
  };
  const newPassword = async (): Promise<{ password: string; generated: boolean }> => {
    if (!opts['password-stdin']) return { password: generatePassword(), generated: true };
    const password = (await io.readStdin()).replace(/\r?\n$/, '');
    const problem = passwordProblem(password);
    if (problem) throw new InputError('weak_password', problem);
    return { password, generated: false };
  };
  const groupsOf = (text: string) => [...new Set(text.split(',').map((g) => g.trim()).filter(Boolean))];

  switch (sub) {
    case 'list': {
      const list = await store.listUsers();
      if (list.length === 0) io.out('No users.');
      for (const u of list) {
        const roles = config.instances.map((i) => `${i.id}=${roleFor(u, i) ?? 'no access'}`).join(' ');
        io.out(`${u.login}\t${u.email}\t${u.name}${u.disabled ? '\t[disabled]' : ''}${u.isAdmin ? '\t[admin]' : ''}\tgroups=${u.groups.join(',') || '-'}\t${roles}`);
      }
      return;
    }
    case 'add': {
      need(1, 'LOGIN --email EMAIL [--name NAME] [--admin] [--groups a,b] [--password-stdin]');
      const login = args[0]!;
      if (!/^[\w.@+-]{1,100}$/.test(login)) throw new InputError('invalid_login', 'A login is 1–100 letters, digits or . _ @ + -');
      if (!opts.email || !/^[^\s@]+@[^\s@]+$/.test(opts.email)) throw new UsageError('--email with a valid address is required');
      const { password, generated } = await newPassword();
      const user = await store.createUser(
        { login, email: opts.email, name: opts.name ?? login, passwordHash: await hashPassword(password), isAdmin: !!opts.admin, groups: groupsOf(opts.groups ?? '') },
        now(),
      );
      await audit.record('user_created', { user: user.id, login, by: 'cli' });
      io.out(`Created user "${login}" (id ${user.id}).`);
      if (generated) io.out(`Password (shown once): ${password}`);
      return;
    }
    case 'passwd': {
      need(1, 'LOGIN [--password-stdin]');
      const user = await find(args[0]!);
      const { password, generated } = await newPassword();
      await store.updateUser(user.id, { passwordHash: await hashPassword(password) }, now());
      const ended = await store.deleteUserSessions(user.id);
      await audit.record('password_changed', { user: user.id, login: user.login, by: 'cli', sessionsEnded: ended });
      io.out(`Password of "${user.login}" changed; ${ended} session(s) ended.`);
      if (generated) io.out(`Password (shown once): ${password}`);
      return;
    }
    case 'disable':
    case 'enable': {
      need(1, 'LOGIN');
      const user = await find(args[0]!);
      await store.updateUser(user.id, { disabled: sub === 'disable' }, now());
      const ended = sub === 'disable' ? await store.deleteUserSessions(user.id) : 0;
      await audit.record(sub === 'disable' ? 'user_disabled' : 'user_enabled', { user: user.id, login: user.login, by: 'cli' });
      io.out(sub === 'disable' ? `Disabled "${user.login}"; ${ended} session(s) ended; no new tokens.` : `Enabled "${user.login}".`);
      return;
    }
    case 'delete': {
      need(1, 'LOGIN');
      const user = await find(args[0]!);
      await store.deleteUser(user.id);
      await audit.record('user_deleted', { user: user.id, login: user.login, by: 'cli' });
      io.out(`Deleted "${user.login}".`);
      return;
    }
    case 'set-groups': {
      need(2, 'LOGIN GROUP[,GROUP…]');
      const user = await find(args[0]!);
      const groups = groupsOf(args[1]!);
      await store.updateUser(user.id, { groups }, now());
      await audit.record('user_groups_set', { user: user.id, login: user.login, groups, by: 'cli' });
      io.out(`Groups of "${user.login}": ${groups.join(', ') || '(none)'}`);
      return;
    }
    case 'set-role': {
      need(3, 'LOGIN INSTANCE ROLE');
      const [login, instanceId, roleText] = args as [string, string, string];
      const user = await find(login);
      const instance = config.instances.find((i) => i.id === instanceId);
      if (!instance) throw new InputError('unknown_instance', `No instance "${instanceId}"; configured: ${config.instances.map((i) => i.id).join(', ')}`);
      let grant: InstanceGrant | null;
      if (roleText === 'default') grant = null;
      else if (roleText === 'no-access') grant = 'no-access';
      else {
        const role = parseRole(roleText);
        if (!role) throw new InputError('invalid_role', `"${roleText}" is not a role; use Viewer, Editor, Admin, None, GrafanaAdmin, no-access or default`);
        if (!instance.allowedRoles.includes(role)) {
          throw new InputError('role_not_allowed', `Instance "${instance.id}" allows only: ${instance.allowedRoles.join(', ')}`);
        }
        grant = role;
      }
      await store.setGrant(user.id, instance.id, grant);
      await audit.record('user_role_set', { user: user.id, login: user.login, instance: instance.id, grant, by: 'cli' });
      const updated = await find(login);
      io.out(`"${user.login}" on ${instance.id}: ${roleFor(updated, instance) ?? 'no access'}${grant === null ? ' (from groups/default)' : ''}`);
      return;
    }
    default:
      throw new UsageError(sub ? `Unknown users command "${sub}"` : 'users needs a command');
  }
}

async function keys(store: Store, audit: AuditLog, config: Config, io: Io, sub: string | undefined): Promise<void> {
  const manager = new KeyManager(store, systemClock, keySchedule(config), audit);
  const show = (ms: number) => new Date(ms).toISOString();
  switch (sub) {
    case 'list': {
      await manager.maintain();
      const now = systemClock.now();
      for (const k of await store.listKeys()) {
        const state = keyState(k, now);
        const when = state === 'pending' ? `signs from ${show(k.activatesAt)}` : state === 'active' ? `signing since ${show(k.activatesAt)}` : `retired ${show(k.retiredAt!)}`;
        io.out(`${k.kid}\t${k.alg}\t${state}\t${when}`);
      }
      return;
    }
    case 'rotate': {
      await manager.maintain();
      const key = await manager.rotate();
      io.out(`Key ${key.kid} is published now and signs from ${show(key.activatesAt)} (after Grafana's JWKS cache time of ${config.grafanaJwksCacheSeconds} s).`);
      return;
    }
    default:
      throw new UsageError(sub ? `Unknown keys command "${sub}"` : 'keys needs a command: list or rotate');
  }
}
