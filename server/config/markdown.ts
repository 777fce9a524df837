import { SETTINGS } from './settings.ts';
import type { Field, Fields } from './spec.ts';

/** The README's settings tables, from the settings table (placed by server/readme-sections.ts). */

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
