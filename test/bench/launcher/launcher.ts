// The launcher's speed: real Chromium with the built extension, the real token server and the Grafana
// stand-in, a cached token (the usual case: alarms keep it fresh). In each opened popup, timed in the
// page from its navigation start (performance.now()), by a MutationObserver installed before the
// popup's own scripts run:
//   reference  the popup's own first render (React's first commit: <main> in the document)
//   starred    popup opened → the starred list visible (worker state, the search port, Grafana's
//              starred search with the token, back)
//   keystroke  the last keystroke of a query → its results visible (includes the popup's debounce)
import type { Page } from 'playwright-core';
import { buildTestExtension, launchWithExtension, waitFor, type LoadedExtension } from '../../browser/harness.ts';
import { startStack } from '../../helpers/stack.ts';
import { starAs } from '../../grafana/dashboard-helpers.ts';
import { signInBrowser } from '../signed-in-browser.ts';
import { median } from '../stats.ts';
import { searchDebounceMs } from '../../../extension/popup/search-timing.ts';

export interface LauncherTiming {
  firstRenderMs: number;
  starredMs: number;
  keystrokeMs: number;
}

export interface LauncherResult extends LauncherTiming {
  iterations: number;
  debounceMs: number;
  runs: LauncherTiming[];
}

const alice = { login: 'alice', password: 'correct horse battery', grants: { grafana: 'Editor' as const } };
const query = 'latency';

/**
 * In the popup before its scripts: when each thing first appeared, ms since navigation start. A
 * string, not a function: tsx's transform would wrap a function's inner functions in a helper the
 * page does not have.
 */
const observeLauncher = `
  const marks = (window.benchMarks = {});
  const note = (name, selector) => {
    if (marks[name] === undefined && document.querySelector(selector)) marks[name] = performance.now();
  };
  new MutationObserver(() => {
    note('firstRender', 'main');
    note('starred', '[aria-labelledby="launcher-section-starred"] [role="option"]');
    if (marks.lastKey !== undefined) note('results', '[aria-labelledby="launcher-section-results"] [role="option"]');
  }).observe(document, { childList: true, subtree: true });
  document.addEventListener('keydown', () => void (marks.lastKey = performance.now()), true);
`;

export async function benchLauncher(o: { outDir: string; iterations: number }): Promise<LauncherResult> {
  buildTestExtension(o.outDir);
  const stack = await startStack({ users: [alice] });
  let ext: LoadedExtension | undefined;
  try {
    ext = await launchWithExtension(o.outDir);
    const { context: ctx, worker, popupUrl } = ext;
    await signInBrowser(ext, stack.server.url, alice);
    await starAs(stack, alice, 'http-latency', 'grafana');
    await ctx.addInitScript({ content: observeLauncher });
    const marks = (page: Page) => page.evaluate(() => (window as unknown as { benchMarks: Record<string, number> }).benchMarks);

    const cachedToken = () => worker.evaluate(async () => (await chrome.storage.session.get('token:grafana'))['token:grafana'] !== undefined);
    const once = async (): Promise<LauncherTiming> => {
      const popup = await ctx.newPage();
      await popup.goto(popupUrl);
      await waitFor(async () => (await marks(popup)).starred, 10_000, 'the starred list');
      await popup.keyboard.type(query);
      const m = await waitFor(async () => ((await marks(popup)).results ? marks(popup) : undefined), 10_000, 'the results');
      await popup.close();
      return { firstRenderMs: m.firstRender!, starredMs: m.starred!, keystrokeMs: m.results! - m.lastKey! };
    };

    // One untimed round warms the browser and fetches the token the later rounds find cached.
    await once();
    const runs: LauncherTiming[] = [];
    for (let i = 0; i < o.iterations; i++) {
      if (!(await cachedToken())) throw new Error('the token is no longer cached: the round would not measure the cached case');
      runs.push(await once());
    }
    const mid = (pick: (t: LauncherTiming) => number) => median(runs.map(pick));
    return {
      iterations: o.iterations,
      debounceMs: searchDebounceMs,
      firstRenderMs: mid((t) => t.firstRenderMs),
      starredMs: mid((t) => t.starredMs),
      keystrokeMs: mid((t) => t.keystrokeMs),
      runs,
    };
  } finally {
    await ext?.close();
    await stack.close();
  }
}
