// Runs the built extension in real Chromium (playwright-core) against the real token server and the
// Grafana stand-in.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { chromiumPath } from './chromium';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const distTest = join(root, 'dist-test');

/**
 * Builds the extension for tests: host permissions for 127.0.0.1 (server, Grafana) and localhost
 * (the "other site") are granted at install, since a headless browser cannot click a permission
 * prompt; alarms may be shorter than 30 s. Output: dist-test/.
 */
export function buildTestExtension(): void {
  const env: NodeJS.ProcessEnv = { ...process.env, GRAFANA_SSO_TEST_HOSTS: 'http://127.0.0.1/*,http://localhost/*' };
  // vite.config.ts skips the extension plugins under vitest: this build is not a vitest run.
  for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'TEST') delete env[key];
  delete env.GRAFANA_SSO_SERVER_URL;
  const result = spawnSync(join(root, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: root, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
}

export interface LoadedExtension {
  context: BrowserContext;
  worker: Worker;
  id: string;
  popupUrl: string;
  optionsUrl: string;
  close(): Promise<void>;
}

export async function launchWithExtension(): Promise<LoadedExtension> {
  const profile = mkdtempSync(join(tmpdir(), 'grafana-sso-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      `--disable-extensions-except=${distTest}`,
      `--load-extension=${distTest}`,
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-gpu',
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const id = new URL(worker.url()).host;
  const manifest = JSON.parse(readFileSync(join(distTest, 'manifest.json'), 'utf8'));
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
