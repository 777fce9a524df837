import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/** The project's rules that no single module's tests would notice being broken. */
function sources(dir: string): { path: string; text: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx|mjs)$/.test(name) ? [{ path, text: readFileSync(path, 'utf8') }] : [];
  });
}
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
const offenders = (files: { path: string; text: string }[], pattern: RegExp) => files.filter((f) => pattern.test(code(f.text))).map((f) => f.path);

const extension = sources('extension');
const server = sources('server');

describe('project conventions', () => {
  it('the extension calls browser APIs only through webextension-polyfill (runs in Firefox too)', () => {
    expect(offenders(extension, /\bchrome\.[a-z]/)).toEqual([]);
  });

  it('only the options and Recent (paths and titles, never a token) touch storage.local/sync; tokens live in storage.session', () => {
    expect(offenders(extension, /storage\.(local|sync)\b/)).toEqual(['extension/background/recent.ts', 'extension/common/options.ts']);
    const store = readFileSync('extension/background/store.ts', 'utf8');
    expect(code(store)).toMatch(/storage\.session/);
  });

  it('nothing logs with console.log/info/debug (tokens must never reach a log)', () => {
    expect(offenders([...extension, ...server], /console\.(log|info|debug)\(/)).toEqual([]);
    expect(offenders(server, /console\./)).toEqual([]);
  });

  it('the extension renders no HTML from strings (the build removes React DOM\'s innerHTML sink)', () => {
    const pages = extension.filter((f) => !f.path.startsWith('extension/build/'));
    expect(offenders(pages, /dangerouslySetInnerHTML|\.(inner|outer)HTML\b|insertAdjacentHTML/)).toEqual([]);
  });

  it('the server never sends CORS headers', () => {
    expect(offenders(server, /access-control-allow/i)).toEqual([]);
  });

  it('the manifest asks for least privilege: no <all_urls>, no tabs/cookies/webRequest, no host permission by default', () => {
    const manifest = JSON.parse(readFileSync('manifest.json', 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(manifest)).not.toContain('<all_urls>');
    expect(manifest.permissions).toEqual(['storage', 'alarms', 'contextMenus', 'declarativeNetRequestWithHostAccess']);
    expect(manifest.host_permissions).toEqual([]);
    expect(manifest.optional_host_permissions).toEqual(['https://*/*', 'http://*/*']);
  });

  it('the server/extension contract imports nothing outside its folder and uses no Node or browser API', () => {
    const contract = sources('server/contract');
    expect(contract.length).toBeGreaterThan(3);
    for (const file of contract) {
      const specifiers = [...code(file.text).matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);
      expect(specifiers.filter((s) => !/^\.\/[\w-]+\.ts$/.test(s!)), file.path).toEqual([]);
    }
    expect(offenders(contract, /\b(process|Buffer|require|window|document|browser|chrome)\b\s*[.(]/)).toEqual([]);
  });

  it('no extension module shares a name with a server module (a name says one job; index.ts is an entry point)', () => {
    const base = (path: string) => path.split('/').at(-1)!.replace(/\.(ts|tsx|mjs)$/, '');
    const serverNames = new Set(server.map((f) => base(f.path)));
    expect(extension.map((f) => f.path).filter((p) => base(p) !== 'index' && serverNames.has(base(p)))).toEqual([]);
  });

  it('server modules import each other with explicit .ts extensions (runs under tsx and node alike)', () => {
    expect(offenders(server, /from '\.{1,2}\/[^']*(?<!\.ts)'/)).toEqual([]);
  });

  it('server modules import one another without cycles (each module has one place in the layering)', () => {
    // Every import, type-only ones included: a cycle means two modules that are really one concern.
    const imports = new Map(
      server.map((f) => [f.path, [...code(f.text).matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((m) => normalize(join(dirname(f.path), m[1]!)))]),
    );
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (path: string, trail: string[]) => {
      if (state.get(path) === 'done') return;
      if (state.get(path) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(path)), path].join(' → '));
        return;
      }
      state.set(path, 'visiting');
      for (const next of imports.get(path) ?? []) visit(next, [...trail, path]);
      state.set(path, 'done');
    };
    for (const path of imports.keys()) visit(path, []);
    expect(cycles).toEqual([]);
  });

  it('Grafana facts are cited from docs/grafana-jwt.md by anchors it has, never from files outside the repository', () => {
    const files = [...server, ...extension, ...sources('test'), ...markdown('docs'), { path: 'README.md', text: readFileSync('README.md', 'utf8') }];
    const anchors = new Set([...readFileSync('docs/grafana-jwt.md', 'utf8').matchAll(/<a id="([\w-]+)"><\/a>/g)].map((m) => m[1]));
    const cited = files.flatMap((f) =>
      [...f.text.matchAll(/grafana-jwt\.md#([\w-]+)((?:, #[\w-]+)*)/g)].flatMap((m) => [m[1]!, ...[...m[2]!.matchAll(/#([\w-]+)/g)].map((a) => a[1]!)]),
    );
    expect(cited.length).toBeGreaterThan(10);
    expect(cited.filter((a) => !anchors.has(a))).toEqual([]);
    // Section numbers of the team's background notes (outside the repository) are no citation.
    expect(offendersIn(files, /grafana-jwt\.md §|(^|[^\w.-])shared\/[\w-]+\.md|\/work\/shared/)).toEqual([]);
  });
});

function markdown(dir: string): { path: string; text: string }[] {
  return readdirSync(dir).filter((n) => n.endsWith('.md')).map((n) => ({ path: join(dir, n), text: readFileSync(join(dir, n), 'utf8') }));
}

function offendersIn(files: { path: string; text: string }[], pattern: RegExp): string[] {
  return files.filter((f) => pattern.test(f.text)).map((f) => f.path);
}
