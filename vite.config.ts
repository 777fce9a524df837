import { readFileSync } from 'node:fs';
import type { PluginOption } from 'vite';
import { defineConfig } from 'vitest/config';
import { writeFirefoxBuild } from './extension/build/firefox.ts';
import { noHtmlSink } from './extension/build/no-html-sink.ts';
import { normalizeServerUrl, originPattern } from './extension/common/urls.ts';

// ---- extension build (`vite build` → dist/ for Chromium, dist-firefox/ for Firefox) ----
// GRAFANA_SSO_SERVER_URL: an organisation's token server, preset as the default server URL; its
//   origin becomes a required host permission, so users are not asked for it.
// GRAFANA_SSO_TEST_HOSTS: comma-separated match patterns added to host_permissions, for the browser
//   tests (headless Chromium cannot click a permission prompt); builds into dist-test/ instead.
// Every build writes its Firefox twin next to it (`<outDir>-firefox`, extension/build/firefox.ts).
const presetServerUrl = envServerUrl('GRAFANA_SSO_SERVER_URL');
const testHosts = (process.env.GRAFANA_SSO_TEST_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean);
const testBuild = testHosts.length > 0;

function envServerUrl(name: string): string {
  const value = process.env[name];
  if (!value) return '';
  const url = normalizeServerUrl(value);
  if (!url) throw new Error(`${name}=${value} is not an http(s) URL without query or fragment`);
  return url;
}

function extensionManifest() {
  const manifest = JSON.parse(readFileSync(new URL('./manifest.json', import.meta.url), 'utf8'));
  const hosts: string[] = [...(manifest.host_permissions ?? []), ...testHosts];
  if (presetServerUrl) hosts.push(originPattern(presetServerUrl));
  manifest.host_permissions = [...new Set(hosts)];
  return manifest;
}

// Vitest runs need neither plugin, and crx would start its own machinery: load them for builds only.
async function extensionPlugins(): Promise<PluginOption[]> {
  if (process.env.VITEST) return [];
  const [{ crx }, { default: react }] = await Promise.all([import('@crxjs/vite-plugin'), import('@vitejs/plugin-react')]);
  return [react(), noHtmlSink(), crx({ manifest: extensionManifest() }), firefoxTwin()];
}

/** After the Chromium build is on disk: the same files with a Firefox manifest. */
function firefoxTwin(): PluginOption {
  let outDir = '';
  return {
    name: 'grafana-sso:firefox-build',
    apply: 'build',
    configResolved: (config) => void (outDir = config.build.outDir),
    closeBundle: () => void writeFirefoxBuild(outDir),
  };
}

export default defineConfig({
  plugins: await extensionPlugins(),
  publicDir: 'extension/public',
  define: {
    __GRAFANA_SSO_PRESET_SERVER_URL__: JSON.stringify(presetServerUrl),
    __GRAFANA_SSO_TEST_BUILD__: JSON.stringify(testBuild),
  },
  build: {
    outDir: testBuild ? 'dist-test' : 'dist',
    emptyOutDir: true,
  },
  // Test layout: one vitest project per kind of test, so `npm test` runs all and each can run alone
  // (`npx vitest run --project server`).
  test: {
    projects: [
      {
        test: {
          name: 'server',
          include: ['test/*.test.ts', 'test/server/**/*.test.ts', 'test/grafana/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'extension',
          include: ['test/extension/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
          setupFiles: ['test/extension/setup.ts'],
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
