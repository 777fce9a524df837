import type { AuditLog } from '../audit.ts';
import type { Config } from '../config.ts';
import type { Store } from '../store/types.ts';

/**
 * What a CLI command is: its words, positional arguments, its own options and a one-line summary.
 * Each file in server/cli/commands/ exports a group of them as `commands`; the parser (server/cli.ts)
 * refuses options a command does not declare, and the usage text is generated from these declarations.
 */

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder for the value in usage, e.g. "EMAIL". */
  value?: string;
  required?: boolean;
  help?: string;
}

export interface ArgSpec {
  name: string;
  optional?: boolean;
}

export interface CommandContext<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  config: Config;
  io: Io;
  /** Positional arguments after the command's words, checked against `args`. */
  args: string[];
  options: OptionValues<O>;
  /** The database and audit log, opened on first use and closed after the command. */
  store(): Promise<{ store: Store; audit: AuditLog }>;
}

export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K]['type'] extends 'string' ? string : string | boolean;
};

export interface Command<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** The words that select it, e.g. ["users", "add"]. */
  words: string[];
  args?: ArgSpec[];
  /** Positional arguments after the declared ones are allowed (e.g. a list). */
  moreArgs?: boolean;
  options?: O;
  summary: string;
  /** Returns the exit code; throw UsageError (2) or InputError (1) for bad input. */
  run(ctx: CommandContext<O>): Promise<number>;
}

/**
 * Declares a command; the option values' types come from its option table. The parser only ever hands
 * `run` values of the declared types (parseArgs in strict mode), which is what makes the widening safe.
 */
export const command = <O extends Record<string, OptionSpec> = Record<never, OptionSpec>>(c: Command<O>): Command => c as unknown as Command;

/** The command line is wrong (exit 2, with the command's usage). */
export class UsageError extends Error {}

const SUMMARY_COLUMN = 42;

/** One command's usage line(s), e.g. "users add LOGIN --email EMAIL [--admin]". */
export function usageOf(c: Command): string {
  const args = (c.args ?? []).map((a) => (a.optional ? `[${a.name}]` : a.name));
  if (c.moreArgs) args.push('…');
  const options = Object.entries(c.options ?? {}).map(([name, o]) => {
    const text = o.type === 'string' ? `--${name} ${o.value ?? 'VALUE'}` : `--${name}`;
    return o.required ? text : `[${text}]`;
  });
  const line = [...c.words, ...args, ...options].join(' ');
  return line.length <= SUMMARY_COLUMN - 4 ? `  ${line.padEnd(SUMMARY_COLUMN - 2)}${c.summary}` : `  ${line}\n${' '.repeat(SUMMARY_COLUMN)}${c.summary}`;
}

export function usageText(commands: Command[]): string {
  return [
    'Usage: grafana-sso [--config FILE] COMMAND',
    '',
    ...commands.map(usageOf),
    '',
    'Configuration: environment variables GRAFANA_SSO_* and an optional JSON file (--config or',
    'GRAFANA_SSO_CONFIG); see README.md.',
  ].join('\n');
}
