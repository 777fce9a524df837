// "Click to signed-in Grafana": real Chromium with the built extension, the real token server and
// the Grafana stand-in. From the click on the popup's "Open Grafana" (Date.now() in the popup, just
// before the click is dispatched) to the stand-in's record of the new tab's first API call that a
// valid token signed in (its wall-clock `time`; the stand-in runs in this process, the same clock).
//
// Cached: the worker holds a fresh token (the usual case: alarms keep it fresh). Uncached: its token,
// header rules and refresh alarm are dropped first, as when a token has expired, so the click waits
// for POST /api/token. Reference, in the same run: the same stand-in page opened in a new tab
// (window.open) with a token already in its URL: what the browser and Grafana's page cost anyway.
import type { BrowserContext, Worker } from 'playwright-core';
import { buildTestExtension, launchWithExtension, waitFor, type LoadedExtension } from '../../browser/harness.ts';
import type { GrafanaStandin, RequestRecord } from '../../grafana/standin.ts';
import { startStack } from '../../helpers/stack.ts';
import { requestToken } from '../../helpers/token-server.ts';
import { signInBrowser } from '../signed-in-browser.ts';
import { median } from '../stats.ts';

export interface Timing {
  /** Start to the first signed-in API call. */
  totalMs: number;
  /** Start to the request for the Grafana page itself (the part the extension can influence). */
  pageMs: number;
}

export interface ClickResult {
  iterations: number;
  cached: Timing;
  uncached: Timing;
  reference: Timing;
  runs: { cached: Timing[]; uncached: Timing[]; reference: Timing[] };
}

const alice = { login: 'alice', password: 'correct horse battery', grants: { grafana: 'Editor' as const } };

export async function benchClick(o: { outDir: string; iterations: number }): Promise<ClickResult> {
  // A test build (host permissions for 127.0.0.1 granted at install: headless Chromium cannot click
  // a permission prompt) in the benchmark's own folder, so the browser tests' dist-test/ is untouched.
  buildTestExtension(o.outDir);
  const stack = await startStack({ users: [alice] });
  const grafana = stack.grafana.grafana!;
  let ext: LoadedExtension | undefined;
  try {
    ext = await launchWithExtension(o.outDir);
    const { context: ctx, worker, popupUrl } = ext;

    // Configure the server, sign in on its login page. No Grafana tab is open, so the sign-in
    // fetches no token: the popup opening does (clickOnce).
    const cookie = await signInBrowser(ext, stack.server.url, alice);
    const blank = await ctx.newPage();

    const clickOnce = async (cached: boolean): Promise<Timing> => {
      const popup = await ctx.newPage();
      await popup.goto(popupUrl);
      await popup.locator('button.open-default:not([disabled])').waitFor();
      if (cached) await waitFor(() => storedToken(worker), 10_000, 'a cached token');
      else await dropToken(worker);
      return measure(grafana, ctx, () =>
        popup.evaluate(() => {
          const t = Date.now();
          document.querySelector<HTMLButtonElement>('button.open-default')!.click();
          return t;
        }),
      );
    };
    const referenceOnce = async (): Promise<Timing> => {
      const res = await requestToken(stack.server.url, `${cookie.name}=${cookie.value}`, 'grafana');
      const { token } = (await res.json()) as { token: string };
      return measure(grafana, ctx, () =>
        blank.evaluate((url) => {
          const t = Date.now();
          window.open(url, '_blank', 'noopener');
          return t;
        }, `${grafana.url}/?auth_token=${token}`),
      );
    };

    // One untimed round of each warms the browser (first tab, first extension page, JIT).
    await clickOnce(true);
    await clickOnce(false);
    await referenceOnce();
    const runs = { cached: [] as Timing[], uncached: [] as Timing[], reference: [] as Timing[] };
    for (let i = 0; i < o.iterations; i++) {
      runs.reference.push(await referenceOnce());
      runs.cached.push(await clickOnce(true));
      runs.uncached.push(await clickOnce(false));
    }
    const summary = (t: Timing[]): Timing => ({ totalMs: median(t.map((x) => x.totalMs)), pageMs: median(t.map((x) => x.pageMs)) });
    return { iterations: o.iterations, cached: summary(runs.cached), uncached: summary(runs.uncached), reference: summary(runs.reference), runs };
  } finally {
    await ext?.close();
    await stack.close();
  }
}

/** Runs `start` (which returns its start time) and waits for the new tab's first signed-in API call. */
async function measure(grafana: GrafanaStandin, ctx: BrowserContext, start: () => Promise<number>): Promise<Timing> {
  const mark = Date.now();
  let off = () => {};
  let pageAt: number | undefined;
  const onPage = (r: RequestRecord) => {
    if (r.kind === 'page' && r.time >= mark) pageAt ??= r.time;
  };
  grafana.events.on('request', onPage);
  const signedIn = new Promise<RequestRecord>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no signed-in API call within 10 s')), 10_000);
    const on = (r: RequestRecord) => {
      if (r.time < mark || r.result !== 'user' || r.tokenSource === null) return;
      clearTimeout(timer);
      resolve(r);
    };
    grafana.events.on('api', on);
    off = () => {
      grafana.events.off('api', on);
      grafana.events.off('request', onPage);
    };
  });
  const tab = ctx.waitForEvent('page');
  try {
    const t0 = await start();
    const record = await signedIn;
    await (await tab).close();
    return { totalMs: record.time - t0, pageMs: (pageAt ?? Number.NaN) - t0 };
  } finally {
    off();
  }
}

function storedToken(worker: Worker): Promise<string | undefined> {
  return worker.evaluate(async () => ((await chrome.storage.session.get('token:grafana'))['token:grafana'] as { token: string } | undefined)?.token);
}

/** What the worker does when a token expires: the token, its header rules and its refresh alarm go. */
function dropToken(worker: Worker): Promise<void> {
  return worker.evaluate(async () => {
    await chrome.alarms.clear('refresh:grafana');
    await chrome.storage.session.remove('token:grafana');
    const rules = await chrome.declarativeNetRequest.getSessionRules();
    await chrome.declarativeNetRequest.updateSessionRules({ removeRuleIds: rules.map((r) => r.id) });
  });
}

