// Opening Grafana signed in: a new tab on `<grafana url><path>?<query>&auth_token=<jwt>`, or without
// the token when the user keeps tokens out of URLs (the header rule then signs the page in).
import browser from 'webextension-polyfill';
import type { OpenResult, OpenTarget } from '../shared/messages';
import { instanceUrl, withAuthToken } from './grafana-url';
import { openSignIn } from './sign-in';
import { tokenForOpening } from './tokens';

export async function openGrafana(target: OpenTarget = {}): Promise<OpenResult> {
  const outcome = await tokenForOpening(target.instanceId);
  if (!outcome.ok) {
    if (outcome.reason === 'signed-out') await openSignIn();
    if (outcome.reason === 'unconfigured') await browser.runtime.openOptionsPage();
    return outcome;
  }
  const { record, instance, options } = outcome;
  const url = instanceUrl(instance, target.path ?? '/');
  await browser.tabs.create({ url: options.keepTokensOutOfUrls ? url : withAuthToken(url, record.token) });
  return { ok: true, instanceId: instance.id };
}
