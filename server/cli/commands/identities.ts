import { systemClock } from '../../clock.ts';
import { linkIdentity, unlinkIdentity } from '../../oidc/links.ts';
import { command, type CommandContext } from '../command.ts';

/** Provider identities of accounts: linked only by an administrator (server/oidc/links.ts). */
const deps = async ({ config, store }: CommandContext) => ({ ...(await store()), clock: systemClock, config });

export const commands = [
  command({
    words: ['users', 'link'],
    args: [{ name: 'LOGIN' }],
    options: { provider: { type: 'string', value: 'ID', required: true }, subject: { type: 'string', value: 'SUB', required: true } },
    summary: "let the provider identity SUB (its \"sub\") sign in as this existing account",
    async run(ctx) {
      const identity = await linkIdentity(await deps(ctx), ctx.args[0]!, ctx.options.provider!, ctx.options.subject!, 'cli');
      ctx.io.out(`Linked ${identity.subject} at ${ctx.options.provider} (${identity.issuer}) to "${ctx.args[0]}".`);
      return 0;
    },
  }),
  command({
    words: ['users', 'unlink'],
    args: [{ name: 'LOGIN' }],
    options: { provider: { type: 'string', value: 'ID', required: true }, subject: { type: 'string', value: 'SUB' } },
    summary: "remove the account's identity at a provider; ends its sessions",
    async run(ctx) {
      const { identity, sessionsEnded } = await unlinkIdentity(await deps(ctx), ctx.args[0]!, ctx.options.provider!, ctx.options.subject, 'cli');
      ctx.io.out(`Unlinked ${identity.subject} at ${ctx.options.provider} from "${ctx.args[0]}"; ${sessionsEnded} session(s) ended.`);
      return 0;
    },
  }),
];
