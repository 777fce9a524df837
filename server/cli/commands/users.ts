import { systemClock } from '../../clock.ts';
import { accountSources } from '../../oidc/links.ts';
import { roleFor } from '../../policy.ts';
import { UserAdmin, parseGroups } from '../../user-admin.ts';
import { command, type CommandContext } from '../command.ts';

/** The user-administration rules (server/user-admin.ts), acting as "cli" in the audit log. */
async function admin({ config, store }: CommandContext): Promise<UserAdmin> {
  const { store: db, audit } = await store();
  return new UserAdmin({ store: db, audit, clock: systemClock, instances: config.instances }, 'cli');
}

const login = { name: 'LOGIN' };
const passwordStdin = { 'password-stdin': { type: 'boolean', help: 'read the password from standard input' } } as const;

/** The password from standard input (one line), or undefined for "generate one". */
async function givenPassword(ctx: CommandContext<typeof passwordStdin>): Promise<string | undefined> {
  return ctx.options['password-stdin'] ? (await ctx.io.readStdin()).replace(/\r?\n$/, '') : undefined;
}

const passwordOf = async (ctx: CommandContext<typeof passwordStdin>) => {
  const password = await givenPassword(ctx);
  return password === undefined ? {} : { password };
};

export const commands = [
  command({
    words: ['users', 'list'],
    summary: 'list users, where they sign in (local password, providers), their groups and roles',
    async run(ctx) {
      const list = await (await admin(ctx)).list();
      const sources = await accountSources((await ctx.store()).store, ctx.config);
      if (list.length === 0) ctx.io.out('No users.');
      for (const u of list) {
        const roles = ctx.config.instances.map((i) => `${i.id}=${roleFor(u, i) ?? 'no access'}`).join(' ');
        const source = [...(u.passwordHash ? ['local'] : []), ...(sources.get(u.id) ?? [])].join(',') || 'none';
        ctx.io.out(
          `${u.login}\t${u.email}\t${u.name}${u.disabled ? '\t[disabled]' : ''}${u.isAdmin ? '\t[admin]' : ''}\tsource=${source}\tgroups=${u.groups.join(',') || '-'}\t${roles}`,
        );
      }
      return 0;
    },
  }),
  command({
    words: ['users', 'add'],
    args: [login],
    options: {
      email: { type: 'string', value: 'E', required: true },
      name: { type: 'string', value: 'N' },
      admin: { type: 'boolean' },
      groups: { type: 'string', value: 'a,b' },
      ...passwordStdin,
    },
    summary: 'create a user (a random password is printed unless given on stdin)',
    async run(ctx) {
      const { user, password, generated } = await (await admin(ctx)).create({
        login: ctx.args[0]!,
        email: ctx.options.email!,
        ...(ctx.options.name !== undefined ? { name: ctx.options.name } : {}),
        isAdmin: ctx.options.admin ?? false,
        groups: parseGroups(ctx.options.groups ?? ''),
        ...(await passwordOf(ctx)),
      });
      ctx.io.out(`Created user "${user.login}" (id ${user.id}).`);
      if (generated) ctx.io.out(`Password (shown once): ${password}`);
      return 0;
    },
  }),
  command({
    words: ['users', 'passwd'],
    args: [login],
    options: passwordStdin,
    summary: 'a new password (printed unless given on stdin); ends the sessions',
    async run(ctx) {
      const result = await (await admin(ctx)).setPassword(ctx.args[0]!, await givenPassword(ctx));
      ctx.io.out(`Password of "${result.user.login}" changed; ${result.sessionsEnded} session(s) ended.`);
      if (result.generated) ctx.io.out(`Password (shown once): ${result.password}`);
      return 0;
    },
  }),
  command({
    words: ['users', 'disable'],
    args: [login],
    summary: 'a disabled user is signed out and gets no new token',
    async run(ctx) {
      const { user, sessionsEnded } = await (await admin(ctx)).setDisabled(ctx.args[0]!, true);
      ctx.io.out(`Disabled "${user.login}"; ${sessionsEnded} session(s) ended; no new tokens.`);
      return 0;
    },
  }),
  command({
    words: ['users', 'enable'],
    args: [login],
    summary: 'let a disabled user sign in again',
    async run(ctx) {
      const { user } = await (await admin(ctx)).setDisabled(ctx.args[0]!, false);
      ctx.io.out(`Enabled "${user.login}".`);
      return 0;
    },
  }),
  command({
    words: ['users', 'delete'],
    args: [login],
    summary: 'remove a user and their sessions',
    async run(ctx) {
      const user = await (await admin(ctx)).delete(ctx.args[0]!);
      ctx.io.out(`Deleted "${user.login}".`);
      return 0;
    },
  }),
  command({
    words: ['users', 'set-groups'],
    args: [login, { name: 'GROUP[,GROUP…]' }],
    summary: 'replace the user\'s groups ("" for none)',
    async run(ctx) {
      const user = await (await admin(ctx)).setGroups(ctx.args[0]!, parseGroups(ctx.args[1]!));
      ctx.io.out(`Groups of "${user.login}": ${user.groups.join(', ') || '(none)'}`);
      return 0;
    },
  }),
  command({
    words: ['users', 'set-role'],
    args: [login, { name: 'INSTANCE' }, { name: 'ROLE' }],
    summary: 'ROLE: Viewer, Editor, Admin, None, GrafanaAdmin, no-access, or default',
    async run(ctx) {
      const [who, instanceId, role] = ctx.args as [string, string, string];
      const { user, instance, grant } = await (await admin(ctx)).setRole(who, instanceId, role);
      ctx.io.out(`"${user.login}" on ${instance.id}: ${roleFor(user, instance) ?? 'no access'}${grant === null ? ' (from groups/default)' : ''}`);
      return 0;
    },
  }),
];
