// The Firefox build: the Chromium build's files, byte for byte, with a Firefox manifest. One source
// of code for both browsers; only the manifest differs (no browser API here: vite.config.ts imports it).
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The add-on id. Firefox keys an add-on's data, its enterprise policy (`3rdparty.Extensions.<id>`) and
 * its store listing by it, so it never changes.
 */
export const geckoId = 'grafana-sso@grafana-sso';

/** Where the Firefox build of `outDir` goes: dist/ → dist-firefox/, dist-test/ → dist-test-firefox/. */
export const firefoxDir = (outDir: string): string => `${outDir.replace(/\/+$/, '')}-firefox`;

type Manifest = Record<string, unknown> & { background?: { service_worker?: string; scripts?: string[]; type?: string } };

/**
 * From the built Chromium manifest:
 * - an event page (`background.scripts`) instead of the service worker Firefox MV3 does not run;
 * - `browser_specific_settings.gecko`: the fixed id, Firefox 140 (the ESR line with
 *   `data_collection_permissions`), and the declaration that the extension collects no data;
 * - no Chromium-only keys (`minimum_chrome_version`; `storage.managed_schema`: Firefox takes policy
 *   values without a schema, see docs/extension.md).
 */
export function firefoxManifest(chromium: Manifest): Manifest {
  const { minimum_chrome_version: _chromeOnly, storage: _schema, background, ...rest } = chromium;
  if (!background?.service_worker) throw new Error('the Chromium manifest has no background.service_worker');
  return {
    ...rest,
    background: { scripts: [background.service_worker], type: background.type ?? 'module' },
    browser_specific_settings: {
      gecko: { id: geckoId, strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } },
      // Firefox for Android reads data_collection_permissions from 142 on.
      gecko_android: { strict_min_version: '142.0' },
    },
  };
}

/** Writes the Firefox build next to a finished Chromium build in `outDir`. */
export function writeFirefoxBuild(outDir: string): string {
  const target = firefoxDir(outDir);
  rmSync(target, { recursive: true, force: true });
  cpSync(outDir, target, { recursive: true });
  const chromium = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as Manifest;
  const schema = (chromium.storage as { managed_schema?: string } | undefined)?.managed_schema;
  if (schema) rmSync(join(target, schema));
  writeFileSync(join(target, 'manifest.json'), `${JSON.stringify(firefoxManifest(chromium), null, 2)}\n`);
  return target;
}
