// Opening Grafana signed in: a new tab on `<grafana url><path>?<query>&auth_token=<jwt>`, or without
// the token when the user keeps tokens out of URLs (the header rule then signs the page in).
import browser from 'webextension-polyfill';
import type { OpenResult, OpenTarget } from '../common/messages';
import { hasOrigins } from '../common/permissions';
import { tokenForOpening } from './account-sync';
import { systemDeps, type WorkerDeps } from './worker-deps';
import { instanceUrl, withAuthToken } from './grafana-url';
import { noteOpening } from './in-use';
import { openSignIn } from './server-sign-in';

export async function openGrafana(target: OpenTarget = {}, deps: WorkerDeps = systemDeps): Promise<OpenResult> {
  const outcome = await tokenForOpening(target.instanceId, deps);
  if (!outcome.ok) {
    // Signed out (session_required): sign in, then do what was asked (finish-sign-in.ts).
    if (outcome.reason === 'signed-out') await openSignIn(target, deps.clock);
    if (outcome.reason === 'unconfigured') await browser.runtime.openOptionsPage();
    return outcome;
  }
  const { record, instance, options } = outcome;
  const url = instanceUrl(instance, target.path ?? '/');
  if (options.keepTokensOutOfUrls && !(await hasOrigins([instance.url]))) {
    // Without host access the header rule does not apply: the tab would open signed out. The user
    // chose no tokens in URLs, so say what is missing instead of putting one there.
    await browser.runtime.openOptionsPage();
    return {
      ok: false,
      reason: 'no-host-access',
      message: `Tokens are kept out of URLs, so ${instance.name} needs access to ${new URL(instance.url).host}: allow it in Options, or turn that option off.`,
    };
  }
  // Before the tab exists: a refresh due meanwhile sees the instance in use even if the tab's URL is hidden.
  await noteOpening(instance.id, deps.clock.now());
  await browser.tabs.create({ url: options.keepTokensOutOfUrls ? url : withAuthToken(url, record.token) });
  return { ok: true, instanceId: instance.id };
}
