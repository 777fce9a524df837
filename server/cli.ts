import { readdirSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AuditLog } from './audit.ts';
import { systemClock } from './clock.ts';
import { loadConfig, type Config } from './config.ts';
import { ConfigError } from './errors.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/types.ts';
import { UsageError, usageOf, usageText, type Command, type Io, type OptionSpec } from './cli/command.ts';

export type { Io } from './cli/command.ts';

/**
 * The command line: finds the command in the table (every file in server/cli/commands/), parses its
 * own options strictly, loads the configuration and runs it, turning every failure into a message and
 * an exit code (0 ok, 1 refused, 2 bad usage) — never a stack trace.
 */

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

const GLOBAL_OPTIONS = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } satisfies ParseArgsConfig['options'];

/** Adding a command group is adding a file to server/cli/commands/ that exports `commands`. */
export async function loadCommands(): Promise<Command[]> {
  const dir = new URL('./cli/commands/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const groups = await Promise.all(files.map(async (f) => ({ file: f, module: (await import(new URL(f, dir).href)) as { commands?: unknown } })));
  return groups.flatMap(({ file, module }) => {
    if (!Array.isArray(module.commands)) throw new Error(`server/cli/commands/${file} must export \`commands\``);
    return module.commands as Command[];
  });
}

export async function usage(): Promise<string> {
  return usageText(await loadCommands());
}

/** Runs one CLI command; returns the process exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const commands = await loadCommands();
  const refuse = (message: string, shown: Command[] = commands) => {
    io.err(`${message}\n\n${shown === commands ? usageText(commands) : `Usage:\n${shown.map(usageOf).join('\n')}`}`);
    return 2;
  };

  // First pass, global options only: which command is it?
  const words = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true }).positionals;
  const cmd = commands.find((c) => c.words.every((w, i) => words[i] === w));
  const group = commands.filter((c) => c.words[0] === words[0]);
  if (!cmd) {
    if (words.length === 0 || words[0] === 'help') {
      if (words[0] === 'help' || argv.includes('--help') || argv.includes('-h')) {
        io.out(usageText(commands));
        return 0;
      }
      return refuse('A command is needed.');
    }
    if (group.length === 0) return refuse(`Unknown command "${words[0]}"`);
    if (!words[1] && (argv.includes('--help') || argv.includes('-h'))) {
      io.out(`Usage:\n${group.map(usageOf).join('\n')}`);
      return 0;
    }
    return refuse(words[1] ? `Unknown ${words[0]} command "${words[1]}"` : `${words[0]} needs a command: ${group.map((c) => c.words[1]).join(', ')}`, group);
  }

  // Second pass: only this command's options are accepted.
  const own: Record<string, OptionSpec> = cmd.options ?? {};
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { ...GLOBAL_OPTIONS, ...Object.fromEntries(Object.entries(own).map(([name, o]) => [name, { type: o.type }])) },
    });
  } catch (e) {
    const option = /option '([^']+)'/.exec((e as Error).message)?.[1];
    const takes = Object.keys(own).map((o) => `--${o}`).join(', ') || 'no options';
    const message = (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `Unknown option ${option} for "${cmd.words.join(' ')}" (it takes ${takes})` : (e as Error).message;
    return refuse(message, [cmd]);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(`Usage:\n${usageOf(cmd)}`);
    return 0;
  }
  if (!cmd.words.every((w, i) => positionals[i] === w)) return refuse(`Options go after the command words "${cmd.words.join(' ')}"`, [cmd]);
  const args = positionals.slice(cmd.words.length);
  const declared = cmd.args ?? [];
  if (args.length < declared.filter((a) => !a.optional).length || (!cmd.moreArgs && args.length > declared.length)) {
    return refuse(`Wrong number of arguments for "${cmd.words.join(' ')}"`, [cmd]);
  }
  const missing = Object.entries(own).find(([name, o]) => o.required && values[name as keyof typeof values] === undefined);
  if (missing) return refuse(`--${missing[0]}${missing[1].value ? ` ${missing[1].value}` : ''} is required`, [cmd]);

  let config: Config;
  try {
    config = loadConfig({ env: io.env, ...(typeof values.config === 'string' ? { file: values.config } : {}) });
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`Configuration error: ${e.message}`);
      return 2;
    }
    throw e;
  }

  let opened: { store: Store; audit: AuditLog } | undefined;
  try {
    return await cmd.run({
      config,
      io,
      args,
      options: values,
      store: async () => {
        if (!opened) {
          const store = await openStore(config);
          // The database only: the running server copies these events into its audit file (audit.ts).
          opened = { store, audit: new AuditLog(store, systemClock, '') };
        }
        return opened;
      },
    });
  } catch (e) {
    if (e instanceof UsageError) return refuse(e.message, group);
    // Refused input, or anything unexpected: a message, never a stack trace.
    io.err(`Error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await opened?.audit.close();
    await opened?.store.close();
  }
}
