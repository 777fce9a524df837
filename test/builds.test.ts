// `vite build` makes both extensions; their manifests ask for least privilege, and Firefox's add-on
// linter (web-ext lint, warnings as errors) is clean on the Firefox one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firefoxDir, firefoxManifest, geckoId } from '../extension/build/firefox';
import { buildExtension } from './browser/harness';

const work = mkdtempSync(join(tmpdir(), 'grafana-sso-builds-'));
const chromiumDir = join(work, 'dist');
const firefoxBuildDir = firefoxDir(chromiumDir);
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;

// The parts both builds share, as built (crx rewrites the entry points).
const common = {
  manifest_version: 3,
  name: 'Grafana SSO',
  short_name: 'Grafana SSO',
  version: '0.1.0',
  description: expect.any(String),
  icons: { 16: 'extension/icons/icon-16.png', 32: 'extension/icons/icon-32.png', 48: 'extension/icons/icon-48.png', 128: 'extension/icons/icon-128.png' },
  action: { default_title: 'Grafana SSO', default_popup: 'extension/popup/index.html' },
  options_ui: { page: 'extension/options/index.html', open_in_tab: true },
  permissions: ['storage', 'alarms', 'contextMenus', 'declarativeNetRequestWithHostAccess'],
  host_permissions: [],
  optional_host_permissions: ['https://*/*', 'http://*/*'],
  omnibox: { keyword: 'gf' },
  commands: { 'open-grafana': { suggested_key: { default: 'Alt+Shift+G' }, description: expect.any(String) } },
};

beforeAll(() => buildExtension(chromiumDir), 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('one build, two extensions', () => {
  it('Chromium: a module service worker and the policy schema', () => {
    expect(manifest(chromiumDir)).toEqual({
      ...common,
      minimum_chrome_version: '102',
      background: { service_worker: 'service-worker-loader.js', type: 'module' },
      storage: { managed_schema: 'managed-schema.json' },
    });
  });

  it('Firefox: the same files, an event page, the gecko id, no data collected, no Chromium-only keys', () => {
    expect(manifest(firefoxBuildDir)).toEqual({
      ...common,
      background: { scripts: ['service-worker-loader.js'], type: 'module' },
      browser_specific_settings: {
        gecko: { id: geckoId, strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } },
        gecko_android: { strict_min_version: '142.0' },
      },
    });
    const chromiumWorker = readFileSync(join(chromiumDir, 'service-worker-loader.js'), 'utf8');
    expect(readFileSync(join(firefoxBuildDir, 'service-worker-loader.js'), 'utf8')).toBe(chromiumWorker);
    expect(existsSync(join(firefoxBuildDir, 'managed-schema.json'))).toBe(false);
  });

  it('a test or organisation build keeps its host permissions in the Firefox manifest', () => {
    const built = { background: { service_worker: 'sw.js' }, host_permissions: ['http://127.0.0.1/*'], minimum_chrome_version: '102' };
    expect(firefoxManifest(built)).toMatchObject({ host_permissions: ['http://127.0.0.1/*'], background: { scripts: ['sw.js'], type: 'module' } });
    expect(firefoxManifest(built)).not.toHaveProperty('minimum_chrome_version');
    expect(() => firefoxManifest({ background: { scripts: ['x.js'] } } as never)).toThrow(/service_worker/);
  });

  it('React DOM ships without its innerHTML sink', () => {
    const assets = join(chromiumDir, 'assets');
    const bundle = spawnSync('grep', ['-rl', 'dangerouslySetInnerHTML is disabled', assets], { encoding: 'utf8' });
    expect(bundle.stdout.trim()).not.toBe('');
    expect(spawnSync('grep', ['-rE', '\\.innerHTML=[a-z]', assets]).status).toBe(1);
  });

  it('web-ext lint --warnings-as-errors is clean on the Firefox build', () => {
    const lint = spawnSync('node_modules/.bin/web-ext', ['lint', '--source-dir', firefoxBuildDir, '--output', 'json', '--warnings-as-errors'], { encoding: 'utf8' });
    const report = JSON.parse(lint.stdout) as { summary: Record<string, number>; errors: unknown[]; warnings: unknown[]; notices: unknown[] };
    expect([...report.errors, ...report.warnings, ...report.notices]).toEqual([]);
    expect(report.summary).toEqual({ errors: 0, notices: 0, warnings: 0 });
    expect(lint.status).toBe(0);
  }, 120_000);
});
