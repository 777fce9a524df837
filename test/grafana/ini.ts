/**
 * A grafana.ini reader with the parsing rules of go-ini (gopkg.in/ini.v1) as Grafana loads it:
 * - keys before the first [section] belong to the unnamed section '' (e.g. `app_mode`);
 * - whole-line comments start with `#` or `;`; so do inline comments (go-ini cuts at the first `#`/`;`),
 *   which is why Grafana's docs tell you to wrap such values in """triple quotes""" or `backticks`;
 * - `key = value` or `key: value` (first delimiter wins); one pair of surrounding "" or '' is stripped;
 * - names are case-sensitive; a repeated key overwrites, a repeated section merges.
 * Not done: ${ENV} / $__file{} expansion, GF_* environment overrides.
 */
import { StandinConfigError } from './errors.ts';

export type Ini = Map<string, Map<string, string>>;

export function iniValue(ini: Ini, section: string, key: string): string | undefined {
  return ini.get(section)?.get(key);
}

export function parseIni(text: string): Ini {
  const ini: Ini = new Map([['', new Map()]]);
  let current = ini.get('') as Map<string, string>;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);

  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trimStart();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;

    if (line.startsWith('[')) {
      const close = line.lastIndexOf(']');
      if (close < 0) throw new StandinConfigError(`grafana.ini line ${i + 1}`, `unclosed section header "${line}"`);
      const name = line.slice(1, close).trim();
      let section = ini.get(name);
      if (!section) {
        section = new Map();
        ini.set(name, section);
      }
      current = section;
      continue;
    }

    const delimiter = line.search(/[=:]/);
    if (delimiter < 0) {
      throw new StandinConfigError(`grafana.ini line ${i + 1}`, `key-value delimiter not found in "${line}"`);
    }
    const key = line.slice(0, delimiter).trim();
    const rest = line.slice(delimiter + 1).trim();

    if (rest.startsWith('"""')) {
      // Triple-quoted values may span lines and keep `#`/`;` literally.
      let body = rest.slice(3);
      let end = body.indexOf('"""');
      while (end < 0 && i + 1 < lines.length) {
        i++;
        body += '\n' + (lines[i] ?? '');
        end = body.indexOf('"""');
      }
      if (end < 0) throw new StandinConfigError(`grafana.ini key ${key}`, 'unterminated """ value');
      current.set(key, body.slice(0, end));
      continue;
    }
    if (rest.startsWith('`')) {
      const end = rest.indexOf('`', 1);
      if (end < 0) throw new StandinConfigError(`grafana.ini key ${key}`, 'unterminated ` value');
      current.set(key, rest.slice(1, end));
      continue;
    }
    current.set(key, unquote(stripInlineComment(rest)));
  }
  return ini;
}

function stripInlineComment(value: string): string {
  const at = value.search(/[#;]/);
  return at < 0 ? value : value.slice(0, at).trim();
}

function unquote(value: string): string {
  for (const q of ['"', "'"]) {
    if (value.length >= 2 && value.startsWith(q) && value.endsWith(q) && !value.slice(1, -1).includes(q)) {
      return value.slice(1, -1);
    }
  }
  return value;
}
