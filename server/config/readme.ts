import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from './settings.ts';
import type { Field, Fields } from './spec.ts';

/**
 * The README's settings tables, generated from the settings table. `npm run docs:settings` rewrites
 * them between the markers; test/server/config-readme.test.ts fails when the README and the table differ.
 */
export const README_START = '<!-- settings: generated from server/config/settings.ts by `npm run docs:settings`; edit there -->';
export const README_END = '<!-- end of generated settings -->';

const code = (s: string) => `\`${s}\``;

function defaultOf(f: Field<unknown>): string {
  if (f.defaultDoc) return f.defaultDoc;
  if (!('default' in f)) return 'required';
  return code(typeof f.default === 'string' ? f.default : JSON.stringify(f.default));
}

const meaningOf = (f: Field<unknown>) => (f.parse.shape ? `${f.doc} (${f.parse.shape})` : f.doc);

export function settingsMarkdown(fields: Fields = SETTINGS): string {
  const rows = Object.entries(fields).map(([key, f]) => {
    const env = f.env ? `${code(f.env)}${f.parse.json ? ' (JSON)' : ''}` : '';
    return `| ${code(key)} | ${env} | ${defaultOf(f)} | ${meaningOf(f)} |`;
  });
  const parts = [['| setting (file) | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n')];
  for (const [key, f] of Object.entries(fields)) {
    if (!f.parse.fields) continue;
    const nested = Object.entries(f.parse.fields).map(([k, n]) => `| ${code(k)} | ${defaultOf(n)} | ${meaningOf(n)} |`);
    parts.push([`Each entry of ${code(key)}:`, '', '| key | default | meaning |', '|---|---|---|', ...nested].join('\n'));
  }
  return parts.join('\n\n');
}

/** The README with its settings section replaced by the generated one. */
export function withSettings(readme: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md needs the markers ${README_START} … ${README_END}`);
  return `${readme.slice(0, start + README_START.length)}\n${settingsMarkdown()}\n${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = fileURLToPath(new URL('../../README.md', import.meta.url));
  writeFileSync(path, withSettings(readFileSync(path, 'utf8')));
}
