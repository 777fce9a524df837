import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCommands } from './cli.ts';
import { usageOf } from './cli/command.ts';
import { settingsMarkdown } from './config/markdown.ts';

/**
 * README sections generated from their one source: the settings table (server/config/settings.ts) and
 * the CLI's command table (server/cli/commands/). `npm run docs:readme` rewrites them between their
 * markers; test/server/readme-sections.test.ts fails when the README and the sources differ.
 */
export const SECTIONS: Record<string, { source: string; text: () => Promise<string> }> = {
  settings: { source: 'server/config/settings.ts', text: async () => settingsMarkdown() },
  cli: { source: 'server/cli/commands/', text: async () => ['```', ...(await loadCommands()).map(usageOf), '```'].join('\n') },
};

export const startMarker = (name: string) => `<!-- generated: ${name} from ${SECTIONS[name]!.source} by \`npm run docs:readme\`; edit there -->`;
export const endMarker = (name: string) => `<!-- end of generated ${name} -->`;

/** The README with every generated section replaced by its current text. */
export async function withSections(readme: string): Promise<string> {
  let out = readme;
  for (const [name, section] of Object.entries(SECTIONS)) {
    const start = out.indexOf(startMarker(name));
    const end = out.indexOf(endMarker(name));
    if (start < 0 || end < start) throw new Error(`README.md needs the markers ${startMarker(name)} … ${endMarker(name)}`);
    out = `${out.slice(0, start + startMarker(name).length)}\n${await section.text()}\n${out.slice(end)}`;
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = fileURLToPath(new URL('../README.md', import.meta.url));
  writeFileSync(path, await withSections(readFileSync(path, 'utf8')));
}
