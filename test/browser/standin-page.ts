// Reading the Grafana stand-in's page (test/grafana/page.ts) in a browser tab.
import type { TestPage } from './driver';
import { waitFor } from './harness';

/** What the stand-in page in `page` says about who is signed in, once it has asked Grafana. */
export async function signedInPage(page: TestPage): Promise<{ login: string; role: string; status: string }> {
  const status = await waitFor(async () => {
    const text = await page.text('#status').catch(() => '');
    return /^(signed-in|unauthorized|error.*)$/.test(text) ? text : '';
  }, 15_000, 'the stand-in page');
  return { status, login: await page.text('#login'), role: await page.text('#role') };
}
