// Runs the built extension in real Chromium (playwright-core) against the real token server and the
// Grafana stand-in.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { chromiumPath } from './debian-browsers';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const distTest = join(root, 'dist-test');

/**
 * `vite build` of the extension into `outDir`, with `env` (build presets) and nothing else inherited
 * that would change the build: no vitest variables (vite.config.ts skips the extension plugins under
 * vitest), no preset server or test hosts unless given. Writes the Firefox build to `<outDir>-firefox`.
 */
export function buildExtension(outDir: string, env: Record<string, string> = {}): void {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  // Vitest sets NODE_ENV=test, which would make vite bundle React's development build.
  for (const key of Object.keys(clean)) if (key.startsWith('VITEST') || key === 'TEST' || key === 'NODE_ENV') delete clean[key];
  delete clean.GRAFANA_SSO_TEST_HOSTS;
  delete clean.GRAFANA_SSO_SERVER_URL;
  const result = spawnSync(join(root, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], {
    cwd: root,
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
}

/**
 * Builds the extension for tests: host permissions for 127.0.0.1 (server, Grafana) and localhost
 * (the "other site") are granted at install, since a headless browser cannot click a permission
 * prompt; alarms may be shorter than 30 s. Output: dist-test/ unless told otherwise.
 */
export function buildTestExtension(outDir = distTest): void {
  buildExtension(outDir, { GRAFANA_SSO_TEST_HOSTS: 'http://127.0.0.1/*,http://localhost/*' });
}

export interface LoadedExtension {
  context: BrowserContext;
  worker: Worker;
  id: string;
  popupUrl: string;
  optionsUrl: string;
  close(): Promise<void>;
}

/** Headless Chromium with the unpacked extension in `dir` loaded, in a fresh profile. */
export async function launchWithExtension(dir = distTest): Promise<LoadedExtension> {
  const profile = mkdtempSync(join(tmpdir(), 'grafana-sso-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      `--disable-extensions-except=${dir}`,
      `--load-extension=${dir}`,
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-gpu',
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const id = new URL(worker.url()).host;
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  return {
    context,
    worker,
    id,
    popupUrl: `chrome-extension://${id}/${manifest.action.default_popup}`,
    optionsUrl: `chrome-extension://${id}/${manifest.options_ui.page}`,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Stops every service worker, as the browser does when one is idle (CDP ServiceWorker.stopAllWorkers). */
export async function stopServiceWorkers(context: BrowserContext, anyPage: Page): Promise<void> {
  const cdp = await context.newCDPSession(anyPage);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await cdp.detach();
}

/** The next page the context opens while `action` runs. */
export async function nextPage(context: BrowserContext, action: () => Promise<unknown>): Promise<Page> {
  const [page] = await Promise.all([context.waitForEvent('page'), action()]);
  await page.waitForLoadState('domcontentloaded');
  return page;
}

/** Polls `read` until it returns something truthy (or throws after timeoutMs). */
export async function waitFor<T>(read: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
